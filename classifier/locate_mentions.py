"""Finding place-name mentions in a text: exact names with their cue or case ending, and typos.

A name counts when something makes it an address (see `_cue`); without a cue word or a district
beside it, a case ending ("Hunatta", "Gümüşsu'daki") is enough on a distinctive name.
"""

from __future__ import annotations

from classifier.locate_cues import ILCE_CUES, MAX_NAME_TOKENS, compact, is_road_word, is_street_word
from classifier.locate_index import PlaceIndex
from classifier.locate_result import CUE_DISTRICT, CUE_NONE, CUE_STRONG, CUE_WEAK, Mention
from classifier.locate_suffixes import apostrophe_case
from classifier.locate_tokens import TokenView

# Endings tried when a typo'd name beside a district is glued to its ending ("şirzadaki").
_TYPO_ENDINGS = sorted(
    "da de ta te daki deki taki teki dan den tan ten nin nun in un a e ya ye i u yi yu".split(),
    key=len,
    reverse=True,
)
_DISTRICT_AFTER_SEPS = frozenset(",(/-–")


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
        apos: dict[int, str],
    ) -> list[Mention]:
        toks = view.toks
        n = len(toks)
        found: list[Mention] = []
        exact_len_at: dict[int, int] = {}  # end index (exclusive) -> longest exact span ending there
        covered: set[int] = set()
        prefixes = self._prefixes
        for i in [i for i, t in enumerate(toks) if t in self._starts]:
            if mah_cue_at[i]:
                continue
            key = ""
            for j in range(i, min(n, i + MAX_NAME_TOKENS)):
                key += toks[j]
                idxs = self._by_key.get(key)
                name = key
                ending = apos.get(j)
                glued = False
                if not idxs and key in self._glued:
                    name, ending, _ = self._glued[key]
                    idxs, glued = self._by_key[name], True
                if idxs:
                    m = self._accept(view, i, j + 1, name, idxs, ending, glued, mah_cue_at, districts,
                                     has_address_cue, foreign, label_before)  # fmt: skip
                    if m is not None:
                        found.append(m)
                        covered.update(range(i, j + 1))
                        if not glued:
                            exact_len_at[j + 1] = max(exact_len_at.get(j + 1, 0), j + 1 - i)
                if key not in prefixes:
                    break
        found += self._cue_typos(toks, mah_cue_at, within, exact_len_at)
        if apos or districts:
            found += self._suffix_typos(view, districts, apos, covered, foreign, has_address_cue)
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

    def _accept(
        self,
        view: TokenView,
        start: int,
        end: int,
        key: str,
        idxs: list[int],
        ending: str | None,
        glued: bool,
        mah_cue_at: list[bool],
        districts: dict[int, str],
        has_address_cue: bool,
        foreign: bool,
        label_before: set[int],
    ) -> Mention | None:
        """A mention of `key` over toks[start:end] if its cue or ending makes it an address, else None."""
        toks = view.toks
        cue, why = self._cue(
            start, end, toks, mah_cue_at, districts, has_address_cue, label_before, view, ending
        )
        if cue is None:
            return None
        cap = None
        if cue in (CUE_WEAK, CUE_NONE):
            case = (
                apostrophe_case(ending)
                if ending and not glued
                else self._glued.get(compact(toks[start:end]), ("", "", ""))[2]
            )
            if ending and case in self._suffix_cases.get(key, ()) and not foreign:
                # The ending marks a place; glued ASCII spellings are fine, "talaş"-like Turkish letters
                # are not. Spelled-out and alias keys have no registry spelling to compare with.
                own = self._key_of[idxs[0]] == key
                if own and not view.written_loosely(
                    start, end, [" ".join(self._fold_tokens[k]) for k in idxs]
                ):
                    return None
                why = f"suffix -{ending} on a distinctive name"
                if key in self._widespread:
                    # Many villages in Türkiye share the name ("Karaköy'de"): a guess, never confident.
                    cap, why = 0.7, f"suffix -{ending} on a name unique in Kayseri but common in Türkiye"
            elif glued and not (cue == CUE_WEAK and self._weak_ok[key]):
                return None
            elif (
                not self._weak_ok[key]
                or (cue == CUE_NONE and (foreign or not self._bare_ok[key]))
                or not view.written_as(
                    start, end, [" ".join(self._fold_tokens[k]) for k in idxs], prefix=glued
                )
            ):
                return None
        if key in self._ilce_by_key and cue != CUE_STRONG:
            return None  # a district name is only a mahalle when "mahallesi" follows
        return Mention(start, end, [(k, 0) for k in idxs], cue, False, ending, why, cap)

    def _cue_typos(
        self, toks: list[str], mah_cue_at: list[bool], within: list[int] | None, exact_len_at: dict[int, int]
    ) -> list[Mention]:
        """Typos right before a mahalle cue; a longer near-match beats a shorter exact one
        ("Kayapınar Cumhuriyt mah." is not plain "Cumhuriyet")."""
        out: list[Mention] = []
        n = len(toks)
        for c in range(1, n):
            if not mah_cue_at[c] or mah_cue_at[c - 1]:
                continue
            best: Mention | None = None
            exact_len = exact_len_at.get(c, 0)
            for length in range(exact_len + 1, 5):
                start = c - length
                if start < 0 or mah_cue_at[start] or toks[start] in self._ilce_keyset:
                    break
                key = compact(toks[start:c])
                # Around an exact shorter name, only word-for-word near matches of longer names count,
                # so "İyi günler. Yukarı mah." does not become "Güneyyukarı".
                ntok = length if exact_len else None
                places = self._fuzzy(key, within, ntok) if within else []
                if not places:
                    places = self._fuzzy(key, None, ntok)
                if not places and len(key) == 4 and not exact_len:
                    # A dropped letter in a five-letter name ("Szak mah." for Sazak): one place only.
                    near = self._fuzzy(key, None, None, min_len=4)
                    if len(near) == 1 and len(self._key_of[near[0][0]]) == 5:
                        places = near
                if places and (best is None or places[0][1] <= best.places[0][1]):
                    best = Mention(start, c, places, CUE_STRONG, True, None, "cue word")
            if best is not None:
                out.append(best)
        return out

    def _suffix_typos(
        self,
        view: TokenView,
        districts: dict[int, str],
        apos: dict[int, str],
        covered: set[int],
        foreign: bool,
        has_address_cue: bool,
    ) -> list[Mention]:
        """One-typo names without a cue word: beside a district (any ending, checked inside that
        district), or marked as a proper noun by an apostrophe ending (distinctive names only)."""
        toks = view.toks
        out: list[Mention] = []
        near_district = {k for i in districts for k in (i - 1, i + 1, i + 2)}
        for j in sorted((set(apos) | near_district) - covered):
            if not 0 <= j < len(toks):
                continue
            tok = toks[j]
            if j in covered or j in districts or len(tok) < 5 or tok in self._foreign or tok in self._home:
                continue
            if tok in self._by_key or tok in self._glued:
                continue  # an exact name (or its ending) that its cue did not allow: not a typo
            beside = districts.get(j - 1) or districts.get(j + 1)
            if beside is None and j >= 2 and toks[j - 1] in ILCE_CUES:
                beside = districts.get(j - 2)
            if beside is not None:
                within = self._places_by_ilce.get(beside, [])
                stems = [(tok, apos.get(j))] + [
                    (tok[: -len(e)], e) for e in _TYPO_ENDINGS if tok.endswith(e) and len(tok) - len(e) >= 4
                ]
                for stem, ending in stems:
                    places = self._fuzzy(stem, within)
                    if places and places[0][1] == 1:
                        name = self.places[places[0][0]].mahalle
                        out.append(Mention(j, j + 1, places, CUE_DISTRICT, True, ending,
                                           f"typo of {name} confirmed by district"))  # fmt: skip
                        break
                continue
            if j not in apos or foreign or len(tok) < 4:
                continue
            case = apostrophe_case(apos[j])
            # The name may have several words, the typo in any of them ("Süksün Zafeer'den").
            start, best = j, None
            for k in (j - 2, j - 1, j):
                # Earlier words may be an exact shorter name ("Gömürgen Yenni'den" is Gömürgen Yeni).
                if k >= 0 and len(key := compact(toks[k : j + 1])) >= 5:
                    best = self._fuzzy_distinct(key)
                    if best is not None:
                        start = k
                        break
            if best is not None and case in self._suffix_cases[best]:
                name = self.places[self._by_key[best][0]].mahalle
                cap = 0.6 if best in self._widespread else None
                cue = CUE_WEAK if has_address_cue else CUE_NONE
                out.append(Mention(start, j + 1, [(i, 1) for i in self._by_key[best]], cue, True, apos[j],
                                   f"typo of {name} with suffix -{apos[j]}", cap))  # fmt: skip
        return out

    def _cue(
        self,
        start: int,
        end: int,
        toks: list[str],
        mah_cue_at: list[bool],
        districts: dict[int, str],
        has_address_cue: bool,
        label_before: set[int],
        view: TokenView,
        ending: str | None,
    ) -> tuple[int | None, str]:
        n = len(toks)
        district_before = (start > 0 and (start - 1) in districts) or (
            start > 1
            and toks[start - 1] in ILCE_CUES
            and (start - 2) in districts  # "Talas ilçesi Mevlana'da"
        )
        if district_before and (start - 1) in districts:
            # "Develi Camikebir" is one name that starts with a district, not Camikebir in Develi.
            whole = compact(toks[start - 1 : end])
            if whole in self._by_key or whole in self._glued:
                district_before = False
        if end < n:
            if mah_cue_at[end]:
                return CUE_STRONG, "cue word"
            # "Cumhuriyet Caddesi" is a street; "Gümüşsu'daki park" is a park in the mahalle. A
            # landmark after "District Name" ("Melikgazi / Tacettinveli Okulu") is in that mahalle.
            if is_street_word(toks[end]) and toks[end] not in self._by_key and not ending:
                if not district_before or is_road_word(toks[end]):
                    return None, ""
        if start in label_before:
            return CUE_STRONG, "form label"
        if district_before:
            return CUE_DISTRICT, "district in text"
        if end in districts and (ending or not _DISTRICT_AFTER_SEPS.isdisjoint(view.sep(end))):
            return CUE_DISTRICT, "district in text"  # "himmetdede'de, Kocasinan", "Abdulbaki (Develi)"
        return (CUE_WEAK, "address words in text") if has_address_cue else (CUE_NONE, "distinctive name")

    def _adjacent_name_in(self, i: int, toks: list[str], ilce: str) -> bool:
        """Is there a mahalle of `ilce` right after or right before token i ("hacılar yukarı")?"""
        n = len(toks)
        for a, b in [(i + 1, k) for k in range(i + 2, min(n, i + 5) + 1)] + [
            (k, i) for k in range(max(0, i - 4), i)
        ]:
            key = compact(toks[a:b])
            name = key if key in self._by_key else self._glued.get(key, (None,))[0]
            if name and any(self.places[p].ilce == ilce for p in self._by_key[name]):
                return True
        return False
