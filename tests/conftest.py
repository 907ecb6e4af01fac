"""Shared fixtures: a real database (SQLite file, or PostgreSQL when
HUB_TEST_DB=postgres), a Hub on it, and the hub's own HTTP server on loopback."""

from __future__ import annotations

import io
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine, text

from tests.fakes.sms_gateway import FakeSmsGateway

# shared fixtures: the hub's server for a browser (tests/browser_support.py), an empty database
# for a migration test (tests/migration_support.py)
pytest_plugins = ["tests.browser_support", "tests.migration_support"]

PG_ADMIN_URL = os.environ.get("HUB_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

ALL_TABLES = [
    "delivery", "outbox", "event", "message", "correction", "request", "apikey", '"user"', "contactidentity",
    "contact", "department", "quarantine", "rulesversion", "savedfilter", "checkpoint", "callstat", "ratehit",
    "requestclaim", "requestview",
    "callback",
    "kbentry", "cannedreply", "visitrequest", "visit",
]  # fmt: skip


def using_postgres() -> bool:
    return os.environ.get("HUB_TEST_DB", "sqlite").lower() in ("postgres", "postgresql", "pg")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if not using_postgres():
        yield None
        return
    name = f"talep_hub_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    from hub.db import migrate

    migrate(url)
    yield url
    with admin.connect() as c:
        c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, pg_url: str | None) -> str:
    if pg_url is None:
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    eng = create_engine(pg_url)
    with eng.begin() as c:
        c.execute(text("TRUNCATE " + ", ".join(ALL_TABLES) + " RESTART IDENTITY CASCADE"))
    eng.dispose()
    return pg_url


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One classifier registry per session: the seed model is trained once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings_factory(tmp_path: Path, database_url: str, model_dir: Path):  # noqa: ANN201
    from hub.settings import Settings

    def make(**overrides):  # noqa: ANN003, ANN202
        # A copy per test: activating rules writes the active text back to the rules file.
        rules = tmp_path / "routing_rules.yaml"
        if "rules_file" not in overrides and not rules.exists():
            shutil.copyfile(ROOT / "routing_rules.yaml", rules)
        base = dict(
            data_dir=tmp_path / "data", database_url=database_url, rules_file=rules,
            worker_poll_seconds=0.05, sla_check_seconds=3600, rules_watch_seconds=0.2,
            outbox_base_delay_seconds=0.05, classifier_model_dir=model_dir,
        )  # fmt: skip
        base.update(overrides)
        return Settings(**base)

    return make


@pytest.fixture
def settings(settings_factory):  # noqa: ANN001, ANN201
    return settings_factory()


@pytest.fixture
def hub(settings):  # noqa: ANN001, ANN201
    from hub.context import Hub

    h = Hub(settings)
    yield h
    h.db.dispose()


ADMIN_KEY = "test-admin-key"


def add_key(hub, key: str, role: str, department: str | None = None, user_id: int | None = None) -> None:  # noqa: ANN001
    from hub.auth import hash_key
    from hub.models import ApiKey

    with hub.db.session() as s:
        s.add(ApiKey(name=key, key_hash=hash_key(key), role=role, department_code=department, user_id=user_id))


@pytest_asyncio.fixture
async def ui(hub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    """A browser-like client (cookie jar, no API key) on the hub's real server, with demo users."""
    from hub.demo import _users

    _users(hub)
    add_key(hub, ADMIN_KEY, "admin")
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


@pytest_asyncio.fixture
async def client(hub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    """The hub's real HTTP server on 127.0.0.1 with workers running, and an admin key."""
    add_key(hub, ADMIN_KEY, "admin")
    server = TestServer(hub.app(), host="127.0.0.1")
    c = TestClient(server, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    await c.start_server()
    yield c
    await c.close()


@pytest.fixture
def run(hub, monkeypatch, capsys):  # noqa: ANN001, ANN201
    """run_hub.py in-process against the test hub's database; returns (exit code, stdout, stderr)."""
    st = hub.settings
    monkeypatch.setenv("HUB_DATABASE_URL", st.database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(st.data_dir))
    monkeypatch.setenv("HUB_CLASSIFIER_MODEL_DIR", str(st.classifier_model_dir))

    def go(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        from hub import cli

        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse and the password prompt exit this way
            code = exc.code if isinstance(exc.code, int) else 2
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        out = capsys.readouterr()
        return code, out.out, out.err

    return go


@pytest_asyncio.fixture
async def sms_gateway() -> AsyncIterator[FakeSmsGateway]:
    """A generic SMS gateway on loopback (real HTTP) that records what it was asked to send; the
    hub's default body template goes to ``sms_gateway.url`` (tests/fakes/sms_gateway.py)."""
    async with FakeSmsGateway() as fake:
        yield fake
