"""/ui/geri-arama: the call-backs agents owe citizens, the earliest due first (overdue ones
marked), each with a form to record the call's outcome through hub.actions.callbacks."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.actions import callbacks as cba
from hub.actions.errors import ActionError
from hub.api.errors import path_id
from hub.auth import Actor, PermissionDenied, require
from hub.models import Contact, Message, utcnow
from hub.ui import labels
from hub.ui.detail import mask_phone
from hub.ui.render import actor_of, render

DONE = {
    "reached": "Görüşme kaydedildi: vatandaşa ulaşıldı, talep cevaplandı sayılıyor.",
    "not_reached": "Görüşme kaydedildi: ulaşılamadı; yeni bir arama planlandı.",
    "wrong_number": "Görüşme kaydedildi: yanlış numara; talep yeniden ele alınmalı.",
}
OUTCOME_FORM = {"ulasildi": "reached", "ulasilamadi": "not_reached", "yanlis-numara": "wrong_number"}


def _rows(hub: Any, actor: Actor) -> list[dict[str, Any]]:
    now = utcnow()
    with hub.db.reader() as session:
        out = []
        for cb, req in cba.open_callbacks(session, actor):
            contact = session.get(Contact, req.contact_id) if req.contact_id else None
            answer = session.get(Message, cb.message_id) if cb.message_id else None
            if answer is None:  # e.g. the SMS failed: read out the latest answer
                answer = session.exec(select(Message).where(Message.request_id == req.id, Message.direction == "out",
                                      Message.channel == req.channel).order_by(Message.id.desc())).first()  # fmt: skip
            phone = contact.phone if contact else None
            out.append({
                "id": cb.id, "attempt": cb.attempt, "due_at": cb.due_at, "overdue": cb.due_at < now,
                "reason": labels.reason_label(cb.reason), "request_id": req.id, "tracking_code": req.tracking_code,
                "name": contact.name if contact else None,
                "phone": phone if actor.can("contact.read") else mask_phone(phone),
                "answer": answer.body if answer else "", "text": req.text[:200],
            })  # fmt: skip
        return out


async def page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    rows = await hub.db.run(_rows, hub, actor)
    return render(request, "callbacks.html", status=status, page_title="Geri aranacaklar", rows=rows,
                  error=error, flash=None if error else DONE.get(request.query.get("tamam", "")),
                  overdue=sum(1 for r in rows if r["overdue"]))  # fmt: skip


async def complete(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    hub = request.app["hub"]
    cid = path_id(request, "callback not found")
    form = await request.post()
    outcome = OUTCOME_FORM.get(str(form.get("sonuc", "")), str(form.get("sonuc", "")))
    note = str(form.get("not", "")).strip()[:2000]

    def work() -> None:
        with hub.db.session() as session:
            cba.complete(session, actor, cid, outcome, note)

    try:
        await hub.db.run(work)
    except (ActionError, PermissionDenied) as exc:
        code = exc.status if isinstance(exc, ActionError) else 403
        return await page(request, status=code, error=labels.turkish_error(exc))
    back = str(form.get("sonra", ""))
    if back.startswith("/ui/talep/") and back[10:].isdigit():
        raise web.HTTPSeeOther(f"{back}?tamam=geri-arama#ust")
    raise web.HTTPSeeOther(f"/ui/geri-arama?tamam={outcome}")
