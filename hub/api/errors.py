"""Every error leaves as JSON naming the field and the problem; never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from hub.actions.errors import ActionError, NotFound, TooLarge
from hub.auth import PermissionDenied
from hub.observability import metrics

log = logging.getLogger(__name__)


def path_id(request: web.Request, not_found: str) -> int:
    """The integer ``{id}`` of the path; anything else is a 404 saying ``not_found``."""
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(not_found) from None


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
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        resp = error_response(500, "internal_error", "the hub hit an internal error; it has been logged")
    if resp.status >= 400:
        metrics.http_errors.inc(str(resp.status))
    return resp


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
    return data
