"""Call-back tasks. A phone request's answer that no SMS can carry (no gateway, no mobile
number, the SMS failed) must be read to the citizen by an agent: the request is tagged
``geri-arama``, is not counted as answered, and waits in the "Geri aranacaklar" list until a
call reaches the citizen. Each attempt is one row; each outcome is on the request's thread."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlmodel import Session, col, select

from hub.actions import events
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import Actor, require
from hub.models import FINAL_STATUSES, Message, Outbox, Request, Status, utcnow
from hub.models_callbacks import CALLBACK_OUTCOMES, Callback

TAG = "geri-arama"
FIRST_DUE = timedelta(hours=2)  # the first call within two hours of the answer
RETRY_AFTER = timedelta(hours=3)  # "ulaşılamadı": try again later the same day or the next
OUTCOME_TEXT = {"reached": "ulaşıldı", "not_reached": "ulaşılamadı", "wrong_number": "yanlış numara"}


def open_for(session: Session, actor: Actor, req: Request, *, reason: str, message_id: int | None = None) -> Callback | None:
    """Open a call-back for ``req`` unless one is already open (then None). The request stops
    counting as answered: it goes back to "in progress" until the citizen is reached."""
    if req.erased_at is not None:
        return None
    existing = session.exec(select(Callback).where(Callback.request_id == req.id, Callback.status == "open")).first()
    if existing is not None:
        return None
    resume = req.status if req.status in (Status.answered, Status.closed) else None
    if resume is not None:
        _set_status(session, actor, req, Status.in_progress, "callback pending")
    req.answered_at = None
    req.tags = sorted(set(req.tags or []) | {TAG})
    req.updated_at = utcnow()
    cb = Callback(request_id=req.id, reason=reason[:500], due_at=utcnow() + FIRST_DUE,
                  message_id=message_id, resume_status=resume)  # fmt: skip
    session.add(cb)
    session.flush()
    events.record(session, actor, "callback.opened", req.id, callback_id=cb.id, reason=reason[:500], due_at=cb.due_at)
    return cb


def _set_status(session: Session, actor: Actor, req: Request, new: str, reason: str) -> None:
    from hub.actions.requests import _set_status as set_status

    set_status(session, actor, req, new, reason=reason)


def complete(session: Session, actor: Actor, callback_id: int, outcome: str, note: str | None = None) -> Callback:
    """Record one call: ``reached`` (the citizen was told: the request counts as answered),
    ``not_reached`` (another attempt is scheduled) or ``wrong_number`` (no more attempts)."""
    require(actor, "request.reply")
    if outcome not in CALLBACK_OUTCOMES:
        raise ActionError("callback outcome must be reached, not_reached or wrong_number", field="outcome")
    cb = session.get(Callback, callback_id)
    req = session.get(Request, cb.request_id) if cb is not None else None
    if cb is None or req is None or not actor.can_see_department(req.department):
        raise NotFound(f"callback {callback_id} not found")
    if cb.status != "open":
        raise Conflict("this call-back is already done", field="callback")
    note = (note or "").strip()[:2000] or None
    now = utcnow()
    cb.status, cb.outcome, cb.note, cb.done_at, cb.done_by = "done", outcome, note, now, actor.id
    body = f"Geri arama ({cb.attempt}. deneme): {OUTCOME_TEXT[outcome]}" + (f" — {note}" if note else "")
    msg = Message(
        request_id=req.id, direction="out" if outcome == "reached" else "note", channel="phone",
        external_id=f"callback:{cb.id}:{uuid.uuid4().hex[:8]}", body=body, author=actor.id,
        delivery_status="sent" if outcome == "reached" else None,
        meta={"callback_id": cb.id, "callback_outcome": outcome},
    )  # fmt: skip
    session.add(msg)
    session.flush()
    nxt = None
    if outcome == "not_reached":
        nxt = Callback(request_id=req.id, reason=cb.reason, attempt=cb.attempt + 1, due_at=now + RETRY_AFTER,
                       message_id=cb.message_id, resume_status=cb.resume_status)  # fmt: skip
        session.add(nxt)
        session.flush()
    else:
        req.tags = sorted((set(req.tags or []) - {TAG}) | ({"yanlis-numara"} if outcome == "wrong_number" else set()))
    if outcome == "reached":
        if req.status not in FINAL_STATUSES:
            _set_status(session, actor, req, Status.answered, "citizen reached by phone")
        req.answered_at = now
        if cb.resume_status == Status.closed and req.outcome:
            req.closed_at = now
            _set_status(session, actor, req, Status.closed, "citizen reached by phone")
    req.updated_at = now
    events.record(session, actor, "callback.completed", req.id, callback_id=cb.id, outcome=outcome, note=note,
                  attempt=cb.attempt, message_id=msg.id, next_callback_id=nxt.id if nxt else None,
                  next_due_at=nxt.due_at if nxt else None)  # fmt: skip
    return cb


def open_callbacks(session: Session, actor: Actor, *, limit: int = 200) -> list[tuple[Callback, Request]]:
    """Open call-backs the actor may see, the earliest due first."""
    rows = session.exec(
        select(Callback, Request).join(Request, col(Request.id) == Callback.request_id)
        .where(Callback.status == "open").order_by(col(Callback.due_at), col(Callback.id)).limit(limit)
    )  # fmt: skip
    return [(cb, req) for cb, req in rows if actor.can_see_department(req.department)]


def for_request(session: Session, request_id: int) -> list[Callback]:
    return list(session.exec(select(Callback).where(Callback.request_id == request_id).order_by(col(Callback.id))))


def open_if_answer_missed(session: Session, row: Outbox, reason: str) -> Callback | None:
    """The worker's hook: the SMS carrying a phone request's answer was skipped or failed,
    so the answer must be read out instead."""
    from hub.auth import SYSTEM_WORKER

    if row.kind != "notify" or (row.payload or {}).get("stage") != "answered" or not row.request_id:
        return None
    req = session.get(Request, row.request_id)
    if req is None or req.channel != "phone":
        return None
    return open_for(session, SYSTEM_WORKER, req, reason=reason)
