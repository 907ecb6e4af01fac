"""Text folding for forgiving header/value matching, and TCKN masking."""

from __future__ import annotations

import re
import unicodedata

_TR_UPPER_TO_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_ASCII_FOLD = str.maketrans(
    {"ı": "i", "ğ": "g", "ü": "u", "ş": "s", "ö": "o", "ç": "c", "â": "a", "î": "i", "û": "u"}
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def turkish_lower(text: str) -> str:
    """Lower-case with Turkish dotted/dotless i rules (``I`` -> ``ı``, ``İ`` -> ``i``)."""
    return text.translate(_TR_UPPER_TO_LOWER).lower()


def fold(text: object) -> str:
    """Fold a header or code value to lowercase ASCII letters and digits only.

    "Başvuru No", "BASVURU_NO" and "başvuru-no" all fold to ``basvuruno``. Upper-case ``I``
    folds like ``ı`` and then to ``i``, so "İLÇE", "ILCE" and "ilçe" agree.
    """
    if text is None:
        return ""
    s = turkish_lower(str(text)).translate(_ASCII_FOLD)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", s)


def is_valid_tckn(digits: str) -> bool:
    """Check the T.C. kimlik no checksum (11 digits, first not 0, two check digits)."""
    if len(digits) != 11 or not digits.isdigit() or digits[0] == "0":
        return False
    d = [int(c) for c in digits]
    d10 = ((sum(d[0:9:2]) * 7) - sum(d[1:8:2])) % 10
    d11 = sum(d[:10]) % 10
    return d[9] == d10 and d[10] == d11


def mask_tckn_value(value: object) -> str | None:
    """Mask a value from a TCKN column: keep the first digit only (``1**********``)."""
    if value is None:
        return None
    s = re.sub(r"\D", "", str(value))
    if not s:
        return None
    return s[0] + "*" * (len(s) - 1)


_ELEVEN_DIGITS = re.compile(r"(?<!\d)[1-9](?:[ .]?\d){10}(?!\d)")


def scrub_tckn(text: str) -> str:
    """Mask every checksum-valid TCKN written anywhere in free text.

    Only valid numbers are masked, so ordinary 11-digit numbers (phone numbers without the
    leading zero rarely validate) are left readable.
    """

    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if not is_valid_tckn(digits):
            return m.group(0)
        return mask_tckn_value(digits) or ""

    return _ELEVEN_DIGITS.sub(repl, text)
