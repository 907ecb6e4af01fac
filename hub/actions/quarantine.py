"""Inputs that could not be parsed: kept with raw bytes and the error, never dropped."""

from __future__ import annotations

from sqlmodel import Session

from connectors.base import Quarantined
from hub.actions import events
from hub.actions.errors import NotFound
from hub.auth import Actor
from hub.models import Quarantine, utcnow
from hub.observability import metrics


def add(session: Session, actor: Actor, q: Quarantined) -> Quarantine:
    row = Quarantine(
        channel=q.channel, external_id=q.external_id, raw=q.raw, error=q.error[:4000],
        meta=events.jsonable(q.metadata or {}),
    )  # fmt: skip
    session.add(row)
    session.flush()
    metrics.quarantined.inc(q.channel)
    events.record(session, actor, "quarantine.added", None, quarantine_id=row.id, channel=q.channel, error=q.error[:300])
    return row


def mark(session: Session, actor: Actor, qid: int, *, status: str, error: str | None = None) -> Quarantine:
    row = session.get(Quarantine, qid)
    if row is None:
        raise NotFound(f"quarantined item {qid} not found")
    row.status = status
    row.attempts += 1
    row.updated_at = utcnow()
    if error:
        row.error = error[:4000]
    events.record(session, actor, "quarantine." + status, None, quarantine_id=qid)
    return row
