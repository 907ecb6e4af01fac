"""Signed webhooks against a real aiohttp receiver on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError, RetryPolicy
from hub.delivery.webhook import build_forward_payload, deliver_webhook, verify_signature
from tests.retry_support import run_with_retries

SECRET = "çok-gizli-anahtar-2026"
FAST = RetryPolicy(base_seconds=0.001, factor=2, max_delay_seconds=0.01, max_attempts=5, jitter=0.25)

REQUEST = {
    "id": "8f14e45f-ceea-467f-a0f4-2c1d7a6b5e10",
    "tracking_code": "KAY-2026-000123",
    "subject": "Sokak lambası yanmıyor",
    "request_type": "sikayet",
    "topic": "Aydınlatma",
    "channel": "telegram",
    "received_at": datetime(2026, 11, 20, 7, 15, tzinfo=UTC),
    "due_at": datetime(2026, 12, 4, 20, 59, tzinfo=UTC),
    "text": 'Mahallemizdeki lamba 3 gündür yanmıyor, "acil" bakılsın <b>lütfen</b>.',
    "location": {
        "il": "Kayseri",
        "ilce": "Melikgazi",
        "mahalle": "Gesi Fatih",
        "address": "Atatürk Cad. No 5",
    },
    "citizen": {"name": "Ayşe Yılmaz", "phone": "+905321234567"},
    "attachments": [{"filename": "lamba.jpg", "content_type": "image/jpeg", "size": 1200}],
}
DEPARTMENT = {"id": 7, "code": "FEN", "name": "Fen İşleri Dairesi Başkanlığı"}


@dataclass
class Receiver:
    """A department system: verifies signatures and processes each Idempotency-Key once."""

    script: list[web.Response | str] = field(default_factory=list)  # per attempt; "" = process normally
    attempts: list[dict[str, str]] = field(default_factory=list)
    processed: dict[str, dict] = field(default_factory=dict)
    bad_signatures: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.attempts.append(dict(request.headers))
        action = self.script.pop(0) if self.script else ""
        if isinstance(action, web.Response):
            return action
        if not verify_signature(SECRET, body, request.headers.get("X-Talep-Hub-Signature", "")):
            self.bad_signatures += 1
            return web.Response(status=401, text="bad signature")
        key = request.headers["Idempotency-Key"]
        if key in self.processed:
            return web.json_response({"status": "duplicate"}, status=200)
        self.processed[key] = json.loads(body)
        if action == "slow":
            # Processed, but the answer arrives after the hub gave up waiting.
            await asyncio.wait_for(self.release.wait(), timeout=5)
        return web.json_response({"status": "accepted"}, status=202)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield rec, str(server.make_url("/hook"))
    rec.release.set()
    await server.close()


def payload() -> dict:
    return build_forward_payload(REQUEST, DEPARTMENT, base_url="https://talep.kayseri.bel.tr")


async def test_fails_twice_then_delivers_exactly_once_with_the_same_key(receiver) -> None:
    rec, url = receiver
    rec.script = [web.Response(status=500), web.Response(status=503), ""]
    status = await run_with_retries(
        lambda: deliver_webhook(url, payload(), secret=SECRET, idempotency_key="outbox-41"), FAST
    )
    assert status == 202
    assert len(rec.attempts) == 3
    assert {a["Idempotency-Key"] for a in rec.attempts} == {"outbox-41"}
    assert rec.bad_signatures == 0
    assert list(rec.processed) == ["outbox-41"]
    delivered = rec.processed["outbox-41"]
    assert delivered["event"] == "request.forwarded"
    assert delivered["request"]["tracking_code"] == "KAY-2026-000123"
    assert delivered["request"]["text"] == REQUEST["text"]  # Turkish letters and markup arrive unchanged
    assert delivered["request"]["url"] == f"https://talep.kayseri.bel.tr/requests/{REQUEST['id']}"
    assert delivered["department"]["name"] == "Fen İşleri Dairesi Başkanlığı"
    # Contact data is not shared unless the request says so.
    assert "phone" not in delivered["request"]["citizen"]
    headers = rec.attempts[-1]
    assert headers["X-Talep-Hub-Event"] == "request.forwarded"
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Talep-Hub-Timestamp"].isdigit()


async def test_timeout_after_processing_is_absorbed_by_the_idempotency_key(receiver) -> None:
    rec, url = receiver
    rec.script = ["slow", ""]
    errors: list[BaseException] = []

    def note(attempt: int, error: BaseException, delay: float | None) -> None:
        errors.append(error)
        rec.release.set()  # let the slow handler finish once the hub has given up on it

    status = await run_with_retries(
        lambda: deliver_webhook(url, payload(), secret=SECRET, idempotency_key="outbox-42", timeout=0.3),
        FAST,
        on_failure=note,
    )
    assert status == 200  # the receiver recognised the retry as a duplicate
    assert len(errors) == 1 and isinstance(errors[0], DeliveryError) and errors[0].retryable
    assert len(rec.attempts) == 2
    assert [a["Idempotency-Key"] for a in rec.attempts] == ["outbox-42", "outbox-42"]
    assert len(rec.processed) == 1  # the department created one ticket, not two


async def test_client_error_is_permanent_and_not_retried(receiver) -> None:
    rec, url = receiver
    rec.script = [web.Response(status=422, text="unknown department code")]
    with pytest.raises(PermanentDeliveryError) as info:
        await run_with_retries(
            lambda: deliver_webhook(url, payload(), secret=SECRET, idempotency_key="k1"), FAST
        )
    assert info.value.status == 422 and not info.value.retryable
    assert "unknown department code" in str(info.value)
    assert len(rec.attempts) == 1


async def test_wrong_secret_is_rejected_by_the_receiver(receiver) -> None:
    rec, url = receiver
    with pytest.raises(PermanentDeliveryError) as info:
        await deliver_webhook(url, payload(), secret="yanlis", idempotency_key="k2")
    assert info.value.status == 401
    assert rec.bad_signatures == 1 and not rec.processed


async def test_429_retry_after_is_honoured(receiver) -> None:
    rec, url = receiver
    rec.script = [web.Response(status=429, headers={"Retry-After": "120"}), ""]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:  # the schedule is what matters, not wall time
        slept.append(seconds)

    status = await run_with_retries(
        lambda: deliver_webhook(url, payload(), secret=SECRET, idempotency_key="k3"), FAST, sleep=fake_sleep
    )
    assert status == 202
    assert slept == [120]


async def test_gives_up_after_max_attempts(receiver) -> None:
    rec, url = receiver
    rec.script = [web.Response(status=503) for _ in range(10)]
    with pytest.raises(DeliveryError) as info:
        await run_with_retries(
            lambda: deliver_webhook(url, payload(), secret=SECRET, idempotency_key="k4"), FAST
        )
    assert info.value.retryable and info.value.status == 503
    assert len(rec.attempts) == FAST.max_attempts
    assert not rec.processed


async def test_connection_refused_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeliveryError) as info:
        await deliver_webhook(f"http://127.0.0.1:{port}/hook", payload(), secret=SECRET, idempotency_key="k5")
    assert info.value.retryable and info.value.status is None


async def test_shared_session_and_unsigned_delivery(receiver) -> None:
    rec, url = receiver
    rec.script = [web.Response(status=204)]
    async with aiohttp.ClientSession() as session:
        status = await deliver_webhook(
            url, {"event": "request.closed"}, secret=None, idempotency_key="k6", session=session
        )
        assert not session.closed
    assert status == 204
    assert "X-Talep-Hub-Signature" not in rec.attempts[0]
    assert rec.attempts[0]["X-Talep-Hub-Event"] == "request.closed"


async def test_bad_urls_are_permanent() -> None:
    for bad in ("ftp://example.org/hook", "not a url", ""):
        with pytest.raises(PermanentDeliveryError):
            await deliver_webhook(bad, {}, secret=None, idempotency_key="k7")


def test_signature_verification() -> None:
    body = '{"a":"ğüşiöç"}'.encode()
    from hub.delivery.webhook import sign

    header = sign("s3cret", body)
    assert header.startswith("sha256=")
    assert verify_signature("s3cret", body, header)
    assert not verify_signature("s3cret", body + b" ", header)
    assert not verify_signature("other", body, header)
    assert not verify_signature("s3cret", body, "sha256=deadbeef")
    assert not verify_signature("s3cret", body, "")


def test_payload_shares_contact_only_when_allowed() -> None:
    shared = build_forward_payload({**REQUEST, "share_contact": True}, DEPARTMENT)
    assert shared["request"]["citizen"]["phone"] == "+905321234567"
    assert shared["request"]["due_at"].startswith("2026-12-04T20:59")
    assert shared["request"]["location"]["mahalle"] == "Gesi Fatih"
    assert shared["request"]["attachments"] == [
        {"filename": "lamba.jpg", "content_type": "image/jpeg", "size": 1200}
    ]
