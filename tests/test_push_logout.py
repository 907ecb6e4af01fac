"""Signing out ends this browser's Web Push subscription (a shared phone): after "Çıkış yap" in
the phone app or the staff UI, the push service gets nothing more for that browser, while
another user's phone, signed in, still does. Plus migration 0007a_push_session on its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientSession, CookieJar
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlmodel import select

from hub.actions.users import create_user
from hub.auth import SYSTEM_CLI
from hub.db import alembic_config
from hub.models import Event, Outbox, User, utcnow
from hub.models_push import PushSubscription
from tests.conftest import ADMIN_KEY
from tests.e2e_support import wait_outbox_settled
from tests.push_support import BrowserKeys, push_service  # noqa: F401  (fixture)
from tests.test_ui import csrf_of, login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
SU = [  # routed to KASKİ (water) by the default rules
    {
        "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
        "channel": "phone",
        "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
    },
    {
        "text": "Kocasinan Mimarsinan Mahallesi Lale sokakta kanalizasyon taştı, su borusu da patlak.",
        "channel": "phone",
        "contact": {"name": "Can Demir", "phone": "0533 765 43 21"},
    },
]


def kaski_user(hub: Any, username: str) -> str:  # noqa: ANN401
    """A second KASKİ field user; returns the password."""
    password = f"{username}-parola-1234"
    with hub.db.session() as s:
        create_user(s, SYSTEM_CLI, username=username, display_name=username, role="department",
                    department="kaski", password=password)  # fmt: skip
    return password


def user_id(hub: Any, username: str) -> int:  # noqa: ANN401
    with hub.db.reader() as s:
        return int(s.exec(select(User).where(User.username == username)).one().id)


@pytest_asyncio.fixture
async def phone_b(ui) -> AsyncIterator[ClientSession]:  # noqa: ANN001
    """Another phone: its own cookie jar, on the same hub server."""
    async with ClientSession(base_url=ui.make_url("/"), cookie_jar=CookieJar(unsafe=True)) as s:
        yield s


@pytest_asyncio.fixture
async def phone_c(ui) -> AsyncIterator[ClientSession]:  # noqa: ANN001
    async with ClientSession(base_url=ui.make_url("/"), cookie_jar=CookieJar(unsafe=True)) as s:
        yield s


async def turn_on_push(browser: Any, endpoint: str) -> None:  # noqa: ANN401
    """What the app's "Bu telefonda bildirimleri aç" button posts."""
    page = await (await browser.get("/ui/uygulama/ayarlar")).text()
    keys = BrowserKeys()
    r = await browser.post("/ui/uygulama/abonelik",
                           data={"csrf": csrf_of(page), "endpoint": endpoint, "p256dh": keys.p256dh, "auth": keys.auth})  # fmt: skip
    assert r.status == 200 and (await r.json())["ok"], await r.text()


async def sign_out(browser: Any, page_url: str) -> None:  # noqa: ANN401
    """Press "Çıkış" on ``page_url`` (the app's settings page or any staff page)."""
    page = await (await browser.get(page_url)).text()
    assert 'action="/ui/cikis"' in page
    r = await browser.post("/ui/cikis", data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == "/ui/giris"


def endpoints(hub: Any) -> set[str]:  # noqa: ANN401
    with hub.db.reader() as s:
        return {sub.endpoint for sub in s.exec(select(PushSubscription))}


async def forwarded_to_kaski(ui: Any, hub: Any, body: dict, pushes: int) -> int:  # noqa: ANN401
    r = await ui.post("/api/v1/requests", json=body, headers=API)
    assert r.status == 201, await r.text()
    created = await r.json()
    assert created["department"] == "kaski", created["department"]
    rid = int(created["id"])
    rows = await wait_outbox_settled(hub, rid, "push", n=pushes)
    assert all(row.status == "done" for row in rows), [row.last_error for row in rows]
    return rid


@pytest.mark.parametrize("signed_out_from", ["/ui/uygulama/ayarlar", "/ui/"])
async def test_sign_out_stops_this_phones_notices(ui, hub, phone_b, phone_c, push_service, signed_out_from) -> None:  # noqa: ANN001, F811, E501
    shared, other, own = (push_service.url(f"/push/{name}") for name in ("ortak", "diger", "kendi"))
    # The shared phone: "kaski" signs in and turns notices on.
    await login(ui, "kaski")
    await turn_on_push(ui, shared)
    # Another KASKİ user, signed in on their own phone, with notices on.
    await login(phone_b, "saha", kaski_user(hub, "saha"))
    await turn_on_push(phone_b, other)
    # "kaski"'s own phone has notices on too.
    await login(phone_c, "kaski")
    await turn_on_push(phone_c, own)

    rid = await forwarded_to_kaski(ui, hub, SU[0], pushes=3)
    assert sorted(p.path for p in push_service.received) == ["/push/diger", "/push/kendi", "/push/ortak"]
    push_service.received.clear()

    await sign_out(ui, signed_out_from)

    assert endpoints(hub) == {other, own}
    with hub.db.reader() as s:
        [ended] = s.exec(select(Event).where(Event.kind == "push.session_ended")).all()
    assert ended.actor == f"user:{user_id(hub, 'kaski')}" and len(ended.data["subscription_ids"]) == 1
    # New work for KASKİ: the shared phone hears nothing; the other user's phone (signed in) does.
    # "kaski"'s own phone keeps the subscription it registered from its own session.
    rid2 = await forwarded_to_kaski(ui, hub, SU[1], pushes=2)
    assert rid2 != rid
    assert sorted(p.path for p in push_service.received) == ["/push/diger", "/push/kendi"]
    # The other user is still signed in and can still turn notices off on their phone.
    assert (await phone_b.get("/ui/uygulama/ayarlar", allow_redirects=False)).status == 200


async def test_waiting_notices_for_the_signed_out_phone_end_unsent(ui, hub, push_service) -> None:  # noqa: ANN001, F811
    """A notice still queued at the sign-out is not sent after it: it ends as dead, with why."""
    await login(ui, "kaski")
    await turn_on_push(ui, push_service.url("/push/ortak"))
    with hub.db.session() as s:
        sub = s.exec(select(PushSubscription)).one()
        payload = {
            "subscription_id": sub.id,
            "reason": "forwarded",
            "role": "gereği için",
            "department": "kaski",
        }
        # due tomorrow (a retry backing off): the worker leaves it alone until then
        s.add(Outbox(kind="push", idempotency_key="bekleyen-1", payload=payload,
                     next_attempt_at=utcnow() + timedelta(days=1)))  # fmt: skip
    await sign_out(ui, "/ui/")
    with hub.db.reader() as s:
        row = s.exec(select(Outbox).where(Outbox.idempotency_key == "bekleyen-1")).one()
        assert s.exec(select(PushSubscription)).all() == []
    assert (row.status, row.last_error) == ("dead", "subscription removed")
    assert push_service.received == []


async def test_a_subscription_from_before_sessions_were_kept_goes_at_sign_out(ui, hub) -> None:  # noqa: ANN001
    """Rows stored before migration 0007a have no session: which phone they are is unknown, so a
    sign-out of their user removes them (other users' rows stay)."""
    keys = BrowserKeys()
    with hub.db.session() as s:
        s.add(PushSubscription(user_id=user_id(hub, "kaski"), endpoint="https://push.example.test/eski", p256dh=keys.p256dh,
                               auth=keys.auth))  # fmt: skip
        s.add(PushSubscription(user_id=user_id(hub, "agent"), endpoint="https://push.example.test/baskasi",
                               p256dh=keys.p256dh, auth=keys.auth))  # fmt: skip
    await login(ui, "kaski")
    await sign_out(ui, "/ui/")
    assert endpoints(hub) == {"https://push.example.test/baskasi"}


def test_migration_keeps_existing_subscriptions_and_goes_back(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0006q")
    eng = create_engine(empty_url)
    try:
        with eng.begin() as c:
            c.execute(text("INSERT INTO \"user\" (username, display_name, role, active, created_at) "
                           "VALUES ('saha', 'Saha', 'department', :t, CURRENT_TIMESTAMP)"), {"t": True})  # fmt: skip
            c.execute(text("INSERT INTO pushsubscription (user_id, endpoint, p256dh, auth, created_at) "
                           "SELECT id, 'https://push.example.test/1', 'k', 'a', CURRENT_TIMESTAMP FROM \"user\""))  # fmt: skip
        command.upgrade(cfg, "0007a_push_session")
        with eng.connect() as c:
            assert c.execute(text("SELECT endpoint, session_hash FROM pushsubscription")).all() == [
                ("https://push.example.test/1", None)
            ]
        assert "ix_pushsubscription_session_hash" in {
            i["name"] for i in inspect(eng).get_indexes("pushsubscription")
        }
        command.downgrade(cfg, "0006q")
        eng.dispose()
        columns = {col["name"] for col in inspect(eng).get_columns("pushsubscription")}
        assert "session_hash" not in columns and "endpoint" in columns
        with eng.connect() as c:
            assert c.execute(text("SELECT endpoint FROM pushsubscription")).all() == [
                ("https://push.example.test/1",)
            ]
    finally:
        eng.dispose()
