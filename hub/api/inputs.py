"""The one place that checks integer ids and text coming in over HTTP.

Both databases store ids as signed 64-bit integers, so a larger (or negative) id can
never name a row; passing it on gives an overflow inside the driver (a 500). PostgreSQL
refuses NUL (\\x00) in text and JSON, so a NUL that reaches an INSERT or a WHERE clause
fails there too. The API refuses both up front, naming the field. Citizen text from
outside (e-mail, webhooks, the web form, imports) is not refused but cleaned at the
intake boundary instead (``hub.intake.sanitize``), so the message is not lost.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from hub.actions.errors import ActionError, NotFound

MAX_ID = 2**63 - 1  # the largest BIGINT: no row has a larger id
# A request body's id field: validated by pydantic against the same bounds.
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


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
