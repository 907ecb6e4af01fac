"""/api/v1/callbacks: the call-backs owed to citizens (open, the earliest due first) and
recording a call's outcome; the same actions as the "Geri aranacaklar" page."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import StringConstraints

from hub.actions import callbacks as cba
from hub.api.auth import actor_of
from hub.api.errors import path_id, read_json
from hub.api.schemas import Strict
from hub.auth import require
from hub.models_callbacks import Callback

routes = web.RouteTableDef()


class CallbackDoneIn(Strict):
    outcome: Literal["reached", "not_reached", "wrong_number"]
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


def callback_view(cb: Callback, tracking_code: str | None = None) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "id": cb.id, "request_id": cb.request_id, "tracking_code": tracking_code, "status": cb.status,
        "attempt": cb.attempt, "reason": cb.reason, "due_at": iso(cb.due_at), "created_at": iso(cb.created_at),
        "done_at": iso(cb.done_at), "done_by": cb.done_by, "outcome": cb.outcome, "note": cb.note,
    }  # fmt: skip


@routes.get("/api/v1/callbacks")
async def list_callbacks(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]

    def read() -> list[dict]:
        with hub.db.reader() as session:
            return [callback_view(cb, req.tracking_code) for cb, req in cba.open_callbacks(session, actor)]

    return web.json_response({"items": await hub.db.run(read)})


@routes.post("/api/v1/callbacks/{id}/complete")
async def complete(request: web.Request) -> web.Response:
    actor = actor_of(request)
    hub = request.app["hub"]
    cid = path_id(request, "callback not found")
    data = CallbackDoneIn.model_validate(await read_json(request))

    def work() -> dict:
        with hub.db.session() as session:
            cb = cba.complete(session, actor, cid, data.outcome, data.note)
            later = [callback_view(c) for c in cba.for_request(session, cb.request_id) if c.status == "open"]
            return {**callback_view(cb), "next": later[0] if later else None}

    return web.json_response(await hub.db.run(work))
