"""Parse one raw e-mail into a ``RawMessage``.

Mail in the wild is messy: Turkish text in windows-1254 with no charset declared,
HTML-only bodies, broken multipart boundaries, forwarded chains, auto-replies that
would loop with our own answers, and 30 MB photo attachments. ``parse_message``
turns all of that into one ``RawMessage`` (or ``None`` for mail that must be
ignored) and raises ``MailParseError`` only for input with no usable message at all,
which the caller quarantines with its raw bytes.
"""

from __future__ import annotations

import email
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from connectors.base import Attachment, RawMessage, Sender, ThreadHints
from connectors.email.charset import decode_bytes, decode_header_value
from connectors.email.forwarded import find_forwarded_senders
from connectors.email.html_text import html_to_text
from connectors.email.quotes import new_text_of_reply

CHANNEL = "email"
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 100_000
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

TRACKING_CODE = re.compile(r"(?<![A-Z0-9])([A-Z]{3}-\d{4}-\d{6})(?!\d)")
_MSG_ID = re.compile(r"<[^<>\s]+>")
_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMON_LOCALPARTS = {"mailer-daemon", "mailerdaemon", "postmaster-daemon", "mail-daemon"}
_MAX_RECEIVED = 40  # more hops than this is a mail loop
# A run of base64 lines; runs too big to ever be accepted are cut before parsing.
_BASE64_RUN = re.compile(rb"(?:[A-Za-z0-9+/=]{16,998}\r?\n)++")
_ELIDED = re.compile(r"^\[talep-hub elided (\d+) bytes\]")
_BOUNDARY_LINE = re.compile(rb"^--([^\s]{4,200}?)(--)?[ \t]*\r?$", re.MULTILINE)


# Text types that are data, not prose: kept as attachments.
_TEXT_AS_FILE = {
    "text/calendar",
    "text/x-vcard",
    "text/vcard",
    "text/csv",
    "text/rtf",
    "text/xml",
    "text/x-vcalendar",
}


class MailParseError(ValueError):
    """The bytes hold no usable e-mail; quarantine them."""


@dataclass
class _Collected:
    """What the MIME walk found."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    forwarded: list[dict[str, Any]] = field(default_factory=list)
    charsets: set[str] = field(default_factory=set)
    recovered_boundary: bool = False


@dataclass
class _Limits:
    max_attachment_bytes: int
    allowed_types: frozenset[str]


def normalise_message_id(value: object) -> str | None:
    """``<id@host>`` form of a Message-ID header, or None when there is none."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    found = _MSG_ID.search(text)
    if found:
        return found.group(0)[:998]
    text = text.strip("<> ")
    if not text or " " in text:
        return None
    return f"<{text[:996]}>"


def _message_ids(value: object) -> list[str]:
    if value is None:
        return []
    return _MSG_ID.findall(" ".join(str(value).split()))


def _domain_of(address: str | None) -> str:
    if not address or "@" not in address:
        return ""
    return address.rsplit("@", 1)[1].strip("<> ").lower()


def _ignore_reason(msg: Message, own_domains: set[str]) -> str | None:
    """Why a message must not become a request (auto-reply, bounce, our own mail, loop)."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted: {auto.split(';')[0]}"
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if msg.get(header) is not None:
            return f"header: {header.lower()}"
    if str(msg.get("X-Autogenerated", "")).strip().lower() in ("reply", "forward", "mirror"):
        return "header: x-autogenerated"
    if msg.get("X-Talep-Hub") is not None:
        return "own message: x-talep-hub"
    ctype = msg.get_content_type()
    report_type = str(msg.get_param("report-type", "") or "").lower()
    if ctype == "multipart/report" or ctype == "message/delivery-status":
        return f"delivery report: {report_type or ctype}"
    if msg.is_multipart():
        for part in msg.walk():
            if part.get_content_type() in ("message/delivery-status", "message/disposition-notification"):
                return f"delivery report: {part.get_content_type()}"
    from_addr = parseaddr(str(msg.get("From", "")))[1].lower()
    if from_addr.split("@", 1)[0] in _DAEMON_LOCALPARTS:
        return "bounce: mailer-daemon sender"
    if str(msg.get("Return-Path", "")).strip() == "<>":
        return "bounce: null return path"
    message_id = normalise_message_id(msg.get("Message-ID"))
    own = {d.lower().strip() for d in own_domains if d}
    if message_id and _domain_of(message_id.strip("<>")) in own:
        return "own message: message-id domain"
    for loop in msg.get_all("X-Loop", []) or []:
        if any(d in str(loop).lower() for d in own):
            return "mail loop: x-loop"
    if len(msg.get_all("Received", []) or []) > _MAX_RECEIVED:
        return "mail loop: too many hops"
    return None


def _type_allowed(content_type: str, filename: str, allowed: frozenset[str]) -> bool:
    lower_name = filename.lower()
    if any(lower_name.endswith(ext) for ext in _DANGEROUS_EXTENSIONS):
        return False
    if "*/*" in allowed or content_type in allowed:
        return True
    return f"{content_type.split('/', 1)[0]}/*" in allowed


def _elide_oversized(raw: bytes, limit: int) -> bytes:
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


def _header(msg: Message, name: str) -> str | None:
    """A header exactly as stored (8-bit bytes as surrogate escapes) for our own decoding.

    ``Message.get`` under compat32 turns raw 8-bit headers into replacement characters,
    which would lose undeclared Turkish letters.
    """
    lname = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lname:
            return str(value)
    return None


def _filename(part: Message) -> str | None:
    """The attachment name, keeping undeclared 8-bit bytes for ``decode_header_value``."""
    name = part.get_filename()
    if name and "\ufffd" in name:
        # The stdlib already replaced raw 8-bit bytes; read the parameter as stored.
        for header in ("Content-Disposition", "Content-Type"):
            stored = _header(part, header) or ""
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
    elided = _ELIDED.match(payload)
    if elided:
        return int(elided.group(1))
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        chars = len(payload) - payload.count("\n") - payload.count("\r") - payload.count(" ")
        return chars * 3 // 4
    return len(payload)


def _add_attachment(part: Message, found: _Collected, limits: _Limits) -> None:
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


def _part_text(part: Message, found: _Collected) -> str:
    data = part.get_payload(decode=True) or b""
    if _ELIDED.match(str(getattr(part, "_payload", ""))):
        return ""  # a text part too big to keep
    text, used = decode_bytes(data, part.get_content_charset())
    found.charsets.add(used)
    if str(part.get_param("format", "") or "").lower() == "flowed":
        text = _unflow(text, str(part.get_param("delsp", "") or "").lower() == "yes")
    return text


def _unflow(text: str, delsp: bool) -> str:
    """Join RFC 3676 soft line breaks (a line ending in a space continues on the next)."""
    out: list[str] = []
    current = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            current += line[:-1] if delsp else line
            continue
        out.append(current + line)
        current = ""
    if current:
        out.append(current)
    return "\n".join(out)


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    maintype = part.get_content_maintype()
    if maintype in ("image", "audio", "video", "application", "font", "model"):
        return True
    return maintype == "text" and disposition == "inline" and bool(part.get_filename())


def _walk(part: Message, found: _Collected, limits: _Limits, depth: int = 0) -> None:
    if depth > 20:  # pathological nesting
        return
    ctype = part.get_content_type()
    payload = getattr(part, "_payload", None)  # as stored: no copy of a large attachment
    if ctype == "message/rfc822" or (part.get_content_maintype() == "message" and isinstance(payload, list)):
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            _walk_forwarded(inner, found, limits, depth)
            return
        if isinstance(payload, list):
            return  # an empty message part: nothing to read
        # A message part the stdlib kept as plain bytes: read it as text below.
    if part.get_content_maintype() == "multipart":
        if isinstance(payload, list):
            _walk_multipart(part, payload, found, limits, depth)
        else:
            _recover_broken_multipart(part, found, limits, depth)
        return
    if part.get_content_maintype() == "message":
        found.plain.append(_part_text(part, found))
    elif _is_attachment(part):
        _add_attachment(part, found, limits)
    elif ctype == "text/html":
        found.html.append(html_to_text(_part_text(part, found)))
    elif ctype in ("text/plain", "text/enriched") or (
        ctype.startswith("text/") and not part.get_filename() and ctype not in _TEXT_AS_FILE
    ):
        found.plain.append(_part_text(part, found))
    else:
        # Calendar invites, vCards, CSV and the like are files, not the citizen's words.
        _add_attachment(part, found, limits)


def _walk_multipart(
    part: Message, children: list[Any], found: _Collected, limits: _Limits, depth: int
) -> None:
    if part.get_content_subtype() == "alternative":
        # Pick one rendering: plain text if it has content, else the HTML one.
        best = None
        for child in children:
            if not isinstance(child, Message):
                continue
            if child.get_content_type() == "text/plain" and _part_text(child, _Collected()).strip():
                best = child
                break
        if best is None:
            for child in children:
                if isinstance(child, Message) and child.get_content_type() in (
                    "text/html",
                    "multipart/related",
                ):
                    best = child
                    break
        if best is None:
            best = next((c for c in children if isinstance(c, Message)), None)
        if best is not None:
            _walk(best, found, limits, depth + 1)
        # Attachments hidden inside other alternatives are still evidence.
        for child in children:
            if isinstance(child, Message) and child is not best and child.is_multipart():
                sub = _Collected()
                _walk(child, sub, limits, depth + 1)
                found.attachments.extend(sub.attachments)
                found.rejected.extend(sub.rejected)
        return
    for child in children:
        if isinstance(child, Message):
            _walk(child, found, limits, depth + 1)


def _walk_forwarded(inner: Message, found: _Collected, limits: _Limits, depth: int) -> None:
    """A message/rfc822 part: a forwarded mail kept whole. Its text joins ours, its author goes to metadata."""
    name, address = parseaddr(_header(inner, "From") or "")
    found.forwarded.append(
        {
            "name": decode_header_value(name) or None,
            "email": address.lower() or None,
            "subject": decode_header_value(_header(inner, "Subject")) or None,
            "date": str(inner.get("Date", "")).strip() or None,
        }
    )
    sub = _Collected()
    _walk(inner, sub, limits, depth + 1)
    text = "\n\n".join(t for t in sub.plain if t.strip()) or "\n\n".join(t for t in sub.html if t.strip())
    header = "---------- İletilen ileti ----------"
    who = found.forwarded[-1]
    lines = [header]
    if who["email"]:
        lines.append(f"Kimden: {who['name'] + ' ' if who['name'] else ''}<{who['email']}>")
    if who["subject"]:
        lines.append(f"Konu: {who['subject']}")
    found.plain.append("\n".join(lines) + "\n\n" + text.strip())
    found.attachments.extend(sub.attachments)
    found.rejected.extend(sub.rejected)
    found.forwarded.extend(sub.forwarded)
    found.charsets |= sub.charsets


def _recover_broken_multipart(part: Message, found: _Collected, limits: _Limits, depth: int) -> None:
    """A multipart whose boundary is missing or wrong: guess it from the body, else keep the text."""
    # For a multipart whose boundary failed, the stdlib kept the body as one payload.
    body = part.get_payload(decode=True) or b""
    counts: dict[bytes, int] = {}
    for match in _BOUNDARY_LINE.finditer(body):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    if counts:
        boundary = max(counts, key=lambda b: counts[b])
        rebuilt = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n' + body
            if b'"' not in boundary
            else b""
        )
        if rebuilt:
            reparsed = email.message_from_bytes(rebuilt)
            children = reparsed.get_payload()
            if isinstance(children, list) and children:
                found.recovered_boundary = True
                _walk_multipart(reparsed, children, found, limits, depth + 1)
                return
    # No usable boundary: the body is the best text there is, minus MIME part headers.
    text = decode_bytes(body)[0]
    kept = [
        line
        for line in text.splitlines()
        if not re.match(r"^(content-[\w-]+|mime-version)\s*:", line, re.IGNORECASE)
        and not line.startswith("--")
    ]
    found.recovered_boundary = True
    found.plain.append("\n".join(kept).strip())


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _received_at(msg: Message) -> datetime:
    try:
        parsed = parsedate_to_datetime(str(msg.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)
    if parsed is None:
        return datetime.now(UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _dedupe_people(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[Any, Any]] = set()
    out = []
    for person in people:
        key = (person.get("email"), person.get("subject"))
        if key not in seen:
            seen.add(key)
            out.append(person)
    return out


def _addresses(msg: Message, header: str) -> list[str]:
    values = [str(v) for v in msg.get_all(header, []) or []]
    return [addr.lower() for _, addr in getaddresses(values) if "@" in addr]


def parse_with_reason(
    raw: bytes,
    *,
    own_domains: set[str] | frozenset[str] = frozenset(),
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    allowed_types: set[str] | frozenset[str] | None = None,
) -> tuple[RawMessage | None, str | None]:
    """Like ``parse_message`` but also says why a message was ignored (for the log)."""
    try:
        return _parse(raw, own_domains, max_attachment_bytes, allowed_types)
    except MailParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser bug means quarantine, never a lost mail
        raise MailParseError(f"unexpected parser error: {type(exc).__name__}") from exc


def _parse(
    raw: bytes,
    own_domains: set[str] | frozenset[str],
    max_attachment_bytes: int,
    allowed_types: set[str] | frozenset[str] | None,
) -> tuple[RawMessage | None, str | None]:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MailParseError(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise MailParseError("empty message")
    try:
        msg = email.message_from_bytes(_elide_oversized(raw, max_attachment_bytes))
    except Exception as exc:  # noqa: BLE001 - the stdlib parser almost never raises; be safe
        raise MailParseError(f"unparseable e-mail: {type(exc).__name__}") from exc
    if not any(msg.get(h) is not None for h in ("From", "Sender", "Subject", "Message-ID", "Date")):
        raise MailParseError("no e-mail headers found")

    reason = _ignore_reason(msg, set(own_domains))
    if reason:
        return None, reason

    raw_from = _header(msg, "From") or _header(msg, "Sender") or ""
    from_name, from_addr = parseaddr(raw_from)
    if "@" not in from_addr:
        raise MailParseError("no sender address in From")
    from_addr = from_addr.strip().lower()
    subject = decode_header_value(_header(msg, "Subject")) or None

    limits = _Limits(
        max_attachment_bytes, frozenset(allowed_types) if allowed_types else DEFAULT_ALLOWED_TYPES
    )
    found = _Collected()
    try:
        _walk(msg, found, limits)
    except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine, not crash the poller
        raise MailParseError(f"could not read MIME structure: {type(exc).__name__}") from exc

    plain = "\n\n".join(t for t in (_clean_text(p) for p in found.plain) if t)
    html = "\n\n".join(t for t in (_clean_text(h) for h in found.html) if t)
    text = plain or html
    truncated = len(text) > MAX_TEXT_CHARS
    if truncated:
        text = text[:MAX_TEXT_CHARS]

    message_id = normalise_message_id(msg.get("Message-ID"))
    external_id = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    code_match = TRACKING_CODE.search(subject or "")
    in_reply_to = _message_ids(msg.get("In-Reply-To"))
    references = _message_ids(" ".join(str(v) for v in msg.get_all("References", []) or []))

    forwarded = _dedupe_people(found.forwarded + find_forwarded_senders(text, subject))
    metadata: dict[str, Any] = {
        "message_id": message_id,
        "date_header": str(msg.get("Date", "")).strip() or None,
        "to": _addresses(msg, "To"),
        "cc": _addresses(msg, "Cc"),
        "body_format": "plain" if plain else ("html" if html else "empty"),
        "charsets": sorted(found.charsets),
        "rejected_attachments": found.rejected,
    }
    reply_to_header = _addresses(msg, "Reply-To")
    if reply_to_header and reply_to_header[0] != from_addr:
        metadata["reply_to_header"] = reply_to_header[0]
    if forwarded:
        metadata["forwarded_chain"] = forwarded
        metadata["original_sender"] = forwarded[-1]
    if truncated:
        metadata["text_truncated"] = True
    if found.recovered_boundary:
        metadata["recovered_broken_mime"] = True
    defects = sorted({type(d).__name__ for part in msg.walk() for d in getattr(part, "defects", [])})
    if defects:
        metadata["mime_defects"] = defects
    if in_reply_to or references or (subject or "").lower().startswith(("re:", "ynt:", "yanıt:", "cvp:")):
        reply_text = new_text_of_reply(text)
        if reply_text and reply_text != text:
            # The full text stays in ``text``; this is what the citizen newly wrote.
            metadata["reply_text"] = reply_text
    mentioned = sorted(set(TRACKING_CODE.findall(text)) - ({code_match.group(1)} if code_match else set()))
    if mentioned:
        metadata["mentioned_tracking_codes"] = mentioned

    message = RawMessage(
        channel=CHANNEL,
        external_id=external_id,
        text=text,
        received_at=_received_at(msg),
        subject=subject,
        sender=Sender(name=decode_header_value(from_name) or None, email=from_addr),
        attachments=found.attachments,
        thread=ThreadHints(
            in_reply_to=in_reply_to[0] if in_reply_to else None,
            references=references,
            tracking_code=code_match.group(1) if code_match else None,
        ),
        reply_to={"email": from_addr, "message_id": message_id, "subject": subject},
        metadata=metadata,
    )
    return message, None


def parse_message(
    raw: bytes,
    *,
    own_domains: set[str] | frozenset[str] = frozenset(),
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    allowed_types: set[str] | frozenset[str] | None = None,
) -> RawMessage | None:
    """One e-mail as a ``RawMessage``; ``None`` for mail to ignore (auto-replies, bounces, our own, loops).

    Raises ``MailParseError`` when the bytes hold no usable message; quarantine them.
    ``allowed_types`` None means ``DEFAULT_ALLOWED_TYPES``; attachments over
    ``max_attachment_bytes`` or of another type are dropped and listed in
    ``metadata["rejected_attachments"]``.
    """
    message, _reason = parse_with_reason(
        raw, own_domains=own_domains, max_attachment_bytes=max_attachment_bytes, allowed_types=allowed_types
    )
    return message
