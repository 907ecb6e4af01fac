"""Decoding of mail text and headers, with the Turkish fallbacks real mail needs."""

from __future__ import annotations

import codecs
from email.header import decode_header

# Letters that only show up when Turkish (latin5 / cp1254) text was decoded as latin-1/cp1252:
# ğ ş ı İ Ş Ğ sit where latin-1 has ð þ ý Ý Þ Ð.
_LATIN1_MISREAD = set("ðþýÝÞÐ")
_LATIN1_NAMES = {"iso8859-1", "cp1252", "latin-1"}


def _codec_name(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        return codecs.lookup(charset.strip().strip('"').lower()).name
    except (LookupError, ValueError, TypeError):  # unknown name, or NUL bytes in it
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """Decode ``data`` and say which codec was actually used.

    A declared charset is trusted when the bytes fit it. Undeclared or wrong (us-ascii
    with 8-bit bytes is common for Turkish mail from old clients): try UTF-8, then
    windows-1254, which also covers iso-8859-9 for all Turkish letters.
    """
    codec = _codec_name(charset)
    if codec and codec != "ascii":
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            if codec in _LATIN1_NAMES and _LATIN1_MISREAD.intersection(text):
                return data.decode("cp1254", errors="replace"), "cp1254"
            return text, codec
    try:
        return data.decode("utf-8"), "utf-8" if not data.isascii() else (codec or "ascii")
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace"), "cp1254"


def decode_header_value(value: object) -> str:
    """Decode a header (RFC 2047 words, raw 8-bit bytes) into clean text on one line."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        # Raw 8-bit header bytes reach us as surrogate escapes; decode them properly.
        text = decode_bytes(text.encode("ascii", "surrogateescape"))[0]
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001 - a broken encoded word is shown as it came
        return " ".join(text.split())
    out: list[str] = []
    for chunk, chunk_charset in chunks:
        if isinstance(chunk, bytes):
            # Python keeps the spaces around encoded words inside the plain chunks.
            out.append(decode_bytes(chunk, chunk_charset)[0])
        else:
            out.append(chunk)
    return " ".join("".join(out).split())
