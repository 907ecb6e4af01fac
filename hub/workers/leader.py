"""Leadership: which hub process runs each singleton job.

Some jobs must run in exactly one hub process at a time: the SLA watcher, the
retention purge and every polled connector (two IMAP pollers would race, two
Telegram ``getUpdates`` callers get 409). Each such job has a name
("sla-watcher", "retention-purge", "connector:cimer-import", ...) and a lease on it:

- PostgreSQL: a session-level ``pg_try_advisory_lock`` per job, all taken on one
  dedicated connection that this process holds open (not a pooled one: the pool
  may swap connections under us). PostgreSQL releases the locks when that
  connection dies, so a process killed with -9 hands its jobs over by itself;
  the connection is checked every ``leader_check_seconds`` and, if it is lost,
  every job of this process stops at once (another process may hold the lock by now).
- SQLite (one host, embedded): an ``fcntl.flock`` on ``data_dir/locks/<job>.lock``;
  the kernel releases it when the process dies.

Processes that do not hold a lease stand by and try again every
``leader_check_seconds``, so a takeover happens within that time.
``run_singleton`` runs a job only while its lease is held.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEY_NAMESPACE = "talep-hub:"
CHECK_TIMEOUT_SECONDS = 5.0
STOP_GRACE_SECONDS = 10.0


def lock_key(job: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name (same in every process and version)."""
    digest = hashlib.blake2b((KEY_NAMESPACE + job).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def process_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease:
    """One job's lease in this process: held or not, with who holds it when known."""

    def __init__(self, job: str) -> None:
        self.job = job
        self.key = lock_key(job)
        self.since: datetime | None = None
        self.holder: str | None = None  # the other process holding it, when we could see it
        self.users = 0
        self._held = asyncio.Event()
        self._free = asyncio.Event()
        self._free.set()

    @property
    def held(self) -> bool:
        return self._held.is_set()

    def acquired(self, me: str) -> None:
        self.since, self.holder = datetime.now(UTC), me
        self._free.clear()
        self._held.set()

    def lost(self) -> None:
        if self.held:
            self.since, self.holder = None, None
        self._held.clear()
        self._free.set()

    async def wait_held(self) -> None:
        await self._held.wait()

    async def wait_lost(self) -> None:
        await self._free.wait()

    def state(self) -> dict[str, Any]:
        return {"job": self.job, "runs_here": self.held, "holder": self.holder,
                "since": self.since.isoformat() if self.since else None}  # fmt: skip


class Leadership:
    """Keeps this process's leases: a keeper task tries to take free ones and checks held ones."""

    kind = "none"

    def __init__(self, *, check_seconds: float = 2.0, identity: str | None = None) -> None:
        self.check_seconds = check_seconds
        self.identity = identity or process_identity()
        self.leases: dict[str, Lease] = {}
        self._keeper: asyncio.Task | None = None
        self._kick = asyncio.Event()
        # The last check's failure (the connection or lock file is gone), cleared by a check that
        # works: while it stands, no process can be known to run the singleton jobs.
        self.check_error: str | None = None
        self.check_failed_since: datetime | None = None

    def lease(self, job: str) -> Lease:
        """Ask for ``job``'s lease; the keeper takes it as soon as it is free. Pair with ``drop``."""
        lease = self.leases.get(job)
        if lease is None:
            lease = self.leases[job] = Lease(job)
            self._kick.set()  # try it right away, not at the next tick
        lease.users += 1
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.create_task(self._keep(), name="leadership")
        return lease

    async def drop(self, job: str) -> None:
        """No job here needs the lease any more: give it up; with no leases left, close the connection."""
        lease = self.leases.get(job)
        if lease is None:
            return
        lease.users -= 1
        if lease.users > 0:
            return
        await self.release(job)
        self.leases.pop(job, None)
        if not self.leases:
            await self.close()

    def state(self) -> list[dict[str, Any]]:
        return [lease.state() for lease in self.leases.values()]

    async def close(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
            self._keeper = None
        for lease in self.leases.values():
            lease.lost()
        await self._release_all()

    async def release(self, job: str) -> None:
        """Give a lease up (the job ended by itself), so another process may take it."""
        lease = self.leases.get(job)
        if lease is not None and lease.held:
            lease.lost()
            try:
                await self._unlock(lease)
            except Exception:
                log.warning("releasing %s failed; it ends with this process", job, exc_info=True)

    async def _keep(self) -> None:
        while True:
            try:
                await self._tick()
                self.check_error = self.check_failed_since = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the connection or lock file failed: no lease is safe now
                self.check_error = f"leadership check failed: {type(exc).__name__}"
                self.check_failed_since = self.check_failed_since or datetime.now(UTC)
                held = [lease.job for lease in self.leases.values() if lease.held]
                if held:
                    log.error("leadership lost (%s: %s); stopping %s here", type(exc).__name__, exc, ", ".join(held))
                else:
                    log.warning("leadership check failed (%s: %s); will retry", type(exc).__name__, exc)
                for lease in self.leases.values():
                    lease.lost()
                try:
                    await self._reset()
                except Exception:
                    log.debug("leadership reset failed", exc_info=True)
            try:
                await asyncio.wait_for(self._kick.wait(), timeout=self.check_seconds)
            except TimeoutError:
                pass
            self._kick.clear()

    # -- backend ----------------------------------------------------------------------------
    async def _tick(self) -> None:
        for lease in self.leases.values():
            if not lease.held:
                lease.acquired(self.identity)

    async def _unlock(self, lease: Lease) -> None:
        return None

    async def _release_all(self) -> None:
        return None

    async def _reset(self) -> None:
        return None


class PostgresLeadership(Leadership):
    """Advisory locks on one dedicated connection (see the module docstring)."""

    kind = "postgresql-advisory-lock"

    def __init__(self, url: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.conninfo = _libpq_url(url)
        self._conn: Any = None

    async def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = await asyncio.wait_for(
                psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=int(CHECK_TIMEOUT_SECONDS),
                    application_name=f"talep-hub leader {self.identity}"[:63],
                ),
                timeout=CHECK_TIMEOUT_SECONDS * 2,
            )  # fmt: skip
        return self._conn

    async def _query(self, sql: str, *params: Any) -> list[tuple]:
        conn = await self._connection()

        async def run() -> list[tuple]:
            cur = await conn.execute(sql, params or None)
            return await cur.fetchall()

        return await asyncio.wait_for(run(), timeout=CHECK_TIMEOUT_SECONDS)

    async def _tick(self) -> None:
        held = any(lease.held for lease in self.leases.values())
        if held and (self._conn is None or self._conn.closed):
            raise ConnectionError("the lock connection is gone")  # never reconnect under held leases
        # The connection is alive and still ours: every lock taken on it is still held.
        await self._query("SELECT 1")
        for lease in self.leases.values():
            if lease.held:
                continue
            (got,) = (await self._query("SELECT pg_try_advisory_lock(%s)", lease.key))[0]
            if got:
                lease.acquired(self.identity)
                log.info("this process (%s) now runs %s", self.identity, lease.job)
            else:
                lease.holder = await self._holder(lease)

    async def _holder(self, lease: Lease) -> str | None:
        """Who holds a lock, from the application_name its connection set (for /api/v1/connectors)."""
        hi, lo = (lease.key >> 32) & 0xFFFFFFFF, lease.key & 0xFFFFFFFF
        rows = await self._query(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database()) AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid"
            " AND l.objsubid = 1",
            hi, lo,
        )  # fmt: skip
        name = rows[0][0] if rows else None
        return name.removeprefix("talep-hub leader ") if name else None

    async def _unlock(self, lease: Lease) -> None:
        if self._conn is not None and not self._conn.closed:
            await self._query("SELECT pg_advisory_unlock(%s)", lease.key)

    async def _release_all(self) -> None:
        await self._reset()  # closing the session releases every lock it held

    async def _reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await asyncio.wait_for(conn.close(), timeout=CHECK_TIMEOUT_SECONDS)
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)


class FileLeadership(Leadership):
    """``flock`` on one file per job in ``directory``: one process per data dir runs each job."""

    kind = "file-lock"

    def __init__(self, directory: Path, **kw: Any) -> None:
        super().__init__(**kw)
        self.directory = directory
        self._files: dict[str, Any] = {}

    def _path(self, job: str) -> Path:
        return self.directory / (re.sub(r"[^A-Za-z0-9_.-]", "_", job) + ".lock")

    async def _tick(self) -> None:
        import fcntl

        self.directory.mkdir(parents=True, exist_ok=True)
        for lease in self.leases.values():
            if lease.held:
                continue
            path = self._path(lease.job)
            fh = open(path, "a+")  # noqa: SIM115 - kept open while the lock is held
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.seek(0)
                lease.holder = fh.read().strip() or None
                fh.close()
                continue
            fh.seek(0)
            fh.truncate()
            fh.write(self.identity)
            fh.flush()
            self._files[lease.job] = fh
            lease.acquired(self.identity)

    async def _unlock(self, lease: Lease) -> None:
        fh = self._files.pop(lease.job, None)
        if fh is not None:
            fh.close()  # closing the file releases the flock

    async def _release_all(self) -> None:
        for job in list(self._files):
            self._files.pop(job).close()

    async def _reset(self) -> None:
        await self._release_all()


def _libpq_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    from hub.db import normalize_url

    return make_url(normalize_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def leadership_for(settings: Any) -> Leadership:
    """PostgreSQL advisory locks when the hub is on PostgreSQL, else lock files in data_dir."""
    from hub.db import normalize_url

    check = float(getattr(settings, "leader_check_seconds", 2.0))
    url = settings.resolved_database_url
    if normalize_url(url).startswith("postgresql"):
        return PostgresLeadership(url, check_seconds=check)
    return FileLeadership(Path(settings.data_dir) / "locks", check_seconds=check)


async def run_singleton(leadership: Leadership, job: str, factory: Callable[[], Awaitable[Any]]) -> None:
    """Run ``factory()`` only while this process holds ``job``'s lease; stand by otherwise.

    A lost lease cancels the job here at once. A job that ends by itself (it should
    not) gives its lease up, so another process can run it, and is started again later.
    """
    lease = leadership.lease(job)
    try:
        while True:
            await lease.wait_held()
            task = asyncio.create_task(_as_coroutine(factory), name=job)
            lost = asyncio.create_task(lease.wait_lost(), name=f"{job}-lease")
            try:
                await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                await _stop(task, lost)
                raise
            if task.done():
                lost.cancel()
                exc = None if task.cancelled() else task.exception()
                log.error("%s ended (%r); giving its lease up and starting again later", job, exc or "returned")
                await leadership.release(job)
                await asyncio.sleep(max(leadership.check_seconds, 1.0))
            else:
                log.warning("%s: lease lost; stopped in this process", job)
                await _stop(task, lost)
    finally:
        await leadership.drop(job)


async def _as_coroutine(factory: Callable[[], Awaitable[Any]]) -> Any:
    return await factory()


async def _stop(*tasks: asyncio.Task) -> None:
    for t in tasks:
        t.cancel()
    _, stuck = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
    for t in stuck:
        log.warning("task %s did not stop within %ss", t.get_name(), STOP_GRACE_SECONDS)
