"""Contacts (caller history), departments, connector health and quarantine."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import select

from classifier.text import normalize_phone_tr
from hub.actions.errors import ActionError, NotFound
from hub.api.auth import actor_of
from hub.api.errors import path_id
from hub.api.views import contact_view, iso, request_summary
from hub.auth import require
from hub.intake import quarantine
from hub.models import Contact, Department, Quarantine, Request
from hub.queries.contacts import find_contact

routes = web.RouteTableDef()
QUARANTINE_STATUSES = ("new", "retried", "resolved")  # Quarantine.status


def _history(session: Any, contact: Contact) -> dict:
    reqs = session.exec(
        select(Request).where(Request.contact_id == contact.id).order_by(Request.received_at.desc()).limit(100)
    ).all()
    return {**contact_view(contact), "requests": [request_summary(r) for r in reqs]}


@routes.get("/api/v1/contacts")
async def find_contacts(request: web.Request) -> web.Response:
    """Caller history for the call centre: look up by phone (any Turkish form) or e-mail."""
    actor = actor_of(request)
    require(actor, "contact.read")
    hub = request.app["hub"]
    phone, email = request.query.get("phone"), request.query.get("email")
    if not phone and not email:
        raise ActionError("give phone or email", field="phone")
    if phone and normalize_phone_tr(phone) is None:
        raise ActionError("not a Turkish phone number", field="phone")

    def work() -> list[dict]:
        with hub.db.reader() as session:
            contact = find_contact(session, phone=phone) if phone else find_contact(session, email=email)
            return [_history(session, contact)] if contact else []

    return web.json_response({"items": await hub.db.run(work)})


@routes.get("/api/v1/contacts/{id}")
async def get_contact(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "contact.read")
    hub = request.app["hub"]
    cid = path_id(request, "contact not found")

    def work() -> dict:
        with hub.db.reader() as session:
            contact = session.get(Contact, cid)
            if contact is None:
                raise NotFound("contact not found")
            return _history(session, contact)

    return web.json_response(await hub.db.run(work))


@routes.post("/api/v1/contacts/{id}/merge")
async def merge_contact(request: web.Request) -> web.Response:
    """Fold this contact into another (the same citizen reached us twice)."""
    from hub.actions import contacts as contact_actions
    from hub.api.errors import read_json
    from hub.api.schemas import MergeContactIn

    actor = actor_of(request)
    require(actor, "contact.merge")
    data = MergeContactIn.model_validate(await read_json(request))
    hub = request.app["hub"]
    source = path_id(request, "contact not found")

    def work() -> dict:
        with hub.db.session() as session:
            target = contact_actions.merge_contacts(session, actor, source, data.into)
            target_id = target.id
        with hub.db.reader() as session:
            return _history(session, session.get(Contact, target_id))

    return web.json_response(await hub.db.run(work))


@routes.get("/api/v1/departments")
async def departments(request: web.Request) -> web.Response:
    require(actor_of(request), "request.read")
    hub = request.app["hub"]

    def work() -> list[dict]:
        with hub.db.reader() as session:
            return [{"code": d.code, "name": d.name, "targets": d.targets, "active": d.active}
                    for d in session.exec(select(Department).order_by(Department.code))]  # fmt: skip

    return web.json_response({"items": await hub.db.run(work)})


@routes.get("/api/v1/connectors")
async def connectors(request: web.Request) -> web.Response:
    require(actor_of(request), "connector.read")
    hub = request.app["hub"]
    items = await hub.db.run(hub.connectors.health) if hub.connectors else []
    return web.json_response({"items": items})


def _q_view(q: Quarantine) -> dict:
    return {"id": q.id, "channel": q.channel, "external_id": q.external_id, "error": q.error, "status": q.status,
            "attempts": q.attempts, "size": len(q.raw or b""), "meta": q.meta, "created_at": iso(q.created_at),
            "preview": (q.raw or b"")[:500].decode("utf-8", "replace")}  # fmt: skip


@routes.get("/api/v1/quarantine")
async def quarantine_list(request: web.Request) -> web.Response:
    require(actor_of(request), "quarantine.read")
    hub = request.app["hub"]
    status = request.query.get("status") or "new"
    if status not in QUARANTINE_STATUSES:
        raise ActionError(f"status must be one of {', '.join(QUARANTINE_STATUSES)}", field="status")

    def work() -> list[dict]:
        with hub.db.reader() as session:
            rows = session.exec(select(Quarantine).where(Quarantine.status == status).order_by(Quarantine.id.desc()).limit(200))
            return [_q_view(q) for q in rows]

    return web.json_response({"items": await hub.db.run(work)})


@routes.post("/api/v1/quarantine/{id}/retry")
async def quarantine_retry(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "quarantine.retry")
    hub = request.app["hub"]
    qid = path_id(request, "not found")

    def work() -> dict:
        return {"quarantine_id": qid, "intake": quarantine.retry(hub, actor, qid).to_dict()}

    return web.json_response(await hub.db.run(work))
