"""Citizen text from outside is cleaned at the intake boundary, not refused.

PostgreSQL cannot store NUL (\\x00) in text or JSON, nor a lone UTF-16 surrogate (a JSON
webhook can carry ``"\\ud800"``; no UTF-8 encodes it), and an e-mail, a webhook or an imported
row that carries one must not be lost for it (nor fail its whole batch). Every string of a
RawMessage (text, subject, sender, location, thread hints, reply_to, metadata, attachment
names) loses its NUL characters, and its lone surrogates become U+FFFD, before anything reads
it. The JSON API refuses NUL instead (``hub.api.inputs``): its caller can correct the input.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from connectors.base import RawMessage

_BAD = re.compile("[\x00\ud800-\udfff]")


def _fix(m: re.Match[str]) -> str:
    return "" if m.group(0) == "\x00" else "\ufffd"


def _clean(value: Any) -> Any:
    """``value`` without NUL or lone surrogates; the very same object when it had none (the common case,
    and intake cleans every message once or twice)."""
    if isinstance(value, str):
        if value.isascii():  # most strings (ids, names of things): no surrogate possible, a cheap NUL test
            return value.replace("\x00", "") if "\x00" in value else value
        return _BAD.sub(_fix, value) if _BAD.search(value) else value
    if isinstance(value, dict):
        changed = False
        items = []
        for k, v in value.items():
            k2, v2 = _clean(k), _clean(v)
            changed = changed or k2 is not k or v2 is not v
            items.append((k2, v2))
        return dict(items) if changed else value
    if isinstance(value, list | tuple):
        cleaned = [_clean(v) for v in value]
        if any(a is not b for a, b in zip(cleaned, value, strict=True)):
            return type(value)(cleaned)
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name in _field_names(type(value)):
            old = getattr(value, name)
            if not isinstance(old, bytes):  # attachment data is bytes: stored as a file, untouched
                new = _clean(old)
                if new is not old:
                    setattr(value, name, new)
        return value
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def without_nul(raw: RawMessage) -> RawMessage:
    """The same RawMessage, its strings cleaned in place (cheap when there is no NUL)."""
    return _clean(raw)
