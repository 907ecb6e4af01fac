"""The transactional outbox: rows written in the same transaction as the change
that caused them, claimed by workers, delivered at least once, keyed for
idempotency."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, select

from hub.actions import events
from hub.auth import SYSTEM_WORKER, Actor
from hub.models import Delivery, Department, Outbox, utcnow
from hub.queries.departments import DepartmentInfo

# a department's targets, from the current session's row or from a cache's plain copy
Departments = Mapping[str, Department | DepartmentInfo]


def enqueue(
    session: Session,
    *,
    kind: str,
    idempotency_key: str,
    payload: dict[str, Any],
    request_id: int | None = None,
    message_id: int | None = None,
    not_before: datetime | None = None,
    fresh: bool = False,
) -> Outbox | None:
    """Add an outbox row unless one with the same key exists (then return None).

    ``fresh`` says the key cannot exist yet (it contains a new id), which saves
    a lookup on the intake's hot path; the unique index still guards it.
    """
    if not fresh:
        existing = session.exec(select(Outbox).where(Outbox.idempotency_key == idempotency_key)).first()
        if existing is not None:
            return None
    row = Outbox(
        kind=kind,
        idempotency_key=idempotency_key,
        payload=events.jsonable(payload),
        request_id=request_id,
        message_id=message_id,
        next_attempt_at=not_before or utcnow(),
    )
    session.add(row)
    return row


def outbox_row(kind: str, key: str, payload: dict[str, Any], request_id: int | None, now: Any) -> dict[str, Any]:
    return {
        "kind": kind, "idempotency_key": key, "payload": events.jsonable(payload), "request_id": request_id,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now, "result": {},
    }  # fmt: skip


def _target_rows(
    departments: Departments, request_id: int, code: str, *, key: str, role: str,
    note: str | None, base_url: str, now: Any,
) -> list[dict[str, Any]]:
    """One "forward" row per e-mail/webhook/SMS target of department ``code``; the hub's own
    queue (queue_only) needs none. ``key`` gets the target's index inserted."""
    dept = departments.get(code)
    rows = []
    for i, target in enumerate((dept.targets if dept else None) or []):
        if target.get("queue_only"):
            continue
        payload = {"department": code, "target": target, "role": role, "note": note, "base_url": base_url}
        rows.append(outbox_row("forward", key.format(i=i), payload, request_id, now))
    return rows


def forward_rows(
    departments: Departments, request_id: int, department: str, co_departments: list[str],
    *, note: str | None, base_url: str, now: Any,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Outbox rows for forwarding to ``department`` and informing co-departments.

    Each forward gets its own generation so a re-forward is a new delivery,
    while retries of the same one share the key.
    """
    generation = uuid.uuid4().hex[:12]
    rows: list[dict[str, Any]] = []
    for role, code in [("gereği için", department)] + [("bilgi için", c) for c in co_departments]:
        rows += _target_rows(departments, request_id, code, key=f"fwd:{request_id}:{code}:{{i}}:{generation}",
                             role=role, note=note, base_url=base_url, now=now)  # fmt: skip
    return rows, [r["idempotency_key"] for r in rows]


# The key's last part ends up in the e-mail's Message-ID: ASCII, no spaces.
_ALERT_SLUG = {"acil bildirim": "acil", "süre aşıldı": "sure-asimi", "süre dolmak üzere": "sure-uyari"}


def alert_rows(
    departments: Departments, request_id: int, department: str,
    *, role: str, note: str | None, base_url: str, now: Any,
) -> list[dict[str, Any]]:
    """Outbox rows alerting ``department``'s e-mail/webhook/SMS targets (a rule's escalate_to, a
    passed deadline). Keyed by reason, so each alert goes once per request and department.
    A department with only the hub's queue gets none: it sees the request there, tagged."""
    key = f"alert:{request_id}:{department}:{{i}}:{_ALERT_SLUG.get(role, 'uyari')}"
    return _target_rows(departments, request_id, department, key=key, role=role, note=note, base_url=base_url, now=now)


_CLAIM_PG = """
UPDATE outbox SET status = 'sending', claimed_by = :worker, claimed_until = :until, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM outbox
    WHERE (status = 'pending' AND next_attempt_at <= :now)
       OR (status = 'sending' AND claimed_until < :now)
    ORDER BY next_attempt_at, id
    LIMIT :n
    FOR UPDATE SKIP LOCKED
)
RETURNING id
"""

# SQLite has one writer at a time (our sessions BEGIN IMMEDIATE), so the same
# statement without row locks is already exclusive.
_CLAIM_SQLITE = _CLAIM_PG.replace("FOR UPDATE SKIP LOCKED", "")


def claim(session: Session, worker: str, *, n: int = 20, lease_seconds: float = 120.0) -> list[Outbox]:
    """Claim up to ``n`` due rows for ``worker``. A crashed worker's rows become
    claimable again when its lease runs out."""
    now = utcnow()
    sql = _CLAIM_SQLITE if session.get_bind().dialect.name == "sqlite" else _CLAIM_PG
    params = {
        "worker": worker,
        "until": (now + timedelta(seconds=lease_seconds)).replace(tzinfo=None),
        "now": now.replace(tzinfo=None),
        "n": n,
    }
    ids = [r[0] for r in session.execute(text(sql), params)]
    if not ids:
        return []
    rows = list(session.exec(select(Outbox).where(Outbox.id.in_(ids)).execution_options(populate_existing=True)))
    return sorted(rows, key=lambda r: r.id or 0)


def renew(session: Session, worker: str, ids: list[int], *, lease_seconds: float) -> set[int]:
    """Extend ``worker``'s lease on the claimed rows it still holds; returns their ids.
    A row missing from the answer was taken over (its lease ran out) or finished elsewhere."""
    if not ids:
        return set()
    until = (utcnow() + timedelta(seconds=lease_seconds)).replace(tzinfo=None)
    sql = text(
        "UPDATE outbox SET claimed_until = :until"
        " WHERE id IN :ids AND claimed_by = :worker AND status = 'sending' RETURNING id"
    ).bindparams(bindparam("ids", expanding=True))
    return {r[0] for r in session.execute(sql, {"until": until, "ids": list(ids), "worker": worker})}


def mark_done(
    session: Session, row_id: int, worker: str, *, external_id: str | None = None, result: dict | None = None
) -> bool:
    """Record success. Returns False when another worker already recorded it."""
    row = session.get(Outbox, row_id)
    if row is None or row.status == "done":
        return False
    if session.exec(select(Delivery).where(Delivery.outbox_id == row_id)).first() is not None:
        return False
    row.status = "done"
    row.done_at = utcnow()
    row.claimed_until = None
    row.last_error = None
    row.result = events.jsonable(result or {})
    session.add(Delivery(outbox_id=row_id, worker=worker, external_id=external_id))
    return True


def mark_retry(session: Session, row_id: int, error: str, delay_seconds: float) -> None:
    row = session.get(Outbox, row_id)
    if row is None or row.status in ("done", "dead"):  # dead: e.g. erased while it was being sent
        return
    row.status = "pending"
    row.last_error = error[:2000]
    row.claimed_until = None
    row.next_attempt_at = utcnow() + timedelta(seconds=max(0.0, delay_seconds))


def mark_dead(session: Session, row_id: int, error: str, actor: Actor = SYSTEM_WORKER) -> Outbox | None:
    """Give up on a row: it stays visible with its error, and an event flags it."""
    row = session.get(Outbox, row_id)
    if row is None or row.status == "done":
        return None
    row.status = "dead"
    row.last_error = error[:2000]
    row.claimed_until = None
    events.record(
        session, actor, "outbox.gave_up", row.request_id, outbox_id=row.id, outbox_kind=row.kind, error=error[:500]
    )
    return row


def requeue(session: Session, actor: Actor, row_id: int) -> Outbox | None:
    row = session.get(Outbox, row_id)
    if row is None or row.status not in ("dead", "pending"):
        return None
    row.status = "pending"
    row.next_attempt_at = datetime.now(UTC)
    events.record(session, actor, "outbox.requeued", row.request_id, outbox_id=row.id)
    return row
