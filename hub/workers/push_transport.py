"""Delivering one "push" outbox row: load the subscription, build the payload from the request
(code, topic, mahalle: no personal data), send it, and on 404/410 remove the subscription."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.actions import push as push_actions
from hub.auth import SYSTEM_WORKER
from hub.delivery.webpush import SubscriptionGone, VapidKeys, load_keys, payload_for, send
from hub.models import Outbox
from hub.models_push import PushSubscription
from hub.workers.transports import Skip

_keys: dict[int, VapidKeys] = {}


def vapid_keys(hub: Any) -> VapidKeys:
    """Loaded once per hub (the PEM file is created on first use)."""
    keys = _keys.get(id(hub.settings))
    if keys is None:
        keys = _keys[id(hub.settings)] = load_keys(hub.settings)
    return keys


async def deliver_push(
    hub: Any, row: Outbox, load: Callable[[Outbox], tuple[dict, dict | None]]
) -> dict[str, Any]:
    p = row.payload or {}
    sub_id = p.get("subscription_id")

    def subscription() -> dict[str, Any] | None:
        with hub.db.reader() as session:
            sub = session.get(PushSubscription, sub_id) if sub_id else None
            return {"endpoint": sub.endpoint, "p256dh": sub.p256dh, "auth": sub.auth} if sub else None

    info = await hub.db.run(subscription)
    if info is None:
        raise Skip("push subscription was removed before sending")
    view, _ = await hub.db.run(load, row)
    from hub.ui.labels import topic_name

    view["topic_name"] = topic_name(view.get("topic")) if view.get("topic") else None
    payload = payload_for(view, p.get("reason") or "forwarded")
    try:
        status = await send(vapid_keys(hub), info, payload)
    except SubscriptionGone as exc:
        await hub.db.run(_gone, hub, sub_id, exc.status)
        raise
    await hub.db.run(_delivered, hub, sub_id)
    return {"via": "push", "status": status, "subscription_id": sub_id}


def _gone(hub: Any, sub_id: int, status: int | None) -> None:
    with hub.db.session() as session:
        push_actions.drop_gone(session, SYSTEM_WORKER, sub_id, status)


def _delivered(hub: Any, sub_id: int) -> None:
    with hub.db.session() as session:
        push_actions.delivered(session, sub_id)
