"""An agent adds a caller's new call to one of their earlier requests (from the caller's
history on the Yeni talep form) instead of opening a new request: the call becomes an
incoming message on that request's thread, audited."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from hub.actions import events
from hub.actions.errors import ActionError
from hub.actions.requests import append_message
from hub.auth import Actor, require
from hub.models import Message, Request


def add_call(session: Session, actor: Actor, req: Request, *, channel: str, text: str, external_id: str,
             sender: dict[str, Any]) -> tuple[Message, bool]:  # fmt: skip
    """Returns (message, added); a resent form (same ``external_id``) adds nothing twice."""
    require(actor, "request.create")
    text = (text or "").strip()
    if not text:
        raise ActionError("text is empty", field="text")
    existing = session.exec(select(Message).where(Message.channel == channel, Message.external_id == external_id)).first()
    if existing is not None:
        return existing, False
    msg = append_message(session, actor, req, channel=channel, external_id=external_id, text=text,
                         sender=sender, meta={"added_by": actor.id}, threaded_by="agent")  # fmt: skip
    events.record(session, actor, "request.call_added", req.id, message_id=msg.id, channel=channel)
    return msg, True
