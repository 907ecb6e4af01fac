"""How the hub writes and reads its JSON columns: orjson, several times faster than the json
module on the intake's hot path (classification, routing trace, events, outbox payloads).

orjson refuses a few things the json module takes (integers beyond 64 bits, lone surrogates in
a hostile text); such a value falls back to the json module, so nothing a citizen sends is
ever refused for its shape. Non-string keys become strings, as json does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any, *, default: Callable[[Any], Any] | None = None, raw_datetimes: bool = False) -> str:
    """JSON text of ``value``. ``raw_datetimes``: datetimes go to ``default`` instead of orjson's
    RFC 3339 form (bulk inserts store them as naive UTC)."""
    options = _OPTIONS | (orjson.OPT_PASSTHROUGH_DATETIME if raw_datetimes else 0)
    try:
        return orjson.dumps(value, default=default, option=options).decode("utf-8")
    except TypeError:
        # ASCII escapes: a lone surrogate cannot be encoded as UTF-8 for the database
        return json.dumps(value, default=default)


def dumpb(value: Any) -> bytes:
    """UTF-8 JSON of an API answer, for the response body. Where orjson refuses the value, the
    json module's text, as aiohttp's json_response writes it (ASCII escapes)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return json.dumps(value).encode("ascii")


def loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what json wrote in the fallback (lone surrogates) or NaN
        return json.loads(text)
