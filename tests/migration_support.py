"""What the migration tests share: an empty database of their own, which they migrate step by
step with Alembic (``command.upgrade(alembic_config(empty_url), "0005e")`` and so on).

The ``empty_url`` fixture reaches the test modules through ``pytest_plugins`` in tests/conftest.py,
as the browser tests' ``server`` does (tests/browser_support.py says why).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, using_postgres


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own (migrations run on it step by step): a SQLite file, or with
    HUB_TEST_DB=postgres a PostgreSQL database created for the test and dropped after it."""
    if not using_postgres():
        yield f"sqlite:///{tmp_path / 'mig.sqlite3'}"
        return
    name = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
