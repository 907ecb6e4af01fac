"""Turkish-aware text folding used by keyword conditions and name comparisons.

Written with str.replace rather than str.translate: CPython's translate is slow for non-ASCII tables, and
folding runs once per request per rule set in backtests.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

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
    if len(s) <= 64:  # place names, codes, topics: the same few thousand, keyed for every request
        return _short_key(s)
    return _key(s)


@lru_cache(maxsize=8192)
def _short_key(s: str) -> str:
    return _key(s)


def _key(s: str) -> str:
    s = ascii_fold(s)
    if "  " in s or "\t" in s or "\n" in s:
        s = _SPACES.sub(" ", s)
    return s.strip()


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR as LF: browsers submit textareas with CRLF, and the digest and the version
    diff must change only when a rule does."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def version_diff(old: str, new: str) -> str:
    """Unified diff between two rule texts as stored with a version (line endings normalised first)."""
    a, b = normalize_newlines(old).splitlines(True), normalize_newlines(new).splitlines(True)
    return "".join(difflib.unified_diff(a, b, "active", "new"))
