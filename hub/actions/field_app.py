"""Actions the phone app sends, each at most once: a queued action carries an idempotency
key, and a retry after a lost answer finds the key and changes nothing."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from hub.actions import claims, events
from hub.actions.errors import ActionError
from hub.auth import Actor, require
from hub.models import Message, Request, utcnow
from hub.models_push import AppActionKey


def already_done(session: Session, key: str) -> bool:
    return session.get(AppActionKey, key) is not None


def remember(session: Session, actor: Actor, key: str, request_id: int, action: str) -> None:
    """Stored in the action's own transaction; the primary key stops a concurrent twin."""
    session.add(AppActionKey(key=key, user_id=actor.user_id, request_id=request_id, action=action))


def add_note(session: Session, actor: Actor, req: Request, text: str, attachments: list[dict[str, Any]],
             *, key: str) -> Message:  # fmt: skip
    """An internal note from the field, with photos (stored by ``hub.attachments``): staff
    see it in the request's thread; the citizen does not."""
    require(actor, "request.reply")
    claims.ensure_free(session, actor, req)
    kept = [a for a in attachments if a.get("sha256")]
    if not text.strip() and not kept:
        raise ActionError("note is empty", field="text")
    msg = Message(
        request_id=req.id, direction="note", channel=req.channel, external_id=f"app:{key}",
        body=text.strip() or "Fotoğraf eklendi.", author=actor.id, attachments=events.jsonable(kept),
        meta={"via": "phone_app"},
    )  # fmt: skip
    session.add(msg)
    session.flush()
    req.updated_at = utcnow()
    events.record(
        session, actor, "request.note", req.id, message_id=msg.id, attachments=len(kept), via="phone_app"
    )
    return msg
