"""The gazetteer index the locator searches: name keys, district keys, exact and fuzzy lookups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from classifier.gazetteer import Place, name_key
from classifier.locate_cues import GLUED_SUFFIXES, ILCE_CUES, TOKEN_RE, compact
from classifier.locate_names import (
    ABBREVIATIONS,
    COMMON_NAMES,
    LOCATIVE_OK_NAMES,
    NUMBER_WORDS,
    OTHER_IL,
    SPELLING_VARIANTS,
)
from classifier.locate_result import LocateResult
from classifier.locate_suffixes import LOCATIVE_CASES, glued_forms
from classifier.text import ascii_fold, fold

# A name carried by this many mahalle in Türkiye or more is a common village name ("Karaköy").
WIDESPREAD = 5


class PlaceIndex:
    """Lookup tables over the gazetteer's places, built once per Locator."""

    def __init__(
        self, places: list[Place], aliases: Mapping[str, Iterable[tuple[str, str]]] | None = None
    ) -> None:
        """`aliases`: everyday name -> [(ilce, mahalle), ...] it stands for; unknown places are ignored."""
        if not places:
            raise ValueError("gazetteer is empty")
        self.places = places
        self._by_key: dict[str, list[int]] = defaultdict(list)
        self._tokens: list[tuple[str, ...]] = []
        self._fold_tokens: list[tuple[str, ...]] = []
        for i, p in enumerate(places):
            toks = tuple(TOKEN_RE.findall(ascii_fold(p.mahalle)))
            self._tokens.append(toks)
            self._fold_tokens.append(tuple(TOKEN_RE.findall(fold(p.mahalle))))
            self._by_key[compact(list(toks))].append(i)
        index = {(p.ilce, p.mahalle): i for i, p in enumerate(places)}
        self._alias_keys: set[str] = set()
        for alias, targets in (aliases or {}).items():
            key = compact(TOKEN_RE.findall(ascii_fold(alias)))
            idxs = [index[t] for t in targets if t in index]
            if key and idxs and key not in self._by_key:
                self._by_key[key] = idxs
                self._alias_keys.add(key)
        # Official abbreviations and number words written in full: "Eski Camiikebir" = E.camiikebir.
        for i, toks in enumerate(self._tokens):
            for key in _spelled_out(toks):
                if key not in self._by_key:
                    self._by_key[key] = [i]
        self._keys = list(self._by_key)
        self._key_of = [compact(list(t)) for t in self._tokens]
        # OSA distance d needs lengths within d: fuzzy searches look only at keys of near length.
        self._keys_by_len: dict[int, list[str]] = defaultdict(list)
        for key in self._keys:
            self._keys_by_len[len(key)].append(key)
        self._keys_by_ntok: dict[int, list[str]] = defaultdict(list)
        for key, idxs in self._by_key.items():
            for ntok in {len(self._tokens[i]) for i in idxs}:
                self._keys_by_ntok[ntok].append(key)
        self._prefixes = {k[:n] for k in self._keys for n in range(1, len(k) + 1)}
        self._ilce_by_key: dict[str, str] = {}
        self._ilce_fold: dict[str, str] = {}
        self._places_by_ilce: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(places):
            key = "".join(TOKEN_RE.findall(ascii_fold(p.ilce)))
            self._ilce_by_key[key] = p.ilce
            self._ilce_fold[key] = "".join(TOKEN_RE.findall(fold(p.ilce)))
            self._places_by_ilce[p.ilce].append(i)
        self._ilce_keys = list(self._ilce_by_key)
        # Glued case endings: "talasta" -> "talas" (only when the glued form is not a name itself).
        self._ilce_glued: dict[str, str] = {}
        for key in self._ilce_by_key:
            for suf in GLUED_SUFFIXES:
                if key + suf not in self._ilce_by_key and key + suf not in self._by_key:
                    self._ilce_glued[key + suf] = key
        self._ilce_keyset = frozenset(self._ilce_by_key) | frozenset(self._ilce_glued)
        # The gazetteer's own province(s); any other province or big-city district in a text means
        # the text is probably about somewhere else.
        self._home = frozenset(name_key(p.il) for p in places if p.il) or frozenset({"kayseri"})
        self._foreign = (OTHER_IL | {"kayseri"}) - self._home - self._ilce_keyset - set(self._by_key)
        # Per name key: may this name be tagged with a weak cue / with no cue at all?
        self._weak_ok: dict[str, bool] = {}
        self._bare_ok: dict[str, bool] = {}
        for key, idxs in self._by_key.items():
            common = (
                key in COMMON_NAMES
                or key in self._ilce_by_key
                or len(key) <= 4
                or len(idxs) > 1
                or any(places[i].tr_ad_sayisi >= 3 for i in idxs)
                or any(places[i].unit_kind != "mahalle" for i in idxs)
            )
            self._weak_ok[key] = not common
            self._bare_ok[key] = not common and len(key) >= 6 and places[idxs[0]].tr_ad_sayisi <= 2
        # Per name key: which case endings alone make it a place ("Hunatta", "Gümüşsu'daki").
        # Distinctive names (one place in Kayseri, not an everyday word, 5+ letters): any ending.
        # People's and famous names: only locative-type endings. Everyday words, shared names,
        # district names and numbered names: none ("yenide" is a word, not Yeni Mahallesi).
        self._suffix_cases: dict[str, frozenset[str]] = {}
        all_cases = frozenset({"loc", "locrel", "abl", "gen", "dat", "acc", "from"})
        self._widespread: set[str] = set()  # 5+ namesakes in Türkiye: an ending alone is not confident
        for key, idxs in self._by_key.items():
            one = len({places[i].ilce for i in idxs}) == 1 and len(idxs) == 1
            if not one or key in self._ilce_by_key or len(key) < 5:
                continue
            if any(ch.isdigit() for i in idxs for ch in places[i].mahalle):
                continue
            if any(places[i].unit_kind != "mahalle" for i in idxs):
                continue
            if key in LOCATIVE_OK_NAMES:
                self._suffix_cases[key] = LOCATIVE_CASES
            elif key not in COMMON_NAMES:
                self._suffix_cases[key] = all_cases
                if places[idxs[0]].tr_ad_sayisi >= WIDESPREAD:
                    self._widespread.add(key)
        self._suffix_keys = list(self._suffix_cases)
        self._typo_keys_by_len: dict[int, list[str]] = defaultdict(list)
        for k in self._suffix_keys:
            if len(k) >= 6:
                self._typo_keys_by_len[len(k)].append(k)
        # Glued spellings of every name with its harmonic endings: form -> (name key, ending, case).
        self._glued: dict[str, tuple[str, str, str]] = {}
        for key, idxs in self._by_key.items():
            if len(key) < 4:
                continue
            name_fold = "".join(self._fold_tokens[idxs[0]]) if key == self._key_of[idxs[0]] else key
            for form, (ending, case) in glued_forms(name_fold, key).items():
                if key.endswith("su") and ending in ("yu", "yü"):
                    continue  # "Gümüşsuyu" is a compound place name (İstanbul's), not Gümüşsu + -yu
                if form not in self._by_key and form not in self._glued:
                    self._glued[form] = (key, ending, case)
        self._starts = self._prefixes | frozenset(self._glued)

    # --- lookups --------------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Distinct mahalle names, sorted (Turkish-insensitive order)."""
        return sorted({p.mahalle for p in self.places}, key=ascii_fold)

    def ilceler(self) -> list[str]:
        return sorted(self._places_by_ilce, key=ascii_fold)

    def entries(self) -> list[dict[str, Any]]:
        return [{"ilce": p.ilce, "mahalle": p.mahalle, "posta_kodu": p.posta_kodu} for p in self.places]

    def normalize_ilce(self, ilce: str | None) -> str | None:
        """Gazetteer spelling of a district name ("KOCASİNAN", "kocasinan ilcesi" -> "Kocasinan")."""
        if not ilce:
            return None
        toks = [t for t in TOKEN_RE.findall(ascii_fold(ilce)) if t not in ILCE_CUES and t not in self._home]
        key = compact(toks)
        if not key:
            return None
        if key in self._ilce_by_key:
            return self._ilce_by_key[key]
        best = process.extractOne(
            key, self._ilce_keys, scorer=Levenshtein.distance, score_cutoff=1 if len(key) < 7 else 2
        )
        return self._ilce_by_key[best[0]] if best else None

    def _candidate(self, i: int, score: float) -> dict[str, Any]:
        p = self.places[i]
        return {"mahalle": p.mahalle, "ilce": p.ilce, "score": round(score, 3)}

    def _fuzzy(
        self, key: str, within: list[int] | None = None, n_tokens: int | None = None, min_len: int = 5
    ) -> list[tuple[int, int]]:
        """Places whose name key is within one edit (two for long keys) of `key`.

        `n_tokens` restricts to names of that many words (used when a shorter exact name is inside).
        """
        # Short words only get a typo allowance inside a known district ("Kuze mah., Yeşilhisar").
        if len(key) < (3 if within is not None else min_len):
            return []
        # Next to an exact shorter name only one edit is allowed: "geldi (Fatih mh." is not "Gesi Fatih".
        max_d = 1 if len(key) < 9 or n_tokens is not None else 2
        if n_tokens is not None:
            choices = self._keys_by_ntok.get(n_tokens, [])
        elif within is None:
            choices = [k for d in range(-max_d, max_d + 1) for k in self._keys_by_len.get(len(key) + d, ())]
        else:
            choices = list({self._key_of[i] for i in within})
        out: list[tuple[int, int]] = []
        # OSA counts a swap of two neighbouring letters as one edit ("Hisracık" for Hisarcık).
        for cand, dist, _ in process.extract(key, choices, scorer=OSA.distance, score_cutoff=max_d, limit=8):
            for i in self._by_key[cand]:
                if (within is None or i in within) and (n_tokens is None or len(self._tokens[i]) == n_tokens):
                    out.append((i, int(dist)))
        if out:
            best = min(d for _, d in out)
            # One place may have several keys ("E.camiikebir" = "eskicamiikebir" = "eskicamikebir").
            out = list(dict.fromkeys((i, d) for i, d in out if d == best))
        return out

    def _fuzzy_distinct(self, tok: str) -> str | None:
        """The one distinctive name key within one edit of `tok` (None when none or a tie)."""
        near = self._typo_keys_by_len
        choices = [*near.get(len(tok) - 1, ()), *near.get(len(tok), ()), *near.get(len(tok) + 1, ())]
        if not choices:
            return None
        found = process.extract(tok, choices, scorer=OSA.distance, score_cutoff=1, limit=2)
        if len(found) == 1 or (len(found) == 2 and found[0][1] < found[1][1]):
            return found[0][0] if found[0][1] == 1 else None
        return None

    def _ilce_only(self, ilce: str | None, conf: float, cands: list[dict[str, Any]]) -> LocateResult:
        if not ilce:
            return LocateResult()
        return LocateResult(None, ilce, conf, False, cands)


def _spelled_out(toks: tuple[str, ...]) -> set[str]:
    """Name keys with the registry's abbreviations and numbers written in full."""
    options: list[tuple[str, ...]] = []
    changed = False
    for t in toks:
        alts = (t, *ABBREVIATIONS.get(t, ()), *SPELLING_VARIANTS.get(t, ()), *NUMBER_WORDS.get(t, ()))
        changed = changed or len(alts) > 1
        options.append(alts)
    if not changed:
        return set()
    keys = {""}
    for alts in options:
        keys = {k + a for k in keys for a in alts}
    return keys
