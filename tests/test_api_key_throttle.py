"""Wrong API keys are throttled per client address, through the hub's real HTTP server.

Before: an address could try keys at any rate; every wrong one got a 401 and the next was
looked up. Now, after ``FAILED_KEYS`` different wrong keys within ``WINDOW`` seconds, the
address gets 429 with Retry-After and the API's JSON error, and its keys are not looked up, a
right one included. Other addresses, and calls with a right key from a clean address, are
untouched; requests without a key keep their 401 and do not count; one stale key retried over
and over counts once. The test client is on loopback, a
trusted proxy by default, so X-Forwarded-For picks the client address (as in
test_login_throttle.py); the throttle's clock is a fake one."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event
from sqlmodel import select

from hub.api import key_throttle
from hub.models import RateHit, utcnow
from tests.conftest import ADMIN_KEY
from tests.throttle_support import Clock, events, fake_clock

PATH = "/api/v1/departments"
GUESSER = "203.0.113.9"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return fake_clock(monkeypatch, key_throttle)


async def call(client: TestClient, key: str | None, ip: str = GUESSER) -> aiohttp.ClientResponse:
    headers = {"X-Forwarded-For": ip, "Authorization": f"Bearer {key}" if key is not None else ""}
    return await client.get(PATH, headers=headers)


def hits(hub) -> list[RateHit]:  # noqa: ANN001
    with hub.db.reader() as s:
        return list(s.exec(select(RateHit).where(RateHit.bucket == key_throttle.BUCKET)))


async def test_an_address_guessing_keys_waits_and_even_a_right_key_waits(client, hub, clock) -> None:  # noqa: ANN001
    statuses = [(await call(client, f"th_guess-{i}")).status for i in range(key_throttle.FAILED_KEYS + 3)]
    assert statuses == [401] * key_throttle.FAILED_KEYS + [429] * 3

    # A right key from the waiting address gets the very answer a wrong one gets: it was not looked up.
    right, wrong = await call(client, ADMIN_KEY), await call(client, "th_still-guessing")
    assert right.status == wrong.status == 429
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"] == str(int(key_throttle.WINDOW))
    body = await right.json()
    assert body == await wrong.json()
    assert body["error"] == "too_many_attempts" and "retry in 300 seconds" in body["message"]

    # Audited once, when the address began to wait, with the address and not the keys.
    [throttled] = events(hub, "auth.throttled")
    assert throttled.actor == f"ip:{GUESSER}"
    assert throttled.data == {"user_id": None, "scope": "api_key", "failures": key_throttle.FAILED_KEYS,
                              "wait_seconds": int(key_throttle.WINDOW)}  # fmt: skip
    # The address is kept only as a keyed hash; the refused attempts were not counted.
    rows = hits(hub)
    assert len(rows) == key_throttle.FAILED_KEYS and not any(GUESSER in r.key for r in rows)

    # Another address: its right key works, its wrong key gets the usual 401.
    assert (await call(client, ADMIN_KEY, "198.51.100.20")).status == 200
    assert (await call(client, "th_typo", "198.51.100.21")).status == 401

    # The guesser's address is free again once its first failure left the window.
    clock.advance(key_throttle.WINDOW - 10)
    assert (await call(client, ADMIN_KEY)).headers["Retry-After"] == "10"
    clock.advance(11)
    assert (await call(client, ADMIN_KEY)).status == 200


async def test_requests_without_a_key_keep_their_401_and_do_not_count(client, hub, clock) -> None:  # noqa: ANN001
    """They test no key, and counting them would let a browser or a monitor probing /api/ from an
    office's NAT address lock the office's integrations out."""
    for _ in range(key_throttle.FAILED_KEYS + 5):
        r = await call(client, None)
        assert r.status == 401 and (await r.json())["error"] == "unauthorized"
    assert hits(hub) == []
    assert (await call(client, ADMIN_KEY)).status == 200

    # And from an address that is waiting, no key still gets 401: nothing is checked, nothing learnt.
    for i in range(key_throttle.FAILED_KEYS):
        await call(client, f"th_guess-{i}")
    assert (await call(client, ADMIN_KEY)).status == 429
    assert (await call(client, None)).status == 401


async def test_one_stale_key_retried_does_not_lock_out_its_address(client, hub, clock) -> None:  # noqa: ANN001
    """A job left with a revoked key, retrying every few seconds, shares its address with the
    integrations that work: it is one wrong key, not a guesser."""
    for _ in range(3):
        for _ in range(key_throttle.FAILED_KEYS):
            assert (await call(client, "th_revoked-last-year")).status == 401
        clock.advance(key_throttle.REFRESH + 1)
    assert (await call(client, ADMIN_KEY)).status == 200
    assert len(hits(hub)) == 1  # its latest use, refreshed now and then, not one row per request
    assert events(hub, "auth.throttled") == []


async def test_successful_calls_cost_nothing_and_do_not_reset_the_count(client, hub, clock) -> None:  # noqa: ANN001
    assert (await call(client, ADMIN_KEY)).status == 200  # looked up (and the count read) once
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # noqa: ANN001, ANN002
        statements.append(statement)

    engines = {hub.db.engine, hub.db.read_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(3 * key_throttle.FAILED_KEYS):
            assert (await call(client, ADMIN_KEY)).status == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "ratehit" in s.lower()], "a cached key: no throttle query"
    assert hits(hub) == []
    # A right key between wrong ones does not wipe them: a guesser holding one key cannot reset the count.
    for i in range(key_throttle.FAILED_KEYS - 1):
        assert (await call(client, f"th_guess-{i}")).status == 401
        assert (await call(client, ADMIN_KEY)).status == 200
    assert (await call(client, "th_last-guess")).status == 401
    assert (await call(client, ADMIN_KEY)).status == 429


async def test_an_ipv6_client_rotating_addresses_in_its_64_is_one_address(client, hub, clock) -> None:  # noqa: ANN001
    """A subscriber is given a whole /64 and may send each key from a new address in it: the keys
    count against the /64, and the whole /64 waits, a right key already cached in this process
    included. The next /64 is another client; IPv4 addresses are counted as before."""
    net = "2001:db8:77:1::"
    assert (await call(client, ADMIN_KEY, f"{net}a")).status == 200  # now in this process's key cache
    statuses = [(await call(client, f"th_guess-{i}", f"{net}{i + 1:x}")).status
                for i in range(key_throttle.FAILED_KEYS + 2)]  # fmt: skip
    assert statuses == [401] * key_throttle.FAILED_KEYS + [429] * 2
    assert (await call(client, ADMIN_KEY, "2001:db8:77:1:ffff:eeee:dddd:cccc")).status == 429
    [throttled] = events(hub, "auth.throttled")
    assert throttled.actor == f"ip:{net}{key_throttle.FAILED_KEYS:x}", "the audit names the address itself"
    assert len({r.key.split(":")[0] for r in hits(hub)}) == 1
    assert (await call(client, ADMIN_KEY, "2001:db8:77:2::a")).status == 200
    assert (await call(client, "th_typo", "2001:db8:77:2::b")).status == 401


def test_the_throttles_count_ipv6_by_its_64_and_ipv4_as_it_is() -> None:
    from hub.actions.ratelimit import client_network

    assert client_network("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == client_network("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert client_network("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert client_network("203.0.113.9") == "203.0.113.9" != client_network("203.0.113.10")
    assert client_network("::ffff:203.0.113.9") == "203.0.113.9", "an IPv4-mapped address is its IPv4 address"
    assert client_network("unknown") == "unknown"


async def test_hub_processes_count_one_address_together(client, hub, clock) -> None:  # noqa: ANN001
    """Two hubs on one database (behind a load balancer) share the count: the guesser gets no more
    attempts by spreading them over both."""
    from hub.context import Hub

    other = Hub(hub.settings)
    second = TestClient(TestServer(other.app(), host="127.0.0.1"))
    await second.start_server()
    try:
        statuses = [(await call(second if i % 2 else client, f"th_guess-{i}")).status
                    for i in range(key_throttle.FAILED_KEYS + 2)]  # fmt: skip
        assert statuses == [401] * key_throttle.FAILED_KEYS + [429] * 2
        assert (await call(second, ADMIN_KEY)).status == 429
        assert (await call(client, ADMIN_KEY)).status == 429
        assert (await call(second, ADMIN_KEY, "198.51.100.20")).status == 200
    finally:
        await second.close()
        other.db.dispose()
    assert len(events(hub, "auth.throttled")) == 1


async def test_open311_keys_count_with_the_api_and_wait_in_its_error_format(client, hub, clock) -> None:  # noqa: ANN001
    """Open311 takes the same keys as a form field: guessing there is no way around the throttle."""
    form = {"service_code": "aydinlatma", "lat": "38.7", "long": "35.5"}

    async def post(key: str, fmt: str = "json") -> aiohttp.ClientResponse:
        return await client.post(f"/open311/v2/requests.{fmt}", data={**form, "api_key": key},
                                 headers={"Authorization": "", "X-Forwarded-For": GUESSER})  # fmt: skip

    half = key_throttle.FAILED_KEYS // 2
    for i in range(half):
        assert (await post(f"th_o311-{i}")).status == 403
    for i in range(key_throttle.FAILED_KEYS - half):
        assert (await call(client, f"th_api-{i}")).status == 401
    r = await post(ADMIN_KEY)
    assert r.status == 429 and r.headers["Retry-After"] == "300"
    assert await r.json() == [{"code": 429, "description": "too many wrong API keys from this address; retry in 300 seconds"}]
    r = await post(ADMIN_KEY, "xml")
    assert r.status == 429 and r.headers["Retry-After"] == "300" and b"<code>429</code>" in await r.read()
    assert (await call(client, ADMIN_KEY)).status == 429
    assert (await call(client, ADMIN_KEY, "198.51.100.20")).status == 200


def test_memory_of_waiting_addresses_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_throttle, "MAX_REMEMBERED", 10)
    throttle = key_throttle.ApiKeyThrottle(db=None, secret=b"k")
    now = utcnow()
    for i in range(5):
        throttle._learn(f"192.0.2.{i}", 1.0, now - timedelta(seconds=10))  # waits long over
    for i in range(40):
        throttle._learn(f"198.51.100.{i}", 60.0 + i, now)
        assert len(throttle._waiting) <= 10
    assert throttle.remembered("198.51.100.39") is not None, "the latest is kept"
