"""Every error leaves as JSON naming the field and the problem; never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.exc import DataError

from hub.actions.errors import ActionError, TooLarge
from hub.api.inputs import path_int, refuse_nul
from hub.auth import PermissionDenied
from hub.db_errors import RETRY_AFTER_SECONDS, database_unavailable
from hub.observability import metrics

log = logging.getLogger(__name__)


def path_id(request: web.Request, not_found: str) -> int:
    """The integer ``{id}`` of the path; anything that cannot be a row id is a 404 saying ``not_found``."""
    return path_int(request, not_found, "id")


def error_response(status: int, error: str, message: str, *, field: str | None = None, errors: list | None = None) -> web.Response:
    body: dict = {"error": error, "message": message}
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return web.json_response(body, status=status)


def validation_errors(exc: ValidationError) -> list[dict]:
    out = []
    for e in exc.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in e["loc"]) or "body"
        problem = "unknown field" if e["type"] == "extra_forbidden" else e["msg"]
        out.append({"field": field, "problem": problem})
    return out


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        resp = await handler(request)
    except ValidationError as exc:
        errs = validation_errors(exc)
        resp = error_response(422, "validation_error", f"{errs[0]['field']}: {errs[0]['problem']}", field=errs[0]["field"], errors=errs)
    except PermissionDenied as exc:
        resp = error_response(403, "forbidden", str(exc))
    except ActionError as exc:
        resp = error_response(exc.status, "refused", exc.message, field=exc.field)
    except web.HTTPRequestEntityTooLarge:
        resp = error_response(413, "too_large", "request body is larger than the limit")
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        resp = error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.text or exc.reason)
        if "Allow" in exc.headers:  # a 405 names the methods the path takes
            resp.headers["Allow"] = exc.headers["Allow"]
    except Exception as exc:
        resp = _unexpected(request, exc)
    if resp.status >= 400:
        metrics.http_errors.inc(str(resp.status))
    return resp


def unavailable_response() -> web.Response:
    resp = error_response(503, "database_unavailable",
                          f"the database is not reachable right now; retry in {RETRY_AFTER_SECONDS} seconds")  # fmt: skip
    resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return resp


def _unexpected(request: web.Request, exc: Exception) -> web.Response:
    if database_unavailable(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
        return unavailable_response()
    if isinstance(exc, DataError):  # a value the database refused (inputs.py should have caught it)
        log.warning("database refused a value on %s %s: %s", request.method, request.path, type(exc.orig).__name__)
        return error_response(400, "invalid_value", "a value in the request is not acceptable to the database")
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "the hub hit an internal error; it has been logged")


async def read_json(request: web.Request) -> dict:
    """Read a JSON object body, refusing oversize, malformed and non-object bodies."""
    limit = request.app["settings"].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"body is larger than {limit} bytes", field="body")
    raw = await request.read()  # aiohttp enforces client_max_size while reading
    if not raw.strip():
        raise ActionError("body is empty; a JSON object is expected", field="body")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ActionError(f"malformed JSON: {exc}", field="body") from None
    if not isinstance(data, dict):
        raise ActionError("body must be a JSON object", field="body")
    refuse_nul(data)
    return data
