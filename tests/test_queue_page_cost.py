"""The staff queue /ui/ reads in a fixed number of SQL statements, whatever its rows show
(claims, citizens never reached, assignees, departments), and the account and department names
it keeps between views follow a change made in this hub process at once, one made elsewhere
within ``NAMES_SECONDS``."""

from __future__ import annotations

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text, update
from sqlmodel import select

from hub.models import Outbox, Request, User
from tests.conftest import add_key
from tests.sql_count import statements, writes
from tests.test_ui import PARK, SU, create, login

# One view: the session's user; the page of requests and its total; the saved filters; the rows'
# claims and never-reached flags (one statement); the counts per open status. Accounts and
# departments come from the names kept between views, the tag choices from their own cache.
READS = 6
# the hub's own look, on a timer, for a rules version another process activated
RULES_LOOKUP = ("FROM rulesversion",)


@pytest.fixture
def hub(settings_factory):  # noqa: ANN001, ANN201
    """No workers: their polling would be counted with the page's statements."""
    from hub.context import Hub

    h = Hub(settings_factory(workers_enabled=False))
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


def row_of(html: str, code: str) -> str:
    return html.split(f">{code}</a>")[1].split("</tr>")[0]


def user_id(hub, username: str) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(User.id).where(User.username == username)).one()


async def test_one_queue_view_reads_in_a_fixed_number_of_statements(ui, hub) -> None:  # noqa: ANN001
    from hub.actions import claims
    from hub.auth import Actor

    made = [await create(ui, {**SU, "text": f"{SU['text']} ({i})"}) for i in range(4)] + [await create(ui, PARK)]
    held, missed, assigned = made[0], made[1], made[2]
    agent = user_id(hub, "agent")
    with hub.db.session() as s:
        claims.claim(s, Actor(f"user:{agent}", "agent", user_id=agent), s.get(Request, held["id"]))
        s.add(Outbox(kind="notify", request_id=missed["id"], idempotency_key="kayip-1", status="dead"))
        s.exec(update(Request).where(Request.id == assigned["id"]).values(assignee_id=user_id(hub, "supervisor")))
    await login(ui, "agent")
    await ui.get("/ui/")  # the names and tag choices kept between views are read here
    with statements(hub, skip=RULES_LOOKUP) as seen:
        r = await ui.get("/ui/")
        html = await r.text()
    assert r.status == 200
    assert len(seen) <= READS, "\n".join(seen)
    assert not writes(seen)  # a GET writes nothing
    assert all(m["tracking_code"] in html for m in made)
    assert 'class="holder"' in row_of(html, held["tracking_code"])
    assert 'class="holder"' not in row_of(html, missed["tracking_code"])
    assert "Ulaşılamadı" in row_of(html, missed["tracking_code"]) and "Ulaşılamadı" not in row_of(html, held["tracking_code"])
    assert "Demo Birim Sorumlusu" in row_of(html, assigned["tracking_code"])
    with statements(hub, skip=RULES_LOOKUP) as seen:  # the due-date order reads the same
        await ui.get("/ui/", params={"sort": "due"})
    assert len(seen) <= READS, "\n".join(seen)


async def test_names_follow_a_change_here_at_once_and_one_elsewhere_within_the_bound(
    ui, hub, monkeypatch
) -> None:  # noqa: ANN001
    from hub.actions import users
    from hub.auth import SYSTEM_CLI
    from hub.ui import queue

    made = await create(ui, SU)
    sup = user_id(hub, "supervisor")
    with hub.db.session() as s:
        s.exec(update(Request).where(Request.id == made["id"]).values(assignee_id=sup))
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    assert "Demo Birim Sorumlusu" in row_of(html, made["tracking_code"])
    with hub.db.session() as s:  # this process: the kept names are dropped at the commit
        users.update_user(s, SYSTEM_CLI, s.get(User, sup), display_name="Yeni Süpervizör Adı")
    html = await (await ui.get("/ui/")).text()
    assert "Yeni Süpervizör Adı" in row_of(html, made["tracking_code"])
    assert f"<option value=\"{sup}\">Yeni Süpervizör Adı</option>" in html  # the bulk "Ata" choices
    with hub.db.engine.begin() as c:  # as another hub process would: no event reaches this one
        c.execute(text('UPDATE "user" SET display_name = :n WHERE id = :i'), {"n": "Başka Süreçte Ad", "i": sup})
    clock = [queue.time.monotonic() + queue.NAMES_SECONDS + 1]
    monkeypatch.setattr(queue.time, "monotonic", lambda: clock[0])
    html = await (await ui.get("/ui/")).text()
    assert "Başka Süreçte Ad" in row_of(html, made["tracking_code"])
