"""Citizen text from outside is cleaned at the intake boundary, not refused.

PostgreSQL cannot store NUL (\\x00) in text or JSON, and an e-mail, a webhook or an
imported row that carries one must not be lost for it (nor fail its whole batch).
Every string of a RawMessage (text, subject, sender, location, thread hints, reply_to,
metadata, attachment names) loses its NUL characters before anything reads it. The
JSON API refuses NUL instead (``hub.api.inputs``): its caller can correct the input.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from connectors.base import RawMessage


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            if not isinstance(old, bytes):  # attachment data is bytes: stored as a file, untouched
                new = _clean(old)
                if new is not old:
                    setattr(value, f.name, new)
        return value
    return value


def without_nul(raw: RawMessage) -> RawMessage:
    """The same RawMessage, its strings cleaned in place (cheap when there is no NUL)."""
    return _clean(raw)
