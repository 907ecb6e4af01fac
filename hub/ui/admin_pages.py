"""Supervisor pages: channel health, quarantine and the audit log (rules: rules_pages, reports: reports_pages)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.actions.errors import ActionError, NotFound
from hub.api.errors import path_id
from hub.auth import require
from hub.intake import quarantine
from hub.models import Quarantine
from hub.ui.render import actor_of, render


# -- channels ---------------------------------------------------------------------------------
async def channels_page(request: web.Request) -> web.StreamResponse:
    require(actor_of(request), "connector.read")
    hub = request.app["hub"]
    items = await hub.db.run(hub.connectors.health) if hub.connectors else []
    return render(request, "channels.html", page_title="Kanallar", items=items)


# -- quarantine -----------------------------------------------------------------------------
def _quarantined(hub: Any, status: str) -> list[dict]:
    with hub.db.reader() as session:
        rows = session.exec(
            select(Quarantine).where(Quarantine.status == status).order_by(Quarantine.id.desc()).limit(200)
        )
        return [{"id": q.id, "channel": q.channel, "error": q.error, "attempts": q.attempts, "created_at": q.created_at,
                 "size": len(q.raw or b""), "preview": (q.raw or b"")[:300].decode("utf-8", "replace")} for q in rows]  # fmt: skip


async def quarantine_page(request: web.Request, *, status: int = 200, error: str | None = None,
                          flash: str | None = None) -> web.Response:  # fmt: skip
    require(actor_of(request), "quarantine.read")
    hub = request.app["hub"]
    which = request.query.get("durum", "new")
    which = which if which in ("new", "retried", "resolved") else "new"
    items = await hub.db.run(_quarantined, hub, which)
    return render(request, "quarantine.html", status=status, page_title="Karantina", items=items, which=which,
                  error=error, flash=flash)  # fmt: skip


async def quarantine_retry(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "quarantine.retry")
    hub = request.app["hub"]
    qid = path_id(request, "not found")
    try:
        result = (await hub.db.run(quarantine.retry, hub, actor, qid)).to_dict()
    except ActionError as exc:
        if isinstance(exc, NotFound):
            raise
        detail = exc.message.replace("still cannot parse", "hâlâ okunamıyor")
        return await quarantine_page(request, status=exc.status, error=f"Yeniden deneme başarısız: {detail}")
    code = result.get("tracking_code") or result.get("request_id")
    return await quarantine_page(request, flash=f"Kayıt yeniden işlendi; talep: {code}.")


# -- audit trail ----------------------------------------------------------------------------
def _audit(hub: Any, group: str | None, who: str | None, before: int | None) -> tuple[dict, dict]:
    from hub.models import User
    from hub.queries.audit import events_page
    from hub.ui.detail import SYSTEM_NAMES

    with hub.db.reader() as session:
        page = events_page(session, group=group, username=who, before_id=before)
        users = session.exec(select(User.id, User.display_name)).all()
    return page, {**SYSTEM_NAMES, **{f"user:{uid}": name for uid, name in users}}


async def audit_page(request: web.Request) -> web.StreamResponse:
    from hub.queries.audit import GROUPS

    require(actor_of(request), "audit.read")
    hub = request.app["hub"]
    group = request.query.get("grup", "")
    group = group if group in GROUPS else ""
    who = request.query.get("kim", "").strip()[:60]
    raw_before = request.query.get("once", "")
    before = int(raw_before) if raw_before.isdigit() else None
    page, names = await hub.db.run(_audit, hub, group or None, who or None, before)
    return render(request, "audit.html", page_title="Denetim kaydı", page=page, groups=GROUPS, group=group,
                  who=who, actor_names=names)  # fmt: skip
