"""Erasing personal data (KVKK art. 7 and 11): on a citizen's request, and when the
retention period of finished requests has passed.

Erasing keeps what the reports need (channel, topic, type, mahalle, dates, status,
outcome, department, routing rules that matched) and removes what identifies or
describes the person: the contact's names and addresses, the texts they wrote and the
answers written to them, attachments, chat ids, and copies of those in events, routing
traces and outbox payloads. Staff notes are removed too, as they are written about the
citizen. Each erasure is one audit event that says what was erased and why, never the
data itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, delete, event, func
from sqlmodel import Session, col, select

from classifier.pii import mask_pii
from hub.actions import events
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import Actor, require
from hub.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Contact,
    ContactIdentity,
    Correction,
    Event,
    Message,
    Outbox,
    Quarantine,
    Request,
    utcnow,
)
from hub.models_callbacks import Callback
from hub.queries.contacts import live_contact, merged_family
from hub.search_text import fold

ERASED = "[KVKK kapsamında silindi]"

# Keys under which events, traces and payloads carry citizen-written text or contact data.
_PERSONAL_KEYS = {
    "text", "body", "subject", "address", "name", "phone", "email", "sender", "reply_to",
    "to", "recipient", "telegram_id", "x_handle", "chat_id", "note", "lat", "lon", "answer", "html",
}  # fmt: skip
# Rule-trace leaves on these fields store an excerpt of the citizen's text as "actual".
_TEXT_FIELDS = {"text", "body", "subject"}


@dataclass
class Erasure:
    contacts: int = 0
    requests: int = 0
    messages: int = 0
    attachments: int = 0
    quarantined: int = 0
    request_codes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts, "requests": self.requests, "messages": self.messages,
            "attachments": self.attachments, "quarantined": self.quarantined,
        }  # fmt: skip


def scrub(value: Any) -> Any:
    """A JSON value with personal keys replaced and rule-trace text excerpts dropped;
    other strings keep only what PII masking leaves (no TC, phone, e-mail, IBAN)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        texty = value.get("field") in _TEXT_FIELDS or "cond" in value
        for k, v in value.items():
            if k in _PERSONAL_KEYS and v not in (None, "", [], {}):
                out[k] = ERASED
            elif k == "actual" and texty and v not in (None, "", [], {}):
                out[k] = ERASED
            else:
                out[k] = scrub(v)
        return out
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return mask_pii(value)
    return value


def record_export(session: Session, actor: Actor, contact_id: int, *, via: str) -> None:
    """A person's data was read out in full: who did it and when is part of the audit trail."""
    require(actor, "privacy.export")
    events.record(session, actor, "privacy.exported", None, contact_id=contact_id, via=via)


def erase_contact(
    session: Session, actor: Actor, contact_id: int, *, reason: str,
    delete_file: Callable[[str], None] | None = None,
) -> Erasure:  # fmt: skip
    """Erase a citizen's personal data on their request (KVKK art. 11).

    Refused while any of their requests is still open: close those first, with the
    citizen told why, so no request is left that nobody can answer.
    """
    require(actor, "privacy.erase")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("an erasure needs a reason, e.g. the citizen's application number", field="reason")
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found")
    contact = live_contact(session, contact)  # a merged-away record: the person is its target
    family = merged_family(session, contact)
    ids = [c.id for c in family]
    stmt = select(Request).where(col(Request.contact_id).in_(ids)).order_by(Request.id)
    if session.get_bind().dialect.name != "sqlite":
        # Waits for a worker that is queueing a notice on one of them, then sees its rows.
        stmt = stmt.with_for_update()
    reqs = session.exec(stmt).all()
    still_open = [r.tracking_code or str(r.id) for r in reqs if r.status in OPEN_STATUSES]
    if still_open:
        raise Conflict(
            "the contact has open requests; close them before erasing: " + ", ".join(still_open[:10]),
            field="contact_id",
        )
    result = Erasure()
    _erase_requests(session, actor, reqs, result, delete_file, why="citizen_request")
    for c in family:
        _erase_contact_row(session, c)
    result.contacts = len(family)
    events.record(session, actor, "privacy.contact_erased", None, contact_id=contact.id, reason=reason[:500],
                  **result.as_dict())  # fmt: skip
    return result


def purge_expired(
    session: Session, actor: Actor, *, retention_days: int, now: datetime | None = None,
    limit: int = 200, delete_file: Callable[[str], None] | None = None,
) -> Erasure:  # fmt: skip
    """Erase requests finished more than ``retention_days`` ago, the contacts left with
    nothing but erased requests, and quarantined inputs older than that.

    Works in slices of ``limit`` requests so that a first run on years of history
    keeps each transaction short; callers repeat until nothing is left.
    """
    require(actor, "privacy.erase")
    if retention_days < 1:
        raise ActionError("retention must be at least one day", field="retention_days")
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    finished = func.coalesce(Request.closed_at, Request.answered_at, Request.updated_at)
    stmt = (
        select(Request)
        .where(
            col(Request.erased_at).is_(None),
            col(Request.status).in_([s.value for s in FINAL_STATUSES]),
            finished < cutoff,
        )
        .order_by(Request.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(skip_locked=True)  # hub processes purge side by side
    reqs = session.exec(stmt).all()
    result = Erasure()
    _erase_requests(session, actor, reqs, result, delete_file, why="retention")
    # Contacts whose every request is now erased, and who wrote nothing newer.
    touched = {r.contact_id for r in reqs if r.contact_id is not None}
    if touched:
        live = set(session.exec(
            select(Request.contact_id).where(col(Request.contact_id).in_(touched), col(Request.erased_at).is_(None))
        ).all())  # fmt: skip
        for c in session.exec(select(Contact).where(col(Contact.id).in_(touched - live))).all():
            if c.erased_at is None and not _family_has_live(session, c):
                _erase_contact_row(session, c)
                result.contacts += 1
    old_q = session.exec(select(Quarantine.id).where(Quarantine.created_at < cutoff).limit(limit)).all()
    if old_q:
        session.execute(delete(Quarantine).where(col(Quarantine.id).in_(old_q)))
        result.quarantined = len(old_q)
    if result.requests or result.contacts or result.quarantined:
        events.record(session, actor, "privacy.retention_purge", None, retention_days=retention_days,
                      cutoff=cutoff, **result.as_dict())  # fmt: skip
    return result


def _family_has_live(session: Session, contact: Contact) -> bool:
    ids = [c.id for c in merged_family(session, contact)]
    return session.exec(
        select(func.count()).select_from(Request).where(col(Request.contact_id).in_(ids), col(Request.erased_at).is_(None))
    ).one() > 0  # fmt: skip


def _erase_contact_row(session: Session, c: Contact) -> None:
    c.name = c.phone = c.email = c.telegram_id = c.x_handle = None
    c.erased_at = utcnow()
    # Without its identities the next message from the same phone starts a new contact.
    session.execute(delete(ContactIdentity).where(ContactIdentity.contact_id == c.id))


def _erase_requests(
    session: Session, actor: Actor, reqs: Iterable[Request], result: Erasure,
    delete_file: Callable[[str], None] | None, *, why: str,
) -> None:  # fmt: skip
    reqs = [r for r in reqs if r.erased_at is None]
    if not reqs:
        return
    ids = [r.id for r in reqs]
    now = utcnow()
    from hub.routing_trace import full_trace

    for r in reqs:
        trace = full_trace(session, r)  # a compact trace needs the text to be rebuilt: expand it first
        r.text = ERASED
        r.subject = None
        r.address = None
        r.lat = r.lon = None
        r.reply_to = {}
        r.outcome_reason = mask_pii(r.outcome_reason) if r.outcome_reason else None
        r.return_reason = mask_pii(r.return_reason) if r.return_reason else None
        r.routing_trace = scrub(trace)
        r.classification = scrub(r.classification or {})
        r.erased_at = now
        r.search_text = fold(r.tracking_code)  # found by its code only
        result.request_codes.append(r.tracking_code or str(r.id))
    result.requests += len(reqs)
    shas: set[str] = set()
    for m in session.exec(select(Message).where(col(Message.request_id).in_(ids))).all():
        shas.update(a["sha256"] for a in m.attachments or [] if a.get("sha256"))
        m.body = ERASED
        m.subject = None
        m.sender = {}
        m.meta = {}
        m.attachments = [{"erased": True} for _ in m.attachments or []]
        result.messages += 1
    for ob in session.exec(select(Outbox).where(col(Outbox.request_id).in_(ids))).all():
        ob.payload = scrub(ob.payload or {})
        ob.result = scrub(ob.result or {})
        if ob.status in ("pending", "sending"):
            # A queued answer or notice can no longer be addressed: stop it, visibly.
            ob.status = "dead"
            ob.last_error = "kişisel veriler silindi"
    for ev in session.exec(select(Event).where(col(Event.request_id).in_(ids))).all():
        ev.data = scrub(ev.data or {})
    for cb in session.exec(select(Callback).where(col(Callback.request_id).in_(ids))).all():
        # An agent's note of a call-back may say what the citizen told them on the phone.
        cb.note = ERASED if cb.note else None
        if cb.status == "open":
            cb.status = "cancelled"
    for r in reqs:  # each request's own history says when and why its content went
        events.record(session, actor, "privacy.erased", r.id, why=why)
    session.execute(delete(Correction).where(col(Correction.request_id).in_(ids)))
    session.flush()
    orphans = _unreferenced(session, shas)
    result.attachments += len(orphans)
    if orphans and delete_file is not None:
        # Files go only once the erasure is committed; a rollback leaves them in place.
        def _after_commit(_session: Any) -> None:
            for sha in orphans:
                delete_file(sha)

        event.listen(session, "after_commit", _after_commit, once=True)


def _unreferenced(session: Session, shas: set[str]) -> list[str]:
    """Attachment hashes no remaining message points at (files are shared by content)."""
    out = []
    for sha in sorted(shas):
        used = session.exec(
            select(func.count()).select_from(Message).where(cast(Message.attachments, String).contains(sha))
        ).one()  # fmt: skip
        if not used:
            out.append(sha)
    return out
