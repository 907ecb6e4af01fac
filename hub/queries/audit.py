"""The audit trail for administrators: events filtered by kind and actor, newest first,
paged by id. Read-only."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from hub.models import Event, Request, User

# Event kinds are "<group>.<what>"; these are the groups an administrator filters by.
GROUPS = {
    "auth": "Girişler", "user": "Kullanıcı hesapları", "apikey": "API anahtarları",
    "privacy": "Kişisel veriler (KVKK)", "rules": "Yönlendirme kuralları", "contact": "Kişi kayıtları",
    "quarantine": "Karantina", "request": "Talepler", "sla": "Süreler", "outbox": "Gönderimler",
    "classifier": "Sınıflandırma modeli",
}  # fmt: skip
PAGE = 100


def events_page(
    session: Session, *, group: str | None = None, username: str | None = None, before_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One page of events; ``next_before`` continues with older ones (None at the end)."""
    stmt = select(Event).order_by(col(Event.id).desc()).limit(PAGE + 1)
    if group in GROUPS:
        stmt = stmt.where(col(Event.kind).startswith(group + "."))
    if username:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
        stmt = stmt.where(Event.actor == (f"user:{user.id}" if user else username.strip()))
    if before_id is not None:
        stmt = stmt.where(col(Event.id) < before_id)
    rows = session.exec(stmt).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    codes = dict(session.exec(
        select(Request.id, Request.tracking_code).where(col(Request.id).in_({e.request_id for e in rows if e.request_id}))
    ).all()) if rows else {}  # fmt: skip
    return {
        "rows": [
            {"id": e.id, "created_at": e.created_at, "actor": e.actor, "kind": e.kind, "data": e.data or {},
             "request_id": e.request_id, "tracking_code": codes.get(e.request_id)}
            for e in rows
        ],
        "next_before": rows[-1].id if more and rows else None,
    }  # fmt: skip
