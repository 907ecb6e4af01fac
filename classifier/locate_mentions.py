"""Finding place-name mentions in a text: exact names with their cue, and typos before a mahalle cue."""

from __future__ import annotations

from classifier.locate_cues import MAX_NAME_TOKENS, compact, is_street_word
from classifier.locate_index import PlaceIndex
from classifier.locate_result import CUE_DISTRICT, CUE_NONE, CUE_STRONG, CUE_WEAK, Mention
from classifier.locate_tokens import TokenView


class MentionFinder(PlaceIndex):
    """Mention search over the index (mixed into Locator)."""

    def _find_mentions(
        self,
        view: TokenView,
        mah_cue_at: list[bool],
        districts: dict[int, str],
        has_address_cue: bool,
        foreign: bool,
        within: list[int] | None,
        label_before: set[int],
    ) -> list[Mention]:
        toks = view.toks
        n = len(toks)
        found: list[Mention] = []
        exact_len_at: dict[int, int] = {}  # end index (exclusive) -> longest exact span ending there
        prefixes = self._prefixes
        for i in [i for i, t in enumerate(toks) if t in prefixes]:
            if mah_cue_at[i]:
                continue
            key = ""
            for j in range(i, min(n, i + MAX_NAME_TOKENS)):
                key += toks[j]
                if key not in self._prefixes:
                    break
                idxs = self._by_key.get(key)
                if not idxs:
                    continue
                cue = self._cue(i, j + 1, toks, mah_cue_at, districts, has_address_cue, label_before)
                if cue is None:
                    continue
                if cue in (CUE_WEAK, CUE_NONE) and (
                    not self._weak_ok[key]
                    or (cue == CUE_NONE and (foreign or not self._bare_ok[key]))
                    or not view.written_as(i, j + 1, [" ".join(self._fold_tokens[k]) for k in idxs])
                ):
                    continue
                if key in self._ilce_by_key and cue != CUE_STRONG:
                    continue  # a district name is only a mahalle when "mahallesi" follows
                found.append(Mention(i, j + 1, [(k, 0) for k in idxs], cue, False))
                exact_len_at[j + 1] = max(exact_len_at.get(j + 1, 0), j + 1 - i)
        # Typos, only right before a mahalle cue; a longer near-match beats a shorter exact one
        # ("Kayapınar Cumhuriyt mah." is not plain "Cumhuriyet").
        for c in range(1, n):
            if not mah_cue_at[c] or mah_cue_at[c - 1]:
                continue
            best: Mention | None = None
            exact_len = exact_len_at.get(c, 0)
            for length in range(exact_len + 1, 5):
                start = c - length
                if start < 0 or mah_cue_at[start]:
                    break
                key = compact(toks[start:c])
                # Around an exact shorter name, only word-for-word near matches of longer names count,
                # so "İyi günler. Yukarı mah." does not become "Güneyyukarı".
                ntok = length if exact_len else None
                places = self._fuzzy(key, within, ntok) if within else []
                if not places:
                    places = self._fuzzy(key, None, ntok)
                if places and (best is None or places[0][1] <= best.places[0][1]):
                    best = Mention(start, c, places, CUE_STRONG, True)
            if best is not None:
                found.append(best)
        # Keep the strongest, longest, closest non-overlapping mentions.
        found.sort(key=lambda m: (-m.cue, -(m.end - m.start), min(d for _, d in m.places), m.start))
        chosen: list[Mention] = []
        used: set[int] = set()
        for m in found:
            span = set(range(m.start, m.end))
            if span & used:
                continue
            chosen.append(m)
            used |= span
        chosen.sort(key=lambda m: m.start)
        return chosen

    def _cue(
        self,
        start: int,
        end: int,
        toks: list[str],
        mah_cue_at: list[bool],
        districts: dict[int, str],
        has_address_cue: bool,
        label_before: set[int],
    ) -> int | None:
        n = len(toks)
        if end < n:
            if mah_cue_at[end]:
                return CUE_STRONG
            if is_street_word(toks[end]) and toks[end] not in self._by_key:
                return None
        if start in label_before:
            return CUE_STRONG
        if start > 0 and (start - 1) in districts:
            return CUE_DISTRICT
        return CUE_WEAK if has_address_cue else CUE_NONE
