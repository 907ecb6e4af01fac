"""Parse one raw e-mail into a ``RawMessage``.

Mail in the wild is messy: Turkish text in windows-1254 with no charset declared,
HTML-only bodies, broken multipart boundaries, forwarded chains, auto-replies that
would loop with our own answers, and 30 MB photo attachments. ``parse_message``
turns all of that into one ``RawMessage`` (or ``None`` for mail that must be
ignored) and raises ``MailParseError`` only for input with no usable message at all,
which the caller quarantines with its raw bytes.

Header reading, ignore rules, attachments and the MIME walk live in headers, ignore, attachments
and mime_walk; this module puts the message together.
"""

from __future__ import annotations

import email
import hashlib
from typing import Any

from connectors.base import RawMessage, Sender, ThreadHints
from connectors.email.attachments import (
    DEFAULT_ALLOWED_TYPES,
    DEFAULT_MAX_ATTACHMENT_BYTES,
    Limits,
    elide_oversized,
)
from connectors.email.charset import decode_header_value
from connectors.email.forwarded import find_forwarded_senders
from connectors.email.headers import (
    addresses,
    message_ids,
    normalise_message_id,
    parse_address,
    raw_header,
    received_at,
)
from connectors.email.ignore import ignore_reason
from connectors.email.mime_walk import Collected, clean_text, walk
from connectors.email.quotes import new_text_of_reply
from connectors.email.runs import fold, unfold
from connectors.tracking import find_code, find_codes

__all__ = [
    "CHANNEL",
    "DEFAULT_ALLOWED_TYPES",
    "DEFAULT_MAX_ATTACHMENT_BYTES",
    "MAX_TEXT_CHARS",
    "MailParseError",
    "normalise_message_id",
    "parse_message",
    "parse_with_reason",
]

CHANNEL = "email"
MAX_TEXT_CHARS = 100_000


class MailParseError(ValueError):
    """The bytes hold no usable e-mail; quarantine them."""


def _dedupe_people(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[Any, Any]] = set()
    out = []
    for person in people:
        key = (person.get("email"), person.get("subject"))
        if key not in seen:
            seen.add(key)
            out.append(person)
    return out


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
        # Long base64 runs skip the line-by-line parser and are put back right after it.
        folded, token, runs = fold(elide_oversized(raw, max_attachment_bytes))
        msg = email.message_from_bytes(folded)
        unfold(msg, token, runs)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser almost never raises; be safe
        raise MailParseError(f"unparseable e-mail: {type(exc).__name__}") from exc
    if not any(msg.get(h) is not None for h in ("From", "Sender", "Subject", "Message-ID", "Date")):
        raise MailParseError("no e-mail headers found")

    reason = ignore_reason(msg, set(own_domains))
    if reason:
        return None, reason

    raw_from = raw_header(msg, "From") or raw_header(msg, "Sender") or ""
    from_name, from_addr = parse_address(raw_from)
    if "@" not in from_addr:
        raise MailParseError("no sender address in From")
    from_addr = from_addr.strip().lower()
    subject = decode_header_value(raw_header(msg, "Subject")) or None

    limits = Limits(
        max_attachment_bytes, frozenset(allowed_types) if allowed_types else DEFAULT_ALLOWED_TYPES
    )
    found = Collected()
    try:
        walk(msg, found, limits)
    except Exception as exc:  # noqa: BLE001 - a parser bug must quarantine, not crash the poller
        raise MailParseError(f"could not read MIME structure: {type(exc).__name__}") from exc

    plain = "\n\n".join(t for t in (clean_text(p) for p in found.plain) if t)
    html = "\n\n".join(t for t in (clean_text(h) for h in found.html) if t)
    text = plain or html
    truncated = len(text) > MAX_TEXT_CHARS
    if truncated:
        text = text[:MAX_TEXT_CHARS]

    message_id = normalise_message_id(msg.get("Message-ID"))
    external_id = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    subject_code = find_code(subject)
    in_reply_to = message_ids(msg.get("In-Reply-To"))
    references = message_ids(" ".join(str(v) for v in msg.get_all("References", []) or []))

    forwarded = _dedupe_people(found.forwarded + find_forwarded_senders(text, subject))
    metadata: dict[str, Any] = {
        "message_id": message_id,
        "date_header": str(msg.get("Date", "")).strip() or None,
        "to": addresses(msg, "To"),
        "cc": addresses(msg, "Cc"),
        "body_format": "plain" if plain else ("html" if html else "empty"),
        "charsets": sorted(found.charsets),
        "rejected_attachments": found.rejected,
    }
    reply_to_header = addresses(msg, "Reply-To")
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
    mentioned = sorted(set(find_codes(text)) - {subject_code})
    if mentioned:
        metadata["mentioned_tracking_codes"] = mentioned

    message = RawMessage(
        channel=CHANNEL,
        external_id=external_id,
        text=text,
        received_at=received_at(msg),
        subject=subject,
        sender=Sender(name=decode_header_value(from_name) or None, email=from_addr),
        attachments=found.attachments,
        thread=ThreadHints(
            in_reply_to=in_reply_to[0] if in_reply_to else None,
            references=references,
            tracking_code=subject_code,
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
