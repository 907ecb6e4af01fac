"""Staff accounts from the command line, and sessions that really end: the CLI writes through
the actions layer; logins and logouts go through the hub's real HTTP server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from hub.models import Event, User
from tests.conftest import ROOT
from tests.test_ui import csrf_of

PASSWORD = "Kayseri-38-parola"


@pytest_asyncio.fixture
async def browser(hub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def login(c: TestClient, username: str, password: str) -> int:
    page = await (await c.get("/ui/giris")).text()
    r = await c.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": username, "parola": password},
                     allow_redirects=False)  # fmt: skip
    return r.status


async def logged_in_with(c: TestClient, cookie: str) -> bool:
    """Is this session cookie (e.g. copied before a logout) still accepted?"""
    r = await c.get("/ui/", headers={"Cookie": f"th_ui={cookie}"}, allow_redirects=False)
    return r.status == 200


def session_cookie(c: TestClient) -> str:
    cookie = next(m for m in c.session.cookie_jar if m.key == "th_ui")
    return cookie.value


async def test_admin_adds_an_agent_who_logs_in_and_out(run, hub, browser) -> None:  # noqa: ANN001
    code, out, err = run("user", "add", "ayse.yilmaz", "--name", "Ayşe Yılmaz", "--role", "agent",
                         "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0, err
    assert "ayse.yilmaz" in out and PASSWORD not in out + err
    assert await login(browser, "ayse.yilmaz", "yanlis-parola-1") == 401
    assert await login(browser, "ayse.yilmaz", PASSWORD) == 303
    page = await (await browser.get("/ui/")).text()
    assert "Ayşe Yılmaz" in page
    cookie = session_cookie(browser)
    # Çıkış ends the session on the server: a copy of the cookie no longer works.
    await browser.post("/ui/cikis", data={"csrf": csrf_of(page)})
    assert not await logged_in_with(browser, cookie)
    # ...and a new login works at once.
    assert await login(browser, "ayse.yilmaz", PASSWORD) == 303
    assert await logged_in_with(browser, session_cookie(browser))
    with hub.db.reader() as s:
        kinds = [e.kind for e in s.exec(select(Event).where(Event.kind.like("user.%")).order_by(Event.id))]
        data = json.dumps([e.data for e in s.exec(select(Event).where(Event.kind.like("user.%")))])
    assert kinds == ["user.created", "user.sessions_ended"]
    assert PASSWORD not in data and "argon2" not in data


async def test_password_change_and_deactivation_end_open_sessions(run, browser) -> None:  # noqa: ANN001
    assert run("user", "add", "mehmet", "--role", "supervisor", "--password-stdin", stdin=PASSWORD)[0] == 0
    assert await login(browser, "mehmet", PASSWORD) == 303
    cookie = session_cookie(browser)
    assert await logged_in_with(browser, cookie)
    code, out, _ = run("user", "passwd", "mehmet", "--password-stdin", stdin="Yeni-parola-2026\n")
    assert code == 0 and "oturumlar kapandı" in out
    assert not await logged_in_with(browser, cookie)
    assert await login(browser, "mehmet", PASSWORD) == 401
    assert await login(browser, "mehmet", "Yeni-parola-2026") == 303
    cookie = session_cookie(browser)
    assert run("user", "deactivate", "mehmet")[0] == 0
    assert not await logged_in_with(browser, cookie)
    assert await login(browser, "mehmet", "Yeni-parola-2026") == 401
    assert run("user", "activate", "mehmet")[0] == 0
    assert await login(browser, "mehmet", "Yeni-parola-2026") == 303


def test_department_user_and_role_changes(run, hub) -> None:  # noqa: ANN001
    code, _, err = run("user", "add", "kaski.ali", "--role", "department", "--department", "kaski",
                       "--password-stdin", stdin=PASSWORD)  # fmt: skip
    assert code == 0, err
    code, out, _ = run("user", "update", "kaski.ali", "--role", "supervisor", "--department", "")
    assert code == 0 and "supervisor" in out
    code, out, _ = run("user", "list")
    listed = {u["username"]: u for u in json.loads(out)}
    assert listed["kaski.ali"]["role"] == "supervisor" and listed["kaski.ali"]["department"] is None
    with hub.db.reader() as s:
        ev = s.exec(select(Event).where(Event.kind == "user.updated")).one()
    assert ev.data["changes"]["role"] == {"before": "department", "after": "supervisor"}


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["user", "add", "ayse", "--password-stdin"], "kisa", "at least 10"),
        (["user", "add", "Ayşe Y", "--password-stdin"], PASSWORD, "username"),
        (["user", "add", "ali", "--role", "department", "--password-stdin"], PASSWORD, "needs a department"),
        (["user", "add", "ali", "--role", "department", "--department", "yok", "--password-stdin"], PASSWORD,
         "unknown department"),
        (["user", "passwd", "kimse", "--password-stdin"], PASSWORD, "no user"),
        (["user", "deactivate", "kimse"], "", "no user"),
        (["user", "add", "ali"], "", "--password-stdin"),  # no terminal to prompt on
    ],
)
def test_bad_input_is_refused_with_one_line(run, hub, argv, stdin, message) -> None:  # noqa: ANN001
    code, out, err = run(*argv, stdin=stdin)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    with hub.db.reader() as s:
        assert s.exec(select(User).where(User.username == "ali")).first() is None


def test_duplicate_username_is_refused(run) -> None:  # noqa: ANN001
    assert run("user", "add", "zeynep", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, _, err = run("user", "add", "ZEYNEP", "--password-stdin", stdin=PASSWORD)
    assert code == 2 and "already exists" in err


async def test_api_key_from_the_cli_works_once_printed(run, browser) -> None:  # noqa: ANN001
    code, out, _ = run("api-key", "muhtar-entegrasyonu", "--role", "supervisor")
    key = out.strip()
    assert code == 0 and key.startswith("th_")
    r = await browser.get("/api/v1/requests", headers={"Authorization": f"Bearer {key}"})
    assert r.status == 200
    r = await browser.get("/api/v1/requests", headers={"Authorization": "Bearer th_wrong"})
    assert r.status == 401


def test_run_hub_user_command_in_a_real_process(hub) -> None:  # noqa: ANN001
    st = hub.settings
    env = {"HUB_DATABASE_URL": st.database_url, "HUB_DATA_DIR": str(st.data_dir),
           "HUB_CLASSIFIER_MODEL_DIR": str(st.classifier_model_dir), "PATH": "/usr/bin:/bin"}  # fmt: skip
    p = subprocess.run([sys.executable, "run_hub.py", "user", "add", "fatma", "--password-stdin"], cwd=ROOT,
                       env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120)  # fmt: skip
    assert p.returncode == 0, p.stderr
    with hub.db.reader() as s:
        user = s.exec(select(User).where(User.username == "fatma")).one()
    assert user.password_hash and user.password_hash.startswith("$argon2")


def test_migrations_match_the_models(hub) -> None:  # noqa: ANN001
    """A column added to hub/models.py without a migration would break upgrades of real sites."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from hub.search_text import POSTGRES_ONLY_INDEXES

    def declared(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
        return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)

    with hub.db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": declared})
        diffs = compare_metadata(ctx, SQLModel.metadata)
    assert diffs == []


def test_the_last_admin_cannot_lock_everyone_out(run) -> None:  # noqa: ANN001
    assert run("user", "add", "yonetici", "--role", "admin", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, _, err = run("user", "deactivate", "yonetici")
    assert code == 2 and "last active admin" in err
    code, _, err = run("user", "update", "yonetici", "--role", "agent")
    assert code == 2 and "last active admin" in err
    assert run("user", "add", "yonetici2", "--role", "admin", "--password-stdin", stdin=PASSWORD)[0] == 0
    assert run("user", "deactivate", "yonetici")[0] == 0  # another admin exists now
    code, _, err = run("user", "update", "yonetici2", "--role", "supervisor")
    assert code == 2 and "last active admin" in err


async def test_failed_logins_are_counted_across_hub_processes(run, hub, browser, monkeypatch) -> None:  # noqa: ANN001
    """Two hub processes on one database (two Hub objects, two servers): the throttle counts the
    failures both saw, and every attempt is in the audit log without what was typed."""
    from hub.context import Hub
    from hub.models import utcnow
    from hub.ui import login_throttle

    frozen = utcnow()
    monkeypatch.setattr(login_throttle, "utcnow", lambda: frozen)  # the account's wait never runs out here

    assert run("user", "add", "ayse", "--password-stdin", stdin=PASSWORD)[0] == 0
    second_hub = Hub(hub.settings)
    second = TestClient(TestServer(second_hub.app(), host="127.0.0.1"))
    await second.start_server()
    try:
        statuses = []
        for i in range(7):  # the account's five free failures, shared by both processes
            statuses.append(await login(browser if i % 2 else second, "ayse", f"yanlis-parola-{i}"))
        assert statuses == [401] * 5 + [429] * 2
        assert await login(browser, "ayse", PASSWORD) == 429  # even the right password waits
        assert await login(second, "ayse", PASSWORD) == 429
    finally:
        await second.close()
        second_hub.db.dispose()
    with hub.db.reader() as s:
        failed = list(s.exec(select(Event).where(Event.kind == "auth.login_failed")))
        ok = list(s.exec(select(Event).where(Event.kind == "auth.login")))
    assert len(failed) == 5 and ok == []
    assert all(e.actor == "ip:127.0.0.1" and e.data.get("user_id") for e in failed)
    assert "yanlis-parola" not in json.dumps([e.data for e in failed])
