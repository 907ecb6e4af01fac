"""Turkish-aware text folding used by keyword conditions and name comparisons."""

from __future__ import annotations

import re

# Turkish casing differs from str.lower(): 'I' -> 'ı' and 'İ' -> 'i'.
_TR_LOWER = str.maketrans({"I": "ı", "İ": "i"})
# After lower-casing, drop Turkish diacritics so "çöp" and "cop" meet.
_ASCII = str.maketrans(
    {
        "ç": "c",
        "ğ": "g",
        "ı": "i",
        "ö": "o",
        "ş": "s",
        "ü": "u",
        "â": "a",
        "î": "i",
        "û": "u",
        "\u0307": None,  # combining dot left by some decomposed 'İ'
    }
)
_SPACES = re.compile(r"\s+")


def tr_lower(s: str) -> str:
    return s.translate(_TR_LOWER).lower()


def ascii_fold(s: str) -> str:
    """Lower-case the Turkish way, then strip diacritics: 'ÇÖP Kutusu' -> 'cop kutusu'."""
    return s.translate(_TR_LOWER).lower().translate(_ASCII)


def name_key(s: str) -> str:
    """Comparison key for codes and place names: folded, single-spaced, trimmed."""
    return _SPACES.sub(" ", ascii_fold(s)).strip()
