"""Attachment handling: allowed types, size limits, oversized bodies elided before parsing, file names."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING

from connectors.base import Attachment
from connectors.email.charset import decode_header_value
from connectors.email.headers import raw_header

if TYPE_CHECKING:  # mime_walk imports this module
    from connectors.email.mime_walk import Collected

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20

# None for ``allowed_types`` means this list: photos, documents and short videos
# citizens send as evidence. ``*/*`` allows everything; ``image/*`` a whole family.
DEFAULT_ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "image/*",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "video/mp4",
        "video/quicktime",
        "video/3gpp",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/aac",
        "audio/amr",
    }
)
# Never accepted whatever the declared type says: they could run on a clerk's PC.
_DANGEROUS_EXTENSIONS = {
    ".exe",
    ".com",
    ".bat",
    ".cmd",
    ".scr",
    ".pif",
    ".js",
    ".jse",
    ".vbs",
    ".vbe",
    ".wsf",
    ".msi",
    ".ps1",
    ".jar",
    ".lnk",
    ".hta",
    ".dll",
    ".reg",
}
# A run of base64 lines; runs too big to ever be accepted are cut before parsing.
_BASE64_RUN = re.compile(rb"(?:[A-Za-z0-9+/=]{16,998}\r?\n)++")
ELIDED = re.compile(r"^\[talep-hub elided (\d+) bytes\]")


@dataclass
class Limits:
    max_attachment_bytes: int
    allowed_types: frozenset[str]


def _type_allowed(content_type: str, filename: str, allowed: frozenset[str]) -> bool:
    lower_name = filename.lower()
    if any(lower_name.endswith(ext) for ext in _DANGEROUS_EXTENSIONS):
        return False
    if "*/*" in allowed or content_type in allowed:
        return True
    return f"{content_type.split('/', 1)[0]}/*" in allowed


def elide_oversized(raw: bytes, limit: int) -> bytes:
    """Replace base64 bodies bigger than ``limit`` decoded bytes with a short size marker.

    The stdlib parser holds several copies of every line; for a 30 MB photo that is
    hundreds of MB. Such an attachment is rejected anyway, so only its size is kept.
    """
    if len(raw) <= limit:
        return raw
    pieces: list[bytes] = []
    last = 0
    for run in _BASE64_RUN.finditer(raw):
        start, end = run.span()
        if (end - start) * 3 // 4 <= limit:
            continue
        chars = end - start - raw.count(b"\n", start, end) - raw.count(b"\r", start, end)
        pieces.append(raw[last:start])
        pieces.append(b"[talep-hub elided %d bytes]\r\n" % (chars * 3 // 4))
        last = end
    if not pieces:
        return raw
    pieces.append(raw[last:])
    return b"".join(pieces)


def _filename(part: Message) -> str | None:
    """The attachment name, keeping undeclared 8-bit bytes for ``decode_header_value``."""
    name = part.get_filename()
    if name and "\ufffd" in name:
        # The stdlib already replaced raw 8-bit bytes; read the parameter as stored.
        for header in ("Content-Disposition", "Content-Type"):
            stored = raw_header(part, header) or ""
            found = re.search(r'(?:file)?name\s*=\s*"?([^";]+)"?', stored, re.IGNORECASE)
            if found:
                return found.group(1)
    return name


def _estimated_size(part: Message) -> int:
    """Decoded size of a part without decoding it (base64 is 3 bytes per 4 characters)."""
    # The stored payload, not get_payload(), which would copy a 40 MB string to re-decode it.
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str):
        return 0
    elided = ELIDED.match(payload)
    if elided:
        return int(elided.group(1))
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        chars = len(payload) - payload.count("\n") - payload.count("\r") - payload.count(" ")
        return chars * 3 // 4
    return len(payload)


def add_attachment(part: Message, found: Collected, limits: Limits) -> None:
    raw_name = _filename(part)
    filename = decode_header_value(raw_name) if raw_name else ""
    content_type = part.get_content_type()
    if content_type == "application/octet-stream" and filename:
        # Phones often send photos as octet-stream; the file name tells the real type.
        content_type = mimetypes.guess_type(filename)[0] or content_type
    if not filename:
        ext = mimetypes.guess_extension(content_type) or ".bin"
        filename = f"ek-{len(found.attachments) + len(found.rejected) + 1}{ext}"
    estimated = _estimated_size(part)
    reason = None
    if not _type_allowed(content_type, filename, limits.allowed_types):
        reason = "type_not_allowed"
    elif estimated > limits.max_attachment_bytes:
        reason = "too_large"
    elif len(found.attachments) >= MAX_ATTACHMENTS:
        reason = "too_many_attachments"
    data = b""
    if reason is None:
        data = part.get_payload(decode=True) or b""
        if len(data) > limits.max_attachment_bytes:
            reason = "too_large"
    if reason is not None:
        found.rejected.append(
            {
                "filename": filename,
                "content_type": content_type,
                "size": len(data) if data else estimated,
                "reason": reason,
            }
        )
        return
    found.attachments.append(Attachment(filename=filename, content_type=content_type, data=data))


def is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    maintype = part.get_content_maintype()
    if maintype in ("image", "audio", "video", "application", "font", "model"):
        return True
    return maintype == "text" and disposition == "inline" and bool(part.get_filename())
