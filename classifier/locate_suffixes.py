"""Turkish case endings on place names, from vowel harmony and consonant assimilation.

A citizen writes "Hunatta", "Dayolukta", "Gümüşsu'daki", "KARAHIDIR'DA": the name plus a case
ending, glued or after an apostrophe. The ending a name takes is fixed by its last vowel (harmony:
-da after a back vowel, -de after a front one; -ın/-in/-un/-ün) and its last sound (-ta after a
voiceless consonant, -nın/-ya/-yı after a vowel). So "hunatta" is Hunat + -ta, while "hunatte" or
"hunatlar" is not a case ending at all: that tells a real suffix from a word that merely starts
with a name.
"""

from __future__ import annotations

BACK = frozenset("aıou")
FRONT = frozenset("eiöü")
VOWELS = BACK | FRONT
VOICELESS = frozenset("çfhkpsşt")
# Final stops soften before a vowel ending when people write the word glued ("Argıncığa").
SOFTENED = {"k": "ğ", "p": "b", "ç": "c", "t": "d"}
_I4 = {"a": "ı", "ı": "ı", "o": "u", "u": "u", "e": "i", "i": "i", "ö": "ü", "ü": "ü"}
_ASCII = str.maketrans("çğıöşü", "cgiosu")

# Case labels. Locative-type endings (in, from, the one in) almost always mean a place; the others
# (of, to, the) also follow people's names ("Mevlana'nın sözleri").
LOCATIVE_CASES = frozenset({"loc", "locrel", "abl"})


def _last_vowel(word: str) -> str:
    for ch in reversed(word):
        if ch in VOWELS:
            return ch
    return "e"


def endings(name_folded: str) -> dict[str, str]:
    """The harmonic case endings of a Turkish-lower-case name: ending -> case label."""
    v = _last_vowel(name_folded)
    last = name_folded[-1:] or "e"
    a = "a" if v in BACK else "e"
    i4 = _I4[v]
    d = "t" if last in VOICELESS else "d"
    after_vowel = last in VOWELS
    n, y = ("n", "y") if after_vowel else ("", "")
    return {
        d + a: "loc",
        d + a + "ki": "locrel",
        d + a + "n": "abl",
        n + i4 + "n": "gen",
        y + a: "dat",
        y + i4: "acc",
        "l" + i4: "from",  # "Erkiletli": from Erkilet
    }


def glued_forms(name_folded: str, key: str) -> dict[str, tuple[str, str]]:
    """ASCII glued spellings of the name key with each ending: form -> (ending, case label).

    Vowel endings also come with a softened final stop ("argincik" -> "arginciga"), as written.
    """
    out: dict[str, tuple[str, str]] = {}
    last = name_folded[-1:]
    for ending, case in endings(name_folded).items():
        asc = ending.translate(_ASCII)
        out[key + asc] = (ending, case)
        if ending[0] in VOWELS and last in SOFTENED and key:
            out[key[:-1] + SOFTENED[last].translate(_ASCII) + asc] = (ending, case)
    return out


def apostrophe_case(suffix: str) -> str | None:
    """Case label of an ending written after an apostrophe ("da", "deki", "nın", "ya"...), any harmony.

    After an apostrophe the word is a proper noun by Turkish spelling rules, so the ending only
    needs to be a case ending, not to agree with the name (people misspell it).
    """
    s = suffix.translate(_ASCII)
    if not s:
        return None
    if s[0] in "dt" and len(s) >= 2 and s[1] in "ae":
        if s[2:4] == "ki":
            return "locrel"
        return "abl" if s[2:3] == "n" else "loc"
    if s in ("nin", "nun", "in", "un"):
        return "gen"
    if s in ("a", "e", "ya", "ye"):
        return "dat"
    if s in ("i", "u", "yi", "yu"):
        return "acc"
    if s in ("li", "lu", "liyim", "luyum", "liler", "lular"):
        return "from"
    return None
