"""Web Push for the phone app: subscriptions, each user's choices, and the outbox rows that
tell a department's staff of new work, escalations and deadlines at 80 %.

A push is a delivery target like e-mail and SMS: one outbox row per subscription, written
in the transaction of the forward / alert that caused it, delivered by the outbox worker
(``Transports._push``) with its retries and states."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from hub.actions import events
from hub.actions.errors import ActionError
from hub.actions.outbox import outbox_row
from hub.auth import Actor
from hub.models import Outbox, User, utcnow
from hub.models_push import PUSH_REASONS, PushPreference, PushSubscription

# Why a department hears of a request (the forward / alert role) → the user's switch for it.
REASON_OF_ROLE = {
    "gereği için": "forwarded",
    "bilgi için": "forwarded",
    "acil bildirim": "escalation",
    "süre aşıldı": "escalation",
    "süre dolmak üzere": "deadline",
}
_ALERT_SLUG = {"acil bildirim": "acil", "süre aşıldı": "sure-asimi", "süre dolmak üzere": "sure-uyari"}
_MAX_FIELD = 2000  # endpoints are a few hundred characters; keys under 100


def _check_subscription(endpoint: str, p256dh: str, auth: str) -> None:
    if not endpoint.startswith(("https://", "http://")) or len(endpoint) > _MAX_FIELD:
        raise ActionError("push endpoint must be an http(s) URL", field="endpoint")
    for name, value in (("p256dh", p256dh), ("auth", auth)):
        if not value or len(value) > 200 or not all(c.isalnum() or c in "-_=" for c in value):
            raise ActionError(f"push key {name} is not base64url", field=name)


def session_hash(session_id: str) -> str:
    """What a subscription keeps of the UI session that registered it: a hash, so the table
    holds nothing that could help forge a session cookie or its CSRF token."""
    return hashlib.sha256(("push-session:" + session_id).encode()).hexdigest()


def subscribe(
    session: Session, actor: Actor, *, endpoint: str, p256dh: str, auth: str, user_agent: str | None = None,
    ui_session_id: str | None = None,
) -> PushSubscription:  # fmt: skip
    """Register (or re-register) this browser for the signed-in user. An endpoint is one
    browser: when another user signs in on the same phone, the subscription becomes theirs.
    ``ui_session_id`` is the staff UI session it is registered from: signing out of that
    session removes it again (``end_session``)."""
    if actor.user_id is None:
        raise ActionError("only a signed-in user can subscribe", field="user")
    _check_subscription(endpoint, p256dh, auth)
    sub = session.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).first()
    if sub is None:
        sub = PushSubscription(user_id=actor.user_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
        session.add(sub)
    sub.user_id, sub.p256dh, sub.auth = actor.user_id, p256dh, auth
    sub.user_agent = (user_agent or "")[:300] or None
    sub.session_hash = session_hash(ui_session_id) if ui_session_id else None
    session.flush()
    events.record(session, actor, "push.subscribed", None, subscription_id=sub.id)
    return sub


def unsubscribe(session: Session, actor: Actor, endpoint: str) -> bool:
    """Forget this browser's subscription (only the user's own)."""
    sub = session.exec(
        select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == actor.user_id
        )
    ).first()
    if sub is None:
        return False
    _drop(session, sub)
    events.record(session, actor, "push.unsubscribed", None, subscription_id=sub.id)
    return True


def end_session(session: Session, actor: Actor, ui_session_id: str) -> list[int]:
    """Signing out (/ui/cikis): remove the subscriptions this user registered from the session
    that signs out, so a shared phone stops showing their notices (which carry request content).

    Why the session and not the endpoint: the sign-out is a plain form post that works without
    script, from the staff UI as from the phone app (one cookie for both), and the server knows
    its session without trusting anything the page sends; the browser cannot be asked for its
    endpoint at that moment (no script, offline, another tab). The user's subscriptions from
    other sessions (their own phone) stay. Subscriptions stored before sessions were kept
    (``session_hash`` empty) cannot be told apart, so they go too: that phone turns its
    notices on again from the app's settings page."""
    if actor.user_id is None:
        return []
    subs = session.exec(
        select(PushSubscription).where(
            PushSubscription.user_id == actor.user_id,
            (PushSubscription.session_hash == session_hash(ui_session_id))
            | (PushSubscription.session_hash.is_(None)),  # type: ignore[union-attr]
        )
    ).all()
    ids = sorted(int(sub.id or 0) for sub in subs)
    for sub in subs:
        _drop(session, sub)
    if ids:
        events.record(session, actor, "push.session_ended", None, subscription_ids=ids)
    return ids


def _drop(session: Session, sub: PushSubscription) -> None:
    # Rows still waiting for it have nowhere to go: they end as dead, with the reason.
    waiting = session.exec(select(Outbox).where(Outbox.kind == "push", Outbox.status == "pending")).all()
    for row in waiting:
        if (row.payload or {}).get("subscription_id") == sub.id:
            row.status, row.last_error = "dead", "subscription removed"
    session.delete(sub)


def drop_gone(session: Session, actor: Actor, subscription_id: int, status: int | None) -> None:
    """The push service said 404/410: the browser unsubscribed or the subscription expired."""
    sub = session.get(PushSubscription, subscription_id)
    if sub is None:
        return
    _drop(session, sub)
    events.record(
        session, actor, "push.subscription_gone", None, subscription_id=subscription_id, status=status
    )


def delivered(session: Session, subscription_id: int) -> None:
    sub = session.get(PushSubscription, subscription_id)
    if sub is not None:
        sub.last_success_at = utcnow()


def registered(session: Session, actor: Actor, endpoint: str) -> bool:
    """Whether this browser's endpoint is registered for the signed-in user. The phone app's
    settings page asks before it says notifications are on: a browser keeps its own
    subscription after a sign-out (``end_session``) or another user's sign-in took it away here."""
    if actor.user_id is None or not endpoint:
        return False
    found = session.exec(
        select(PushSubscription.id).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == actor.user_id
        )
    ).first()
    return found is not None


def preferences(session: Session, user_id: int) -> dict[str, bool]:
    pref = session.get(PushPreference, user_id)
    return {r: bool(getattr(pref, r)) if pref else True for r in PUSH_REASONS}


def set_preferences(session: Session, actor: Actor, choices: dict[str, bool]) -> dict[str, bool]:
    if actor.user_id is None:
        raise ActionError("only a signed-in user has preferences", field="user")
    pref = session.get(PushPreference, actor.user_id) or PushPreference(user_id=actor.user_id)
    for reason in PUSH_REASONS:
        setattr(pref, reason, bool(choices.get(reason)))
    pref.updated_at = utcnow()
    session.add(pref)
    after = {r: getattr(pref, r) for r in PUSH_REASONS}
    events.record(session, actor, "push.preferences", None, **after)
    return after


def rows_for(
    session: Session, items: Iterable[tuple[int, str, str]], *, now: datetime, once: bool = False
) -> list[dict[str, Any]]:
    """Outbox rows for ``(request_id, department, role)`` items: one per subscription of an
    active user of that department who wants this kind of notice. ``once`` keys them by
    reason (an alert goes once per request); else each call is a new generation (a
    re-forward is new work again). One query for the whole batch."""
    items = [(rid, dept, role) for rid, dept, role in items if dept and role in REASON_OF_ROLE]
    if not items:
        return []
    depts = sorted({dept for _, dept, _ in items})
    found = session.exec(
        select(PushSubscription.id, User.department_code, PushPreference)
        .join(User, User.id == PushSubscription.user_id)
        .outerjoin(PushPreference, PushPreference.user_id == User.id)
        .where(User.active.is_(True), User.department_code.in_(depts))
    ).all()
    if not found:
        return []
    generation = uuid.uuid4().hex[:12]
    rows = []
    for rid, dept, role in items:
        reason = REASON_OF_ROLE[role]
        for sub_id, code, pref in found:
            if code != dept or (pref is not None and not getattr(pref, reason)):
                continue
            key = f"push:{rid}:{sub_id}:{_ALERT_SLUG.get(role, reason) if once else generation}"
            payload = {"subscription_id": sub_id, "reason": reason, "role": role, "department": dept}
            rows.append(outbox_row("push", key, payload, rid, now))
    return rows
