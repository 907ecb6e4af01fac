"""Tracking codes (``KAY-2026-000123``): the one definition of their shape.

A code is the prefix, the year the request came in and the request id, zero-padded to
six digits. Past id 999,999 the number simply grows (``KAY-2026-1000000``), so every
reader accepts six digits or more. It lives here, not in ``hub/``, because connectors
read codes too (an e-mail subject's code is a threading hint) and import nothing from
the hub; the hub formats and looks codes up through these functions.
"""

from __future__ import annotations

import re

MIN_DIGITS = 6  # the padding: every code ever issued has at least six
MAX_DIGITS = 12  # far above any id; bounds the pattern and rejects runaway digit strings

# Exactly what format_code writes: six digits (zero-padded), or more without a leading zero
# (KAY-2026-0001234 was never issued). [0-9], not \d: \d also takes other scripts' digits.
_NUMBER = rf"(?:[0-9]{{{MIN_DIGITS}}}|[1-9][0-9]{{{MIN_DIGITS},{MAX_DIGITS - 1}}})"
_SHAPE = rf"[A-Z]{{2,6}}-[0-9]{{4}}-{_NUMBER}"
_WHOLE = re.compile(_SHAPE)
# In free text: not glued to a preceding letter or digit, and never the start of a longer number.
TRACKING_CODE = re.compile(rf"(?<![A-Za-z0-9])({_SHAPE})(?![0-9])")


def format_code(prefix: str, year: int, request_id: int) -> str:
    return f"{prefix}-{year:04d}-{request_id:0{MIN_DIGITS}d}"


def normalize_code(raw: str | None) -> str | None:
    """The code a person typed (any case, stray spaces), or None when it is not one."""
    code = "".join((raw or "").split()).upper()
    return code if _WHOLE.fullmatch(code) else None


def find_codes(text: str | None) -> list[str]:
    """Every code written in ``text``, in order (upper case only, as the hub writes them)."""
    return TRACKING_CODE.findall(text or "")


def find_code(text: str | None) -> str | None:
    """The first code in ``text``, or None."""
    found = TRACKING_CODE.search(text or "")
    return found.group(1) if found else None
