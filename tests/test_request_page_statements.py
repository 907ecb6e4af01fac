"""The staff request page /ui/talep/{id} reads in a fixed number of SQL statements, however many
duplicates, merged requests, deliveries, call-backs and messages the request has (a loop that
reads one row at a time would show here), and the claim banner's presence row is not rewritten
on every view (a GET that writes), while the banner still says who has the page open."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, update
from sqlmodel import select

from hub.models import ApiKey, Event, Message, Outbox, Request, User, utcnow
from hub.models_callbacks import Callback
from hub.models_workspace import RequestClaim, RequestView
from tests.conftest import add_key
from tests.sql_count import statements, writes
from tests.test_ui import API, PARK, SU, login

# One view: the session's user, the request with its contact, parent, claim and "never reached"
# flag, messages, events, deliveries, merged requests and duplicates, accounts, departments,
# call-backs, who has the page open; and the viewer's presence row when it is stale.
READS = 11
SERIAL = itertools.count(1)


@pytest.fixture
def hub(settings_factory):  # noqa: ANN001, ANN201
    """No workers and no rules watcher: their polling would be counted with the page's statements."""
    from hub.context import Hub

    h = Hub(settings_factory(workers_enabled=False, rules_watch_seconds=3600))
    yield h
    h.db.dispose()


@pytest_asyncio.fixture
async def ui(hub):  # noqa: ANN001, ANN201
    from hub.demo import _users

    _users(hub)
    add_key(hub, "test-admin-key", "admin")
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def make(ui: TestClient, body: dict) -> dict:
    r = await ui.post("/api/v1/requests", json=body, headers=API)
    assert r.status == 201, await r.text()
    return await r.json()


async def grow(ui: TestClient, hub, rid: int, n: int) -> list[str]:  # noqa: ANN001
    """Give request ``rid`` n more of everything the page lists; their tracking codes."""
    others = [await make(ui, {**PARK, "text": f"{PARK['text']} ({next(SERIAL)}. bildirim)"}) for _ in range(2 * n)]
    dups, merged = others[:n], others[n:]
    now = utcnow()
    with hub.db.session() as s:
        req = s.get(Request, rid)
        listed = list((req.classification or {}).get("duplicates") or [])
        listed += [{"request_id": o["id"], "score": 0.8} for o in dups]
        req.classification = {**(req.classification or {}), "duplicates": listed}
        s.execute(update(Request).where(Request.id.in_([o["id"] for o in merged])).values(parent_id=rid))
        for i in range(n):
            msg = Message(request_id=rid, direction="out", channel="phone", external_id=f"out-{rid}-{len(listed)}-{i}",
                          body=f"Cevap {i}", author="user:1", delivery_status="queued")  # fmt: skip
            s.add(msg)
            s.flush()
            s.add(Outbox(kind="reply", request_id=rid, message_id=msg.id, idempotency_key=f"k-{msg.id}",
                         status="dead", attempts=8, last_error="gateway down"))  # fmt: skip
            s.add(Callback(request_id=rid, reason="answer SMS failed", attempt=i + 1, due_at=now, message_id=msg.id))
    return [o["tracking_code"] for o in others]


def presence(hub, rid: int, username: str) -> RequestView | None:  # noqa: ANN001
    with hub.db.reader() as s:
        uid = s.exec(select(User.id).where(User.username == username)).one()
        return s.get(RequestView, (rid, uid))


async def test_request_page_reads_a_fixed_number_of_statements(ui, hub) -> None:  # noqa: ANN001
    made = await make(ui, SU)
    rid, url = made["id"], f"/ui/talep/{made['id']}"
    codes = await grow(ui, hub, rid, 2)
    with hub.db.session() as s:  # someone else holds it and has it open
        sup = s.exec(select(User).where(User.username == "supervisor")).one()
        s.add(RequestClaim(request_id=rid, user_id=sup.id, since=utcnow(), until=utcnow() + timedelta(minutes=5)))
        s.add(RequestView(request_id=rid, user_id=sup.id, seen_at=utcnow()))
        key = s.exec(select(ApiKey.id).where(ApiKey.name == "test-admin-key")).one()
        s.add(Event(request_id=rid, actor=f"apikey:{key}", kind="request.updated", data={}))
    await login(ui, "agent")

    with statements(hub) as first:
        r = await ui.get(url)
        html = await r.text()
    assert r.status == 200
    # what the page shows is all there
    for code in codes:
        assert f">{code}</a>" in html
    assert "Demo Birim Sorumlusu</strong> tarafından üstlenildi" in html
    assert "Bu talep şu an Demo Birim Sorumlusu tarafından açık." in html
    assert 'id="geri-arama"' in html and 'id="gonderimler"' in html and 'id="ulasilamadi"' in html
    assert "API anahtarı «test-admin-key»" in html  # the history names the key that changed it
    assert len(first) <= READS + 1, "\n".join(first)
    assert [w.split()[:3] for w in writes(first)] == [["INSERT", "INTO", "requestview"]]  # the viewer is here now

    # Twice as many duplicates, merged requests, messages, deliveries and call-backs: not one
    # statement more.
    codes += await grow(ui, hub, rid, 4)
    with hub.db.session() as s:
        s.execute(delete(RequestView).where(RequestView.request_id == rid, RequestView.user_id != sup.id))
    with statements(hub) as more:
        html = await (await ui.get(url)).text()
    assert all(f">{code}</a>" in html for code in codes[:6] + codes[-4:])
    assert len(more) == len(first), "\n".join(more)


async def test_a_view_soon_after_the_last_does_not_write(ui, hub) -> None:  # noqa: ANN001
    from hub.ui.claim_page import presence_window, refresh_after

    made = await make(ui, SU)
    rid, url = made["id"], f"/ui/talep/{made['id']}"
    await login(ui, "agent")
    await ui.get(url)
    stored = presence(hub, rid, "agent")
    assert stored is not None
    with statements(hub) as again:
        await ui.get(url)
    assert writes(again) == [] and len(again) <= READS
    assert presence(hub, rid, "agent").seen_at == stored.seen_at
    # the promise still holds: a skipped write leaves a row the next heartbeat finds in the window
    assert refresh_after(hub) + hub.settings.claim_heartbeat_seconds < presence_window(hub)

    # once the stored row is older than refresh_after, a view writes it again
    with hub.db.session() as s:
        s.execute(update(RequestView).where(RequestView.request_id == rid)
                  .values(seen_at=utcnow() - timedelta(seconds=refresh_after(hub) + 1)))  # fmt: skip
    with statements(hub) as later:
        await ui.get(url)
    assert len(writes(later)) == 1
    assert presence(hub, rid, "agent").seen_at > stored.seen_at

    # another person opening it is told the agent has it open (closing this client stops the server)
    from tests.test_workspace import second

    other = await second(ui, "supervisor")
    try:
        html = await (await other.get(url)).text()
        assert "Bu talep şu an Demo Çağrı Merkezi Personeli tarafından açık." in html
    finally:
        await other.close()


async def test_heartbeat_renews_own_claim_and_page_view_revives_a_lapsed_one(ui, hub) -> None:  # noqa: ANN001
    """As before the change: the holder's open page keeps the lease, also after it ran out while
    nobody took the request."""
    made = await make(ui, SU)
    rid, url = made["id"], f"/ui/talep/{made['id']}"
    await login(ui, "agent")
    page = await (await ui.get(url)).text()
    from tests.test_ui import csrf_of

    await ui.post(f"{url}/ustlen", data={"csrf": csrf_of(page)})
    with hub.db.session() as s:
        s.get(RequestClaim, rid).until = utcnow() - timedelta(seconds=1)
    html = await (await ui.get(url)).text()
    assert "Bu talebi siz üstlendiniz" in html
    with hub.db.reader() as s:
        assert s.get(RequestClaim, rid).until > utcnow() + timedelta(seconds=hub.settings.claim_lease_seconds / 2)
    with hub.db.session() as s:  # renewed a heartbeat ago
        s.get(RequestClaim, rid).until = utcnow() + timedelta(
            seconds=hub.settings.claim_lease_seconds - hub.settings.claim_heartbeat_seconds
        )
    state = await (await ui.post(f"{url}/nabiz", data={"csrf": csrf_of(html)})).json()
    assert state["mine"] and state["held"]
    with hub.db.reader() as s:
        until = s.get(RequestClaim, rid).until
    assert until > utcnow() + timedelta(seconds=hub.settings.claim_lease_seconds - 5)
