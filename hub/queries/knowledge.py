"""Reading the knowledge base and canned replies (reader sessions only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from hub.models import Request, utcnow
from hub.models_kb import CannedReply, KbEntry
from hub.search_text import query_terms, search_condition

SUGGEST_LIMIT = 5


def search_entries(
    session: Session, q: str = "", *, topic: str | None = None, limit: int = 50, valid_only: bool = False
) -> list[KbEntry]:
    stmt = select(KbEntry)
    if q.strip():
        stmt = stmt.where(search_condition(KbEntry.search_text, q))
    if topic:
        stmt = stmt.where(KbEntry.topic == topic)
    if valid_only:
        stmt = stmt.where(KbEntry.active.is_(True), or_(KbEntry.valid_until.is_(None), KbEntry.valid_until >= utcnow().date()))
    return list(session.exec(stmt.order_by(KbEntry.title).limit(limit)))


def suggest(session: Session, typed: str, *, limit: int = SUGGEST_LIMIT) -> list[KbEntry]:
    """Entries for what an agent is typing: any folded word of three letters or more that an
    entry contains counts, and entries matching more words come first."""
    words = [w for w in dict.fromkeys(query_terms(typed[-500:])) if len(w) >= 3][:12]
    if not words:
        return []
    from hub.search_text import matches_terms

    stmt = select(KbEntry).where(
        KbEntry.active.is_(True), or_(KbEntry.valid_until.is_(None), KbEntry.valid_until >= utcnow().date()),
        or_(*[matches_terms(KbEntry.search_text, [w]) for w in words]),
    ).limit(200)  # fmt: skip
    scored = []
    for e in session.exec(stmt):
        hits = sum(1 for w in words if w in e.search_text)
        title_hits = sum(1 for w in words if w in e.search_text[: len(e.title) + 1])
        scored.append((-(hits + title_hits), e.title, e))
    return [e for *_, e in sorted(scored, key=lambda t: (t[0], t[1]))[:limit]]


def canned_for(session: Session, topic: str | None) -> list[CannedReply]:
    """Active canned replies for a request's topic, and those for every topic."""
    stmt = select(CannedReply).where(CannedReply.active.is_(True))
    stmt = stmt.where(or_(CannedReply.topic.is_(None), CannedReply.topic == topic)) if topic else stmt.where(
        CannedReply.topic.is_(None))  # fmt: skip
    return list(session.exec(stmt.order_by(CannedReply.shortcut)))


def all_canned(session: Session) -> list[CannedReply]:
    return list(session.exec(select(CannedReply).order_by(CannedReply.shortcut)))


def rendered_canned(session: Session, req: Request) -> list[dict[str, Any]]:
    """The request's canned replies with their placeholders filled from the request."""
    from hub.delivery.canned import request_context
    from hub.models import Contact, Department
    from hub.reply_templates import render

    contact = session.get(Contact, req.contact_id) if req.contact_id else None
    dept = session.get(Department, req.department) if req.department else None
    ctx = request_context(req, contact, dept.name if dept else None)
    return [{"id": c.id, "shortcut": c.shortcut, "title": c.title, "text": render(c.body, ctx)}
            for c in canned_for(session, req.topic)]  # fmt: skip
