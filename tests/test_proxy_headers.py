"""Behind a TLS proxy (finding 12 of issue 10): forwarded headers are believed only from
trusted proxies (HUB_TRUSTED_PROXIES); then the session cookies are Secure, HTTPS responses
carry HSTS, and rate limits and login audit events use the client's address. From any other
peer the same headers change nothing. Also who may read /metrics (finding 13)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestClient, TestServer
from multidict import CIMultiDict
from sqlmodel import select

from hub.forwarded import ProxyTrust
from hub.models import Event
from tests.test_ui import csrf_of

HTTPS = {"X-Forwarded-Proto": "https"}


@asynccontextmanager
async def browser(settings_factory: Callable, **overrides: object) -> AsyncIterator[tuple[TestClient, object]]:
    """A hub with these settings, its real server on loopback, demo users, a cookie jar."""
    from hub.context import Hub
    from hub.demo import _users

    hub = Hub(settings_factory(workers_enabled=False, **overrides))
    _users(hub)
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client, hub
    finally:
        await client.close()
        hub.db.dispose()


async def post_login(ui: TestClient, password: str, headers: dict[str, str] | None = None):  # noqa: ANN201
    page = await (await ui.get("/ui/giris", headers=headers)).text()
    return await ui.post(
        "/ui/giris", data={"csrf": csrf_of(page), "kullanici": "agent", "parola": password},
        headers=headers, allow_redirects=False,
    )  # fmt: skip


def session_cookie(resp) -> str:  # noqa: ANN001
    return next(v for k, v in resp.headers.items() if k.lower() == "set-cookie" and v.startswith("th_ui="))


def login_addresses(hub) -> list[str]:  # noqa: ANN001
    with hub.db.reader() as s:
        return [e.actor for e in s.exec(select(Event).where(Event.kind.like("auth.login%")).order_by(Event.id))]


# -- the resolver ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("peer", "headers", "client", "scheme"),
    [
        # not a trusted peer: headers ignored
        ("198.51.100.4", {"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https"}, "198.51.100.4", "http"),
        # trusted proxy: the last address it added is the client, not what the client wrote before it
        ("10.0.0.5", {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}, "203.0.113.9", "https"),
        # two trusted hops (load balancer, then nginx)
        ("10.0.0.5", {"X-Forwarded-For": "203.0.113.9, 10.0.0.7"}, "203.0.113.9", "http"),
        # RFC 7239, IPv6 with a port
        ("10.0.0.5", {"Forwarded": 'for="[2001:db8::17]:4711";proto=https'}, "2001:db8::17", "https"),
        ("10.0.0.5", {"Forwarded": "for=192.0.2.60:5000;proto=http, for=10.0.0.7"}, "192.0.2.60", "http"),
        # garbage from a trusted proxy: stay with the peer, keep the real scheme
        ("10.0.0.5", {"X-Forwarded-For": "not-an-ip", "X-Forwarded-Proto": "gopher"}, "10.0.0.5", "http"),
        ("10.0.0.5", {}, "10.0.0.5", "http"),
    ],
)
def test_resolver_believes_only_trusted_peers(peer: str, headers: dict, client: str, scheme: str) -> None:
    trust = ProxyTrust(["10.0.0.0/24"])
    real = trust.resolve(peer, CIMultiDict(headers), "http")
    assert (real.client, real.scheme) == (client, scheme)


def test_nobody_is_trusted_when_the_setting_is_empty() -> None:
    real = ProxyTrust([]).resolve("127.0.0.1", CIMultiDict({"X-Forwarded-For": "1.2.3.4"}), "http")
    assert real.client == "127.0.0.1"


def test_a_typo_in_the_setting_fails_at_start() -> None:
    from hub.settings import Settings

    with pytest.raises(ValueError, match="10.0.0.x"):
        Settings(trusted_proxies="10.0.0.1,10.0.0.x")
    assert Settings(trusted_proxies="10.0.0.1, 10.1.0.0/16").trusted_proxies == ["10.0.0.1", "10.1.0.0/16"]


# -- through the real server -------------------------------------------------------------------
async def test_https_at_a_trusted_proxy_makes_cookies_secure_and_sends_hsts(settings_factory) -> None:  # noqa: ANN001
    async with browser(settings_factory, trusted_proxies=["127.0.0.1"]) as (ui, hub):
        login_page = await ui.get("/ui/giris", headers=HTTPS)
        assert login_page.headers["Strict-Transport-Security"] == "max-age=31536000"
        pre = next(v for k, v in login_page.headers.items() if k.lower() == "set-cookie")
        assert "Secure" in pre, "the login form's CSRF cookie too"
        # A browser sends a Secure cookie back over https; the test client talks http to the
        # hub as the proxy does, so it is handed over by hand.
        form = {"csrf": csrf_of(await login_page.text()), "kullanici": "agent", "parola": "agent-demo"}
        cookie = {**HTTPS, "Cookie": f"th_ui_pre={login_page.cookies['th_ui_pre'].value}"}
        r = await ui.post("/ui/giris", data=form, headers=cookie, allow_redirects=False)
        assert r.status == 303 and "Secure" in session_cookie(r)
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        # Plain HTTP (no proxy header): no Secure, no HSTS (browsers ignore HSTS over http anyway)
        r = await post_login(ui, "agent-demo")
        assert r.status == 303 and "Secure" not in session_cookie(r)
        assert "Strict-Transport-Security" not in r.headers


async def test_a_client_address_from_a_trusted_proxy_is_the_audit_address(settings_factory) -> None:  # noqa: ANN001
    async with browser(settings_factory, trusted_proxies=["127.0.0.1"]) as (ui, hub):
        assert (await post_login(ui, "wrong", {"X-Forwarded-For": "203.0.113.9"})).status == 401
        assert login_addresses(hub) == ["ip:203.0.113.9"]


async def test_spoofed_headers_from_an_untrusted_peer_change_nothing(settings_factory, monkeypatch) -> None:  # noqa: ANN001
    """The test client is on loopback; here only 10.9.9.9 is a trusted proxy."""
    from hub.web import status_page

    async with browser(settings_factory, trusted_proxies=["10.9.9.9"]) as (ui, hub):
        spoof = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "Forwarded": "for=6.6.6.6;proto=https"}
        r = await post_login(ui, "wrong", spoof)
        assert r.status == 401 and "Strict-Transport-Security" not in r.headers
        assert login_addresses(hub) == ["ip:127.0.0.1"], "the audit keeps the real peer"
        r = await post_login(ui, "agent-demo", spoof)
        assert r.status == 303 and "Secure" not in session_cookie(r)
        # The status page's rate limit still counts the peer, whatever address each hit claims.
        monkeypatch.setattr(status_page, "STATUS_RATE_PER_HOUR", 3)
        statuses = [
            (await ui.get("/takip/KAY-2026-000001", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status
            for i in range(5)
        ]
        assert statuses.count(429) == 2, statuses


async def test_rate_limits_key_on_the_client_behind_a_trusted_proxy(settings_factory, monkeypatch) -> None:  # noqa: ANN001
    from hub.web import status_page

    async with browser(settings_factory, trusted_proxies=["127.0.0.1"]) as (ui, hub):
        monkeypatch.setattr(status_page, "STATUS_RATE_PER_HOUR", 3)
        statuses = [
            (await ui.get("/takip/KAY-2026-000001", headers={"X-Forwarded-For": f"203.0.113.{i}"})).status
            for i in range(5)
        ]
        assert 429 not in statuses, "five citizens behind the proxy, one lookup each"


async def test_public_rate_limits_count_an_ipv6_client_by_its_64(settings_factory, monkeypatch) -> None:  # noqa: ANN001
    """A citizen's line is given a whole IPv6 /64: taking a new address from it for every status
    lookup or web form must not reset the limit; the next /64 is someone else."""
    from hub.web import status_page
    from tests.test_webform import form_token, post, valid_fields

    async with browser(settings_factory, trusted_proxies=["127.0.0.1"]) as (ui, hub):
        monkeypatch.setattr(status_page, "STATUS_RATE_PER_HOUR", 3)
        statuses = [
            (await ui.get("/takip/KAY-2026-000001", headers={"X-Forwarded-For": f"2001:db8:5:7::{i:x}"})).status
            for i in range(1, 6)
        ]
        assert statuses.count(429) == 2, statuses
        other = await ui.get("/takip/KAY-2026-000001", headers={"X-Forwarded-For": "2001:db8:5:8::1"})
        assert other.status != 429

        hub.settings.webform_rate_per_hour = 2
        forms = []
        for i in range(1, 4):
            ui.session.headers["X-Forwarded-For"] = f"2001:db8:9:1::{i:x}"
            forms.append((await post(ui, valid_fields(await form_token(ui)))).status)
        assert forms == [200, 200, 429], forms
        ui.session.headers["X-Forwarded-For"] = "2001:db8:9:2::1"
        assert (await post(ui, valid_fields(await form_token(ui)))).status == 200


# -- /metrics ----------------------------------------------------------------------------------
async def test_metrics_open_by_default(settings_factory) -> None:  # noqa: ANN001
    async with browser(settings_factory) as (ui, _):
        r = await ui.get("/metrics")
        assert r.status == 200 and "hub_" in await r.text()


async def test_metrics_token(settings_factory) -> None:  # noqa: ANN001
    async with browser(settings_factory, metrics_token="scrape-secret-1") as (ui, _):
        assert (await ui.get("/metrics")).status == 401
        assert (await ui.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
        r = await ui.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
        assert r.status == 200 and "hub_" in await r.text()


async def test_metrics_loopback_only_sees_the_client_behind_the_proxy(settings_factory) -> None:  # noqa: ANN001
    async with browser(settings_factory, metrics_loopback_only=True) as (ui, _):
        assert (await ui.get("/metrics")).status == 200
        # Through a proxy on this machine, the client is remote: refused.
        assert (await ui.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})).status == 403
