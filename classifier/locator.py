"""Find the mahalle (neighbourhood) and ilçe (district) a citizen's text talks about.

Matching runs on the ASCII-folded view, so "Mimar Sinan", "mimarsinan" and "MİMARSİNAN" meet;
spaces inside names are ignored ("Yavuz Selim" == "Yavuzselim").

Rules (details and measurements in docs/locator.md):
- A name counts when an address cue makes it an address: directly followed by a mahalle cue
  (Mahallesi, Mah., Mh, mahallesinde, mahallemizde, köyü, misspelt "mahllesi"...), a district beside
  it ("Talas Mevlana", "himmetdede'de, Kocasinan", "Abdulbaki (Develi)"), or, for names that are not
  common words, any address cue in the text (sokak, cadde, no: 5, apt, ilçesi...).
- A Turkish case ending that agrees with the name (vowel harmony, consonant assimilation) makes a
  distinctive name a place on its own: "Hunatta", "Gümüşsu'daki", "KARAHIDIR'DA" (locate_suffixes).
- Without cue or ending only distinctive names are tagged: unique in Kayseri, at most two mahalle of
  that name in Türkiye, six letters or more, not a common word, written exactly, and the text does
  not name another province.
- A name directly followed by a street word ("Cumhuriyet Caddesi", "Fatih Parkı") is not a mahalle.
- Names that exist in several districts are only resolved by a district in the text or the `ilce`
  argument; otherwise the answer is ambiguous, ilce is null and confidence at most 0.5.
- Typos (one edit, OSA: a swap counts once) are looked for before a mahalle cue, beside a district and
  in words with an apostrophe ending; they are confident only when a district confirms them.
- "Confident" means confidence >= CONFIDENT (0.8). Every answer carries a `reason`.

The parts: locate_cues / locate_names (word tables), locate_suffixes (case endings), locate_tokens,
locate_index (exact and fuzzy lookups), locate_mentions, locate_scoring, locate_lookup (resolve,
autocomplete), locate_cli.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from classifier.gazetteer import SHIPPED_PATH, load_places, name_key
from classifier.locate_cli import run_locate_cli
from classifier.locate_cues import (
    ADDRESS_PREFIX_RE,
    ADDRESS_WORDSET,
    APOS_WORD_RE,
    ILCE_CUES,
    LABEL_WORDS,
    MAH_CUE_HINTS,
    NAMED_STREET_WORDS,
    SUFFIX_RE,
    TOKEN_RE,
    is_mah_cue,
)
from classifier.locate_lookup import FormLookup
from classifier.locate_mentions import MentionFinder
from classifier.locate_names import COMMON_ILCE, KAYSERI_ALIASES
from classifier.locate_result import CONFIDENT, LocateResult
from classifier.locate_scoring import MentionScorer
from classifier.locate_tokens import TokenView, separators
from classifier.text import ascii_of_folded, fold

__all__ = ["CONFIDENT", "LocateResult", "Locator", "run_locate_cli"]

_LABEL_SEPS = frozenset(",.;:\n()")


class Locator(MentionFinder, MentionScorer, FormLookup):
    """Gazetteer-backed mahalle/ilçe extraction. Build once (`default()` is cached) and share."""

    @classmethod
    @functools.cache
    def default(cls) -> Locator:
        """The shipped Kayseri gazetteer (loaded once per process)."""
        return cls(load_places(SHIPPED_PATH), aliases=KAYSERI_ALIASES)

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        il: str | None = None,
        aliases: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    ) -> Locator:
        """Load the shipped file, the NVİ Kayseri extract or the national NVİ file filtered to `il`.

        Kayseri's everyday aliases apply when the loaded places are Kayseri's (unless `aliases` is given).
        """
        places = load_places(path, il=il)
        if not places:
            raise ValueError(f"no places for il={il!r} in {path}")
        if aliases is None and all(name_key(p.il) == "kayseri" for p in places):
            aliases = KAYSERI_ALIASES
        return cls(places, aliases=aliases)

    # --- main entry points ----------------------------------------------------------------------------

    def locate(self, text: str, ilce: str | None = None) -> LocateResult:
        """Mahalle and ilçe mentioned in `text`; `ilce` (if known from the channel) narrows candidates."""
        known_ilce = self.normalize_ilce(ilce) if ilce else None
        if not text or not text.strip():
            return self._ilce_only(known_ilce, 1.0, [])
        folded = fold(text)
        # Drop Turkish case suffixes written after an apostrophe ("Talas'ta", "mahallesi'nde"); the
        # folded and ASCII views stay character-aligned, so their tokens pair up one to one.
        apos_words: set[str] = set()
        cut_at: dict[int, str] = {}  # position in the stripped text -> the ending cut there
        if "'" in folded or "’" in folded:
            folded = folded.replace("’", "'")
            # A word with an apostrophe ending is a proper noun in Turkish spelling ("Hacılar'da").
            apos_words = {ascii_of_folded(w) for w in APOS_WORD_RE.findall(folded)}
            folded, cut_at = _cut_endings(folded)
        asc = ascii_of_folded(folded)
        # Token index -> its apostrophe ending ("Hunat'ta" -> "ta").
        apos: dict[int, str] = {}
        if cut_at:
            toks = []
            for m in TOKEN_RE.finditer(asc):
                if m.end() in cut_at:
                    apos[len(toks)] = cut_at[m.end()]
                toks.append(m.group())
        else:
            toks = TOKEN_RE.findall(asc)
        if not toks:
            return self._ilce_only(known_ilce, 1.0, [])
        n = len(toks)
        has_address_cue = not ADDRESS_WORDSET.isdisjoint(toks) or ADDRESS_PREFIX_RE.search(asc) is not None
        if any(h in asc for h in MAH_CUE_HINTS):
            mah_cue_at = [is_mah_cue(t) for t in toks]
        else:
            mah_cue_at = [False] * n
        seps = separators(asc) if ("/" in asc or ":" in asc) else None
        slash_before = [("/" in sep) for sep in seps] if seps else None
        # "Mahalle: Mevlana" is a form label: the cue names the word after it, not before it.
        # "Mahalle: Mevlana" is a form label for the word after it. "Mevlana Mah.: su yok" is a cue
        # for the word before it; with a word before the cue that is not a district, read it both ways.
        label_before: set[int] = set()
        if seps and ":" in asc:
            for i in range(n - 1):
                if mah_cue_at[i] and ":" in seps[i + 1] and toks[i] in LABEL_WORDS and i not in apos:
                    label_before.add(i + 1)
                    if i == 0 or not _LABEL_SEPS.isdisjoint(seps[i]) or toks[i - 1] in self._ilce_keyset:
                        mah_cue_at[i] = False
        view = TokenView(toks, folded, text, asc)
        # A text that names another province is not about Kayseri unless it says so with a cue.
        home = not self._home.isdisjoint(toks)
        foreign = not self._foreign.isdisjoint(toks) and not home
        has_address_cue = has_address_cue or home

        # District mentions (token index -> ilce name).
        districts: dict[int, str] = {}
        for i, t in enumerate(toks) if not self._ilce_keyset.isdisjoint(toks) else ():
            glued = t not in self._ilce_by_key
            t = self._ilce_glued.get(t, t)
            name = self._ilce_by_key.get(t)
            if name is None:
                continue
            if i + 1 < n and mah_cue_at[i + 1]:
                continue  # "Melikgazi mahallesi" names the mahalle of that name, not the district
            if i + 1 < n and toks[i + 1] in NAMED_STREET_WORDS:
                continue  # "Hacılar Caddesi" is a street
            cued = (
                (i + 1 < n and toks[i + 1] in ILCE_CUES)
                or (slash_before is not None and (slash_before[i] or (i + 1 < n and slash_before[i + 1])))
                or has_address_cue
            )
            written_ok = view.written_as(i, i + 1, (self._ilce_fold[t],), prefix=glued)
            proper = t not in COMMON_ILCE or toks[i] in apos_words
            if cued or (written_ok and proper and not foreign):
                districts[i] = name
            elif written_ok and home:
                districts[i] = name
            elif self._adjacent_name_in(i, toks, name):
                districts[i] = name  # "hacılar yukarı", "Abdulbaki (develi)": the pair confirms itself
        # Typo'd district right before "ilçesi" ("Kocasnan ilçesi").
        for i in range(n - 1) if "ilce" in asc else ():
            if i not in districts and toks[i + 1] in ("ilce", "ilcesi", "ilcesinde") and len(toks[i]) >= 5:
                best = process.extractOne(
                    toks[i], self._ilce_keys, scorer=Levenshtein.distance, score_cutoff=1
                )
                if best:
                    districts[i] = self._ilce_by_key[best[0]]

        filter_ilce = {known_ilce} if known_ilce else set(districts.values())
        within = [k for d in filter_ilce for k in self._places_by_ilce.get(d, [])] or None
        mentions = self._find_mentions(
            view, mah_cue_at, districts, has_address_cue and not foreign, foreign, within, label_before, apos
        )
        if not mentions:
            if known_ilce:
                res = self._ilce_only(known_ilce, 1.0, [])
                res.reason = "district given"
                return res
            found = sorted(set(districts.values()), key=list(districts.values()).index)
            if len(found) == 1:
                idx = next(i for i, d in districts.items() if d == found[0])
                cued = (idx + 1 < n and toks[idx + 1] in ILCE_CUES) or has_address_cue
                res = self._ilce_only(found[0], 0.5 if foreign else 0.9 if cued else 0.8, [])
                res.reason = "district only" + ("; another province named" if foreign else "")
                return res
            if len(found) > 1:
                cands = [{"mahalle": None, "ilce": d, "score": round(1 / len(found), 3)} for d in found]
                return LocateResult(None, None, 0.4, True, cands, "several districts, no mahalle")
            return LocateResult()

        results = [self._resolve_mention(m, filter_ilce, known_ilce is not None, toks) for m in mentions]
        for m, (_, r) in zip(mentions, results, strict=True):
            # "Esenyurt İnönü mah.": another place name right before it, and not one of this
            # mahalle's district, suggests an address elsewhere that happens to share the name.
            prev = m.start - 1
            if r.ilce and prev >= 0 and prev not in districts and toks[prev] in self._by_key:
                if r.ilce not in {self.places[i].ilce for i in self._by_key[toks[prev]]}:
                    r.confidence = min(r.confidence, 0.6)
                    r.reason = f"{r.reason}; after another place name, maybe a namesake elsewhere"
                    for c in r.candidates:
                        c["score"] = min(c["score"], 0.6)
        if foreign:
            # The text names another province: whatever matched is probably a namesake there.
            for _, r in results:
                r.confidence = min(r.confidence, 0.5)
                r.reason = f"{r.reason}; another province named"
                for c in r.candidates:
                    c["score"] = min(c["score"], 0.5)
        results.sort(key=lambda r: -r[0])
        best_rank, best = results[0]
        distinct = {(r.mahalle, r.ilce) for _, r in results if r.mahalle}
        if len(distinct) > 1 and sum(1 for rank, _ in results if rank >= best_rank - 0.5) > 1:
            # Two different places named with equal weight: report the first, but not confidently.
            seen = {(c["mahalle"], c["ilce"]) for c in best.candidates}
            for _, r in results[1:]:
                for c in r.candidates:
                    if (c["mahalle"], c["ilce"]) not in seen:
                        best.candidates.append(c)
                        seen.add((c["mahalle"], c["ilce"]))
            best.ambiguous = True
            best.confidence = min(best.confidence, 0.6)
            best.reason = f"{best.reason}; another place named as strongly"
        return best


def _cut_endings(folded: str) -> tuple[str, dict[int, str]]:
    """Drop apostrophe endings ("talas'ta" -> "talas"); also where each was cut and what it was."""
    parts: list[str] = []
    cut_at: dict[int, str] = {}
    pos = prev = 0
    for m in SUFFIX_RE.finditer(folded):
        parts.append(folded[prev : m.start()])
        pos += m.start() - prev
        cut_at[pos] = m.group()[1:]
        prev = m.end()
    parts.append(folded[prev:])
    return "".join(parts), cut_at
