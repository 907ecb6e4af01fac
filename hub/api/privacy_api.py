"""KVKK: a person's data export and erasure (admin only; the data controller's officer)."""

from __future__ import annotations

from aiohttp import web

from hub.actions import privacy
from hub.actions.errors import NotFound
from hub.api.auth import actor_of
from hub.api.errors import path_id, read_json
from hub.auth import require
from hub.queries.contacts import find_contact
from hub.queries.privacy import contact_record

routes = web.RouteTableDef()


@routes.get("/api/v1/contacts/{id}/export")
async def export_contact(request: web.Request) -> web.Response:
    """Everything held about one person (KVKK art. 11), as JSON."""
    actor = actor_of(request)
    require(actor, "privacy.export")
    hub = request.app["hub"]
    cid = path_id(request, "contact not found")

    def work() -> dict:
        with hub.db.session() as session:
            contact = find_contact(session, contact_id=cid)  # follows merges to the person
            if contact is None:
                raise NotFound("contact not found")
            privacy.record_export(session, actor, contact.id, via="api")
            return contact_record(session, contact)

    return web.json_response(await hub.db.run(work), headers={"Cache-Control": "no-store"})


@routes.post("/api/v1/contacts/{id}/erase")
async def erase_contact(request: web.Request) -> web.Response:
    """Erase one person's personal data; 409 while a request of theirs is open."""
    from hub.api.schemas import EraseIn

    actor = actor_of(request)
    require(actor, "privacy.erase")
    data = EraseIn.model_validate(await read_json(request))
    hub = request.app["hub"]
    cid = path_id(request, "contact not found")

    def work() -> dict:
        with hub.db.session() as session:
            done = privacy.erase_contact(session, actor, cid, reason=data.reason, delete_file=hub.attachments.delete)
        return {"erased": done.as_dict(), "requests": done.request_codes}

    return web.json_response(await hub.db.run(work))
