"""Answering by letter ("yazı ile cevap"): the answer becomes a PDF letter on the
municipality's letterhead, stored in the attachment store and attached to an outgoing message
on the request's thread, on the answer channel ``mektup``. The hub sends nothing itself: staff
print and post the letter, so no outbox item is written. The request counts as answered."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, func, select

from connectors.base import Attachment
from hub.actions import claims, events
from hub.actions.errors import ActionError, Conflict
from hub.actions.requests import _set_status, close_request
from hub.auth import Actor, require
from hub.letters import Letter, LetterFontMissing, render
from hub.models import OUTCOMES, Contact, Message, Request, Status, utcnow

LETTER_CHANNEL = "mektup"
LETTER_CLOSED = {Status.closed, Status.duplicate, Status.out_of_scope, Status.rejected}


def letter_filename(tracking_code: str | None, n: int) -> str:
    return f"{tracking_code or 'talep'}-cevap-yazisi-{n}.pdf"


def answer_by_letter(
    session: Session,
    actor: Actor,
    req: Request,
    text: str,
    *,
    settings: Any,
    store: Any,
    signer_name: str,
    signer_title: str,
    outcome: str | None = None,
    close: bool = False,
) -> Message:
    """Render the letter, store it, and record it as the answer. ``store`` is the hub's
    AttachmentStore; ``settings`` give the letterhead."""
    require(actor, "request.reply")
    claims.ensure_free(session, actor, req)
    text = (text or "").strip()
    signer_name, signer_title = " ".join(signer_name.split()), " ".join(signer_title.split())
    if not text:
        raise ActionError("letter text is empty", field="text")
    if not signer_name or not signer_title:
        raise ActionError("a letter needs the signer's name and title", field="signer")
    if outcome is not None and outcome not in OUTCOMES:
        raise ActionError("outcome must be olumlu or olumsuz", field="outcome")
    if req.status in LETTER_CLOSED:
        raise Conflict(f"request is {req.status}", field="status")
    contact = session.get(Contact, req.contact_id) if req.contact_id else None
    now = utcnow()
    letter = Letter(
        municipality=settings.municipality_name, tracking_code=req.tracking_code or str(req.id),
        received_at=req.received_at, answer=text, signer_name=signer_name, signer_title=signer_title, dated=now,
        sayi=settings.letter_sayi_prefix, address=settings.letter_address,
        recipient_name=(contact.name or "") if contact and not contact.erased_at else "",
        recipient_address=req.address or "", logo_path=settings.letter_logo_path,
    )  # fmt: skip
    try:
        pdf = render(letter, settings.letter_font_dir)
    except LetterFontMissing as exc:
        raise ActionError(str(exc), field="font") from exc
    earlier = session.exec(
        select(func.count()).select_from(Message).where(Message.request_id == req.id, Message.channel == LETTER_CHANNEL)
    ).one()
    meta = store.save(Attachment(letter_filename(req.tracking_code, earlier + 1), "application/pdf", pdf))
    if meta.get("rejected"):
        raise ActionError(f"letter could not be stored: {meta['rejected']}", field="attachment")
    msg = Message(
        request_id=req.id, direction="out", channel=LETTER_CHANNEL, external_id=f"letter:{uuid.uuid4().hex}",
        body=text, author=actor.id, attachments=[meta],
        meta={"letter": True, "signer_name": signer_name, "signer_title": signer_title, "dated": now.isoformat()},
    )  # fmt: skip
    session.add(msg)
    session.flush()
    if outcome:
        req.outcome = outcome
    if req.status != Status.answered:
        _set_status(session, actor, req, Status.answered, reason="answered by letter")
    req.answered_at = req.answered_at or now
    req.needs_review = False
    events.record(session, actor, "request.replied", req.id, message_id=msg.id, outcome=outcome, channel=LETTER_CHANNEL)
    events.record(session, actor, "request.letter", req.id, message_id=msg.id, sha256=meta["sha256"],
                  filename=meta["filename"], signer=signer_name)  # fmt: skip
    if close:
        close_request(session, actor, req, outcome=outcome or req.outcome)
    return msg
