"""Ingest benchmark: N synthetic requests through the full intake pipeline.

Prints one JSON line per configuration: database, mode (single = one
transaction per request, batched = 100 per transaction), classifier (noop or
real), requests/s and p50/p99 latency per request (single) or per batch.

    python bench/ingest.py [--n 2000] [--pg URL] [--real-classifier] [--router rules|noop]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import RawMessage, Sender  # noqa: E402
from hub.context import Hub  # noqa: E402
from hub.intake.ports import NoopClassifier, NoopRouter  # noqa: E402
from hub.settings import Settings  # noqa: E402

TEXTS = [
    "{n}. kez yazıyorum, Talas Mevlana Mahallesi Gül sokakta su yok, boru patlamış olabilir.",
    "Melikgazi Esentepe mahallesinde çöpler {n} gündür toplanmıyor, konteynerler taştı.",
    "Kocasinan Yenidoğan Mah. parktaki salıncak kırık, çocuklar yaralanabilir ({n}).",
    "Sokak lambaları yanmıyor {n}, akşamları çok karanlık oluyor, lütfen bakın.",
]


def messages(n: int, tag: str) -> list[RawMessage]:
    return [
        RawMessage(channel="api", external_id=f"{tag}-{i}", text=TEXTS[i % len(TEXTS)].format(n=i),
                   sender=Sender(phone=f"0532{i % 10_000_000:07d}"))
        for i in range(n)
    ]  # fmt: skip


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def run(url: str, label: str, n: int, real: bool, tmp: Path, router: str) -> list[dict]:
    st = Settings(data_dir=tmp / label, database_url=url, classifier_model_dir=tmp / "models", workers_enabled=False)
    hub = Hub(st, classifier=None if real else NoopClassifier(), router=NoopRouter() if router == "noop" else None)
    out = []
    # single: one request per transaction, as the API does
    lat = []
    msgs = messages(n, f"s{uuid.uuid4().hex[:6]}")
    t0 = time.perf_counter()
    for m in msgs:
        t = time.perf_counter()
        hub.intake.ingest(m)
        lat.append(time.perf_counter() - t)
    dt = time.perf_counter() - t0
    out.append({"db": label, "mode": "single", "classifier": "real" if real else "noop", "router": router,
                "n": n, "requests_per_s": round(n / dt, 1), "p50_ms": round(pct(lat, 0.5) * 1000, 2),
                "p99_ms": round(pct(lat, 0.99) * 1000, 2)})  # fmt: skip
    # batched: 100 per transaction, as polled connectors and imports do
    lat = []
    msgs = messages(n, f"b{uuid.uuid4().hex[:6]}")
    t0 = time.perf_counter()
    for i in range(0, n, 100):
        t = time.perf_counter()
        hub.intake.ingest_batch(msgs[i : i + 100])
        lat.append(time.perf_counter() - t)
    dt = time.perf_counter() - t0
    out.append({"db": label, "mode": "batched", "classifier": "real" if real else "noop", "router": router,
                "n": n, "requests_per_s": round(n / dt, 1), "p50_batch_ms": round(statistics.median(lat) * 1000, 2),
                "p99_batch_ms": round(pct(lat, 0.99) * 1000, 2)})  # fmt: skip
    hub.db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--real-classifier", action="store_true")
    ap.add_argument("--router", choices=["rules", "noop"], default="rules",
                    help="rules: the shipped routing_rules.yaml with full trace; noop: fallback queue only")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    results = run(f"sqlite:///{tmp / 'bench.sqlite3'}", "sqlite", args.n, args.real_classifier, tmp, args.router)
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        results += run(args.pg.rsplit("/", 1)[0] + "/" + name, "postgresql", args.n, args.real_classifier, tmp, args.router)
    finally:
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    for r in results:
        r["machine"] = f"{platform.machine()} {platform.python_version()}"
        print(json.dumps(r))


if __name__ == "__main__":
    main()
