"""Beyaz Masa's own endpoints: a department sends a misrouted request back
(``/send-back``), and an agent adds a caller's new call to an earlier request
(``/calls``). The same actions as the request page and the Yeni talep form."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import StringConstraints

from hub.actions import requests as ra
from hub.actions import send_back as sb
from hub.api.auth import actor_of
from hub.api.errors import path_id, read_json
from hub.api.schemas import Strict
from hub.api.views import request_detail

routes = web.RouteTableDef()


class SendBackIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=r"\S")]  # not only spaces


@routes.post("/api/v1/requests/{id}/send-back")
async def send_back(request: web.Request) -> web.Response:
    actor = actor_of(request)
    hub = request.app["hub"]
    rid = path_id(request, "request not found")
    data = SendBackIn.model_validate(await read_json(request))

    def work() -> dict:
        with hub.db.session() as session:
            req = sb.send_back(session, actor, ra.get(session, actor, rid, for_update=True), data.reason)
            session.flush()
            return request_detail(session, req)

    return web.json_response(await hub.db.run(work))
