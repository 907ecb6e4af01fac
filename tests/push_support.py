"""A stand-in for a browser vendor's push service on loopback, and a browser-side key pair,
so tests can check what the hub sends (VAPID JWT, aes128gcm body) and read the payload."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import http_ece
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class BrowserKeys:
    """What a browser's PushSubscription holds: an ECDH key pair and an auth secret."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


@dataclass
class Received:
    path: str
    headers: Any  # case-insensitive, as HTTP headers are
    body: bytes


class FakePushService:
    """Accepts POST /push/<id> with 201, answers 410 for /gone/<id>, 503 for /busy/<id>."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.server: TestServer | None = None

    async def _push(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, request.headers.copy(), await request.read()))
        kind = request.match_info["kind"]
        if kind == "gone":
            return web.Response(status=410, text="subscription expired")
        if kind == "busy":
            return web.Response(status=503, text="try later")
        return web.Response(status=201, headers={"Location": f"/message/{len(self.received)}"})

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    @property
    def origin(self) -> str:
        return self.url("/").rstrip("/")


def check_vapid(headers: dict[str, str], audience: str) -> dict[str, Any]:
    """The Authorization header is ``vapid t=<JWT>,k=<public key>`` with a valid ES256
    signature by that key, for this push service's origin. Returns the JWT claims."""
    auth = headers["Authorization"]
    assert auth.startswith("vapid t="), auth
    assert Vapid02.verify(auth), "VAPID signature does not verify"
    token = auth.split("t=", 1)[1].split(",", 1)[0]
    claims = json.loads(b64url_decode(token.split(".")[1]))
    assert claims["aud"] == audience
    assert claims["sub"].startswith(("mailto:", "https:"))
    assert isinstance(claims["exp"], int)
    return claims


@pytest_asyncio.fixture
async def push_service() -> AsyncIterator[FakePushService]:
    fake = FakePushService()
    app = web.Application()
    app.router.add_post("/{kind}/{id}", fake._push)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()
