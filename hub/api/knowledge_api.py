"""Knowledge base, canned replies and first-contact resolution over the API.

GET/POST /api/v1/kb, PATCH /api/v1/kb/{id}, GET/POST /api/v1/canned-replies,
PATCH /api/v1/canned-replies/{id}, POST /api/v1/requests/{id}/first-contact.
Writes go through hub.actions.knowledge; search is Turkish-insensitive (hub.search_text)."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import StringConstraints

from hub.api.auth import actor_of
from hub.api.errors import path_id, read_json
from hub.api.requests_api import _act
from hub.api.schemas import Strict
from hub.auth import require

routes = web.RouteTableDef()
_Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class KbEntryIn(Strict):
    title: _Title
    body: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    topic: Annotated[str, StringConstraints(max_length=80)] | None = None
    tags: list[Annotated[str, StringConstraints(max_length=40)]] = []
    valid_until: Annotated[str, StringConstraints(max_length=10)] | None = None  # YYYY-MM-DD
    active: bool = True


class CannedIn(Strict):
    shortcut: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    title: _Title
    body: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    topic: Annotated[str, StringConstraints(max_length=80)] | None = None
    active: bool = True


class FirstContactIn(Strict):
    kb_entry_id: int


def _canned_view(c: Any) -> dict:
    return {"id": c.id, "shortcut": c.shortcut, "title": c.title, "body": c.body, "topic": c.topic, "active": c.active}


@routes.get("/api/v1/kb")
async def list_entries(request: web.Request) -> web.Response:
    from hub.queries import knowledge as kq

    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    q, topic = request.query.get("q", "")[:200], request.query.get("topic") or None
    valid = request.query.get("valid") in ("1", "true")

    def load() -> list[dict]:
        with hub.db.reader() as session:
            return [e.summary() for e in kq.search_entries(session, q, topic=topic, valid_only=valid, limit=200)]

    return web.json_response({"items": await hub.db.run(load)})


async def _save(request: web.Request, model: type, fn_name: str, view: Any, status: int) -> web.Response:
    from hub.actions import knowledge

    actor = actor_of(request)
    hub = request.app["hub"]
    data = model.model_validate(await read_json(request)).model_dump()
    item_id = path_id(request, "not found") if "id" in request.match_info else None

    def work() -> dict:
        with hub.db.session() as session:
            return view(getattr(knowledge, fn_name)(session, actor, data, item_id))

    return web.json_response(await hub.db.run(work), status=status)


@routes.post("/api/v1/kb")
async def create_entry(request: web.Request) -> web.Response:
    return await _save(request, KbEntryIn, "save_entry", lambda e: e.summary(), 201)


@routes.patch("/api/v1/kb/{id}")
async def change_entry(request: web.Request) -> web.Response:
    return await _save(request, KbEntryIn, "save_entry", lambda e: e.summary(), 200)


@routes.get("/api/v1/canned-replies")
async def list_canned(request: web.Request) -> web.Response:
    from hub.queries import knowledge as kq

    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]

    def load() -> list[dict]:
        with hub.db.reader() as session:
            return [_canned_view(c) for c in kq.all_canned(session)]

    return web.json_response({"items": await hub.db.run(load)})


@routes.post("/api/v1/canned-replies")
async def create_canned(request: web.Request) -> web.Response:
    return await _save(request, CannedIn, "save_canned", _canned_view, 201)


@routes.patch("/api/v1/canned-replies/{id}")
async def change_canned(request: web.Request) -> web.Response:
    return await _save(request, CannedIn, "save_canned", _canned_view, 200)


@routes.post("/api/v1/requests/{id}/first-contact")
async def first_contact(request: web.Request) -> web.Response:
    from hub.actions import knowledge

    return await _act(
        request, lambda se, a, r, d, c: knowledge.resolve_first_contact(se, a, r, d.kb_entry_id), FirstContactIn
    )


