"""IMAP intake on the real path: a private Dovecot holding a deterministic, varied Turkish
mailbox (bench/imap_mailbox.py: UTF-8 / windows-1254 / ISO-8859-9, quoted-printable / base64 /
8-bit, alternatives, HTML, attachments, replies, auto-replies, mail without a sender), read by
the hub's own IMAP connector through the connector runtime (``poll_once``: fetch, batched
intake with the trained classifier, locator, duplicates and shipped rules, quarantine, the
checkpoint in the same transaction) into SQLite and a throwaway PostgreSQL database.

The clock runs from the first poll (its FETCH) to the commit of the last one. On a shared
machine the wall clock depends on what else runs, so each row also splits it per message into
the hub's CPU time (all its threads), time it waited for a CPU (run queue, from Linux
schedstat) and the rest (blocked on Dovecot, PostgreSQL or the disk); ``messages_per_cpu_s`` is
the rate the hub's own work allows. Every stored body is compared with the text that was sent
(windows-1254 included): ``bodies_exact`` must equal ``bodies_checked``. A first pass reads the
folder without a database (Dovecot builds its caches, as it does at delivery on a live server)
and reports the fetch+parse rate and the IMAP commands it took.

Prints one JSON line per run.

    python bench/imap_intake.py [--n 5000] [--runs 3] [--db sqlite,postgresql] [--chunk 100,200]
                                [--seed 15] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.imap_mailbox import Mail, mailbox, summary  # noqa: E402
from connectors.base import RawMessage, Sender  # noqa: E402
from connectors.email import ImapSource  # noqa: E402
from tests.email_fixtures import DovecotServer, ensure_dovecot  # noqa: E402


class PG:
    """A throwaway PostgreSQL database, dropped afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.name = f"bench_imap_{uuid.uuid4().hex[:8]}"
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def __enter__(self) -> str:
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as c:
            c.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}'")
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        self.admin.dispose()


def fill(server: DovecotServer, mails: list[Mail]) -> None:
    """APPEND every mail over one session (untimed; the MTA's job on a live server)."""
    from imapclient import IMAPClient

    client = IMAPClient(server.host, port=server.port, ssl=False)
    try:
        client.login(server.user.name, server.password)
        for m in mails:
            client.append("INBOX", m.raw)
    finally:
        client.logout()


class CommandCounter(logging.Handler):
    """Counts the IMAP commands imapclient sends, by name (its imaplib log lines start '> ')."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if line.startswith("> b'"):
            words = line[4:].split(" ")
            name = (
                " ".join(words[1:3])
                if len(words) > 2 and words[1] == "UID"
                else words[1]
                if len(words) > 1
                else "?"
            )
            self.counts[name.rstrip("'")] += 1


class Sched:
    """CPU time and run-queue wait summed over this process's threads (Linux schedstat): the
    rest of the wall clock the threads were blocked, on Dovecot, PostgreSQL or the disk."""

    def __init__(self) -> None:
        self.start = self.read()

    @staticmethod
    def read() -> dict[str, tuple[int, int]]:
        out = {}
        for task in Path("/proc/self/task").iterdir():
            try:
                cpu, wait, _ = (task / "schedstat").read_text().split()
            except (OSError, ValueError):
                continue  # the thread ended meanwhile
            out[task.name] = (int(cpu), int(wait))
        return out

    def since(self) -> tuple[float, float]:
        """(CPU seconds, run-queue seconds) since this object was made."""
        now = self.read()
        cpu = sum(c - self.start.get(t, (0, 0))[0] for t, (c, _) in now.items())
        wait = sum(w - self.start.get(t, (0, 0))[1] for t, (_, w) in now.items())
        return cpu / 1e9, wait / 1e9


async def drain(cfg: Any, sched: Sched | None = None) -> tuple[int, float, float, float]:
    """Read the whole folder; (messages, seconds, CPU seconds, run-queue seconds)."""
    source = ImapSource(cfg)
    checkpoint, n = None, 0
    t0 = time.perf_counter()
    try:
        while True:
            result = await source.fetch(checkpoint)
            n += len(result.messages) + len(result.quarantined)
            checkpoint = result.checkpoint
            if not result.backlog:
                break
        cpu, queued = sched.since() if sched else (0.0, 0.0)
        return n, time.perf_counter() - t0, cpu, queued
    finally:
        await _close(source)


async def read_only(cfg: Any) -> dict[str, Any]:
    """Fetch and parse the whole folder without a database: once counting the IMAP commands
    (imapclient's debug log), once timed."""
    counter = CommandCounter()
    loggers = [logging.getLogger("imapclient.imaplib"), logging.getLogger("imapclient.imapclient")]
    for lg in loggers:
        lg.addHandler(counter)
        lg.setLevel(logging.DEBUG)
    try:
        await drain(cfg)
    finally:
        for lg in loggers:
            lg.removeHandler(counter)
            lg.setLevel(logging.NOTSET)
    n, dt, cpu, queued = await drain(cfg, Sched())
    return {
        "mode": "fetch+parse only",
        "n": n,
        "messages_per_s": round(n / dt, 1),
        "hub_cpu_ms_per_message": round(cpu * 1000 / n, 3),
        "messages_per_cpu_s": round(n / cpu, 1),
        "run_queue_ms_per_message": round(queued * 1000 / n, 3),
        "blocked_ms_per_message": round(max(0.0, dt - cpu - queued) * 1000 / n, 3),
        "imap_commands": dict(counter.counts),
    }


async def _close(source: Any) -> None:
    closer = getattr(source, "close", None)
    if closer is not None:
        res = closer()
        if asyncio.iscoroutine(res):
            await res


def make_hub(url: str, data_dir: Path, models: Path):  # noqa: ANN201
    from hub.context import Hub
    from hub.settings import Settings

    st = Settings(data_dir=data_dir, database_url=url, classifier_model_dir=models, workers_enabled=False)
    return Hub(st)


def verify(hub: Any, mails: list[Mail]) -> dict[str, int]:
    """Stored bodies against what was sent; request, message and quarantine counts."""
    from sqlmodel import func, select

    from hub.models import Message, Quarantine, Request

    with hub.db.reader() as s:
        bodies = dict(
            s.exec(select(Message.external_id, Message.body).where(Message.channel == "email")).all()
        )
        requests = s.exec(select(func.count()).select_from(Request).where(Request.channel == "email")).one()
        quarantined = s.exec(
            select(func.count()).select_from(Quarantine).where(Quarantine.channel == "email")
        ).one()
    checked = [m for m in mails if m.expected is not None]
    exact = sum(1 for m in checked if bodies.get(m.message_id) == m.expected)
    cp1254 = [m for m in checked if m.charset in ("windows-1254", "cp1254-undeclared")]
    return {
        "requests": requests,
        "messages_stored": len(bodies),
        "quarantined": quarantined,
        "bodies_checked": len(checked),
        "bodies_exact": exact,
        "cp1254_checked": len(cp1254),
        "cp1254_exact": sum(1 for m in cp1254 if bodies.get(m.message_id) == m.expected),
    }


async def timed_intake(hub: Any, cfg: Any, prof: cProfile.Profile | None) -> dict[str, Any]:
    """Poll until the folder is drained; seconds from the first poll to the last commit, and
    how much of it went to the connector's fetch (IMAP + MIME). With ``prof``, the one worker
    thread that runs fetch and store is profiled."""
    from concurrent.futures import ThreadPoolExecutor

    from hub.connectors_runtime import ConnectorRuntime

    loop = asyncio.get_running_loop()
    if prof is not None:  # cProfile sees one thread: run fetch and store on a single worker
        pool = ThreadPoolExecutor(1)
        loop.set_default_executor(pool)
        await loop.run_in_executor(pool, prof.enable)
    runtime = ConnectorRuntime(hub)
    source = ImapSource(cfg)
    runtime.add_polled(source, cfg.poll_interval)
    fetching = 0.0
    real_fetch = source.fetch

    async def fetch(checkpoint: str | None) -> Any:
        nonlocal fetching
        t = time.perf_counter()
        try:
            return await real_fetch(checkpoint)
        finally:
            fetching += time.perf_counter() - t

    source.fetch = fetch  # type: ignore[method-assign]
    polls = 0
    sched, t0 = Sched(), time.perf_counter()
    try:
        while True:
            result = await runtime.poll_once(source)
            polls += 1
            if not result.backlog:
                break
        dt = time.perf_counter() - t0
        cpu, queued = sched.since()
    finally:
        await _close(source)
        if prof is not None:
            await loop.run_in_executor(None, prof.disable)
    return {
        "seconds": dt,
        "polls": polls,
        "fetch_seconds": fetching,
        "cpu_seconds": cpu,
        "queued_seconds": queued,
    }


def one_run(db: str, url: str, tmp: Path, models: Path, cfg: Any, mails: list[Mail], label: str,
            profile: Path | None) -> dict[str, Any]:  # fmt: skip
    hub = make_hub(url, tmp / label, models)
    warm = [RawMessage(channel="api", external_id=f"warm-{label}-{i}", text="Sokak lambası yanmıyor, Talas Mevlana.",
                       sender=Sender(phone=f"0532000000{i}")) for i in range(2)]  # fmt: skip
    hub.intake.ingest_batch(warm)  # model, rules and connections loaded before the clock starts
    statements = Counter[str]()

    def count(_conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, many: bool) -> None:
        statements["executemany" if many else "execute"] += 1

    engines = {id(e): e for e in (hub.db.engine, hub.db.read_engine)}.values()
    for e in engines:
        event.listen(e, "before_cursor_execute", count)
    prof = cProfile.Profile() if profile else None
    timing = asyncio.run(timed_intake(hub, cfg, prof))
    if prof is not None and profile is not None:
        _dump(prof, profile, label)
    dt = timing["seconds"]
    for e in engines:
        event.remove(e, "before_cursor_execute", count)
    checks = verify(hub, mails)
    hub.db.dispose()
    n = len(mails)
    return {"mode": "imap -> stored, classified, routed", "n": n, "chunk": cfg.max_batch, "polls": timing["polls"],
            "seconds": round(dt, 2), "messages_per_s": round(n / dt, 1),
            "fetch_share": round(timing["fetch_seconds"] / dt, 3),
            "hub_cpu_share": round(timing["cpu_seconds"] / dt, 3),
            "hub_cpu_ms_per_message": round(timing["cpu_seconds"] * 1000 / n, 3),
            "run_queue_ms_per_message": round(timing["queued_seconds"] * 1000 / n, 3),
            "blocked_ms_per_message": round(max(0.0, dt - timing["cpu_seconds"] - timing["queued_seconds"]) * 1000 / n, 3),
            "messages_per_cpu_s": round(n / timing["cpu_seconds"], 1),
            "db_statements": sum(statements.values()), "db_statements_per_message": round(sum(statements.values()) / n, 2),
            **checks}  # fmt: skip


def _dump(prof: cProfile.Profile, out: Path, label: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(out / f"imap-{label}.pstats")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(40)
    (out / f"imap-{label}.txt").write_text(buf.getvalue(), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000, help="messages in the mailbox")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--chunk", default="", help="messages per fetch (ImapConfig.max_batch), e.g. 100,200")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument(
        "--pg",
        default=os.environ.get("HUB_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--profile", type=Path, default=None, help="write cProfile stats of each run here")
    args = ap.parse_args()
    machine = f"{platform.machine()} {platform.python_version()} cores={os.cpu_count()}"

    def emit(row: dict[str, Any]) -> None:
        print(json.dumps({"bench": "imap_intake", **row, "machine": machine}, ensure_ascii=False), flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="bench-imap-"))
    mails = mailbox(args.n, args.seed)
    server = DovecotServer(*ensure_dovecot())
    server.start()
    try:
        fill(server, mails)
        base = {"poll_interval": 60.0, "timeout": 60.0}
        chunks = [int(c) for c in args.chunk.split(",") if c] or [None]
        configs = [server.imap_config(**base, **({"max_batch": c} if c else {})) for c in chunks]
        emit({"mailbox": summary(mails), "seed": args.seed})
        emit({"db": None, **asyncio.run(read_only(configs[0]))})
        models = tmp / "models"
        make_hub(
            f"sqlite:///{tmp / 'train.sqlite3'}", tmp / "train", models
        ).db.dispose()  # trains the model once
        for run in range(args.runs):
            for cfg in configs:  # interleaved, so a busy spell on the machine hits every variant
                for db in args.db.split(","):
                    label = f"{db}-{run}-{cfg.max_batch}"
                    load = round(os.getloadavg()[0], 2)
                    if db == "sqlite":
                        url = f"sqlite:///{tmp / f'{label}.sqlite3'}"
                        row = one_run(db, url, tmp, models, cfg, mails, label, args.profile)
                    else:
                        with PG(args.pg) as url:
                            row = one_run(db, url, tmp, models, cfg, mails, label, args.profile)
                    emit({"db": db, "run": run + 1, "load_before": load, **row})
                    shutil.rmtree(tmp / label, ignore_errors=True)  # stored attachments
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
