"""The staff login throttle (finding 11 of issue 10), through the hub's real HTTP server.

Before: 30 wrong passwords for one account from 30 addresses all got 401 and the right password
then worked; one address with 10 failures locked out everyone behind the same NAT. Now the
account waits 2, 4, 8 … s after its 5th failure, whatever the address; the address is limited
by how many different names fail from it. The test client is on loopback, a trusted proxy by
default, so X-Forwarded-For picks the client address; the throttle's clock is a fake one."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.models import RateHit, User
from hub.ui import login_throttle
from tests.test_ui import csrf_of
from tests.throttle_support import Clock, events, fake_clock

BAD = "Kullanıcı adı ya da parola hatalı."


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return fake_clock(monkeypatch, login_throttle)


async def attempt(ui: TestClient, username: str, password: str, ip: str = "198.51.100.1"):  # noqa: ANN201
    """One login from a fresh browser (no session left from an earlier success)."""
    ui.session.cookie_jar.clear()
    page = await (await ui.get("/ui/giris")).text()
    return await ui.post(
        "/ui/giris", data={"csrf": csrf_of(page), "kullanici": username, "parola": password},
        headers={"X-Forwarded-For": ip}, allow_redirects=False,
    )  # fmt: skip


def user_id(hub, username: str) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(User.id).where(User.username == username)).one()


async def test_thirty_addresses_cannot_guess_one_account(ui, hub, clock) -> None:  # noqa: ANN001
    statuses = [(await attempt(ui, "agent", f"guess-{i}", f"203.0.113.{i}")).status for i in range(30)]
    assert statuses == [401] * 5 + [429] * 25
    # The right password during the wait: refused with the same answer a wrong one gets.
    right = await attempt(ui, "agent", "agent-demo", "192.0.2.77")
    wrong = await attempt(ui, "agent", "still-wrong", "192.0.2.78")
    assert right.status == wrong.status == 429
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"] == "2"
    no_token = re.compile(r'name="csrf" value="[^"]+"')  # each fresh browser has its own form token
    assert no_token.sub("", await right.text()) == no_token.sub("", await wrong.text())
    assert "Çok fazla hatalı deneme" in await right.text()
    # Audited: five failures, and the one that set the wait.
    assert len(events(hub, "auth.login_failed")) == 5 and events(hub, "auth.login") == []
    [throttled] = events(hub, "auth.throttled")
    assert throttled.data == {"user_id": user_id(hub, "agent"), "scope": "account", "failures": 5, "wait_seconds": 2}
    assert throttled.actor == "ip:203.0.113.4"


async def test_delays_grow_and_a_right_password_after_the_wait_resets_them(ui, hub, clock) -> None:  # noqa: ANN001
    for _ in range(5):
        assert (await attempt(ui, "agent", "wrong")).status == 401
    waits = []
    for _ in range(4):
        r = await attempt(ui, "agent", "wrong")
        assert r.status == 429
        waits.append(int(r.headers["Retry-After"]))
        clock.advance(waits[-1] + 0.1)
        assert (await attempt(ui, "agent", "wrong")).status == 401
    assert waits == [2, 4, 8, 16]
    assert login_throttle.account_delay(40) == 900, "capped at 15 minutes"
    clock.advance(33)
    assert (await attempt(ui, "agent", "agent-demo")).status == 303
    # The count starts again: five free failures.
    statuses = [(await attempt(ui, "agent", "wrong")).status for _ in range(6)]
    assert statuses == [401] * 5 + [429]


async def test_one_fumbling_user_does_not_lock_out_the_office(ui, hub, clock) -> None:  # noqa: ANN001
    """Everyone behind one NAT address: a colleague's twelve mistakes slow down only their own account."""
    office = "203.0.113.50"
    for _ in range(12):
        await attempt(ui, "agent", "wrong", office)
    assert (await attempt(ui, "agent", "agent-demo", office)).status == 429
    assert (await attempt(ui, "supervisor", "supervisor-demo", office)).status == 303
    assert (await attempt(ui, "kaski", "kaski-demo", office)).status == 303


async def test_an_address_trying_many_names_is_stopped(ui, hub, clock) -> None:  # noqa: ANN001
    sprayer = "198.51.100.66"
    names = [f"user{i:02d}" for i in range(login_throttle.ADDRESS_ACCOUNTS)]
    assert [(await attempt(ui, name, "Sonbahar2026!", sprayer)).status for name in names] == [401] * len(names)
    r = await attempt(ui, "supervisor", "supervisor-demo", sprayer)
    assert r.status == 429 and int(r.headers["Retry-After"]) > 800
    assert [e.data["scope"] for e in events(hub, "auth.throttled")] == ["address"]
    # Another address is not affected; the sprayer gets in again once the window passed.
    assert (await attempt(ui, "supervisor", "supervisor-demo", "198.51.100.67")).status == 303
    clock.advance(login_throttle.ADDRESS_WINDOW + 1)
    assert (await attempt(ui, "agent", "agent-demo", sprayer)).status == 303


async def test_an_ipv6_client_rotating_addresses_in_its_64_is_one_address(ui, hub, clock) -> None:  # noqa: ANN001
    """A subscriber is given a whole /64 and may take a new address from it for every attempt:
    the names tried count against the /64. The next /64, and IPv4 addresses, are others."""
    names = [f"user{i:02d}" for i in range(login_throttle.ADDRESS_ACCOUNTS)]
    statuses = [(await attempt(ui, name, "Sonbahar2026!", f"2001:db8:1:2::{i + 1:x}")).status
                for i, name in enumerate(names)]  # fmt: skip
    assert statuses == [401] * len(names)
    r = await attempt(ui, "supervisor", "supervisor-demo", "2001:db8:1:2:ffff:eeee:dddd:cccc")
    assert r.status == 429 and int(r.headers["Retry-After"]) > 800
    [throttled] = events(hub, "auth.throttled")
    assert throttled.data["scope"] == "address"
    assert throttled.actor == f"ip:2001:db8:1:2::{len(names):x}", "the audit names the address itself"
    with hub.db.reader() as s:
        keys = [r.key for r in s.exec(select(RateHit).where(RateHit.bucket == login_throttle.ADDRESS_BUCKET))]
    assert len({k.split(":")[0] for k in keys}) == 1 and not any("2001" in k for k in keys)
    assert (await attempt(ui, "supervisor", "supervisor-demo", "2001:db8:1:3::1")).status == 303
    assert (await attempt(ui, "agent", "agent-demo", "198.51.100.1")).status == 303


async def test_unknown_names_are_throttled_like_real_ones(ui, hub, clock) -> None:  # noqa: ANN001
    """Otherwise the throttle would tell which accounts exist."""
    for name in ("agent", "nobody-here"):
        statuses = [(await attempt(ui, name, "wrong")).status for _ in range(6)]
        assert statuses == [401] * 5 + [429], name
    # Case does not give a second allowance.
    assert (await attempt(ui, "AGENT", "wrong")).status == 429


async def test_parallel_attempts_cannot_slip_past_the_limit(ui, hub, clock) -> None:  # noqa: ANN001
    page = await (await ui.get("/ui/giris")).text()
    token = csrf_of(page)

    async def one(i: int) -> int:
        r = await ui.post("/ui/giris", data={"csrf": token, "kullanici": "agent", "parola": f"p{i}"},
                          headers={"X-Forwarded-For": f"203.0.113.{i}"}, allow_redirects=False)  # fmt: skip
        return r.status

    statuses = await asyncio.gather(*(one(i) for i in range(20)))
    assert sorted(statuses) == [401] * 5 + [429] * 15


async def test_counters_hold_no_names_or_addresses(ui, hub, clock) -> None:  # noqa: ANN001
    await attempt(ui, "agent", "wrong", "203.0.113.9")
    with hub.db.reader() as s:
        rows = list(s.exec(select(RateHit)))
    assert {r.bucket for r in rows} == {"login-account", "login-address"}
    assert not any("agent" in r.key or "203.0.113.9" in r.key for r in rows)
    assert (await attempt(ui, "agent", "agent-demo", "203.0.113.9")).status == 303
    with hub.db.reader() as s:
        assert list(s.exec(select(RateHit))) == [], "a right password clears its counters"
