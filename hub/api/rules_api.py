"""/api/v1/rules: see, check, activate, backtest and version the routing rules."""

from __future__ import annotations

from aiohttp import web
from sqlmodel import select

from hub.actions.errors import ActionError, NotFound
from hub.api import schemas as s
from hub.api.auth import actor_of
from hub.api.errors import error_response, path_id, read_json
from hub.auth import require
from hub.models import RulesVersion
from hub.rules import RulesError, RuleSet
from hub.rules_backtest import run_backtest

routes = web.RouteTableDef()


def _errors(exc: RulesError) -> list[dict]:
    return [
        {"message": e.message, "line": e.line, "column": e.column, "path": getattr(e, "path", None),
         "suggestion": getattr(e, "suggestion", None)}
        for e in exc.errors
    ]  # fmt: skip


@routes.get("/api/v1/rules")
async def get_rules(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.read")
    return web.json_response(request.app["hub"].rules.status())


@routes.post("/api/v1/rules/check")
async def check(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.read")
    data = s.RulesIn.model_validate(await read_json(request))
    from hub.routing import known_vocab

    try:
        rs = RuleSet.from_yaml_text(data.text, source="api", **known_vocab())
    except RulesError as exc:
        return web.json_response({"ok": False, "errors": _errors(exc), "text": exc.format()}, status=422)
    return web.json_response({"ok": True, "summary": rs.summary(), "digest": rs.digest})


@routes.put("/api/v1/rules")
async def put_rules(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "rules.edit")
    data = s.RulesIn.model_validate(await read_json(request))
    hub = request.app["hub"]
    try:
        await hub.db.run(hub.rules.activate_text, data.text, actor=actor, source="api")
    except RulesError as exc:
        resp = error_response(422, "invalid_rules", "rules are invalid; the previous version stays active",
                              errors=_errors(exc))  # fmt: skip
        return resp
    return web.json_response(hub.rules.status())


@routes.post("/api/v1/rules/backtest")
async def backtest(request: web.Request) -> web.Response:
    require(actor_of(request), "rules.read")
    data = s.BacktestIn.model_validate(await read_json(request))
    hub = request.app["hub"]
    from hub.routing import known_vocab

    try:
        candidate = RuleSet.from_yaml_text(data.text, source="candidate", **known_vocab())
    except RulesError as exc:
        return web.json_response({"ok": False, "errors": _errors(exc)}, status=422)
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
                     "created_at": r.created_at.isoformat(), "diff": r.diff} for r in rows]  # fmt: skip

    return web.json_response({"items": await hub.db.run(work)})


@routes.post("/api/v1/rules/versions/{id}/activate")
async def reactivate(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "rules.edit")
    hub = request.app["hub"]
    vid = path_id(request, "rules version not found")

    def work() -> dict:
        with hub.db.reader() as session:
            row = session.get(RulesVersion, vid)
            if row is None:
                raise NotFound("rules version not found")
            text = row.text
        try:
            hub.rules.activate_text(text, actor=actor, source=f"version {row.id}")
        except RulesError as exc:
            raise ActionError(f"stored version no longer validates: {exc.format()}") from None
        return hub.rules.status()

    return web.json_response(await hub.db.run(work))
