"""The MIME tree walk: body text (plain or HTML), forwarded mails kept whole, broken multiparts recovered."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parseaddr
from typing import Any

from connectors.base import Attachment
from connectors.email.attachments import ELIDED, Limits, add_attachment, is_attachment
from connectors.email.charset import decode_bytes, decode_header_value
from connectors.email.headers import raw_header
from connectors.email.html_text import html_to_text

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


@dataclass
class Collected:
    """What the MIME walk found."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    forwarded: list[dict[str, Any]] = field(default_factory=list)
    charsets: set[str] = field(default_factory=set)
    recovered_boundary: bool = False


def _part_text(part: Message, found: Collected) -> str:
    data = part.get_payload(decode=True) or b""
    if ELIDED.match(str(getattr(part, "_payload", ""))):
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


def walk(part: Message, found: Collected, limits: Limits, depth: int = 0) -> None:
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
    elif is_attachment(part):
        add_attachment(part, found, limits)
    elif ctype == "text/html":
        found.html.append(html_to_text(_part_text(part, found)))
    elif ctype in ("text/plain", "text/enriched") or (
        ctype.startswith("text/") and not part.get_filename() and ctype not in _TEXT_AS_FILE
    ):
        found.plain.append(_part_text(part, found))
    else:
        # Calendar invites, vCards, CSV and the like are files, not the citizen's words.
        add_attachment(part, found, limits)


def _walk_multipart(part: Message, children: list[Any], found: Collected, limits: Limits, depth: int) -> None:
    if part.get_content_subtype() == "alternative":
        # Pick one rendering: plain text if it has content, else the HTML one.
        best = None
        taken = False
        for child in children:
            if not isinstance(child, Message):
                continue
            if child.get_content_type() == "text/plain":
                probe = Collected()
                text = _part_text(child, probe)
                if not text.strip():
                    continue
                best = child
                if not is_attachment(child) and depth + 1 <= 20:
                    # ``walk`` would decode it again to the same text: keep this one.
                    found.plain.append(text)
                    found.charsets |= probe.charsets
                    taken = True
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
        if best is not None and not taken:
            walk(best, found, limits, depth + 1)
        # Attachments hidden inside other alternatives are still evidence.
        for child in children:
            if isinstance(child, Message) and child is not best and child.is_multipart():
                sub = Collected()
                walk(child, sub, limits, depth + 1)
                found.attachments.extend(sub.attachments)
                found.rejected.extend(sub.rejected)
        return
    for child in children:
        if isinstance(child, Message):
            walk(child, found, limits, depth + 1)


def _walk_forwarded(inner: Message, found: Collected, limits: Limits, depth: int) -> None:
    """A message/rfc822 part: a forwarded mail kept whole. Its text joins ours, its author goes to metadata."""
    name, address = parseaddr(raw_header(inner, "From") or "")
    found.forwarded.append(
        {
            "name": decode_header_value(name) or None,
            "email": address.lower() or None,
            "subject": decode_header_value(raw_header(inner, "Subject")) or None,
            "date": str(inner.get("Date", "")).strip() or None,
        }
    )
    sub = Collected()
    walk(inner, sub, limits, depth + 1)
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


def _recover_broken_multipart(part: Message, found: Collected, limits: Limits, depth: int) -> None:
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


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
