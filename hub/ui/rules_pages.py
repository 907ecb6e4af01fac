"""Supervisor pages for the routing rules: the YAML view, check, backtest, activation and versions."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.actions.errors import NotFound
from hub.api.errors import path_id
from hub.auth import require
from hub.models import RulesVersion
from hub.rules import RulesError
from hub.ui.render import actor_of, render


def _versions(hub: Any) -> list[dict]:
    with hub.db.reader() as session:
        rows = session.exec(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(50))
        return [{"id": r.id, "digest": r.digest, "author": r.author, "active": r.active,
                 "created_at": r.created_at, "diff": r.diff} for r in rows]  # fmt: skip


async def rules_page(
    request: web.Request, *, status: int = 200, text: str | None = None, check: dict | None = None,
    backtest: dict | None = None, error: str | None = None, flash: str | None = None,
) -> web.Response:  # fmt: skip
    actor = actor_of(request)
    require(actor, "rules.read")
    hub = request.app["hub"]
    st = hub.rules.status()
    versions = await hub.db.run(_versions, hub)
    return render(
        request, "rules.html", status=status, page_title="Yönlendirme kuralları", st=st, versions=versions,
        text=st["source"] if text is None else text, check=check, backtest=backtest, error=error,
        flash=flash or {"1": "Kurallar etkinleştirildi."}.get(request.query.get("tamam", "")),
        can_edit=actor.can("rules.edit"), can_check=actor.can("rules.check"),
    )  # fmt: skip


def _rule_errors(exc: RulesError) -> list[str]:
    out = []
    for e in exc.errors:
        where = f"satır {e.line}" + (f", sütun {e.column}" if e.column else "") if e.line else ""
        hint = getattr(e, "suggestion", None)
        out.append(f"{where}: {e.message}" + (f" (öneri: {hint})" if hint else "") if where else e.message)
    return out


async def rules_submit(request: web.Request) -> web.StreamResponse:
    from hub.routing import off_loop, parse_candidate
    from hub.rules_backtest import run_backtest

    actor = actor_of(request)
    require(actor, "rules.check")
    hub = request.app["hub"]
    form = await request.post()
    text = str(form.get("metin", ""))  # the loader refuses texts above its size limit, with a message
    op = str(form.get("islem", "kontrol"))
    if op == "etkinlestir":
        require(actor, "rules.edit")
        try:
            await off_loop(hub.rules.activate_text, text, actor=actor, source="ui")
        except RulesError as exc:
            return await rules_page(
                request, status=422, text=text, check={"ok": False, "errors": _rule_errors(exc)},
                error="Kurallar geçersiz; önceki sürüm etkin kalmaya devam ediyor.",
            )  # fmt: skip
        raise web.HTTPSeeOther("/ui/kurallar?tamam=1")
    try:
        candidate = await parse_candidate(text, source="ui")
    except RulesError as exc:
        return await rules_page(
            request, status=422, text=text, check={"ok": False, "errors": _rule_errors(exc)}
        )
    if op == "dene":
        report = await hub.db.run(run_backtest, hub, candidate, since_days=90, limit=20_000)
        return await rules_page(request, text=text, check={"ok": True, "summary": candidate.summary()},
                                backtest=report.to_dict())  # fmt: skip
    return await rules_page(request, text=text, check={"ok": True, "summary": candidate.summary()})


async def rules_restore(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "rules.edit")
    hub = request.app["hub"]
    vid = path_id(request, "rules version not found")

    def work() -> None:
        with hub.db.reader() as session:
            row = session.get(RulesVersion, vid)
            if row is None:
                raise NotFound("rules version not found")
            text = row.text
        hub.rules.activate_text(text, actor=actor, source=f"version {vid}")

    try:
        await hub.db.run(work)
    except RulesError as exc:
        return await rules_page(request, status=422, check={"ok": False, "errors": _rule_errors(exc)},
                                error="Bu sürüm artık doğrulanamıyor; etkin sürüm değişmedi.")  # fmt: skip
    raise web.HTTPSeeOther("/ui/kurallar?tamam=1")
