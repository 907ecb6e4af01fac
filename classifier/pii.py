"""Masking of Turkish personal data: TC kimlik no, phone numbers, e-mail addresses and IBANs.

`mask_pii` runs inside a logging filter, so texts without digits or "@" return immediately.
"""

from __future__ import annotations

import logging
import re

__all__ = ["is_valid_tckn", "normalize_phone_tr", "mask_pii", "PiiLogFilter"]

TCKN_TAG = "[TCKN]"
PHONE_TAG = "[TELEFON]"
EMAIL_TAG = "[EPOSTA]"
IBAN_TAG = "[IBAN]"

# Geographic area codes in use in Türkiye (BTK numbering plan); 5xx are mobiles, 850 is nationwide.
_AREA_CODES = frozenset(
    """212 216 222 224 226 228 232 236 242 246 248 252 256 258 262 264 266 272 274 276 282 284 286 288
    312 318 322 324 326 328 332 338 342 344 346 348 352 354 356 358 362 364 366 368 370 372 374 376 378
    380 382 384 386 388 412 414 416 422 424 426 428 432 434 436 438 442 446 452 454 456 458 462 464 466
    472 474 476 478 482 484 486 488 850""".split()
)


def is_valid_tckn(s: str) -> bool:
    """True for an 11-digit TC kimlik no that passes the official checksum rules."""
    s = s.strip()
    if len(s) != 11 or not s.isdigit() or s[0] == "0":
        return False
    d = [ord(c) - 48 for c in s]
    odd = d[0] + d[2] + d[4] + d[6] + d[8]
    even = d[1] + d[3] + d[5] + d[7]
    if (odd * 7 - even) % 10 != d[9]:
        return False
    return sum(d[:10]) % 10 == d[10]


def _national_number(digits: str) -> str | None:
    """The 10-digit national significant number, or None when the digits are not a Turkish number."""
    if digits.startswith("0090") and len(digits) == 14:
        digits = digits[4:]
    elif digits.startswith("90") and len(digits) == 12:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:
        digits = digits[1:]
    if len(digits) != 10:
        return None
    head = digits[:3]
    if digits[0] == "5" or head in _AREA_CODES:
        return digits
    return None


def normalize_phone_tr(s: str) -> str | None:
    """E.164 form ("+905321234567") of a Turkish phone number in any common writing, else None."""
    if not s or len(s) > 40:
        return None
    stripped = s.strip()
    if re.search(r"[^\d\s()+.\-/]", stripped):
        return None
    if "+" in stripped[1:]:
        return None
    digits = re.sub(r"\D", "", stripped)
    if stripped.startswith("+") and not digits.startswith("90"):
        return None
    national = _national_number(digits)
    return "+90" + national if national else None


# Bounded repeats keep the patterns linear on hostile input (long runs of letters or spaces).
_EMAIL_RE = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_IBAN_RE = re.compile(r"(?<![\w])TR(?:[ ]?\d){24}(?!\d)", re.IGNORECASE)
_TCKN_RE = re.compile(r"(?<![\d+])[1-9]\d{10}(?!\d)")
# Optional +90 / 0090 / 0 prefix, area or operator code (possibly in parentheses), then 3-2-2 or
# 3-4 digit groups separated by spaces, dots or dashes.
_PHONE_RE = re.compile(
    r"""(?<![\w+])
    (?:(?:\+|00)[ ]?90[ .\-]{0,3}(?:\(0\)[ ]?)?|\(?0\)?[ .\-]{0,3})?
    \(?([2-58]\d{2})\)?[ .\-]{0,3}
    (\d{3})[ .\-]?(\d{2})[ .\-]?(\d{2})
    (?![\d])""",
    re.VERBOSE,
)
_HAS_DIGIT = re.compile(r"\d").search


def _mask_tckn(m: re.Match[str]) -> str:
    return TCKN_TAG if is_valid_tckn(m.group()) else m.group()


def _mask_phone(m: re.Match[str]) -> str:
    national = "".join(m.groups())
    if national[0] == "5":
        return PHONE_TAG
    # Ten bare digits starting 2-4 are as often an invoice or contract number as a landline;
    # a landline needs its 0/+90 prefix or some grouping to count.
    if national[:3] in _AREA_CODES and m.group() != national:
        return PHONE_TAG
    return m.group()


def mask_pii(text: str) -> str:
    """Replace TC kimlik no, phone numbers, e-mail addresses and IBANs with placeholders.

    Only checksum-valid TC kimlik numbers are masked; other 11-digit numbers (invoice, subscriber
    numbers) stay readable. Phone numbers need a Turkish mobile prefix or a real area code.
    """
    if not text:
        return text
    has_at = "@" in text
    if not has_at and not _HAS_DIGIT(text):
        return text
    if has_at:
        text = _EMAIL_RE.sub(EMAIL_TAG, text)
    if "TR" in text or "tr" in text or "Tr" in text:
        text = _IBAN_RE.sub(IBAN_TAG, text)
    text = _TCKN_RE.sub(_mask_tckn, text)
    return _PHONE_RE.sub(_mask_phone, text)


class PiiLogFilter(logging.Filter):
    """Logging filter that masks personal data in every record's final message.

    Attach to handlers: `handler.addFilter(PiiLogFilter())`. The record's args are merged into the
    message first, so "%s" placeholders cannot smuggle a phone number past the mask.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not stop logging
            message = str(record.msg)
        masked = mask_pii(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        return True
