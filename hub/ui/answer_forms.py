"""Request-page forms that answer outside the citizen's own channel: the return (iade) of a
CİMER / MBS request to the institution it belongs to, and the answer by letter (PDF).

Both run their action in one transaction, like the other request-page forms
(hub/ui/detail.py), and re-render the page with a Turkish message on a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session

from hub.actions import requests as ra
from hub.actions.errors import ActionError, NotFound
from hub.auth import Actor, PermissionDenied
from hub.models import Request
from hub.ui import detail, labels
from hub.ui.render import actor_of

# Turkish messages for this module's refusals, by the field the action names.
_ERRORS = {
    ("iade", "channel"): "Yalnızca CİMER ve MBS başvuruları iade edilebilir.",
    ("iade", "institution"): "Başvurunun ait olduğu kurumu yazın (en çok 200 karakter).",
    ("iade", "status"): "Talep kapanmış; iade edilemez.",
    ("mektup", "text"): "Mektupta gidecek cevap metnini yazın.",
    ("mektup", "signer"): "İmzalayanın adını ve unvanını yazın.",
    ("mektup", "outcome"): "Sonuç olumlu ya da olumsuz olmalıdır.",
    ("mektup", "status"): "Talep kapanmış; önce yeniden açın.",
}


def _text(form: Any, key: str, limit: int) -> str:
    return str(form.get(key, "")).strip()[:limit]


async def _run(request: web.Request, name: str, fn: Callable[[Session, Actor, Request], object]) -> web.StreamResponse:
    actor = actor_of(request)
    hub = request.app["hub"]
    rid = detail._request_id(request)
    form = await request.post()

    def work() -> None:
        with hub.db.session() as session:
            req = ra.get(session, actor, rid, for_update=True)
            fn(session, actor, req)

    try:
        await hub.db.run(work)
    except (ActionError, PermissionDenied) as exc:
        if isinstance(exc, NotFound):
            raise
        status = exc.status if isinstance(exc, ActionError) else 403
        message = _ERRORS.get((name, getattr(exc, "field", None) or "")) or labels.turkish_error(exc)
        return await detail.show(request, status=status, error=message, form=dict(form))
    raise web.HTTPSeeOther(f"/ui/talep/{rid}?tamam={name}#ust")


async def return_submit(request: web.Request) -> web.StreamResponse:
    from hub.actions import returns

    form = await request.post()
    institution = _text(form, "kurum", 400)
    note = _text(form, "aciklama", 2000) or None
    return await _run(
        request, "iade",
        lambda se, a, r: returns.return_request(se, a, r, institution=institution, note=note),
    )  # fmt: skip


async def letter_submit(request: web.Request) -> web.StreamResponse:
    from hub.actions import letters

    hub = request.app["hub"]
    form = await request.post()
    text = _text(form, "mektup_metin", 20_000)
    # Empty: the letterhead settings' signer (HUB_LETTER_SIGNER_NAME / _TITLE).
    signer = _text(form, "imza_ad", 120) or hub.settings.letter_signer_name
    title = _text(form, "imza_unvan", 160) or hub.settings.letter_signer_title
    outcome = _text(form, "sonuc", 20) or None
    close = form.get("kapat") == "1"
    return await _run(
        request, "mektup",
        lambda se, a, r: letters.answer_by_letter(
            se, a, r, text, settings=hub.settings, store=hub.attachments, signer_name=signer, signer_title=title,
            outcome=outcome, close=close,
        ),
    )  # fmt: skip
