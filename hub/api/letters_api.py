"""Answers by letter over the API: POST /api/v1/requests/{id}/letter renders and attaches the
PDF (hub.actions.letters); GET /api/v1/requests/{id}/letter.pdf downloads the latest one."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import StringConstraints
from sqlmodel import col, select

from hub.actions import requests as ra
from hub.actions.errors import NotFound
from hub.api.auth import actor_of
from hub.api.requests_api import _act, _request_id
from hub.api.schemas import Strict
from hub.auth import require

routes = web.RouteTableDef()


class LetterIn(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    signer_name: Annotated[str, StringConstraints(max_length=120)] | None = None  # default: settings
    signer_title: Annotated[str, StringConstraints(max_length=160)] | None = None
    outcome: Literal["olumlu", "olumsuz"] | None = None
    close: bool = False


@routes.post("/api/v1/requests/{id}/letter")
async def letter(request: web.Request) -> web.Response:
    from hub.actions import letters

    hub = request.app["hub"]

    def fn(se, a, r, d: LetterIn, c) -> None:  # noqa: ANN001
        letters.answer_by_letter(
            se, a, r, d.text, settings=c.settings, store=c.attachments,
            signer_name=d.signer_name or hub.settings.letter_signer_name,
            signer_title=d.signer_title or hub.settings.letter_signer_title, outcome=d.outcome, close=d.close,
        )  # fmt: skip

    return await _act(request, fn, LetterIn)


@routes.get("/api/v1/requests/{id}/letter.pdf")
async def letter_pdf(request: web.Request) -> web.StreamResponse:
    from hub.actions.letters import LETTER_CHANNEL
    from hub.models import Message

    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    rid = _request_id(request)

    def latest() -> dict | None:
        with hub.db.reader() as session:
            ra.get(session, actor, rid)
            stmt = (select(Message).where(Message.request_id == rid, Message.channel == LETTER_CHANNEL)
                    .order_by(col(Message.id).desc()))  # fmt: skip
            msg = session.exec(stmt).first()
            return (msg.attachments or [None])[0] if msg else None

    meta = await hub.db.run(latest)
    path = hub.attachments.path(meta["sha256"]) if meta and meta.get("sha256") else None
    if path is None:
        raise NotFound("this request has no letter")
    return web.FileResponse(path, headers={
        "Content-Type": "application/pdf", "Content-Disposition": f'attachment; filename="{meta["filename"]}"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
    })  # fmt: skip
