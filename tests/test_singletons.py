"""Singleton jobs (SLA watcher, retention purge, polled connectors) run in one hub
process at a time, and another takes over when it dies (issue 10, finding 9)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text
from sqlmodel import func, select

from connectors.base import RawMessage, Sender
from hub.actions import requests as ra
from hub.auth import SYSTEM_SLA
from hub.models import Event, Request, utcnow
from hub.workers import sla
from hub.workers.leader import FileLeadership, PostgresLeadership, lock_key, run_singleton
from tests import email_fixtures
from tests.conftest import ADMIN_KEY, add_key, using_postgres
from tests.e2e_support import wait_for
from tests.email_fixtures import MailUser, free_port
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
dovecot = email_fixtures.dovecot
mailbox = email_fixtures.mailbox
pg_only = pytest.mark.skipif(not using_postgres(), reason="advisory-lock leadership across processes needs PostgreSQL "
                             "(HUB_TEST_DB=postgres); on SQLite one process per data dir holds a lock file")  # fmt: skip


def test_lock_keys_are_stable_64_bit_and_distinct() -> None:
    names = ["sla-watcher", "retention-purge", "connector:imap", "connector:telegram", "connector:cimer-import"]
    keys = [lock_key(n) for n in names]
    assert len(set(keys)) == len(keys)
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert lock_key("sla-watcher") == lock_key("sla-watcher")  # the same in every process (no hash seed)


class Job:
    """A singleton job that notes when it runs in which leadership."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.overlaps = 0
        self.stopped: dict[str, float] = {}

    def factory(self, who: str):  # noqa: ANN201
        async def run() -> None:
            self.running.add(who)
            self.overlaps = max(self.overlaps, len(self.running))
            try:
                await asyncio.Event().wait()
            finally:
                self.running.discard(who)
                self.stopped[who] = time.monotonic()

        return run


async def _two_leaders_take_turns(a, b, *, kill_a, overlap_ok: bool = False) -> float:  # noqa: ANN001
    """a runs the job, b stands by; after ``kill_a`` b takes over. Returns the takeover time.
    With ``overlap_ok`` (a's connection cut behind its back), a may run on until its next
    check, never longer."""
    job = Job()
    ta = asyncio.create_task(run_singleton(a, "demo-job", job.factory("a")))
    await wait_for(lambda: job.running == {"a"}, "a to run the job")
    tb = asyncio.create_task(run_singleton(b, "demo-job", job.factory("b")))
    await asyncio.sleep(b.check_seconds * 3)
    assert job.running == {"a"}, "b stands by while a holds the lease"
    assert b.leases["demo-job"].holder == a.identity
    started = time.monotonic()
    await kill_a(ta)
    await wait_for(lambda: job.running == {"b"}, "b to take over", timeout=15)
    took = time.monotonic() - started
    if overlap_ok:
        await wait_for(lambda: "a" in job.stopped, "a to stop", timeout=15)
        assert job.stopped["a"] - started < a.check_seconds * 2 + 1, "a lost its lock but ran on"
    else:
        assert job.overlaps == 1
    ta.cancel()
    tb.cancel()
    await asyncio.gather(ta, tb, return_exceptions=True)
    await a.close()
    await b.close()
    return took


async def test_lock_files_one_holder_and_takeover(tmp_path) -> None:  # noqa: ANN001
    a = FileLeadership(tmp_path / "locks", check_seconds=0.2, identity="host:a")
    b = FileLeadership(tmp_path / "locks", check_seconds=0.2, identity="host:b")

    async def stop_a(task: asyncio.Task) -> None:
        task.cancel()  # a stopping process gives its lease up
        await asyncio.gather(task, return_exceptions=True)

    assert await _two_leaders_take_turns(a, b, kill_a=stop_a) < 3


@pg_only
async def test_a_lost_lock_connection_stops_the_job_and_another_process_takes_over(database_url) -> None:  # noqa: ANN001
    a = PostgresLeadership(database_url, check_seconds=0.3, identity="host:a")
    b = PostgresLeadership(database_url, check_seconds=0.3, identity="host:b")

    async def cut_a(_task: asyncio.Task) -> None:
        # As if a's connection died (network, server restart): PostgreSQL frees its locks at once.
        from sqlalchemy import create_engine

        eng = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with eng.begin() as c:
            n = c.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE application_name = 'talep-hub leader host:a'")).scalar_one()  # fmt: skip
        eng.dispose()
        assert n == 1

    took = await _two_leaders_take_turns(a, b, kill_a=cut_a, overlap_ok=True)
    assert took < 5


def _overdue_requests(hub, n: int, prefix: str) -> list[int]:  # noqa: ANN001
    """``n`` phone requests whose deadline passed a day ago (set directly: test setup)."""
    with hub.db.session() as s:
        ids = [hub.intake.ingest_in(s, RawMessage(
            channel="phone", external_id=f"{prefix}-{i}", sender=Sender(phone=f"0532{i:07d}"),
            text=f"Sokak lambası yanmıyor, numara {i}.",
        )).request_id for i in range(n)]  # fmt: skip
    with hub.db.engine.begin() as c:
        c.execute(text("UPDATE request SET due_at = :due WHERE id IN (" + ",".join(map(str, ids)) + ")"),
                  {"due": utcnow() - timedelta(days=1)})  # fmt: skip
    return ids


def _event_counts(hub, kind: str) -> tuple[int, int]:  # noqa: ANN001
    """(events of this kind, distinct requests they are about)."""
    with hub.db.reader() as s:
        total = s.exec(select(func.count()).select_from(Event).where(Event.kind == kind)).one()
        distinct = s.exec(select(func.count(func.distinct(Event.request_id))).where(Event.kind == kind)).one()
    return total, distinct


def test_an_overlapping_sla_watcher_writes_no_second_breach(settings_factory) -> None:  # noqa: ANN001
    """Defence in depth: a watcher working from a stale copy of a request that another
    watcher has just marked updates nothing and writes no event."""
    from hub.context import Hub

    hub = Hub(settings_factory(classifier_enabled=False))
    try:
        (rid,) = _overdue_requests(hub, 1, "stale")
        with hub.db.reader() as s:
            stale = s.get(Request, rid)  # the second watcher read it before the first one wrote
        assert stale.sla_breached_at is None
        assert sla.check_once(hub)["breached"] == 1  # the first watcher
        with hub.db.session() as s:
            s.add(stale)
            ra.mark_sla(s, SYSTEM_SLA, stale, "breached")
        assert _event_counts(hub, "sla.breached") == (1, 1)
        assert _event_counts(hub, "request.escalated") == (1, 1)
        with hub.db.reader() as s:
            assert s.get(Request, rid).priority == "high"  # raised once, from normal
    finally:
        hub.db.dispose()


# -- whole hub processes on one PostgreSQL -------------------------------------------------------


class CountingTelegram(FakeTelegram):
    """The fake Bot API, also noting overlapping getUpdates calls (real Telegram answers 409)."""

    def __init__(self) -> None:
        super().__init__(max_wait=0.3)
        self.in_flight = 0
        self.max_in_flight = 0
        self.conflicts = 0

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.in_flight > 1:
                self.conflicts += 1
                return self._error(409, "Conflict: terminated by other getUpdates request")
            return await super()._get_updates(params)
        finally:
            self.in_flight -= 1


class HubProcess:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name, self.env, self.port = name, env, free_port()
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, str(ROOT / "run_hub.py"), "--port", str(self.port), "serve"],
                                         cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)  # type: ignore[union-attr]
            self.proc.wait(timeout=30)  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            try:
                self.proc.wait(timeout=30)  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                self.kill9()

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:]) if self.log.exists() else ""


async def _get(http: aiohttp.ClientSession, url: str) -> dict | None:
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=3)) as r:
            return await r.json() if r.status == 200 else None
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None


async def _runners(http: aiohttp.ClientSession, procs: list[HubProcess]) -> dict[str, list[str]]:
    """For each singleton job, the processes that say they run it now."""
    out: dict[str, list[str]] = {}
    for p in procs:
        if not p.alive():
            continue
        health = await _get(http, p.url + "/healthz")
        for s in (health or {}).get("singletons", []):
            if s["runs_here"]:
                out.setdefault(s["job"], []).append(p.name)
    return out


# Everything goes to a queue-only department: no outbox rows, so an SLA event written twice
# shows as a double (with alert rows, a second watcher's insert of the same alert key fails
# and hides it).
QUEUE_RULES = """version: 1
defaults:
  fallback_department: kuyruk
  sla: {days: 30, business_days: false}
departments:
  kuyruk:
    name: Kuyruk Birimi
    targets:
      - queue_only: true
    calendar: 7x24
rules:
  - id: hepsi
    when: {channel: {in: [phone, telegram, email, cimer, mbs]}}
    then: {department: kuyruk}
"""


@pg_only
async def test_each_singleton_runs_in_exactly_one_of_three_processes(
    settings_factory, database_url, tmp_path, mailbox: MailUser
) -> None:  # noqa: ANN001
    from hub.context import Hub

    rules = tmp_path / "rules.yaml"
    rules.write_text(QUEUE_RULES, encoding="utf-8")
    hub = Hub(settings_factory(classifier_enabled=False, rules_file=rules))  # the test's view of the database
    add_key(hub, ADMIN_KEY, "admin")
    telegram = CountingTelegram()
    await telegram.start()
    drop = tmp_path / "drop"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    procs = []
    for i in range(3):
        env = {**base_env, "PYTHONPATH": str(ROOT), "HUB_CONFIG": str(tmp_path / "none.toml"),
               "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / f"data{i}"),
               "HUB_RULES_FILE": str(rules), "HUB_CLASSIFIER_ENABLED": "false",
               "HUB_LOG_LEVEL": "INFO", "HUB_UI_SECRET": "singletons-ui-secret-0123456789",
               "HUB_SLA_CHECK_SECONDS": "0.3", "HUB_LEADER_CHECK_SECONDS": "0.5", "HUB_WORKER_POLL_SECONDS": "0.2",
               "HUB_IMPORT_DIR": str(drop), "HUB_CALLLOG_DIR": str(tmp_path / "alo153"),
               "HUB_EXPORT_DIR": str(tmp_path / "cevap"), "HUB_FILE_POLL_SECONDS": "0.5",
               "HUB_TELEGRAM_TOKEN": telegram.token, "HUB_TELEGRAM_API_BASE": telegram.base_url,
               "HUB_IMAP_HOST": mailbox.server.host, "HUB_IMAP_PORT": str(mailbox.server.port),
               "HUB_IMAP_SSL": "false", "HUB_IMAP_STARTTLS": "false", "HUB_IMAP_USERNAME": mailbox.name,
               "HUB_IMAP_PASSWORD": mailbox.password, "HUB_IMAP_POLL_SECONDS": "0.5", "HUB_IMAP_IDLE": "false"}  # fmt: skip
        procs.append(HubProcess(f"hub{i}", env, tmp_path))
    figures: dict[str, Any] = {}
    async with aiohttp.ClientSession() as http:
        try:
            began = time.monotonic()
            for p in procs:
                p.start()
            for p in procs:
                await wait_for(lambda p=p: p.alive() or pytest.fail(f"{p.name} exited:\n{p.tail()}"),
                               f"{p.name} to start")  # fmt: skip
            for p in procs:
                ok = False
                for _ in range(300):
                    if await _get(http, p.url + "/healthz"):
                        ok = True
                        break
                    assert p.alive(), p.tail()
                    await asyncio.sleep(0.2)
                assert ok, f"{p.name} never answered:\n{p.tail()}"

            figures["start_seconds"] = round(time.monotonic() - began, 1)
            # 300 requests become overdue, in rounds, while three SLA watchers could see them.
            ids = []
            for r in range(10):
                ids += _overdue_requests(hub, 30, f"sla{r}")
                await asyncio.sleep(0.4)
            figures["ingest_seconds"] = round(time.monotonic() - began - figures["start_seconds"], 1)
            await wait_for(lambda: _event_counts(hub, "sla.breached")[1] == 300, "every breach noticed", timeout=60)
            await asyncio.sleep(2)  # a second watcher would have written its copies by now
            figures["sla.breached"] = _event_counts(hub, "sla.breached")
            figures["request.escalated"] = _event_counts(hub, "request.escalated")
            assert figures["sla.breached"] == (300, 300), figures
            assert figures["request.escalated"][0] == figures["request.escalated"][1], figures

            # Telegram and IMAP are polled by one process: every message arrives once.
            for n in range(3):
                telegram.push_text(7000 + n, f"Mahallede su kesintisi var, bildirim {n}.")
                mailbox.deliver(email_fixtures_complaint(n))

            def count(channel: str) -> int:
                with hub.db.reader() as s:
                    return s.exec(select(func.count()).select_from(Request).where(Request.channel == channel)).one()

            await wait_for(lambda: count("telegram") == 3 and count("email") == 3, "Telegram and e-mail intake",
                           timeout=60)  # fmt: skip
            assert telegram.max_in_flight == 1 and telegram.conflicts == 0, "two processes polled Telegram at once"

            jobs = ("sla-watcher", "connector:telegram", "connector:email", "connector:cimer-import")
            runners: dict[str, list[str]] = {}
            for _ in range(10):  # sampled over a few seconds: never two at once
                runners = await _runners(http, procs)
                for job in jobs:
                    assert len(runners.get(job, [])) == 1, (job, runners)
                await asyncio.sleep(0.3)

            # kill -9 the process that runs the SLA watcher and Telegram: another takes both over.
            holder = next(p for p in procs if p.name == runners["sla-watcher"][0])
            tg_holder = next(p for p in procs if p.name == runners["connector:telegram"][0])
            killed = time.monotonic()
            holder.kill9()
            if tg_holder is not holder:
                tg_holder.kill9()
            survivors = [p for p in procs if p.alive()]
            took: dict[str, float] = {}
            while time.monotonic() - killed < 30 and len(took) < len(jobs):
                runners = await _runners(http, survivors)
                for job in jobs:
                    assert len(runners.get(job, [])) <= 1, (job, runners)
                    if job not in took and runners.get(job):
                        took[job] = time.monotonic() - killed
                await asyncio.sleep(0.1)
            figures["takeover_seconds"] = took
            assert set(took) == set(jobs), f"not taken over: {set(jobs) - set(took)}: {runners}"
            assert max(took.values()) < 10, took
            assert all(runners[j][0] != holder.name for j in jobs)

            # The new holders work: new breaches once each, a new Telegram message once.
            more = _overdue_requests(hub, 50, "sla-after")
            telegram.push_text(7999, "Kaldırımdaki çukur kapatılmadı.")
            await wait_for(lambda: _event_counts(hub, "sla.breached")[1] == 350 and count("telegram") == 4,
                           "breaches and Telegram after the takeover", timeout=60)  # fmt: skip
            await asyncio.sleep(1.5)
            assert _event_counts(hub, "sla.breached") == (350, 350)
            assert len(ids) + len(more) == 350
            print("singleton figures:", figures)
        finally:
            for p in procs:
                p.stop()
            await telegram.stop()
            hub.db.dispose()


def email_fixtures_complaint(n: int) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = f"Vatandaş {n} <vatandas{n}@example.com>"
    msg["To"] = "bilgi@kayseri.bel.tr"
    msg["Subject"] = f"Şikâyet {n}: çöp toplanmıyor"
    msg["Message-ID"] = f"<singleton-{n}@example.com>"
    msg.set_content(f"Mahallemizde çöpler {n} gündür toplanmıyor.")
    return msg.as_bytes()
