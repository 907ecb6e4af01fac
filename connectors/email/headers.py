"""Reading e-mail headers: message ids, addresses, the date, raw 8-bit header values."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache

_MSG_ID = re.compile(r"<[^<>\s]+>")


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


def message_ids(value: object) -> list[str]:
    if value is None:
        return []
    return _MSG_ID.findall(" ".join(str(value).split()))


def raw_header(msg: Message, name: str) -> str | None:
    """A header exactly as stored (8-bit bytes as surrogate escapes) for our own decoding.

    ``Message.get`` under compat32 turns raw 8-bit headers into replacement characters,
    which would lose undeclared Turkish letters.
    """
    lname = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lname:
            return str(value)
    return None


_CACHED_CHARS = 512  # longer headers are parsed every time, so the caches stay small


def parse_address(value: str) -> tuple[str, str]:
    """``email.utils.parseaddr``, remembered for short headers: the stdlib walks the header
    character by character in Python, and the same From and To headers come back mail after
    mail (and twice per mail)."""
    return _parse_address(value) if len(value) <= _CACHED_CHARS else parseaddr(value)


@lru_cache(maxsize=4096)
def _parse_address(value: str) -> tuple[str, str]:
    return parseaddr(value)


@lru_cache(maxsize=1024)
def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(addr.lower() for _, addr in getaddresses(list(values)) if "@" in addr)


def addresses(msg: Message, header: str) -> list[str]:
    values = tuple(str(v) for v in msg.get_all(header, []) or [])
    if sum(len(v) for v in values) <= _CACHED_CHARS:
        return list(_addresses(values))
    return list(_addresses.__wrapped__(values))


def received_at(msg: Message) -> datetime:
    try:
        parsed = parsedate_to_datetime(str(msg.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)
    if parsed is None:
        return datetime.now(UTC)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
