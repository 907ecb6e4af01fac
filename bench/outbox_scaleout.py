"""Outbox delivery throughput with 1, 2 and 3 hub processes on one PostgreSQL.

For each process count: N requests are taken in (batched intake, in this process) on a
fresh database, each with one "forward" outbox item to a department whose only target is
a signed-webhook receiver on loopback (this process). Their items are parked in the
future while the hub processes (``run_hub.py serve``, classifier off) start; then all
are released at once and the clock runs until every item is done. Prints one JSON line
per process count: items/s, the share each process delivered, and how many webhook
calls carried a key already seen (should be 0).

    python bench/outbox_scaleout.py [--n 3000] [--procs 1,2,3] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.base import RawMessage  # noqa: E402
from hub.context import Hub  # noqa: E402
from hub.db import make_engine  # noqa: E402
from hub.settings import Settings  # noqa: E402
from tests.hub_procs import HubProc, Receiver, hub_env, start_all, stop_all, write_rules  # noqa: E402


def fill(url: str, rules: Path, data_dir: Path, n: int, tag: str) -> None:
    """N requests through the real intake, 100 per transaction: N forward items."""
    st = Settings(data_dir=data_dir, database_url=url, rules_file=rules, classifier_enabled=False,
                  workers_enabled=False)  # fmt: skip
    hub = Hub(st)
    try:
        msgs = [RawMessage(channel="api", external_id=f"{tag}-{i}", text=f"Kaldırım taşları söküldü, {i}. ihbar.")
                for i in range(n)]  # fmt: skip
        for i in range(0, n, 100):
            hub.intake.ingest_batch(msgs[i : i + 100])
    finally:
        hub.db.dispose()


def execute(url: str, sql: str) -> list:
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            res = c.execute(text(sql))
            return list(res) if res.returns_rows else []
    finally:
        engine.dispose()


async def one_round(url: str, procs_n: int, n: int, tmp: Path) -> dict:
    load = round(os.getloadavg()[0], 1)  # other work on the machine skews the figures: say how much
    execute(
        url,
        "TRUNCATE delivery, outbox, event, message, request, contactidentity, contact RESTART IDENTITY CASCADE",
    )
    rec = Receiver()
    rules = write_rules(tmp / f"rules-{procs_n}.yaml", await rec.start())
    data = tmp / f"data-{procs_n}"
    await asyncio.to_thread(fill, url, rules, data, n, f"b{procs_n}-{uuid.uuid4().hex[:6]}")
    (count,) = execute(url, "SELECT count(*) FROM outbox WHERE kind = 'forward' AND status = 'pending'")[0]
    # Parked, so that no process starts before the others are up.
    execute(url, "UPDATE outbox SET next_attempt_at = now() + interval '1 day'")
    env = hub_env(url, data, rules, worker_poll_seconds=0.1)
    procs = [HubProc(f"worker{i}", env, tmp) for i in range(procs_n)]
    try:
        await start_all(procs)
        await asyncio.sleep(1.0)  # let every process settle (leases, first polls)
        t0 = time.perf_counter()
        execute(url, "UPDATE outbox SET next_attempt_at = now() - interval '1 second'")
        while True:
            (left,) = execute(url, "SELECT count(*) FROM outbox WHERE status <> 'done'")[0]
            if left == 0:
                break
            await asyncio.sleep(0.05)
        dt = time.perf_counter() - t0
    finally:
        stop_all(procs)
        await rec.close()
    workers = Counter(w.split(":")[1] for (w,) in execute(url, "SELECT worker FROM delivery"))
    pids = {str(p.pid): p.name for p in procs}
    return {
        "bench": "outbox_scaleout", "db": "postgresql", "processes": procs_n, "items": count,
        "seconds": round(dt, 2), "items_per_s": round(count / dt, 1),
        "per_process": {pids.get(pid, pid): k for pid, k in sorted(workers.items())},
        "webhook_calls": rec.calls, "keys_seen_twice": sum(1 for k in rec.keys.values() if k > 1),
        "cpus": os.cpu_count(), "loadavg_1m_before": load, "machine": f"{platform.machine()} {platform.python_version()}",
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000, help="outbox items per round")
    ap.add_argument("--procs", default="1,2,3", help="process counts to measure, comma-separated")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    name = f"bench_outbox_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        from hub.db import migrate
        from tests.hub_procs import add_api_key

        migrate(url)
        add_api_key(url)
        for k in (int(x) for x in args.procs.split(",")):
            print(json.dumps(asyncio.run(one_round(url, k, args.n, tmp))), flush=True)
    finally:
        with admin.connect() as c:
            c.execute(
                text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            )
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
