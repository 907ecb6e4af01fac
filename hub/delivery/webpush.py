"""Web Push (RFC 8030/8291/8292) to the phone app: VAPID keys and one send. No database here.

The keys come from settings (HUB_VAPID_PRIVATE_KEY) or are generated once into
``data_dir/vapid_private.pem``: every hub process must sign with the same key, or the
browsers' subscriptions (bound to its public half) stop working.

KVKK: the payload leaves through the browser vendor's push service (encrypted, but still
outside the municipality), so it carries the tracking code, the reason, the topic and the
mahalle only: never the citizen's name, contact data or text.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush_async

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.http_status import error_for_status

# Push services drop a message nobody collected after this (seconds): a day-old notice is stale.
TTL_SECONDS = 24 * 3600
TITLES = {
    "forwarded": "Biriminize yeni talep",
    "escalation": "Acil / süresi geçen talep",
    "deadline": "Süresi dolmak üzere",
}


class SubscriptionGone(PermanentDeliveryError):
    """The push service says the subscription no longer exists (404/410): remove it."""


@dataclass(frozen=True)
class VapidKeys:
    vapid: Vapid02
    subject: str

    @property
    def public_key(self) -> str:
        """The application server key the browser's ``pushManager.subscribe`` needs (base64url)."""
        raw = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _from_setting(value: str) -> Vapid02:
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return Vapid02.from_pem(text.encode())
    return Vapid02.from_string(text)


def load_keys(settings: Any) -> VapidKeys:
    """The hub's VAPID key pair: configured, or created once in the data dir (mode 0600)."""
    subject = settings.vapid_subject or f"mailto:bildirim@{settings.mail_domain}"
    configured = settings.vapid_private_key
    if configured is not None:
        return VapidKeys(_from_setting(configured.get_secret_value()), subject)
    path = Path(settings.data_dir) / "vapid_private.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Vapid02()
        fresh.generate_keys()
        tmp = path.with_suffix(".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(fresh.private_pem())
        try:  # two processes starting at once: the first file wins, both then read it
            os.link(tmp, path)
        except FileExistsError:
            pass
        tmp.unlink(missing_ok=True)
    return VapidKeys(Vapid02.from_pem(path.read_bytes()), subject)


def payload_for(view: dict[str, Any], reason: str) -> dict[str, Any]:
    """What the notification shows: code, topic, mahalle, and the app's page (a path: the
    service worker opens it on its own origin)."""
    location = view.get("location") or {}
    parts = [p for p in (view.get("topic_name") or view.get("topic"), location.get("mahalle")) if p]
    rid = view.get("id")
    return {
        "title": TITLES.get(reason, "Talep bildirimi"),
        "body": " · ".join([str(view.get("tracking_code") or rid), *[str(p)[:60] for p in parts]]),
        "tracking_code": view.get("tracking_code"),
        "reason": reason,
        "url": f"/ui/uygulama/talep/{rid}",
        "tag": f"talep-{rid}-{reason}",
    }


async def send(
    keys: VapidKeys, subscription: dict[str, Any], payload: dict[str, Any], *, timeout: float = 15.0
) -> int:
    """Encrypt and post one message; the push service's status on success. 404/410 raise
    ``SubscriptionGone``; 429/5xx a retryable ``DeliveryError``; other refusals are permanent."""
    from urllib.parse import urlsplit

    endpoint = subscription["endpoint"]
    parts = urlsplit(endpoint)
    claims = {"sub": keys.subject, "aud": f"{parts.scheme}://{parts.netloc}"}
    info = {"endpoint": endpoint, "keys": {"p256dh": subscription["p256dh"], "auth": subscription["auth"]}}
    data = json.dumps(payload, ensure_ascii=False)
    try:
        async with aiohttp.ClientSession() as http:
            resp = await webpush_async(
                info, data, vapid_private_key=keys.vapid, vapid_claims=claims, ttl=TTL_SECONDS,
                timeout=timeout, aiohttp_session=http, headers={"Urgency": "high"},
            )  # fmt: skip
            return int(getattr(resp, "status", 201))
    except WebPushException as exc:
        resp = exc.response
        status = int(getattr(resp, "status", 0) or getattr(resp, "status_code", 0) or 0)
        if status in (404, 410):
            raise SubscriptionGone(
                f"push service answered HTTP {status}: subscription expired", status=status
            ) from None
        if status:
            raise error_for_status(status, dict(getattr(resp, "headers", {}) or {}), "push service") from None
        raise DeliveryError(f"push failed: {exc}") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise DeliveryError(f"push service unreachable: {type(exc).__name__}") from None
