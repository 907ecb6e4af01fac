"""Polled channels and background loops live through a database outage: they keep
their health in memory, report it, and resume by themselves (issue 10, finding 3)."""

from __future__ import annotations

import asyncio
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.exc import OperationalError

from hub.models import Checkpoint
from tests.conftest import ADMIN_KEY, add_key
from tests.e2e_support import drop_file, request_count, wait_for
from tests.test_e2e_files import CIMER_HEADER, CIMER_ROWS, xlsx

POLLED = ("cimer-import", "mbs-import", "alo153-calllog")


def cimer_file(n: int) -> bytes:
    row = list(CIMER_ROWS[0])
    row[0] = f"26110{n:05d}"
    return xlsx(CIMER_HEADER, [row])


class Outage:
    """Makes every new database session of one hub fail as an unreachable server does."""

    def __init__(self, hub, monkeypatch) -> None:  # noqa: ANN001
        self.down = False
        db = hub.db
        for name in ("session", "reader"):
            real = getattr(db, name)
            monkeypatch.setattr(db, name, self._guard(real))

    def _guard(self, real):  # noqa: ANN001, ANN202
        outage = self

        @contextmanager
        def guarded():  # noqa: ANN202
            if outage.down:
                raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused (test outage)"))
            with real() as s:
                yield s

        return guarded


async def _health(client: TestClient) -> dict[str, dict]:
    r = await client.get("/api/v1/connectors")
    assert r.status == 200, await r.text()
    return {c["name"]: c for c in (await r.json())["items"]}


async def test_drop_folder_loops_survive_a_database_outage_and_resume(settings_factory, tmp_path, monkeypatch) -> None:  # noqa: ANN001, E501
    from hub.context import Hub

    drop = tmp_path / "drop"
    hub = Hub(settings_factory(import_dir=drop, calllog_dir=tmp_path / "alo153", file_poll_seconds=0.2,
                               sla_check_seconds=0.2, leader_check_seconds=0.2, classifier_enabled=False))  # fmt: skip
    add_key(hub, ADMIN_KEY, "admin")
    outage = Outage(hub, monkeypatch)
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"), headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    await client.start_server()
    try:
        drop_file(drop / "cimer", "once.xlsx", cimer_file(1))
        await wait_for(lambda: request_count(hub, "cimer") == 1, "the first CİMER file")
        before = await _health(client)  # also caches the API key, as a running hub has it
        assert all(before[n]["healthy"] for n in POLLED)

        outage.down = True
        await asyncio.sleep(2.5)
        during = await _health(client)
        for name in POLLED:
            item = during[name]
            assert item["healthy"] is False, item
            assert "OperationalError" in item["last_error"] and item["last_error_at"], item
            assert item["consecutive_failures"] >= 2 and item["failing_since"], item
            assert "unavailable" in item["database"]
        tasks = {t.get_name(): t for t in hub._tasks}
        dead = [name for name, t in tasks.items() if t.done()]
        assert not dead, f"background loops died in the outage: {dead}"

        outage.down = False
        recovered = time.monotonic()
        drop_file(drop / "cimer", "after.xlsx", cimer_file(2))
        await wait_for(lambda: request_count(hub, "cimer") == 2, "the CİMER file dropped after the outage", timeout=20)
        took = time.monotonic() - recovered
        assert took < 10, f"resumed only after {took:.1f} s"
        after = await _health(client)
        assert after["cimer-import"]["healthy"] and after["cimer-import"]["consecutive_failures"] == 0
        assert after["cimer-import"]["last_error"], "the outage stays visible as the last error"
        with hub.db.reader() as s:  # the error seen while the database was away is written afterwards
            assert "OperationalError" in (s.get(Checkpoint, "cimer-import").last_error or "")
        assert not [name for name, t in tasks.items() if t.done()]
    finally:
        await client.close()
        hub.db.dispose()


async def test_a_leadership_check_that_fails_first_shows_the_polled_channels_unhealthy(
    settings_factory, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """In an outage the leadership check may fail before any poll does: it stops the polled jobs
    here, so no poll fails, and health said "healthy" while nothing ran anywhere."""
    from hub.context import Hub

    drop = tmp_path / "drop"
    hub = Hub(settings_factory(import_dir=drop, calllog_dir=tmp_path / "alo153", file_poll_seconds=0.2,
                               leader_check_seconds=0.2, classifier_enabled=False))  # fmt: skip
    add_key(hub, ADMIN_KEY, "admin")
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"), headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    await client.start_server()
    try:
        drop_file(drop / "cimer", "once.xlsx", cimer_file(1))
        await wait_for(lambda: request_count(hub, "cimer") == 1, "the first CİMER file")
        assert (await _health(client))["cimer-import"]["runs_here"]
        real_tick = hub.leadership._tick

        async def gone() -> None:
            raise OSError("the coordination connection is gone (test)")

        monkeypatch.setattr(hub.leadership, "_tick", gone)
        during: dict = {}
        for _ in range(100):
            during = (await _health(client))["cimer-import"]
            if not during["runs_here"]:
                break
            await asyncio.sleep(0.1)
        assert during["runs_here"] is False and during["healthy"] is False, during
        assert during["last_error"].startswith("leadership check failed") and during["failing_since"], during
        monkeypatch.setattr(hub.leadership, "_tick", real_tick)
        await wait_for(lambda: hub.leadership.check_error is None, "a leadership check that works again")
        drop_file(drop / "cimer", "after.xlsx", cimer_file(2))
        await wait_for(lambda: request_count(hub, "cimer") == 2, "the file dropped after the check works again")
        after = (await _health(client))["cimer-import"]
        assert after["healthy"] and after["runs_here"], after
    finally:
        await client.close()
        hub.db.dispose()


async def test_a_loop_whose_error_handling_fails_is_started_again() -> None:
    from hub.workers.periodic import keep_running

    runs = []

    async def flaky() -> None:
        runs.append(1)
        try:
            raise RuntimeError("the work failed")
        except RuntimeError:
            raise OperationalError("UPDATE checkpoint", {}, Exception("and so did recording it")) from None

    task = asyncio.create_task(keep_running("flaky", flaky))
    await asyncio.sleep(1.3)
    assert len(runs) >= 2 and not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_periodic_jobs_retry_soon_after_a_failure() -> None:
    from hub.workers.periodic import every

    calls: list[float] = []

    class FakeDb:
        async def run(self, fn, *a):  # noqa: ANN001, ANN002, ANN202
            return fn(*a)

    class FakeHub:
        db = FakeDb()

    def job(_hub) -> dict[str, int]:  # noqa: ANN001
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise OperationalError("SELECT", {}, Exception("down"))
        return {"done": 1}

    task = asyncio.create_task(every(FakeHub(), job, 3600, "job"))
    await wait_for(lambda: len(calls) >= 3, "the job to run again after failures", timeout=15)
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_real_postgresql_outage(settings_factory, tmp_path: Path) -> None:  # noqa: ANN001
    """Stop a PostgreSQL server the test runs itself for ~8 s while the hub polls a CİMER
    drop folder: the loops live on, /api/v1/connectors shows the error during the outage,
    and a file dropped after recovery is ingested without a restart."""
    from tests.pg_server import PgServer, require_pg_binaries

    bindir = require_pg_binaries()
    from hub.context import Hub

    drop = tmp_path / "drop"
    with PgServer(tmp_path, bindir) as pg:
        hub = Hub(settings_factory(database_url=pg.url, import_dir=drop, calllog_dir=tmp_path / "alo153",
                                   file_poll_seconds=0.3, leader_check_seconds=0.5,
                                   classifier_enabled=False))  # fmt: skip
        add_key(hub, ADMIN_KEY, "admin")
        client = TestClient(TestServer(hub.app(), host="127.0.0.1"), headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        await client.start_server()
        try:
            drop_file(drop / "cimer", "before.xlsx", cimer_file(1))
            await wait_for(lambda: request_count(hub, "cimer") == 1, "the first CİMER file")
            assert (await _health(client))["cimer-import"]["healthy"]

            await asyncio.to_thread(pg.stop, "fast")
            stopped = time.monotonic()
            during: dict = {}
            while time.monotonic() - stopped < 60:  # polls every 0.3 s; a loaded machine takes longer
                during = (await _health(client))["cimer-import"]
                if during["healthy"] is False:
                    break
                await asyncio.sleep(0.5)
            assert during["healthy"] is False and during["last_error"] and during["failing_since"], during
            # whichever notices first: the poll's own failure, or the leadership check stopping the poll
            assert during["consecutive_failures"] >= 1 or during["last_error"].startswith("leadership"), during
            await asyncio.sleep(max(0.0, 8 - (time.monotonic() - stopped)))
            await asyncio.to_thread(pg.start)
            outage = time.monotonic() - stopped
            recovered = time.monotonic()

            drop_file(drop / "cimer", "after.xlsx", cimer_file(2))
            await wait_for(lambda: request_count(hub, "cimer") == 2, "the file dropped after recovery", timeout=30)
            took = time.monotonic() - recovered
            print(f"PostgreSQL stopped {outage:.1f} s; file dropped after recovery ingested in {took:.1f} s")
            assert not [t.get_name() for t in hub._tasks if t.done()], "a background loop died"
            after = (await _health(client))["cimer-import"]
            assert after["healthy"] and after["runs_here"], after
        finally:
            await client.close()
            hub.db.dispose()
