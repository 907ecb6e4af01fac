"""Scoring one mention: confidence from its cue and typo distance, ambiguity when names are shared."""

from __future__ import annotations

from classifier.locate_cues import compact
from classifier.locate_index import PlaceIndex
from classifier.locate_result import BASE_CONF, CUE_STRONG, LocateResult, Mention


class MentionScorer(PlaceIndex):
    """Turns a mention into a ranked LocateResult (mixed into Locator)."""

    def _resolve_mention(
        self, m: Mention, filter_ilce: set[str], ilce_given: bool, toks: list[str]
    ) -> tuple[float, LocateResult]:
        base = BASE_CONF[m.cue]
        places = m.places
        conflict = False
        confirmed = False
        if filter_ilce:
            inside = [(i, d) for i, d in places if self.places[i].ilce in filter_ilce]
            if not inside and m.cue == CUE_STRONG:
                # The exact name is not in that district: maybe a typo of one that is.
                within = [k for d in filter_ilce for k in self._places_by_ilce.get(d, [])]
                inside = self._fuzzy(compact(toks[m.start : m.end]), within)
            if inside:
                places, confirmed = inside, True
            else:
                conflict = True
        dist = min(d for _, d in places)
        places = [(i, d) for i, d in places if d == dist]
        # A near-miss is only confident when a district in the text (or argument) confirms it:
        # unconfirmed, "zaman mah." could be a typo of Kaman or just the word "zaman".
        if dist == 0:
            conf = base
        elif confirmed:
            conf = 0.87 if dist == 1 else 0.77
        else:
            conf = 0.75 if dist == 1 else 0.6
        rank = m.cue + (0.5 if confirmed else 0.0) - 0.3 * dist
        why = m.why
        if m.fuzzy and dist and "typo" not in why:
            why = f"typo of {self.places[places[0][0]].mahalle} before a {why}"
        if confirmed and "district" not in why:
            why += "; district " + ("given" if ilce_given else "in text")
        if conflict and ilce_given:
            known = next(iter(filter_ilce))
            cands = [self._candidate(i, 0.2) for i, _ in places]
            why += "; not in the given district"
            return rank - 1, LocateResult(None, known, 0.5, True, cands, why)
        if len(places) == 1:
            i = places[0][0]
            p = self.places[i]
            if conflict:
                conf = min(conf, 0.6)
                why += "; the district in text does not have it"
                return rank - 1, LocateResult(p.mahalle, p.ilce, conf, True, [self._candidate(i, conf)], why)
            if confirmed and dist == 0:
                conf = min(0.99, conf + 0.03)
            if m.cap is not None and not confirmed:
                conf = min(conf, m.cap)
            return rank, LocateResult(
                p.mahalle, p.ilce, round(conf, 3), False, [self._candidate(i, conf)], why
            )
        # Several places share the name: rank them by population, never answer confidently.
        total = sum(max(self.places[i].population, 1) for i, _ in places)
        scored = sorted(
            ((i, 0.5 * max(self.places[i].population, 1) / total) for i, _ in places), key=lambda x: -x[1]
        )
        top = self.places[scored[0][0]]
        same_ilce = {self.places[i].ilce for i, _ in places}
        if conflict and len(filter_ilce) == 1:
            ilce_out, mahalle_out = next(iter(filter_ilce)), None
            why += "; the district in text has none of these"
        elif len(same_ilce) == 1:  # e.g. "Süksün" covers three mahalle of İncesu
            ilce_out, mahalle_out = next(iter(same_ilce)), None
            why += "; several mahalle of one district carry the name"
        else:
            ilce_out, mahalle_out = None, top.mahalle
            why += "; name in several districts, no district in text"
        conf = round(min(0.5, max(scored[0][1], 0.2)), 3)
        return rank - 1, LocateResult(
            mahalle_out, ilce_out, conf, True, [self._candidate(i, s) for i, s in scored], why
        )
