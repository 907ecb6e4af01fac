"""Returning (iade) a CİMER or MBS request that is not the municipality's work.

The return is an answer like any other: it goes out through the outbox on the request's own
channel, so the CİMER / MBS export file gets a row whose Sonuç is ``iade`` and whose text
names the institution the request belongs to. The request then closes with outcome
``iade``, which every report counts apart from olumlu / olumsuz.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from hub.actions import claims, events, outbox
from hub.actions.errors import ActionError, Conflict
from hub.actions.requests import _set_status
from hub.auth import Actor, require
from hub.models import FINAL_STATUSES, Message, Request, Status, utcnow

RETURN_OUTCOME = "iade"
RETURNABLE_CHANNELS = ("cimer", "mbs")
MAX_INSTITUTION = 200


def return_text(institution: str, note: str | None) -> str:
    """The Turkish answer that goes into the export file's Cevap Metni."""
    text = (
        "Başvurunuz incelenmiş olup konu Belediyemizin görev alanında değildir. "
        f"Başvurunuzun konusu {institution} görev alanındadır; başvurunuz bu nedenle iade edilmiştir."
    )
    return f"{text} {note}" if note else text


def return_request(
    session: Session, actor: Actor, req: Request, *, institution: str, note: str | None = None
) -> Message:
    require(actor, "request.return")
    claims.ensure_free(session, actor, req)
    institution = " ".join((institution or "").split())
    note = (note or "").strip() or None
    if req.channel not in RETURNABLE_CHANNELS:
        raise ActionError("only CİMER and MBS requests can be returned", field="channel")
    if not institution:
        raise ActionError("name the institution the request belongs to", field="institution")
    if len(institution) > MAX_INSTITUTION:
        raise ActionError(f"institution is longer than {MAX_INSTITUTION} characters", field="institution")
    if req.status in FINAL_STATUSES:
        raise Conflict(f"request is already {req.status}", field="status")
    text = return_text(institution, note)
    msg = Message(
        request_id=req.id, direction="out", channel=req.channel, external_id=f"out:{uuid.uuid4().hex}",
        body=text, author=actor.id, delivery_status="queued", meta={"iade": True, "institution": institution},
    )  # fmt: skip
    session.add(msg)
    session.flush()
    outbox.enqueue(
        session, kind="reply", request_id=req.id, message_id=msg.id, idempotency_key=f"reply:{msg.id}",
        payload={"channel": req.channel, "reply_to": {**(req.reply_to or {}), "sonuc": RETURN_OUTCOME}, "text": text,
                 "iade": True}, fresh=True,
    )  # fmt: skip
    now = utcnow()
    req.outcome, req.outcome_reason = RETURN_OUTCOME, institution
    req.answered_at = req.answered_at or now
    req.closed_at = now
    req.needs_review = False
    _set_status(session, actor, req, Status.closed, reason=f"iade: {institution}")
    events.record(
        session, actor, "request.returned", req.id, institution=institution, note=note, message_id=msg.id
    )
    return msg
