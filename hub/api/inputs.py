"""The one place that checks integer ids and text coming in over HTTP.

Both databases store ids as signed 64-bit integers, so a larger (or negative) id can
never name a row; passing it on gives an overflow inside the driver (a 500). PostgreSQL
refuses NUL (\\x00) in text and JSON, so a NUL that reaches an INSERT or a WHERE clause
fails there too. The API refuses both up front, naming the field. Citizen text from
outside (e-mail, webhooks, the web form, imports) is not refused but cleaned at the
intake boundary instead (``hub.intake.sanitize``), so the message is not lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from aiohttp import web
from annotated_types import Interval
from pydantic import BeforeValidator, Field, Strict

from hub.actions.errors import ActionError, NotFound

MAX_ID = 2**63 - 1  # the largest BIGINT: no row has a larger id


def _whole(value: Any) -> Any:
    # JSON has one number type: 7.0 is the integer 7 (as JSON Schema says); 7.5, "7" and true stay refused
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _iso_text(value: Any) -> Any:
    # a date-time in JSON is an ISO 8601 string; a bare number is no date (pydantic would take it as epoch)
    if isinstance(value, int | float):
        raise ValueError("expected an ISO 8601 date-time string")
    return value


# A request body's id field: validated by pydantic against the same bounds.
DbId = Annotated[int, Strict(), Interval(ge=1, le=MAX_ID), BeforeValidator(_whole)]
# A date-time in a request body.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text), Field(strict=False)]


def valid_id(value: int) -> bool:
    return 1 <= value <= MAX_ID


def path_int(request: web.Request, not_found: str, name: str = "id") -> int:
    """The integer ``{name}`` of the path; anything that cannot be a row id is a 404."""
    raw = request.match_info[name]
    try:
        value = int(raw)
    except ValueError:
        raise NotFound(not_found, field=name) from None
    if not valid_id(value):
        raise NotFound(not_found, field=name)
    return value


def query_int(raw: str, field: str, *, lo: int = 1, hi: int = MAX_ID) -> int:
    """An integer query parameter within [lo, hi], or a 400 naming the parameter."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise ActionError(f"{field} must be an integer", field=field) from None
    if not lo <= value <= hi:
        raise ActionError(f"{field} must be between {lo} and {hi}", field=field)
    return value


FLAGS = ("true", "false", "1", "0", "yes", "no")
_TRUE = ("true", "1", "yes")


def query_flag(raw: str | None, field: str) -> bool:
    """A yes/no query parameter; absent or empty is no, anything unknown a 400 naming it."""
    if raw is None or raw == "":
        return False
    if raw.lower() not in FLAGS:
        raise ActionError(f"{field} must be one of {', '.join(FLAGS)}", field=field)
    return raw.lower() in _TRUE


def query_date(raw: str | None, field: str) -> str | None:
    """An ISO date (YYYY-MM-DD) query parameter, or None when absent or empty."""
    if not raw:
        return None
    from datetime import date

    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise ActionError(f"{field} must be a date like 2026-01-31", field=field) from None


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) in a JSON value holding NUL, or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            if "\x00" in str(k):
                return sub.replace("\x00", "\\u0000")
            hit = nul_field(v, sub)
            if hit:
                return hit
    elif isinstance(value, list):
        for i, v in enumerate(value):
            hit = nul_field(v, f"{path}.{i}" if path else str(i))
            if hit:
                return hit
    return None


def refuse_nul(data: Any) -> None:
    field = nul_field(data)
    if field:
        raise ActionError(f"{field}: NUL characters (\\u0000) are not allowed in text", field=field)


def _query_nul(request: web.Request) -> str | None:
    if "\x00" in request.path:
        return "path"
    for k, v in request.query.items():
        if "\x00" in k or "\x00" in v:
            return k.replace("\x00", "\\u0000")
    return None


@web.middleware
async def input_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """NUL in the path or the query string is refused on every route, before any handler."""
    field = _query_nul(request)
    if field is not None:
        message = f"{field}: NUL characters (\\u0000) are not allowed"
        if request.path.startswith("/api/"):
            from hub.api.errors import error_response

            return error_response(400, "refused", message, field=field)
        return web.Response(status=400, text=f"Geçersiz karakter (NUL) içeren adres: {field}", charset="utf-8")
    return await handler(request)
