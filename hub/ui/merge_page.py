"""POST /ui/talep/{id}/birlestir: merging two requests says which one survives and which
becomes the duplicate before anything changes. The first post shows both side by side with
the default survivor chosen (the one already being worked on, else the older one); the agent
may swap and confirms; only then hub.actions.requests.merge runs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.actions import requests as ra
from hub.actions.errors import ActionError
from hub.api.errors import path_id
from hub.auth import Actor, PermissionDenied, require
from hub.models import Request, Status
from hub.ui import detail, labels
from hub.ui.render import actor_of, render

IN_PROGRESS = {Status.forwarded, Status.in_progress, Status.waiting_citizen}


def _working(r: Request) -> bool:
    return r.status in IN_PROGRESS or r.assignee_id is not None


def default_survivor(a: Request, b: Request) -> tuple[Request, str]:
    """The one already being worked on (forwarded, in progress, or assigned), else the older;
    and why, for the page."""
    if _working(a) != _working(b):
        return (a if _working(a) else b), "işlemde olan"
    return min((a, b), key=lambda r: (r.received_at, r.id or 0)), "daha eski olan"


def _find(session: Any, actor: Actor, code: str) -> Request:
    code = code.strip()
    target = session.get(Request, int(code)) if code.isdigit() and len(code) < 10 else ra.by_code(session, code)
    if target is None or not actor.can_see_department(target.department):
        raise ActionError("target request not found", field="into")
    return target


def _card(r: Request) -> dict[str, Any]:
    return {"id": r.id, "tracking_code": r.tracking_code, "received_at": r.received_at, "status": r.status,
            "text": r.text[:300], "assigned": r.assignee_id is not None, "department": r.department}  # fmt: skip


async def submit(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "request.merge")
    hub = request.app["hub"]
    rid = path_id(request, "request not found")
    form = await request.post()
    code = str(form.get("hedef", ""))[:60]
    survivor_raw = str(form.get("kalan", ""))
    confirmed = form.get("onay") == "1"

    def plan() -> dict[str, Any]:
        with hub.db.reader() as session:
            this = ra.get(session, actor, rid)
            other = _find(session, actor, code)
            if other.id == this.id:
                raise ActionError("a request cannot be merged into itself", field="into")
            keep, why = default_survivor(this, other)
            return {"this": _card(this), "other": _card(other), "default": keep.id, "why": why}

    def merge(survivor_id: int) -> int:
        with hub.db.session() as session:
            this = ra.get(session, actor, rid, for_update=True)
            other = _find(session, actor, code)
            keep, drop = (this, other) if survivor_id == this.id else (other, this)
            if survivor_id not in (this.id, other.id):
                raise ActionError("target request not found", field="into")
            ra.merge(session, actor, drop, keep)
            return keep.id or 0

    try:
        if not confirmed:
            p = await hub.db.run(plan)
            return render(request, "merge.html", page_title="Birleştir", hedef=code, **p)
        kept = await hub.db.run(merge, int(survivor_raw) if survivor_raw.isdigit() and len(survivor_raw) < 10 else -1)
    except (ActionError, PermissionDenied) as exc:
        if isinstance(exc, ActionError) and exc.status == 404 and exc.field != "into":
            raise
        status = exc.status if isinstance(exc, ActionError) else 403
        return await detail.show(request, status=status, error=labels.turkish_error(exc), form=dict(form))
    raise web.HTTPSeeOther(f"/ui/talep/{kept}?tamam=birlestir#ust")
