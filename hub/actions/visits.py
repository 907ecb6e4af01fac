"""Visits: open a visit record, and tag the requests taken at it.

A request taken at a visit enters through the intake pipeline like any other (a RawMessage on
channel ``ziyaret`` with ``visit_id`` in its metadata, see hub/ui/visits.py); ``tag_request``
then links it to the visit in its own transaction. Tagging is idempotent, so the same form sent
again (the same intake key, hence the same request) links once.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from hub.actions import events
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import Actor, require
from hub.models import Request, utcnow
from hub.models_visits import VISIT_KINDS, Visit, VisitRequest

VISIT_CHANNEL = "ziyaret"
VISIT_TAG = "ziyaret"


def create_visit(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    held_on: date,
    place: str,
    attendees: str = "",
    ilce: str | None = None,
    mahalle: str | None = None,
    notes: str | None = None,
) -> Visit:
    require(actor, "request.create")
    place = " ".join((place or "").split())
    if kind not in VISIT_KINDS:
        raise ActionError(f"kind must be one of {', '.join(VISIT_KINDS)}", field="kind")
    if not place:
        raise ActionError("a visit needs a place", field="place")
    visit = Visit(
        kind=kind, held_on=held_on, place=place[:200], attendees=(attendees or "").strip()[:2000],
        ilce=ilce or None, mahalle=mahalle or None, notes=(notes or "").strip()[:2000] or None, created_by=actor.id,
    )  # fmt: skip
    session.add(visit)
    session.flush()
    events.record(session, actor, "visit.created", None, visit_id=visit.id, visit_kind=kind, held_on=held_on,
                  place=visit.place)  # fmt: skip
    return visit


def get_visit(session: Session, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(f"visit {visit_id} not found")
    return visit


def tag_request(session: Session, actor: Actor, visit: Visit, req: Request) -> bool:
    """Link ``req`` to ``visit`` and tag it; False when it already was."""
    require(actor, "request.create")
    link = session.exec(select(VisitRequest).where(VisitRequest.request_id == req.id)).first()
    if link is not None:
        if link.visit_id != visit.id:
            raise Conflict(f"request already belongs to visit {link.visit_id}", field="visit_id")
        return False
    session.add(VisitRequest(visit_id=visit.id, request_id=req.id, added_by=actor.id))
    req.tags = sorted(set(req.tags or []) | {VISIT_TAG})
    req.updated_at = utcnow()
    events.record(session, actor, "visit.request_added", req.id, visit_id=visit.id, visit_kind=visit.kind)
    return True
