"""Signed JSON webhooks for departments whose systems (EBYS, ticketing) accept HTTP pushes.

Receivers verify ``X-Talep-Hub-Signature`` (HMAC-SHA256 of the raw body) with
``verify_signature`` and store ``Idempotency-Key``: the hub retries on timeouts, so
the same delivery can arrive more than once and must be accepted only once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.http_status import error_for_status
from hub.delivery.redact import safe_url, scrub
from hub.delivery.request_fields import read_request

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Talep-Hub-Signature"
TIMESTAMP_HEADER = "X-Talep-Hub-Timestamp"
EVENT_HEADER = "X-Talep-Hub-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
USER_AGENT = "TalepHub-Webhook/1"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        raise TypeError("bytes are not sent in webhooks; send attachment metadata instead")
    return str(value)


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are sent and signed (UTF-8 JSON, Turkish letters unescaped)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_json_default).encode(
        "utf-8"
    )


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header_value: str) -> bool:
    """Constant-time check of an ``X-Talep-Hub-Signature`` header against the raw request body."""
    if not secret or not header_value:
        return False
    expected = sign(secret, body)
    return hmac.compare_digest(expected.encode("ascii"), header_value.strip().encode("utf-8", "replace"))


def build_forward_payload(
    request: dict[str, Any],
    department: dict[str, Any],
    *,
    event: str = "request.forwarded",
    base_url: str | None = None,
) -> dict[str, Any]:
    """The JSON document a department system receives when a request is forwarded to it.

    Dates are ISO 8601 (UTC unless the hub passed an aware value); ``url`` is added when
    ``base_url`` is given. Citizen contact data appears only when the request says
    ``share_contact`` (see ``read_request``).
    """
    view = read_request(request)
    attachments = []
    for item in request.get("attachments") or []:
        if isinstance(item, dict):
            attachments.append(
                {k: item.get(k) for k in ("filename", "content_type", "size", "sha256", "url") if k in item}
            )
    citizen: dict[str, Any] = {"name": view.citizen_name}
    if view.citizen_phone:
        citizen["phone"] = view.citizen_phone
    if view.citizen_email:
        citizen["email"] = view.citizen_email
    payload: dict[str, Any] = {
        "event": event,
        "sent_at": datetime.now(UTC).isoformat(),
        "request": {
            "id": view.id,
            "tracking_code": view.tracking_code,
            "subject": view.subject,
            "type": view.request_type,
            "type_label": view.request_type_label,
            "topic": view.topic,
            "channel": view.channel,
            "received_at": view.received_at_iso,
            "due_at": view.due_iso,
            "text": view.text,
            "location": {
                "il": view.il,
                "ilce": view.ilce,
                "mahalle": view.mahalle,
                "address": view.address,
                "lat": view.lat,
                "lon": view.lon,
            },
            "citizen": citizen,
            "attachments": attachments,
        },
        "department": {k: department.get(k) for k in ("id", "code", "name") if k in department},
        # why this department receives it: "gereği için" (act on it), "bilgi için" (a copy),
        # "acil bildirim" (a rule's alert), "süre aşıldı" (the deadline passed); and the note
        "forward": {"role": view.role or "gereği için", "note": view.note},
    }
    if base_url:
        payload["request"]["url"] = f"{base_url.rstrip('/')}/requests/{view.id}"
    return payload


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise PermanentDeliveryError("webhook URL is not valid") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PermanentDeliveryError(f"webhook URL must be http(s) with a host, got {safe_url(url)!r}")


async def deliver_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str | None,
    idempotency_key: str,
    timeout: float = 10.0,
    session: aiohttp.ClientSession | None = None,
    event: str | None = None,
) -> int:
    """POST ``payload`` as signed JSON; return the 2xx status or raise ``DeliveryError``.

    Redirects are not followed (a moved endpoint is a configuration error, and a POST
    must not silently become a GET). ``event`` defaults to ``payload["event"]``.
    """
    _check_url(url)
    if not idempotency_key:
        raise PermanentDeliveryError("idempotency_key is required")
    try:
        body = encode_body(payload)
    except (TypeError, ValueError) as exc:
        raise PermanentDeliveryError(f"payload cannot be encoded as JSON: {exc}") from exc
    event_name = event or str(payload.get("event") or "request.forwarded")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(int(time.time())),
        IDEMPOTENCY_HEADER: idempotency_key,
        EVENT_HEADER: event_name,
    }
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    where = safe_url(url)
    own_session = session is None
    client = session or aiohttp.ClientSession()
    try:
        async with client.post(
            url,
            data=body,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=False,
        ) as response:
            status = response.status
            if 200 <= status < 300:
                log.info("webhook delivered to %s: HTTP %s key=%s", where, status, idempotency_key)
                return status
            text = (await response.content.read(2048)).decode("utf-8", "replace")
            detail = scrub(text, secret)
            error = error_for_status(status, response.headers, f"webhook {where}", detail)
    except DeliveryError:
        raise
    except TimeoutError as exc:
        log.warning("webhook to %s timed out after %ss key=%s", where, timeout, idempotency_key)
        raise DeliveryError(f"webhook {where} timed out after {timeout}s", retryable=True) from exc
    except aiohttp.InvalidURL as exc:
        raise PermanentDeliveryError(f"webhook URL is not valid: {where}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("webhook to %s failed: %s key=%s", where, type(exc).__name__, idempotency_key)
        raise DeliveryError(f"webhook {where} unreachable: {type(exc).__name__}", retryable=True) from exc
    finally:
        if own_session:
            await client.close()
    log.warning("webhook to %s failed: %s", where, error)
    raise error
