"""Storage: SQLite runs in WAL mode; several processes can migrate PostgreSQL at once."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, using_postgres

ROOT = Path(__file__).resolve().parent.parent


def test_sqlite_is_in_wal_mode(tmp_path) -> None:  # noqa: ANN001
    from hub.db import Database, migrate

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    migrate(url)
    db = Database(url)
    with db.reader() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()


@pytest.mark.skipif(not using_postgres(), reason="PostgreSQL pass only")
def test_three_processes_migrate_one_database_at_once() -> None:
    name = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        code = f"from hub.db import migrate; migrate({url!r})"
        procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        from alembic.script import ScriptDirectory

        from hub.db import alembic_config

        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        eng = create_engine(url)
        with eng.connect() as c:
            assert c.execute(text("SELECT version_num FROM alembic_version")).all() == [(head,)]
        eng.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.mark.skipif(not using_postgres(), reason="PostgreSQL pass only")
def test_a_server_in_turkish_time_still_compares_stored_times_as_utc() -> None:
    """Timestamps are stored as naive UTC. A server set up on a Turkish machine has
    timezone = 'Europe/Istanbul' (Debian takes it from the system), and a comparison with an
    aware value would then read every stored time three hours off; the hub's connections
    run in UTC whatever the server says."""
    from datetime import UTC, datetime

    from hub.db import Database

    name = f"tz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
        c.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'Europe/Istanbul'"))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    db = Database(url)
    try:
        with db.reader() as s:
            assert s.execute(text("SHOW TimeZone")).scalar() == "UTC"
            stored = datetime(2026, 11, 2, 6, 30)  # naive UTC, as the hub writes it
            held = s.execute(text("SELECT CAST(:stored AS timestamp) >= :since"),
                             {"stored": stored, "since": datetime(2026, 11, 2, 5, 0, tzinfo=UTC)}).scalar()  # fmt: skip
            assert held is True
    finally:
        db.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
