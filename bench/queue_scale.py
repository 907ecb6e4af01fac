"""The queue at a million requests: PostgreSQL, real hub processes, an outside load generator.

    python bench/queue_scale.py [--n 1000000] [--reuse] [--procs 1] [--clients 50] [--duration 30]
                                [--kinds api_list,api_search,api_request,ui_request,ui_queue] [--drop]

1. **Load** (skipped with ``--reuse`` when the database already holds a complete load of the
   same size): create the database ``--db`` on ``--pg``, migrate it, push ``--templates``
   requests through the real hub, and COPY the rest (bench/queue_scale_load.py).
2. **Serve**: start ``--procs`` hub processes (``run_hub.py serve`` with ``HUB_DATABASE_URL``,
   workers on, as deployed) on one PostgreSQL.
3. **Load generator**: for each call kind, one outside process (bench/queue_scale_client.py)
   with ``--clients`` concurrent clients for ``--duration`` seconds after a warm-up; the hub's
   resident memory is sampled every 50 ms meanwhile.

Prints one JSON line per call kind (p50/p95/p99 ms, calls/s, errors, the hubs' peak RSS during
that kind) and a last line with the load's figures and every hub's peak RSS (``VmHWM``).
The database stays (for ``--reuse`` and bench/queue_scale_plans.py) unless ``--drop``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queue_scale_load import conninfo, replicate, seed_templates  # noqa: E402

KINDS = ("api_list", "api_search", "api_request", "ui_request", "ui_queue")
API_KEY = "demo-supervisor-key"  # hub.demo's keys and logins
TARGET_P95_MS = 50
TARGET_RSS_MB = 400


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def admin_conn(pg: str) -> psycopg.Connection:
    return psycopg.connect(conninfo(pg), autocommit=True)


def loaded(url: str, n: int) -> bool:
    try:
        with psycopg.connect(conninfo(url)) as conn:
            row = conn.execute("SELECT n FROM bench_meta WHERE complete").fetchone()
            return row is not None and row[0] == n
    except psycopg.Error:
        return False


def load(pg: str, db: str, url: str, args: argparse.Namespace, data_dir: Path) -> dict:
    from hub.db import migrate

    with admin_conn(pg) as conn:
        conn.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'")
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    t0 = time.perf_counter()
    migrate(url)
    rng = random.Random(153)
    seed_templates(url, data_dir, ROOT / "routing_rules.yaml", args.templates, rng)
    seeded = time.perf_counter() - t0
    log(f"templates seeded through the hub in {seeded:.0f} s")
    out = replicate(url, args.n, rng, log)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_meta (n integer, complete boolean, stats text)")
        conn.execute("INSERT INTO bench_meta VALUES (%s, true, %s)", (args.n, json.dumps(out)))
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]  # type: ignore[index]
    return {"templates_s": round(seeded, 1), **out, "database_size": size}


def workload(url: str, args: argparse.Namespace, bases: list[str]) -> dict:
    """Filters, ids and search terms drawn from the loaded data."""
    from hub.models import OPEN_STATUSES

    rng = random.Random(7)
    opens = [s.value for s in OPEN_STATUSES]
    with psycopg.connect(conninfo(url)) as conn:
        top = conn.execute("SELECT max(id) FROM request").fetchone()[0]  # type: ignore[index]
        open_rows = conn.execute(
            "SELECT id, status, department, mahalle, topic FROM request WHERE status = ANY(%s) "
            "ORDER BY random() LIMIT 400", (opens,)).fetchall()  # fmt: skip
        ids = [rng.randint(1, top) for _ in range(300)]
        any_rows = conn.execute("SELECT id, status, department, mahalle, topic FROM request WHERE id = ANY(%s)",
                                (ids,)).fetchall()  # fmt: skip
        people = conn.execute("SELECT c.name, c.phone, c.email FROM contact c WHERE c.id = ANY(%s)",
                              ([rng.randint(1, top // 4) for _ in range(200)],)).fetchall()  # fmt: skip
        codes = [
            r[0] for r in conn.execute("SELECT tracking_code FROM request WHERE id = ANY(%s)", (ids[:50],))
        ]
    rows = [dict(zip(("id", "status", "department", "mahalle", "topic"), r, strict=True)) for r in open_rows]
    finished = [
        dict(zip(("id", "status", "department", "mahalle", "topic"), r, strict=True)) for r in any_rows
    ]
    terms = ["çöp", "ÇÖP konteyneri", "su yok", "asfalt", "otobüs", "kaldırım", "salıncak", "köpek", "Işık",
             "kanalizasyon taştı", "zzqx hiçbiryerde"]  # fmt: skip
    terms += sorted({r["mahalle"] for r in rows if r["mahalle"]})[:20]
    for name, phone, email in people:
        terms.append(name)
        if phone and phone.startswith("+90"):
            national = phone[3:]
            terms.append(f"0{national[:3]} {national[3:6]} {national[6:8]} {national[8:]}")
        if email:
            terms.append(email)
    terms += [c.lower() for c in codes[:20]]
    return {
        "bases": bases, "api_key": API_KEY, "ui_user": "agent", "ui_password": "agent-demo",
        "clients": args.clients, "duration_s": args.duration, "warmup_s": args.warmup, "think_ms": args.think_ms,
        # mostly open requests, as staff work them; one list in five over everything
        "list_rows": rows + finished[: len(rows) // 4],
        "request_ids": [r["id"] for r in rows][:300] + ids[:100], "search_terms": terms,
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_hubs(url: str, procs: int, data_dir: Path, logs: Path) -> list[tuple[subprocess.Popen, str]]:
    out = []
    for i in range(procs):
        port = free_port()
        env = {**os.environ, "HUB_DATABASE_URL": url, "HUB_PORT": str(port), "HUB_HOST": "127.0.0.1",
               "HUB_DATA_DIR": str(data_dir), "HUB_RULES_FILE": str(ROOT / "routing_rules.yaml"),
               "HUB_LOG_LEVEL": "WARNING"}  # fmt: skip
        fh = open(logs / f"hub{i}.log", "w")  # noqa: SIM115
        p = subprocess.Popen([sys.executable, str(ROOT / "run_hub.py"), "serve"], env=env, stdout=fh, stderr=fh,
                             cwd=str(data_dir))  # fmt: skip
        out.append((p, f"http://127.0.0.1:{port}"))
    for p, base in out:
        deadline = time.time() + 1800  # the first start after new migrations builds indexes on 1M rows
        while True:
            if p.poll() is not None:
                raise SystemExit(f"hub exited with {p.returncode}; see {logs}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise SystemExit("hub did not start")
            time.sleep(0.5)
    return out


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0.0)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_mb(pid))
            time.sleep(0.05)


def pg_backends(url: str) -> set[int]:
    """The server processes of the hubs' connections to the benchmark database."""
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid()").fetchall()  # fmt: skip
    return {int(r[0]) for r in rows}


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--templates", type=int, default=2000)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--db", default="bench_queue_scale")
    ap.add_argument("--reuse", action="store_true", help="use the loaded database if it holds --n requests")
    ap.add_argument("--load-only", action="store_true")
    ap.add_argument("--drop", action="store_true", help="drop the database at the end")
    ap.add_argument("--data-dir", default=None, help="the hubs' data dir (default: kept beside the database)")
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--think-ms", type=float, default=0, help="mean pause between a client's calls (0: none)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    url = args.pg.rsplit("/", 1)[0] + "/" + args.db
    data_dir = Path(args.data_dir or Path(tempfile.gettempdir()) / f"talep_{args.db}")
    data_dir.mkdir(parents=True, exist_ok=True)
    load_info: dict = {"reused": True}
    if not (args.reuse and loaded(url, args.n)):
        load_info = {"reused": False, **load(args.pg, args.db, url, args, data_dir)}
        log(json.dumps(load_info))
    if args.load_only:
        print(json.dumps({"bench": "queue_scale", "load": load_info}))
        return
    logs = Path(tempfile.mkdtemp(prefix="queue_scale_logs_"))
    t0 = time.perf_counter()
    hubs = start_hubs(url, args.procs, data_dir, logs)
    log(f"{args.procs} hub process(es) up in {time.perf_counter() - t0:.0f} s; logs in {logs}")
    pids = [p.pid for p, _ in hubs]
    idle = {str(pid): round(rss_mb(pid), 1) for pid in pids}
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()}
    results = []
    try:
        wl = workload(url, args, [b for _, b in hubs])
        wl_file = logs / "workload.json"
        wl_file.write_text(json.dumps(wl, ensure_ascii=False), encoding="utf-8")
        for kind in args.kinds.split(","):
            sampler = RssSampler(pids)
            sampler.start()
            cpu0 = {pid: cpu_seconds(pid) for pid in pids}
            backends = pg_backends(url)
            pg0 = {pid: cpu_seconds(pid) for pid in backends}
            child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            run = subprocess.run([sys.executable, str(ROOT / "bench" / "queue_scale_client.py"), str(wl_file), kind],
                                 capture_output=True, text=True, check=False)  # fmt: skip
            wall = time.perf_counter() - t
            child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            sampler.stop.set()
            sampler.join()
            backends |= pg_backends(url)  # connections the pool opened meanwhile count from zero
            pg_cpu = sum(cpu_seconds(pid) - pg0.get(pid, 0.0) for pid in backends)
            client_cpu = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
            if run.returncode != 0:
                raise SystemExit(f"load generator failed for {kind}:\n{run.stderr[-3000:]}")
            res = json.loads(run.stdout.strip().splitlines()[-1])
            res.update({
                "bench": "queue_scale", "n": args.n, "hub_peak_rss_mb": max(sampler.peak.values()),
                "hub_cpu_pct": [round(100 * (cpu_seconds(pid) - cpu0[pid]) / wall, 0) for pid in pids],
                "hub_cpu_ms_per_call": round(sum(cpu_seconds(pid) - cpu0[pid] for pid in pids) * 1000
                                             / max(1, res["calls_with_warmup"]), 2),
                # where the two cores went: the database's backends for this database, the load generator
                "pg_cpu_ms_per_call": round(pg_cpu * 1000 / max(1, res["calls_with_warmup"]), 2),
                "pg_cpu_pct": round(100 * pg_cpu / wall), "client_cpu_pct": round(100 * client_cpu / wall),
                "load_avg_1m": round(os.getloadavg()[0], 1),
                "target_p95_ms": TARGET_P95_MS,
                "p95_ok": bool(res["calls"]) and res["p95_ms"] < TARGET_P95_MS and not res["errors"],
                "machine": machine,
            })  # fmt: skip
            results.append(res)
            print(json.dumps(res, ensure_ascii=False), flush=True)
    finally:
        hwm = {str(pid): round(rss_mb(pid, "VmHWM"), 1) for pid in pids}
        for p, _ in hubs:
            p.terminate()
        for p, _ in hubs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    peak = max(hwm.values()) if hwm else 0
    print(json.dumps({"bench": "queue_scale", "summary": True, "n": args.n, "processes": args.procs,
                      "clients": args.clients, "load": load_info, "hub_idle_rss_mb": idle, "hub_peak_rss_mb": hwm,
                      "target_rss_mb": TARGET_RSS_MB, "rss_ok": peak < TARGET_RSS_MB,
                      "all_p95_ok": all(r["p95_ok"] for r in results), "machine": machine}))  # fmt: skip
    if args.drop:
        with admin_conn(args.pg) as conn:
            conn.execute(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{args.db}'"
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')


if __name__ == "__main__":
    main()
