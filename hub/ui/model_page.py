"""The model page (/ui/model) for supervisors: how well the active classifier and its candidates
do on held-out examples, corrections waiting to be learned, and the buttons to retrain, activate
a candidate that passed the gate and roll back (hub/actions/model.py does the work)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.actions import model as model_actions
from hub.actions.errors import ActionError
from hub.auth import require
from hub.queries.actor_names import actor_names
from hub.queries.model import COVERAGES_SHOWN, overview
from hub.ui import labels, model_text
from hub.ui.render import actor_of, render, staff_page

PATH = "/ui/model"
REFRESH_SECONDS = 4  # while a training runs, the page reloads itself to show when it ends
FLASH = {
    "egitim": "Eğitim başladı. Bitince yeni aday aşağıdaki listede görünecek.",
    "etkin": "Seçilen model etkinleştirildi; yeni talepler bu modelle sınıflandırılıyor.",
    "geri": "Önceki modele dönüldü; yeni talepler bu modelle sınıflandırılıyor.",
}


async def page(request: web.Request) -> web.StreamResponse:
    """GET /ui/model[?aday=VERSION]"""
    require(actor_of(request), model_actions.READ)
    return await _render(request, request.query.get("aday", "")[:80] or None)


async def _render(
    request: web.Request, chosen: str | None, *, error: str | None = None, status: int = 200
) -> web.Response:
    actor = actor_of(request)
    hub = request.app["hub"]

    def load() -> tuple[dict[str, Any], dict[str, str]]:
        view = overview(hub, chosen=chosen)
        with hub.db.reader() as session:
            return view, actor_names(session)

    view, names = await hub.db.run(load)
    resp = render(
        request, "model.html", status=status, page_title="Sınıflandırma modeli", view=view, names=names,
        can_manage=actor.can(model_actions.MANAGE), coverages=COVERAGES_SHOWN, error=error,
        flash=None if error else FLASH.get(request.query.get("tamam", "")),
        yuzde=model_text.percent, puan=model_text.points, kapi=model_text.gate_text, durum_adi=model_text.STATUS,
        konu_adi=labels.topic_name,
        live=hasattr(hub.classifier, "follow_registry"),
    )  # fmt: skip
    if view["running"]:
        resp.headers["Refresh"] = str(REFRESH_SECONDS)
    return resp


async def _refused(request: web.Request, exc: ActionError, chosen: str | None = None) -> web.Response:
    return await _render(request, chosen, error=model_text.error_text(exc), status=exc.status)


async def retrain(request: web.Request) -> web.StreamResponse:
    """POST /ui/model/egit: start a training in the background."""
    try:
        await model_actions.start_retrain(request.app["hub"], actor_of(request))
    except ActionError as exc:
        return await _refused(request, exc)
    raise web.HTTPSeeOther(f"{PATH}?tamam=egitim")


async def activate(request: web.Request) -> web.StreamResponse:
    """POST /ui/model/etkinlestir (surum, not)."""
    form = await request.post()
    version, note = str(form.get("surum", "")).strip(), str(form.get("not", ""))
    hub = request.app["hub"]
    try:
        await hub.db.run(model_actions.activate, hub, actor_of(request), version, note=note)
    except ActionError as exc:
        return await _refused(request, exc, version[:80] or None)
    raise web.HTTPSeeOther(f"{PATH}?tamam=etkin")


async def rollback(request: web.Request) -> web.StreamResponse:
    """POST /ui/model/geri-al (not)."""
    form = await request.post()
    hub = request.app["hub"]
    try:
        await hub.db.run(model_actions.rollback, hub, actor_of(request), note=str(form.get("not", "")))
    except ActionError as exc:
        return await _refused(request, exc)
    raise web.HTTPSeeOther(f"{PATH}?tamam=geri")


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get(PATH)(staff_page(page))
    routes.post(f"{PATH}/egit")(staff_page(retrain))
    routes.post(f"{PATH}/etkinlestir")(staff_page(activate))
    routes.post(f"{PATH}/geri-al")(staff_page(rollback))
