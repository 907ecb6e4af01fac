"""Intake on the real path: trained classifier, locator, duplicate search, shipped rules with
their stored trace, events and outbox, into SQLite and a throwaway PostgreSQL database.

The workload is varied and deterministic: the project's own seed complaints (classifier/data,
written for this project) placed in Kayseri mahalle drawn by population, from a mix of phone,
e-mail and anonymous senders, some of whom write more than once. ``--workload dense`` is the
older bench/ingest.py set instead (four templates, one mahalle and topic each: every request
has thirty duplicate candidates), the worst case for the duplicate search.

Prints one JSON line per (database, mode): single = one transaction per request, as the API
does (p50/p99 per request); batched = 100 per transaction, as polled channels and imports do
(p50/p99 per batch); with ``--procs 2``, batched PostgreSQL also runs with two processes on
one database (each its own Hub and its own half of the messages).

    python bench/ingest_real.py [--n 2000] [--runs 3] [--db sqlite,postgresql] [--procs 1,2]
                                [--workload varied|dense] [--profile DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import multiprocessing as mp
import os
import platform
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.base import RawMessage, Sender  # noqa: E402

DATA = ROOT / "classifier" / "data"
FORMS = [
    "{m} Mahallesi {t}",
    "{i} {m} mah. {t}",
    "{t} ({m} mahallesi, {i})",
    "Merhaba, {m} mahallesinde oturuyorum. {t}",
    "{t}",  # no place: the locator finds nothing, no duplicate search
]
DENSE = [
    "{n}. kez yazıyorum, Talas Mevlana Mahallesi Gül sokakta su yok, boru patlamış olabilir.",
    "Melikgazi Esentepe mahallesinde çöpler {n} gündür toplanmıyor, konteynerler taştı.",
    "Kocasinan Yenidoğan Mah. parktaki salıncak kırık, çocuklar yaralanabilir ({n}).",
    "Sokak lambaları yanmıyor {n}, akşamları çok karanlık oluyor, lütfen bakın.",
]


def _corpus() -> list[str]:
    with (DATA / "seed_corpus.csv").open(encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh) if len(row["text"]) > 25]


def _places() -> tuple[list[tuple[str, str]], list[float]]:
    with (DATA / "gazetteer_kayseri.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["unit_kind"] == "mahalle"]
    return [(r["ilce"], r["mahalle"]) for r in rows], [float(r["population"] or 1) for r in rows]


def workload(n: int, tag: str, kind: str = "varied", seed: int = 15, people: int = 0) -> list[RawMessage]:
    """``n`` messages, the same for the same seed (tags keep external ids unique per run); senders
    are numbered from ``people`` on."""
    rng = random.Random(seed)
    base = datetime.now(UTC) - timedelta(hours=2)
    out = []
    if kind == "dense":
        for i in range(n):
            out.append(RawMessage(channel="api", external_id=f"{tag}-{i}", text=DENSE[i % 4].format(n=i),
                                  sender=Sender(phone=f"0532{i % 10_000_000:07d}")))  # fmt: skip
        return out
    corpus = _corpus()
    places, weights = _places()
    for i in range(n):
        ilce, mahalle = rng.choices(places, weights)[0]
        body = rng.choice(FORMS).format(m=mahalle, i=ilce, t=rng.choice(corpus))
        who = rng.random()
        at = base + timedelta(seconds=i)
        person = people + rng.randrange(max(1, n // 2))  # about one sender in three writes again
        if who < 0.65:
            msg = RawMessage(channel="api", external_id=f"{tag}-{i}", text=body, received_at=at,
                             sender=Sender(phone=f"0532{person:07d}"))  # fmt: skip
        elif who < 0.9:
            addr = f"vatandas{person}@example.org"
            msg = RawMessage(channel="email", external_id=f"<{tag}-{i}@example.org>", text=body, received_at=at,
                             subject="Şikayet", sender=Sender(email=addr, name=f"Vatandaş {person}"),
                             reply_to={"email": addr, "message_id": f"<{tag}-{i}@example.org>", "subject": "Şikayet"},
                             metadata={"message_id": f"<{tag}-{i}@example.org>"})  # fmt: skip
        else:
            msg = RawMessage(channel="webform", external_id=f"{tag}-{i}", text=body, received_at=at)
        out.append(msg)
    return out


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def make_hub(url: str, data_dir: Path, models: Path):  # noqa: ANN201
    from hub.context import Hub
    from hub.settings import Settings

    st = Settings(data_dir=data_dir, database_url=url, classifier_model_dir=models, workers_enabled=False)
    return Hub(st)


def run_single(hub, msgs: list[RawMessage]) -> dict:  # noqa: ANN001
    lat = []
    t0, c0 = time.perf_counter(), time.process_time()
    for m in msgs:
        t = time.perf_counter()
        hub.intake.ingest(m)
        lat.append(time.perf_counter() - t)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"mode": "single", "n": len(msgs), "requests_per_s": round(len(msgs) / dt, 1),
            "p50_ms": round(pct(lat, 0.5) * 1000, 2), "p99_ms": round(pct(lat, 0.99) * 1000, 2),
            "hub_cpu_ms_per_request": round(cpu * 1000 / len(msgs), 3)}  # fmt: skip


def run_batched(hub, msgs: list[RawMessage], size: int = 100) -> dict:  # noqa: ANN001
    lat = []
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(msgs), size):
        t = time.perf_counter()
        hub.intake.ingest_batch(msgs[i : i + size])
        lat.append(time.perf_counter() - t)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"mode": "batched", "n": len(msgs), "requests_per_s": round(len(msgs) / dt, 1),
            "p50_batch_ms": round(statistics.median(lat) * 1000, 2), "p99_batch_ms": round(pct(lat, 0.99) * 1000, 2),
            "hub_cpu_ms_per_request": round(cpu * 1000 / len(msgs), 3)}  # fmt: skip


def _worker(
    url: str, data_dir: str, models: str, n: int, tag: str, kind: str, seed: int, ready, start, done
) -> None:  # noqa: ANN001
    hub = make_hub(url, Path(data_dir), Path(models))
    # Each process takes in its own citizens' messages, as two channels (or two mailboxes) would.
    people = (seed % 9) * 1_000_000
    msgs = workload(n, tag, kind, seed, people=people)
    hub.intake.ingest_batch(
        workload(2, tag + "w", kind, seed + 99, people=people + 900_000)
    )  # warm: model, rules, connections
    ready.put(os.getpid())
    start.wait()
    t0 = time.perf_counter()
    try:
        for i in range(0, n, 100):
            hub.intake.ingest_batch(msgs[i : i + 100])
        done.put((t0, time.perf_counter()))
    except Exception as exc:  # reported, so the parent does not wait for a dead worker
        done.put(f"{type(exc).__name__}: {exc}"[:300])
        raise
    finally:
        hub.db.dispose()


def run_procs(url: str, tmp: Path, models: Path, n: int, procs: int, kind: str) -> dict:
    """``procs`` processes, each its own Hub, ``n`` messages in all, batched; wall clock from
    the common start to the last finish."""
    ctx = mp.get_context("spawn")
    ready, start, done = ctx.Queue(), ctx.Event(), ctx.Queue()
    tag = uuid.uuid4().hex[:6]
    ps = [ctx.Process(target=_worker, args=(url, str(tmp / f"p{k}"), str(models), n // procs, f"{tag}p{k}", kind,
                                            100 + k, ready, start, done)) for k in range(procs)]  # fmt: skip
    for p in ps:
        p.start()
    for _ in ps:  # every worker loads its model and rules before the clock starts
        ready.get(timeout=300)
    start.set()
    spans = [done.get(timeout=900) for _ in ps]
    for p in ps:
        p.join()
    failed = [s for s in spans if isinstance(s, str)]
    if failed:
        return {"mode": f"batched x{procs} processes", "n": 0, "error": failed[0]}
    wall = max(b for _, b in spans) - min(a for a, _ in spans)
    total = (n // procs) * procs
    return {"mode": f"batched x{procs} processes", "n": total, "requests_per_s": round(total / wall, 1)}


class PG:
    """A throwaway PostgreSQL database."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.name = f"bench_ingest_real_{uuid.uuid4().hex[:8]}"
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


# Where a request's time goes, as named parts of the profile (cumulative; "database driver" is
# the time inside the driver's calls, waiting on the server included, and overlaps the others).
PHASES: dict[str, list[tuple[str, str]]] = {
    "sanitize": [("hub/intake/sanitize.py", "without_nul")],
    "idempotency": [("hub/intake/pipeline.py", "_seen_many")],
    "contacts": [("hub/actions/contacts.py", "resolve_contacts")],
    "classifier model": [("classifier/facade.py", "classify_many")],
    "locator": [("classifier/facade.py", "_location")],
    "duplicates": [("hub/intake/duplicates.py", "prefetch"), ("hub/intake/duplicates.py", "find")],
    "routing and trace": [("hub/routing.py", "route_stored")],
    "rows and inserts": [("hub/actions/create.py", "create_requests")],
    "commit": [("sqlite3.Connection", "commit"), ("psycopg/connection.py", "commit")],
}
DRIVER = [("sqlite3.Cursor", "execute"), ("sqlite3.Cursor", "executemany"), ("psycopg/cursor.py", "execute"),
          ("psycopg/cursor.py", "executemany"), ("sqlite3.Connection", "commit"), ("psycopg/connection.py", "commit")]  # fmt: skip


def phase_shares(stats: pstats.Stats, total_s: float) -> dict[str, float]:
    """Each phase's share of the run's profiled time (the locator is taken out of the model's)."""

    def cum(names: list[tuple[str, str]]) -> float:
        out = 0.0
        for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            for where, name in names:
                if func == name and file.endswith(where) or func == f"<method '{name}' of '{where}' objects>":
                    out += ct
        return out

    secs = {name: cum(names) for name, names in PHASES.items()}
    secs["classifier model"] -= secs["locator"]
    secs["database driver (overlaps)"] = cum(DRIVER)
    return {k: round(v / total_s, 3) for k, v in secs.items()} if total_s else {}


def profiled(fn, out: Path | None, label: str):  # noqa: ANN001, ANN201
    if out is None:
        return fn()
    prof = cProfile.Profile()
    result = prof.runcall(fn)
    stats = pstats.Stats(prof)
    result["profile_shares"] = phase_shares(stats, stats.total_tt)  # type: ignore[attr-defined]
    out.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(out / f"{label}.pstats")
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(35)
    (out / f"{label}.txt").write_text(buf.getvalue(), encoding="utf-8")
    return result


def one_run(db: str, url: str, tmp: Path, models: Path, args: argparse.Namespace, run: int) -> list[dict]:
    hub = make_hub(url, tmp / f"{db}-{run}", models)
    tag = uuid.uuid4().hex[:6]
    hub.intake.ingest_batch(workload(2, tag + "w", args.workload, 7))  # warm-up: model and rules loaded
    out = []
    single = workload(args.n_single, f"s{tag}", args.workload, 1000 + run)
    out.append(profiled(lambda: run_single(hub, single), args.profile, f"{db}-single-{run}"))
    batched = workload(args.n, f"b{tag}", args.workload, 2000 + run)
    out.append(profiled(lambda: run_batched(hub, batched), args.profile, f"{db}-batched-{run}"))
    hub.db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="batched requests per run")
    ap.add_argument("--n-single", type=int, default=500, help="single requests per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--procs", default="", help="e.g. 1,2: batched PostgreSQL with that many processes")
    ap.add_argument("--workload", choices=["varied", "dense"], default="varied")
    ap.add_argument(
        "--pg",
        default=os.environ.get("HUB_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--profile", type=Path, default=None, help="write cProfile stats of each run here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-real-"))
    models = tmp / "models"
    make_hub(
        f"sqlite:///{tmp / 'train.sqlite3'}", tmp / "train", models
    ).db.dispose()  # trains the seed model once
    machine = f"{platform.machine()} {platform.python_version()} cores={os.cpu_count()}"

    def emit(rows: list[dict]) -> None:
        for r in rows:
            print(
                json.dumps({"bench": "ingest_real", "workload": args.workload, **r, "machine": machine}),
                flush=True,
            )

    for run in range(args.runs):
        for db in [d for d in args.db.split(",") if d]:
            load = round(os.getloadavg()[0], 2)
            if db == "sqlite":
                rows = one_run(db, f"sqlite:///{tmp / f'bench-{run}.sqlite3'}", tmp, models, args, run)
            else:
                with PG(args.pg) as url:
                    rows = one_run(db, url, tmp, models, args, run)
            emit([{"db": db, "run": run + 1, "load_before": load, **r} for r in rows])
        for procs in [int(p) for p in args.procs.split(",") if p]:
            with PG(args.pg) as url:
                make_hub(
                    url, tmp / f"mig-{run}-{procs}", models
                ).db.dispose()  # migrate once, before the race
                load = round(os.getloadavg()[0], 2)
                row = run_procs(url, tmp / f"procs-{run}-{procs}", models, args.n, procs, args.workload)
            emit([{"db": "postgresql", "run": run + 1, "load_before": load, **row}])


if __name__ == "__main__":
    main()
