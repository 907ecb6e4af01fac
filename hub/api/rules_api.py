"""/api/v1/rules: see, check, activate, backtest and version the routing rules."""

from __future__ import annotations

from aiohttp import web
from sqlmodel import select

from hub.actions.errors import ActionError, NotFound
from hub.api import schemas as s
from hub.api.auth import actor_of
from hub.api.errors import path_id, read_json
from hub.auth import require
from hub.models import RulesVersion
from hub.routing import off_loop, parse_candidate
from hub.rules import RulesError
from hub.rules_backtest import run_backtest

routes = web.RouteTableDef()


def _invalid(exc: RulesError, message: str, **extra: object) -> web.Response:
    """422 in the shape of the OpenAPI Error schema; every rule problem is an item on the field "text"."""
    items = [
        {"field": "text", "problem": e.message, "message": e.message, "line": e.line, "column": e.column,
         "path": e.path, "suggestion": e.suggestion}
        for e in exc.errors
    ]  # fmt: skip
    first = exc.errors[0].format("text") if exc.errors else "text: invalid"
    body = {
        "error": "invalid_rules",
        "message": f"{message}; {first}",
        "field": "text",
        "errors": items,
        **extra,
    }
    return web.json_response(body, status=422)


def _comment(value: str | None) -> str | None:
    return (value or "").strip() or None


@routes.get("/api/v1/rules")
async def get_rules(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.read")
    return web.json_response(request.app["hub"].rules.status())


@routes.post("/api/v1/rules/check")
async def check(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.check")
    data = s.RulesIn.model_validate(await read_json(request))
    try:
        rs = await parse_candidate(data.text, source="api")
    except RulesError as exc:
        return _invalid(exc, "rules are invalid", ok=False, text=exc.format())
    return web.json_response({"ok": True, "summary": rs.summary(), "digest": rs.digest})


@routes.put("/api/v1/rules")
async def put_rules(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "rules.edit")
    data = s.RulesIn.model_validate(await read_json(request))
    hub = request.app["hub"]
    try:
        await off_loop(
            hub.rules.activate_text, data.text, actor=actor, source="api", comment=_comment(data.comment)
        )
    except RulesError as exc:
        return _invalid(exc, "rules are invalid; the previous version stays active")
    return web.json_response(hub.rules.status())


@routes.post("/api/v1/rules/backtest")
async def backtest(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.check")
    data = s.BacktestIn.model_validate(await read_json(request))
    hub = request.app["hub"]
    try:
        candidate = await parse_candidate(data.text, source="candidate")
    except RulesError as exc:
        return _invalid(exc, "rules are invalid", ok=False)
    report = await hub.db.run(run_backtest, hub, candidate, since_days=data.since_days, limit=data.limit)
    return web.json_response(report.to_dict())


@routes.get("/api/v1/rules/versions")
async def versions(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.read")
    hub = request.app["hub"]

    def work() -> list[dict]:
        with hub.db.reader() as session:
            rows = session.exec(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(100))
            return [{"id": r.id, "digest": r.digest, "author": r.author, "active": r.active,
                     "created_at": r.created_at.isoformat(), "diff": r.diff, "comment": r.comment}
                    for r in rows]  # fmt: skip

    return web.json_response({"items": await hub.db.run(work)})


@routes.post("/api/v1/rules/versions/{id}/activate")
async def reactivate(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "rules.edit")
    hub = request.app["hub"]
    vid = path_id(request, "rules version not found")
    comment = None
    if request.can_read_body:  # the body is optional: older callers send none
        comment = _comment(s.RulesActivateIn.model_validate(await read_json(request)).comment)

    def work() -> dict:
        with hub.db.reader() as session:
            row = session.get(RulesVersion, vid)
            if row is None:
                raise NotFound("rules version not found")
            text = row.text
        try:
            hub.rules.activate_text(text, actor=actor, source=f"version {row.id}", comment=comment)
        except RulesError as exc:
            raise ActionError(f"stored version no longer validates: {exc.format()}") from None
        return hub.rules.status()

    return web.json_response(await hub.db.run(work))
