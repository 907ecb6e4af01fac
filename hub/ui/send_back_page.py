"""POST /ui/talep/{id}/bizim-degil: a department user sends a misrouted request back to
Beyaz Masa with a reason (hub.actions.send_back). The request leaves their list, so the
answer is their queue, not the request page they may no longer see."""

from __future__ import annotations

from aiohttp import web

from hub.actions import requests as ra
from hub.actions import send_back as sb
from hub.actions.errors import ActionError
from hub.api.errors import path_id
from hub.auth import PermissionDenied
from hub.ui import detail, labels
from hub.ui.render import actor_of


async def submit(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    hub = request.app["hub"]
    rid = path_id(request, "request not found")
    form = await request.post()
    reason = str(form.get("gerekce", "")).strip()[:1000]

    def work() -> None:
        with hub.db.session() as session:
            sb.send_back(session, actor, ra.get(session, actor, rid, for_update=True), reason)

    try:
        await hub.db.run(work)
    except (ActionError, PermissionDenied) as exc:
        if isinstance(exc, ActionError) and exc.status == 404:
            raise
        status = exc.status if isinstance(exc, ActionError) else 403
        return await detail.show(request, status=status, error=labels.turkish_error(exc), form=dict(form))
    raise web.HTTPSeeOther("/ui/?tamam=geri-gonderildi")
