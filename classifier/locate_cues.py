"""Cue words of the locator: what makes a name a mahalle, a street, a district or an address."""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

TOKEN_RE = re.compile(r"[^\W_]+")
MAX_NAME_TOKENS = 6

# Words (ASCII-folded) that make the preceding name a mahalle.
# "X mahallesi..." / "X mahallemiz..." name a mahalle; "yeni mahallede" ("in the new neighbourhood")
# is a plain noun, so the bare case forms (mahallede, mahalleye, mahalleler...) are not cues.
MAH_CUES = frozenset("mahalle mah mh mhl mahal mahalesi mahalesinde mahlesi mahallesinde".split())
MAH_CUE_PREFIXES = ("mahallesi", "mahallemiz", "mahalesi")
# Cue words that also serve as form labels ("Mahalle: Mevlana", "Mah.: Sahabiye").
LABEL_WORDS = frozenset("mahalle mahallesi mah mh mhl".split())
KOY_CUES = frozenset("koyu koyunde koyumuz koyumuzde koyune koyunun koyumuzun koyundeki koyden".split())
# Words that make the preceding name a street, park, school...: not a mahalle mention.
STREET_PREFIXES = (
    "baraj",
    "golet",
    "golu",
    "dagi",
    "tepesi",
    "mesire",
    "ormani",
    "yaylasi",
    "kalesi",
    "kaplica",
    "medrese",
    "kumbet",
    "turbe",
    "sokag",
    "sokak",
    "cadde",
    "bulvar",
    "park",
    "okul",
    "ilkokul",
    "ortaokul",
    "lise",
    "hastane",
    "universite",
    "kopru",
    "meydan",
    "camii",
    "cami",
    "durag",
    "kavsag",
    "istasyon",
    "stadyum",
    "carsi",
    "yolu",
    "yolun",
    "tramvay",
    "kultur",
    "spor",
    "apartman",
    "sites",
    "avm",
    "pazari",
    "hamam",
    "mezarlig",
    "kisla",
)
STREET_WORDS = frozenset("sok sk cad cd blv bul apt sitesi site cami".split())
# Words that make a preceding district name a street name ("Hacılar Caddesi", "Talas Yolu").
NAMED_STREET_WORDS = frozenset(
    "caddesi caddesinde caddesine cad cd sokagi sokaginda sokagina sok sk bulvari bulvarinda blv yolu "
    "yolunda yoluna parki parkinda koprusu meydani duragi duraginda".split()
)
# Any of these anywhere in the text makes the text an address ("weak" cue).
ADDRESS_WORDS = frozenset(
    "sok sk cad cd blv bulv apt daire blok kat ilce ilcesi ilcesinde ilcemiz ilcemizde mevkii mevki "
    "adres adresi adresim adresimiz kayseri semt semti".split()
)
ADDRESS_PREFIXES = ("sokag", "sokak", "cadde", "bulvar", "apartman", "mahalle", "mahale", "ilcesi", "adres")


# Whole-text screens run in C before any per-token work.
ADDRESS_WORDSET = ADDRESS_WORDS | MAH_CUES
ADDRESS_PREFIX_RE = re.compile(r"\b(?:" + "|".join(ADDRESS_PREFIXES) + r")|\bno\W{0,3}\d")
MAH_CUE_HINTS = ("mah", "mh", "koy")
# Case endings glued to a place name without an apostrophe ("Talasta", "Erkilette"), ASCII-folded.
GLUED_SUFFIXES = (
    "da de ta te dan den tan ten daki deki taki teki a e ya ye i yi in un nin nun li lu dir dur".split()
)
# Words that look like a misspelt "mahallesi" but are not ("mahalli" = local).
NOT_MAH_CUES = frozenset("mahalli mahallinde mahallen mahallenin mahalleye mahalleden mahallede".split())

ILCE_CUES = frozenset(
    "ilce ilcesi ilcesinde ilcesine ilcesinin ilcemiz ilcemizde belediyesi belediyesine belediyesinden "
    "belediye merkez merkezi merkezinde".split()
)
APOS_WORD_RE = re.compile(r"([^\W_]+)'[^\W_]")
SUFFIX_RE = re.compile(r"(?<=[^\W_])'[^\W_]+")
TR_LETTERS = re.compile("[çğıöşü]")


def compact(tokens: list[str]) -> str:
    return "".join(tokens)


def is_mah_cue(tok: str) -> bool:
    if tok in MAH_CUES or tok.startswith(MAH_CUE_PREFIXES) or tok in KOY_CUES:
        return True
    # Misspelt "mahallesi..." ("mahllesi", "mahallsinde"), but not other words that start with "mah".
    return (
        tok.startswith("mah")
        and 7 <= len(tok) <= 14
        and tok not in NOT_MAH_CUES
        and Levenshtein.distance(tok[:9], "mahallesi", score_cutoff=2) <= 2
    )


ROAD_PREFIXES = ("sokag", "sokak", "cadde", "bulvar", "yolu", "yolun")
ROAD_WORDS = frozenset("sok sk cad cd blv bul".split())


def is_road_word(tok: str) -> bool:
    """Street and road words: "X Caddesi" is always a street, never the mahalle X."""
    return tok in ROAD_WORDS or tok.startswith(ROAD_PREFIXES)


def is_street_word(tok: str) -> bool:
    return tok in STREET_WORDS or tok.startswith(STREET_PREFIXES)
