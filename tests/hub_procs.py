"""Whole hub processes (``run_hub.py serve``) for the scale-out and kill -9 tests and the
outbox benchmark: start them on free loopback ports, wait until they answer, kill them;
a webhook receiver that records every Idempotency-Key; a concurrent submitting client."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "procs-admin-key"

# Web and API requests go to a department whose only target is the test's webhook receiver;
# phone requests to a queue-only department (no outbox rows: an SLA event written twice shows
# there as a double, not as a failed insert of the same alert key).
RULES_TEMPLATE = """version: 1
defaults:
  fallback_department: hedef
  sla: {{days: 30, business_days: false}}
departments:
  hedef:
    name: Hedef Birim
    targets:
      - webhook:
          url: {url}
    calendar: 7x24
  kuyruk:
    name: Kuyruk Birimi
    targets:
      - queue_only: true
    calendar: 7x24
rules:
  - id: telefon
    when: {{channel: phone}}
    then: {{department: kuyruk}}
  - id: hepsi
    when: {{channel: {{in: [api, webform]}}}}
    then: {{department: hedef}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_rules(path: Path, webhook_url: str) -> Path:
    path.write_text(RULES_TEMPLATE.format(url=webhook_url), encoding="utf-8")
    return path


def hub_env(database_url: str, data_dir: Path, rules_file: Path, **overrides: Any) -> dict[str, str]:
    """The environment of a hub process: only our HUB_ keys (none inherited from the shell),
    no classifier (its model is not what these tests measure), quiet logs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update({
        "PYTHONPATH": str(ROOT), "HUB_CONFIG": str(data_dir / "no-hub.toml"),
        "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(data_dir), "HUB_RULES_FILE": str(rules_file),
        "HUB_CLASSIFIER_ENABLED": "false", "HUB_LOG_LEVEL": "WARNING", "HUB_UI_SECRET": "procs-ui-secret-0123456789",
        "HUB_WORKER_POLL_SECONDS": "0.1", "HUB_RULES_WATCH_SECONDS": "1",
    })  # fmt: skip
    env.update({f"HUB_{k.upper()}": str(v) for k, v in overrides.items()})
    return env


def add_api_key(database_url: str, key: str = API_KEY) -> None:
    """An admin API key in the database, so that every process accepts it."""
    from hub.auth import hash_key
    from hub.db import Database, migrate
    from hub.models import ApiKey

    migrate(database_url)
    db = Database(database_url)
    try:
        with db.session() as s:
            s.add(ApiKey(name=key, key_hash=hash_key(key), role="admin"))
    finally:
        db.dispose()


class HubProc:
    """One ``run_hub.py serve`` process on a free loopback port; output goes to a log file."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, *, same_port: bool = False) -> None:
        if not (same_port and self.port):
            self.port = free_port()
        self.starts += 1
        log = self.log_path.open("a")
        log.write(f"--- start {self.starts} on port {self.port}\n")
        log.flush()
        cmd = [sys.executable, str(ROOT / "run_hub.py"), "--port", str(self.port), "serve"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def problems(self) -> Counter[str]:
        """WARNING and ERROR lines of the log, counted, with digits blanked so that alike lines group."""
        import re

        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return Counter()
        return Counter(
            re.sub(r"\d+", "#", line)[:200]
            for line in lines
            if " WARNING " in line or " ERROR " in line or "Traceback" in line
        )

    async def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    async with http.get(self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer within {timeout}s:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 40.0, *, signalled: bool = False) -> int | None:
        """SIGTERM (a clean stop), SIGKILL if it does not stop in time. Only one SIGTERM:
        a second one during the shutdown would find the default handler and kill it."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        if not signalled:
            self.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None


async def start_all(procs: Iterable[HubProc], timeout: float = 120.0) -> None:
    procs = list(procs)
    for p in procs:
        p.start()
    await asyncio.gather(*(p.wait_ready(timeout) for p in procs))


def stop_all(procs: Iterable[HubProc]) -> None:
    procs = list(procs)
    for p in procs:
        p.terminate()
    for p in procs:
        p.stop(signalled=True)


class Receiver:
    """A department's webhook endpoint on loopback: records the Idempotency-Key of every call
    (a retry carries the same key; a real receiver would de-duplicate by it)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # a slow department endpoint
        self.keys: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.keys[request.headers.get("Idempotency-Key", "")] += 1
        self.events[request.headers.get("X-Talep-Hub-Event", "")] += 1
        return web.json_response({"ok": True})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/hook"
        return self.url

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def calls(self) -> int:
        return sum(self.keys.values())


@dataclass
class Outcome:
    """What the submitting client saw, per submission index."""

    status: dict[int, int] = field(default_factory=dict)  # last HTTP status
    no_answer: set[int] = field(default_factory=set)  # connection failed or cut: the client must retry
    cut: set[int] = field(default_factory=set)  # sent, but the connection broke before the answer
    served_by: Counter[str] = field(default_factory=Counter)
    refused: int = 0  # connection attempts refused (nothing listening)

    @property
    def ok(self) -> set[int]:
        return {i for i, s in self.status.items() if 200 <= s < 300}


async def submit(
    bases: Callable[[int], str] | list[str],
    indices: Iterable[int],
    body: Callable[[int], dict[str, Any]],
    *,
    concurrency: int = 30,
    outcome: Outcome | None = None,
    on_answer: Callable[[int, int], None] | None = None,
    timeout: float = 30.0,
    wait_refused: float = 0.0,
) -> Outcome:
    """POST /api/v1/requests for every index, ``concurrency`` at a time, spread over ``bases``.
    A connection error or a cut answer is recorded as no answer (never raised). With
    ``wait_refused``, a refused connection (hub down: nothing was sent) is tried again for
    that many seconds, as a client waiting for the service to come back would."""
    out = outcome or Outcome()
    pick = bases if callable(bases) else (lambda i: bases[i % len(bases)])
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in indices:
        queue.put_nowait(i)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    conn = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=conn, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=timeout)) as http:  # fmt: skip

        async def one(i: int) -> None:
            base = pick(i)
            give_up = time.monotonic() + wait_refused
            while True:
                try:
                    async with http.post(base + "/api/v1/requests", json=body(i)) as r:
                        await r.read()
                        out.status[i] = r.status
                        out.no_answer.discard(i)
                        out.served_by[base] += 1
                        if on_answer is not None:
                            on_answer(i, r.status)
                        return
                except aiohttp.ClientConnectorError:
                    out.refused += 1
                    if time.monotonic() < give_up:
                        await asyncio.sleep(0.2)
                        continue
                    out.status.pop(i, None)
                    out.no_answer.add(i)
                    return
                except (aiohttp.ClientError, TimeoutError, ConnectionError):
                    out.status.pop(i, None)
                    out.no_answer.add(i)
                    out.cut.add(i)
                    return

        async def worker() -> None:
            while not queue.empty():
                await one(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out


# Event kinds a request can get at most once: a second one means two processes (or a retry)
# did the same work twice.
ONCE_PER_REQUEST = ("request.created", "sla.at_risk", "sla.breached", "request.escalated")


def store_report(database_url: str, prefix: str) -> dict[str, Any]:
    """What the database holds for submissions whose external_id starts with ``prefix``:
    requests per external_id, outbox states, deliveries, and events written twice."""
    from sqlalchemy import bindparam, text

    from hub.db import make_engine

    once = text(
        "SELECT kind, count(*) FROM (SELECT kind, request_id FROM event WHERE kind IN :kinds "
        "GROUP BY kind, request_id HAVING count(*) > 1) d GROUP BY kind"
    ).bindparams(bindparam("kinds", expanding=True))
    engine = make_engine(database_url, immediate=False)
    like = {"p": prefix + "%"}
    try:
        with engine.connect() as c:
            per_ext = {
                e: n
                for e, n in c.execute(
                    text(
                        "SELECT external_id, count(*) FROM request WHERE external_id LIKE :p GROUP BY external_id"
                    ),
                    like,
                )
            }
            outbox = [
                dict(r._mapping)
                for r in c.execute(
                    text("SELECT id, kind, idempotency_key, status, attempts, request_id FROM outbox")
                )
            ]
            deliveries = [dict(r._mapping) for r in c.execute(text("SELECT outbox_id, worker FROM delivery"))]
            kinds = dict(c.execute(text("SELECT kind, count(*) FROM event GROUP BY kind")).all())
            doubled = dict(c.execute(once, {"kinds": list(ONCE_PER_REQUEST)}).all())
    finally:
        engine.dispose()
    per_outbox = Counter(d["outbox_id"] for d in deliveries)
    return {
        "per_external_id": per_ext,
        "outbox": outbox,
        "outbox_status": Counter(r["status"] for r in outbox),
        "deliveries": deliveries,
        "delivered_twice": [i for i, n in per_outbox.items() if n > 1],
        "not_delivered": [r["id"] for r in outbox if per_outbox[r["id"]] == 0],
        "event_kinds": kinds,
        "events_doubled": doubled,
    }


def lock_holders(database_url: str, job: str) -> list[str]:
    """The processes (leader connections' application_name) holding ``job``'s advisory lock now."""
    from sqlalchemy import text

    from hub.db import make_engine
    from hub.workers.leader import lock_key

    key = lock_key(job)
    engine = make_engine(database_url)
    try:
        with engine.connect() as c:
            rows = c.execute(text(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND l.classid = CAST(CAST(:hi AS bigint) AS oid) AND l.objid = CAST(CAST(:lo AS bigint) AS oid)"
            ), {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).scalars().all()  # fmt: skip
    finally:
        engine.dispose()
    return [r.removeprefix("talep-hub leader ") for r in rows]
