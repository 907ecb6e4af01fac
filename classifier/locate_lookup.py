"""Lookups for forms: normalising a given mahalle/ilçe (resolve) and prefix suggestions (autocomplete)."""

from __future__ import annotations

from typing import Any

from rapidfuzz.distance import Levenshtein

from classifier.locate_cues import ILCE_CUES, TOKEN_RE, compact, is_mah_cue
from classifier.locate_index import PlaceIndex
from classifier.locate_result import LocateResult
from classifier.text import ascii_fold


class FormLookup(PlaceIndex):
    """resolve() and autocomplete() over the index (mixed into Locator)."""

    def resolve(self, mahalle: str, ilce: str | None = None) -> LocateResult:
        """Normalise a known location (from a form or a muhtar) to gazetteer names.

        Accepts "MEVLANA MAH.", "mevlana mahallesi", "Mevlna", "Talas Mevlana", "Mevlana (Talas)",
        "Mevlana Mah. Talas/Kayseri"; a district narrows the search.
        """
        known_ilce = self.normalize_ilce(ilce) if ilce else None
        skip = ILCE_CUES | self._home
        toks = [t for t in TOKEN_RE.findall(ascii_fold(mahalle or "")) if not is_mah_cue(t) and t not in skip]
        if len(toks) > 1 and compact(toks) not in self._by_key:
            # A district written inside the field, before or after the name.
            if toks[0] in self._ilce_by_key:
                known_ilce = known_ilce or self._ilce_by_key[toks[0]]
                toks = toks[1:]
            elif toks[-1] in self._ilce_by_key:
                known_ilce = known_ilce or self._ilce_by_key[toks[-1]]
                toks = toks[:-1]
        key = compact(toks)
        if not key:
            return self._ilce_only(known_ilce, 1.0 if known_ilce else 0.0, [])
        within = self._places_by_ilce.get(known_ilce, []) if known_ilce else None
        places = [(i, 0) for i in self._by_key.get(key, []) if within is None or i in within]
        if not places:
            places = self._fuzzy(key, within)
        if not places:
            others = [self._candidate(i, 0.3) for i in self._by_key.get(key, [])]
            return LocateResult(None, known_ilce, 0.5 if known_ilce else 0.0, bool(others), others)
        dist = places[0][1]
        conf = 1.0 if dist == 0 else 0.9 if dist == 1 else 0.8
        if len(places) == 1:
            p = self.places[places[0][0]]
            return LocateResult(p.mahalle, p.ilce, conf, False, [self._candidate(places[0][0], conf)])
        cands = [self._candidate(i, 0.5 / len(places)) for i, _ in places]
        return LocateResult(self.places[places[0][0]].mahalle, None, 0.4, True, cands)

    @staticmethod
    def _near_prefix(key: str, name_key: str) -> bool:
        n = len(key)
        return any(
            Levenshtein.distance(key, name_key[:m], score_cutoff=1) <= 1 for m in (n - 1, n, n + 1) if m > 0
        )

    def autocomplete(self, prefix: str, limit: int = 10, ilce: str | None = None) -> list[dict[str, Any]]:
        """Mahalle suggestions for a typed prefix: name starts first, then word starts, then contains,
        then one-typo prefixes.

        Each item: {"mahalle", "ilce", "label" ("Mevlana (Talas)"), "posta_kodu"}.
        """
        toks = [t for t in TOKEN_RE.findall(ascii_fold(prefix or "")) if not is_mah_cue(t)]
        key = compact(toks)
        if not key or limit <= 0:
            return []
        known_ilce = self.normalize_ilce(ilce) if ilce else None
        ranked: list[tuple[int, int, str, int]] = []
        for i, p in enumerate(self.places):
            if known_ilce and p.ilce != known_ilce:
                continue
            name_key = compact(list(self._tokens[i]))
            if name_key.startswith(key):
                rank = 0
            elif any(t.startswith(toks[0]) for t in self._tokens[i]):
                rank = 1
            elif len(key) >= 3 and key in name_key:
                rank = 2
            elif len(key) >= 4 and self._near_prefix(key, name_key):
                rank = 3  # one typo in what was typed so far ("mevlna")
            else:
                continue
            ranked.append((rank, -p.population, ascii_fold(p.mahalle), i))
        ranked.sort()
        out = []
        for _, _, _, i in ranked[:limit]:
            p = self.places[i]
            out.append(
                {
                    "mahalle": p.mahalle,
                    "ilce": p.ilce,
                    "label": f"{p.mahalle} ({p.ilce})",
                    "posta_kodu": p.posta_kodu,
                }
            )
        return out
