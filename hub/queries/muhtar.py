"""What the muhtar portal shows: the requests of the muhtar's own mahalle, from every channel,
with status, department and answer, and without other citizens' personal data.

Nothing personal leaves this module: no contact name, phone, e-mail or sender; texts and
answers pass through the classifier's PII mask (TC kimlik, phone, e-mail, IBAN) and the
citizen's own recorded name is blanked where it appears in them. Staff notes are never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from classifier.pii import mask_pii
from hub.auth import Actor
from hub.models import Contact, Department, Message, Request
from hub.queries.scope import visible_requests

NAME_TAG = "[AD SOYAD]"
LIST_LIMIT = 200


def own_prefix(user_id: int) -> str:
    """external_id prefix of the requests a muhtar submitted through the portal."""
    return f"muhtar:{user_id}:"


def masked(text: str | None, names: list[str]) -> str:
    """The text with personal data masked, and the citizen's known name(s) blanked."""
    out = mask_pii(text or "")
    for name in names:
        if name and len(name.strip()) >= 3:
            out = re.sub(re.escape(name.strip()), NAME_TAG, out, flags=re.IGNORECASE)
    return out


@dataclass
class MahalleRequest:
    id: int
    tracking_code: str | None
    channel: str
    request_type: str | None
    topic: str | None
    status: str
    department: str | None
    department_name: str | None
    received_at: datetime
    due_at: datetime | None
    answered_at: datetime | None
    outcome: str | None
    own: bool
    text: str
    answers: list[dict[str, Any]]


def _department_names(session: Session) -> dict[str, str]:
    return {d.code: d.name for d in session.exec(select(Department))}


def _names(session: Session, req: Request) -> list[str]:
    if req.contact_id is None:
        return []
    contact = session.get(Contact, req.contact_id)
    return [contact.name] if contact and contact.name else []


def _row(session: Session, actor: Actor, req: Request, depts: dict[str, str], *, full: bool) -> MahalleRequest:
    own = req.channel == "muhtar" and (req.external_id or "").startswith(own_prefix(actor.user_id or 0))
    names = [] if own else _names(session, req)
    answers: list[dict[str, Any]] = []
    if full:
        outs = session.exec(
            select(Message).where(Message.request_id == req.id, Message.direction == "out").order_by(Message.created_at)
        ).all()
        answers = [{"at": m.created_at, "text": masked(m.body, names)} for m in outs]
    text = masked(req.text, names) if req.erased_at is None else "[KVKK kapsamında silindi]"
    return MahalleRequest(
        id=req.id or 0, tracking_code=req.tracking_code, channel=req.channel, request_type=req.request_type,
        topic=req.topic, status=req.status, department=req.department,
        department_name=depts.get(req.department or "", req.department), received_at=req.received_at,
        due_at=req.due_at, answered_at=req.answered_at, outcome=req.outcome, own=own,
        text=text if full else text[:160], answers=answers,
    )  # fmt: skip


def mahalle_requests(db: Any, actor: Actor, *, limit: int = LIST_LIMIT) -> list[MahalleRequest]:
    """Newest first; merged follow-ups (parent_id set) are part of their parent."""
    stmt = select(Request).where(Request.parent_id.is_(None)).order_by(Request.received_at.desc()).limit(limit)
    stmt = visible_requests(stmt, actor)
    with db.reader() as session:
        depts = _department_names(session)
        return [_row(session, actor, r, depts, full=False) for r in session.exec(stmt)]


def mahalle_request(db: Any, actor: Actor, code: str) -> MahalleRequest | None:
    """One request by tracking code, or None when it is not in the muhtar's mahalle."""
    stmt = visible_requests(select(Request).where(Request.tracking_code == code.strip().upper()), actor)
    with db.reader() as session:
        req = session.exec(stmt).first()
        if req is None:
            return None
        return _row(session, actor, req, _department_names(session), full=True)
