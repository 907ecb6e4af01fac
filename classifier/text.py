"""Turkish-aware text normalisation: case folding, ASCII folding and cleaning of citizen messages.

`fold` and `ascii_fold` keep a one-to-one character mapping between their outputs, so token
positions found in the ASCII view are valid in the folded view (the locator relies on this).
PII masking lives in classifier.pii and is re-exported here for convenience.
"""

from __future__ import annotations

import re
import unicodedata

from classifier.pii import is_valid_tckn, mask_pii, normalize_phone_tr

__all__ = [
    "fold",
    "ascii_fold",
    "ascii_of_folded",
    "clean",
    "mask_pii",
    "is_valid_tckn",
    "normalize_phone_tr",
]

# Python's str.lower() turns "I" into "i" and "İ" into "i" + U+0307; Turkish wants "ı" and "i".
_COMBINING_DOT = "\u0307"

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
        "ä": "a",
        "à": "a",
        "á": "a",
        "é": "e",
        "è": "e",
        "ê": "e",
        "ë": "e",
        "í": "i",
        "ì": "i",
        "ï": "i",
        "ó": "o",
        "ò": "o",
        "ô": "o",
        "ú": "u",
        "ù": "u",
        "ñ": "n",
        # Typographic apostrophes become ASCII so suffix splitting works on one character.
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
    }
)


# The common Turkish letters go through str.replace (a fast C scan); translate() handles the rest.
_TR_PAIRS = (("ç", "c"), ("ğ", "g"), ("ı", "i"), ("ö", "o"), ("ş", "s"), ("ü", "u"))


def fold(text: str) -> str:
    """Turkish lower-case: "İSTANBUL" -> "istanbul", "IŞIK" -> "ışık", decomposed İ handled."""
    if text.isascii():
        return text.replace("I", "ı").lower() if "I" in text else text.lower()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "I" in text:
        text = text.replace("I", "ı")
    if "İ" in text:
        text = text.replace("İ", "i")
    text = text.lower()
    if _COMBINING_DOT in text:
        text = text.replace(_COMBINING_DOT, "")
    return text


def ascii_fold(text: str) -> str:
    """`fold` plus removal of Turkish diacritics, so "Çöp toplanmıyor" and "cop toplanmiyor" meet."""
    return ascii_of_folded(fold(text))


def ascii_of_folded(folded: str) -> str:
    """ASCII view of an already `fold`-ed string; same length, so positions carry over."""
    if folded.isascii():
        return folded
    for tr, asc in _TR_PAIRS:
        if tr in folded:
            folded = folded.replace(tr, asc)
    if not folded.isascii():
        folded = folded.translate(_ASCII)
    return folded


# --- cleaning ---------------------------------------------------------------------------------------

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Reply headers that introduce a quoted previous message; everything after them is dropped.
_REPLY_HEADER_RE = re.compile(
    r"^[ \t]*(?:on\s.{3,200}\swrote:|.{0,200}tarihinde.{0,200}(?:yazdı|şunu yazdı)[ \t]*:|"
    r"-{2,}\s*(?:original message|orijinal ileti|orijinal mesaj|özgün ileti|forwarded message|"
    r"iletilen ileti)\s*-{2,})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_MOBILE_FOOTER_RE = re.compile(
    r"^[ \t]*(?:sent from my \w+.*|iphone'?umdan gönderildi.*|android için outlook.*|"
    r"get outlook for \w+.*|samsung galaxy akıllı telefonumdan gönderildi.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_CLOSING_RE = re.compile(
    r"(?:^|(?<=[\s.!,;]))(?:saygılarımla|saygılarımızla|saygılar(?:ımla)?|iyi çalışmalar(?:\s+dilerim)?|"
    r"kind regards|best regards|regards)\b",
    re.IGNORECASE,
)
# Emoji, pictographs, dingbats, flags, variation selectors and joiners.
_EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U00002b00-\U00002bff"
    "\U0000fe00-\U0000fe0f\U0000200d\U000020e3\U0001f3fb-\U0001f3ff\U0000231a-\U0000231b"
    "\U000023e9-\U000023fa\U00003030\U0000303d]+"
)
# Every character of _EMOJI_RE is at or above U+200D; this one-range search is ~5x cheaper.
_MAY_HAVE_EMOJI = re.compile("[\u200d-\U0010ffff]").search
_LETTER_RUN_RE = re.compile(r"([^\W\d_])\1{2,}")
# Cheap necessary conditions for the substitutions below (most messages need none of them):
# any letter run contains some character three times in a row; a punctuation run contains a
# doubled mark or four dots; the space pattern changes nothing without a tab, NBSP or double space.
_TRIPLE_CHAR = re.compile(r"(.)\1\1", re.DOTALL).search
_PUNCT_RUN_RE = re.compile(r"([!?,;:])\1+|\.{4,}")
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES_RE = re.compile(r"\n\s*\n\s*\n+")

# A closing formula is only a signature when little text follows it (name, title, phone).
_MAX_SIGNATURE_TAIL = 120
_MAX_SIGNATURE_WORDS = 8


def _looks_like_signature(text: str, closing: re.Match[str]) -> bool:
    """The closing starts a line or a sentence, and only a short name/title block follows it."""
    before = text[: closing.start()].rstrip(" \t")
    if before and before[-1] not in "\n.!?":
        return False
    tail = text[closing.end() :]
    return len(tail) <= _MAX_SIGNATURE_TAIL and len(tail.split()) <= _MAX_SIGNATURE_WORDS


def _cut_quotes_and_signature(text: str) -> str:
    header = _REPLY_HEADER_RE.search(text)
    if header:
        text = text[: header.start()]
    if ">" in text:
        text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))
    # RFC 3676 signature separator "-- " (also tolerate "--" alone on its line).
    sep = re.search(r"^--[ \t]?$", text, re.MULTILINE)
    if sep:
        text = text[: sep.start()]
    closings = list(_CLOSING_RE.finditer(text))
    closing = closings[-1] if closings else None
    if closing is not None and closing.start() > 0 and _looks_like_signature(text, closing):
        text = text[: closing.start()]
    return text


def _punct_run(m: re.Match[str]) -> str:
    return m.group(1) or "..."


def clean(text: str) -> str:
    """Strip URLs, quoted e-mail replies, signatures and emoji; squeeze letter/punctuation runs.

    Letter runs of three or more collapse to two ("çoooook" -> "çook"), so real Turkish double
    letters ("saat", "Hacılar") stay intact. Whitespace is normalised; line breaks are kept.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in text or "ards" in text or "aygı" in text or "çalışma" in text:
        text = _cut_quotes_and_signature(text)
        text = _MOBILE_FOOTER_RE.sub("", text)
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL_RE.sub(" ", text)
    if not text.isascii() and _MAY_HAVE_EMOJI(text):
        text = _EMOJI_RE.sub(" ", text)
    if _TRIPLE_CHAR(text):
        text = _LETTER_RUN_RE.sub(r"\1\1", text)
    if "!!" in text or "??" in text or ",," in text or ";;" in text or "::" in text or "...." in text:
        text = _PUNCT_RUN_RE.sub(_punct_run, text)
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES_RE.sub(" ", text)
    if "\n" in text:
        text = "\n".join(line.strip() for line in text.split("\n"))
        text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip()
