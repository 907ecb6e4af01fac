"""Claims with a lease, and who has a request open.

"Üstlen" holds a request for one person for ``lease`` seconds; the open request page renews
the lease (heartbeat). While someone else holds it, every action that changes the request
(reply, forward, close, assign, update, wait, merge, …) is refused with ``Held`` until the
lease runs out or the person takes it over explicitly (``take_over``, audited). System actors
(intake, workers, SLA watcher) are never held back.

Audited: ``request.claimed``, ``request.claim_released``, ``request.taken_over``. Renewals and
presence are not events (they would flood the trail); they only move timestamps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, update
from sqlmodel import Session, select

from hub.actions import events
from hub.actions.errors import ActionError, Conflict
from hub.auth import Actor, require
from hub.models import Request, User, utcnow
from hub.models_workspace import RequestClaim, RequestView

DEFAULT_LEASE = 300.0
_TZ = ZoneInfo("Europe/Istanbul")


class Held(Conflict):
    """The request is held by someone else: take it over first."""

    def __init__(self, name: str, since: datetime) -> None:
        local = since.astimezone(_TZ).strftime("%d.%m.%Y %H:%M")
        super().__init__(f"request is held by {name} since {local}; take it over first", field="claim")
        self.holder_name = name
        self.since = since


def _name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.display_name if user else f"#{user_id}"


def active_claim(session: Session, request_id: int, now: datetime | None = None) -> RequestClaim | None:
    row = session.get(RequestClaim, request_id)
    if row is None or row.until <= (now or utcnow()):
        return None
    return row


def ensure_free(session: Session, actor: Actor, req: Request) -> None:
    """Refuse a change to ``req`` by anyone but the holder of an active claim."""
    if actor.role == "system" or req.id is None:
        return
    row = active_claim(session, req.id)
    if row is not None and row.user_id != actor.user_id:
        raise Held(_name(session, row.user_id), row.since)


def _signed_in(actor: Actor) -> int:
    if actor.user_id is None:
        raise ActionError("only a signed-in user can claim a request")
    return actor.user_id


def _take_assignment(session: Session, actor: Actor, req: Request, user_id: int, *, replace: int | None = None) -> None:
    """The claimer becomes the assignee when nobody (or the person whose claim was taken over) is."""
    if req.assignee_id in (None, replace) and req.assignee_id != user_id:
        before = req.assignee_id
        req.assignee_id = user_id
        req.updated_at = utcnow()
        events.record(session, actor, "request.assigned", req.id, before=before, after=user_id, by="claim")


def claim(session: Session, actor: Actor, req: Request, *, lease: float = DEFAULT_LEASE) -> RequestClaim:
    """Hold ``req`` for the actor for ``lease`` seconds (department users: within their
    department, which ``hub.actions.requests.get`` already checked). Claiming one's own
    request again renews it."""
    require(actor, "request.read")
    uid = _signed_in(actor)
    now = utcnow()
    row = session.get(RequestClaim, req.id)
    if row is not None and row.until > now and row.user_id != uid:
        raise Held(_name(session, row.user_id), row.since)
    until = now + timedelta(seconds=lease)
    if row is not None and row.user_id == uid and row.until > now:
        row.until = until
        return row
    if row is None:
        row = RequestClaim(request_id=req.id, user_id=uid, since=now, until=until)
        session.add(row)
    else:
        row.user_id, row.since, row.until = uid, now, until
    events.record(session, actor, "request.claimed", req.id, until=until, lease_seconds=lease)
    _take_assignment(session, actor, req, uid)
    return row


def renew(session: Session, actor: Actor, request_id: int, *, lease: float = DEFAULT_LEASE) -> datetime | None:
    """The heartbeat: extend the actor's own claim row (also one whose lease ran out while
    nobody took it); the new end, or None when they hold none. One UPDATE, no read first."""
    if actor.user_id is None:
        return None
    until = utcnow() + timedelta(seconds=lease)
    result = session.execute(
        update(RequestClaim)
        .where(RequestClaim.request_id == request_id, RequestClaim.user_id == actor.user_id)  # type: ignore[arg-type]
        .values(until=until)
    )
    return until if result.rowcount else None  # type: ignore[attr-defined]


def release(session: Session, actor: Actor, req: Request) -> None:
    uid = _signed_in(actor)
    row = session.get(RequestClaim, req.id)
    if row is None or row.user_id != uid or row.until <= utcnow():
        raise Conflict("you do not hold this request", field="claim")
    session.delete(row)
    events.record(session, actor, "request.claim_released", req.id)


def take_over(
    session: Session, actor: Actor, req: Request, *, lease: float = DEFAULT_LEASE, reason: str | None = None
) -> RequestClaim:
    """Take the request from whoever holds it, explicitly (the audit says from whom)."""
    require(actor, "request.read")
    uid = _signed_in(actor)
    now = utcnow()
    row = session.get(RequestClaim, req.id)
    if row is None or row.until <= now or row.user_id == uid:
        return claim(session, actor, req, lease=lease)
    previous, previous_since = row.user_id, row.since
    row.user_id, row.since, row.until = uid, now, now + timedelta(seconds=lease)
    events.record(session, actor, "request.taken_over", req.id, from_user=previous,
                  from_name=_name(session, previous), held_since=previous_since, reason=reason)  # fmt: skip
    _take_assignment(session, actor, req, uid, replace=previous)
    return row


# -- presence -----------------------------------------------------------------------------


def seen(session: Session, actor: Actor, request_id: int) -> None:
    """The actor has the request's page open (now)."""
    if actor.user_id is None:
        return
    now = utcnow()
    values = {"request_id": request_id, "user_id": actor.user_id, "seen_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(RequestView).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["request_id", "user_id"], set_={"seen_at": now})
    session.execute(stmt)


def left(session: Session, actor: Actor, request_id: int) -> None:
    if actor.user_id is None:
        return
    session.execute(delete(RequestView).where(RequestView.request_id == request_id, RequestView.user_id == actor.user_id))


def present(session: Session, request_id: int, *, window: float) -> list[tuple[int, str, datetime]]:
    """Who has the request's page open (seen within ``window`` seconds), the caller included:
    (user id, display name, seen at), by name. The caller's own row says whether it is stale."""
    since = utcnow() - timedelta(seconds=window)
    return [(uid, name, at) for uid, name, at in session.exec(_present_stmt(), params={"rid": request_id, "since": since})]


@lru_cache(maxsize=1)
def _present_stmt() -> Any:
    return (
        select(RequestView.user_id, User.display_name, RequestView.seen_at)
        .join(User, User.id == RequestView.user_id)
        .where(RequestView.request_id == bindparam("rid"), RequestView.seen_at >= bindparam("since"))
        .order_by(User.display_name)
    )


def claims_for(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The active claims among ``ids``: {request id: {user_id, name, since, until}}."""
    if not ids:
        return {}
    now = utcnow()
    rows = session.exec(
        select(RequestClaim, User.display_name)
        .join(User, User.id == RequestClaim.user_id)
        .where(RequestClaim.request_id.in_(ids), RequestClaim.until > now)  # type: ignore[attr-defined]
    ).all()
    return {c.request_id: {"user_id": c.user_id, "name": name, "since": c.since, "until": c.until} for c, name in rows}


def claim_view(session: Session, request_id: int) -> dict[str, Any] | None:
    """The active claim of one request, as the API shows it (None when nobody holds it)."""
    info = claims_for(session, [request_id]).get(request_id)
    if info is None:
        return None
    return {"user_id": info["user_id"], "name": info["name"], "since": info["since"].isoformat(),
            "until": info["until"].isoformat()}  # fmt: skip
