"""Dashboard benchmark: /ui/panolar's figures for a year of a metropolitan municipality
(64,000 requests by default, seeded as bench/report_export.py does), over the whole year, as a
supervisor and as a department user; seconds per query and for the whole page's data.

    python bench/dashboards.py [--n 64000] [--runs 3] [--database-url postgresql+psycopg://…]

SQLite in a temporary directory unless ``--database-url`` names an empty PostgreSQL database."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report_export import YEAR, seed  # noqa: E402

from hub import dashboards, reports  # noqa: E402
from hub.auth import Actor  # noqa: E402
from hub.db import Database, migrate  # noqa: E402
from hub.report_filter import ReportFilter  # noqa: E402
from hub.ui.dashboards_page import collect  # noqa: E402

SUPERVISOR = Actor("user:1", "supervisor", user_id=1)
DEPARTMENT = Actor("user:2", "department", user_id=2, department="kaski")


def _queries(db: Database, flt: ReportFilter, actor: Actor) -> dict[str, float]:
    steps = {
        "intake_by_channel": lambda: dashboards.intake_per_day(db, flt, actor=actor),
        "intake_by_topic": lambda: dashboards.intake_per_day(db, flt, actor=actor, by="topic"),
        "deadlines": lambda: reports.deadlines_by_department(db, actor=actor, flt=flt),
        "performance": lambda: reports.department_performance(db, flt, actor=actor),
        "performance_by_month": lambda: reports.department_performance(db, flt, actor=actor, by_month=True),
        "mahalle_needs": lambda: dashboards.mahalle_needs(db, flt, actor=actor),
        "agent_workload": lambda: dashboards.agent_workload(db, flt, actor=actor),
        "review_queue": lambda: dashboards.review_queue(db, flt, actor=actor),
        "classifier_accuracy": lambda: dashboards.classifier_accuracy(db, flt, actor=actor),
    }
    out = {}
    for name, step in steps.items():
        t0 = time.perf_counter()
        step()
        out[name] = time.perf_counter() - t0
    return out


def run(db: Database, runs: int) -> dict[str, Any]:
    flt = ReportFilter(date(YEAR, 1, 1), date(YEAR, 12, 31))
    hub = SimpleNamespace(db=db, rules=None)
    result: dict[str, Any] = {}
    for who, actor in (("supervisor", SUPERVISOR), ("department", DEPARTMENT)):
        pages, cpu, per_query = [], [], []
        for _ in range(runs):
            c0, t0 = time.process_time(), time.perf_counter()
            collect(hub, flt.for_actor(actor), actor)
            pages.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            per_query.append(_queries(db, flt.for_actor(actor), actor))
        result[who] = {
            "page_data_s_median": round(statistics.median(pages), 3),
            "page_data_s_max": round(max(pages), 3),
            "page_data_cpu_s_median": round(statistics.median(cpu), 3),
            "queries_s_median": {
                k: round(statistics.median(q[k] for q in per_query), 3) for k in per_query[0]
            },
        }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate(url)
        db = Database(url)
        seeded = seed(db, args.n, random.Random(153))
        out = {"database": "postgresql" if url.startswith("postgresql") else "sqlite", "seed": seeded,
               "cpus": os.cpu_count(), "python": platform.python_version(), **run(db, args.runs)}  # fmt: skip
        db.dispose()
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
