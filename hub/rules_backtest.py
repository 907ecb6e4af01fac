"""Backtest against stored requests: load them as routing inputs and compare
the active rules with a candidate (the engine's backtest does the comparing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from hub.models import Contact, Request, utcnow
from hub.rules import RuleSet
from hub.rules.backtest import backtest


def load_records(hub: Any, *, since_days: int | None = None, limit: int = 200_000) -> list[dict]:
    cols = (
        Request.id, Request.tracking_code, Request.text, Request.subject, Request.channel, Request.request_type,
        Request.topic, Request.topic_confidence, Request.ilce, Request.mahalle, Request.received_at,
        Request.parent_id, Request.tags, Request.priority, Request.status, Request.department, Contact.kind,
        Request.classification,
    )  # fmt: skip
    # Erased requests (KVKK) lost their text: text rules would misjudge them.
    stmt = select(*cols).outerjoin(Contact, Contact.id == Request.contact_id).where(Request.erased_at.is_(None))
    if since_days:
        stmt = stmt.where(Request.received_at >= utcnow() - timedelta(days=since_days))
    stmt = stmt.order_by(Request.id.desc()).limit(limit)
    out = []
    with hub.db.reader() as session:
        for r in session.exec(stmt):
            cls = r[17] or {}
            out.append({
                "id": r[0], "tracking_code": r[1], "text": r[2], "subject": r[3], "channel": r[4],
                "request_type": r[5], "topic": r[6], "topic_confidence": r[7], "ilce": r[8], "mahalle": r[9],
                "received_at": r[10], "is_duplicate": bool(r[11]) or bool(cls.get("duplicates")),
                "tags": r[12] or [], "priority": r[13], "status": r[14], "department": r[15],
                "contact_kind": r[16], "out_of_scope": bool(cls.get("out_of_scope")), "has_attachments": False,
            })  # fmt: skip
    return out


def run_backtest(hub: Any, candidate: RuleSet, *, since_days: int | None = None, limit: int = 200_000) -> Any:
    records = load_records(hub, since_days=since_days, limit=limit)
    return backtest(hub.rules.ruleset, candidate, records)
