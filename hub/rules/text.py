"""Turkish-aware text folding used by keyword conditions and name comparisons.

Written with str.replace rather than str.translate: CPython's translate is slow for non-ASCII tables, and
folding runs once per request per rule set in backtests.
"""

from __future__ import annotations

import re

# After Turkish lower-casing, drop diacritics so "çöp" and "cop" meet.
_ASCII_PAIRS = (
    ("ç", "c"),
    ("ğ", "g"),
    ("ı", "i"),
    ("ö", "o"),
    ("ş", "s"),
    ("ü", "u"),
    ("â", "a"),
    ("î", "i"),
    ("û", "u"),
    ("\u0307", ""),  # combining dot left by a decomposed 'İ'
)
_SPACES = re.compile(r"\s+")


def tr_lower(s: str) -> str:
    """Lower-case the Turkish way: 'I' -> 'ı' and 'İ' -> 'i' (str.lower() gets both wrong)."""
    if "I" in s or "İ" in s:
        s = s.replace("I", "ı").replace("İ", "i")
    return s.lower()


def ascii_fold(s: str) -> str:
    """Lower-case the Turkish way, then strip diacritics: 'ÇÖP Kutusu' -> 'cop kutusu'."""
    s = tr_lower(s)
    if s.isascii():
        return s
    for a, b in _ASCII_PAIRS:
        if a in s:
            s = s.replace(a, b)
    return s


def name_key(s: str) -> str:
    """Comparison key for codes and place names: folded, single-spaced, trimmed."""
    s = ascii_fold(s)
    if "  " in s or "\t" in s or "\n" in s:
        s = _SPACES.sub(" ", s)
    return s.strip()
