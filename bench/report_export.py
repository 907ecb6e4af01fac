"""Report export benchmark: a year of a metropolitan municipality (64,000 requests by default)
exported as every report's XLSX and CSV.

Seeds an empty database with a fast bulk insert: requests spread over the year (weekdays
busier), channels weighted as the demo's, ilçe and mahalle from the shipped gazetteer,
departments from routing_rules.yaml, topics, statuses and outcomes (muhtar requests answered
olumlu / olumsuz, returned or pending), deadlines, answer times, merged duplicates, reopenings,
first-contact closings and call-backs. Then, for each report of ``hub.reports.catalog``, times
building its figures for the whole year (as a supervisor), writing the XLSX (every table) and
writing every table's CSV, ``--runs`` times. Prints one JSON object; target: the whole set
(all six reports, XLSX and CSV) under 5 s.

SQLite in a temporary directory unless ``--database-url`` names an empty PostgreSQL database
(the benchmark migrates it).

    python bench/report_export.py [--n 64000] [--runs 3] [--database-url postgresql+psycopg://…]
"""

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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from hub.db import Database, migrate  # noqa: E402
from hub.models import Event, Request, User  # noqa: E402
from hub.models_callbacks import Callback  # noqa: E402
from hub.report_filter import ReportFilter  # noqa: E402
from hub.reports import catalog, export  # noqa: E402

YEAR = 2025
CHANNELS = {"phone": 30, "webform": 12, "beyaz_masa": 6, "email": 10, "telegram": 4, "whatsapp": 10, "x": 4,
            "facebook": 2, "instagram": 2, "cimer": 8, "mbs": 7, "muhtar": 3, "open311": 2}  # fmt: skip
TYPES = {"istek": 45, "sikayet": 35, "ihbar": 8, "gorus_oneri": 5, "bilgi_edinme": 6, "tesekkur": 1}
AGENTS = ["Ayşe Yılmaz", "Mehmet Demir", "Fatma Kaya", "Ali Çelik", "Zeynep Şahin", "Mustafa Arslan"]
BATCH = 4000


def places() -> list[tuple[str, str]]:
    from classifier.locator import Locator

    found = [
        (p.ilce, p.mahalle)
        for p in Locator.default().places
        if getattr(p, "unit_kind", "mahalle") == "mahalle"
    ]
    return [(i, m) for i, m in found if i and m]


def departments(db: Database) -> list[str]:
    import yaml

    from hub.actions.rules import sync_departments

    rules = yaml.safe_load((ROOT / "routing_rules.yaml").read_text(encoding="utf-8"))
    sync_departments(db, rules["departments"])
    return list(rules["departments"])


def topics() -> list[str]:
    from classifier.taxonomy import default_taxonomy

    return [t for t in default_taxonomy().topics if t != "out_of_scope"]


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), list(table.values()))[0]


def _received(rng: random.Random) -> datetime:
    """A moment of the year in Istanbul office hours mostly, weekdays twice as busy."""
    while True:
        day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
        if day.weekday() < 5 or rng.random() < 0.5:
            break
    hour = rng.choice([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) if rng.random() < 0.85 else rng.randrange(24)
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=UTC)


def seed(db: Database, n: int, rng: random.Random) -> dict[str, Any]:
    t0 = time.perf_counter()
    depts, where, tops = departments(db), places(), topics()
    dept_weights = [rng.randint(1, 12) for _ in depts]
    with db.engine.begin() as conn:
        conn.execute(insert(User), [{"username": f"bench{i}", "display_name": name, "role": "agent",
                                     "active": True, "created_at": datetime.now(UTC)} for i, name in enumerate(AGENTS)])  # fmt: skip
        agent_ids = list(conn.execute(select(User.id).where(User.username.like("bench%"))).scalars())
        first_id = (conn.execute(select(func.max(Request.id))).scalar() or 0) + 1
    rows, events, callbacks = [], [], []
    for k in range(n):
        rid = first_id + k
        received = _received(rng)
        channel = _weighted(rng, CHANNELS)
        ilce, mahalle = rng.choice(where) if rng.random() < 0.9 else (None, None)
        dept = rng.choices(depts, dept_weights)[0] if rng.random() < 0.97 else None
        due = received + timedelta(days=rng.choice([15, 15, 15, 30, 7])) if rng.random() < 0.9 else None
        roll = rng.random()
        status, outcome, answered, closed, parent = "in_progress", None, None, None, None
        if roll < 0.78:
            answered = received + timedelta(hours=rng.lognormvariate(3.6, 1.1))
            status = "closed" if rng.random() < 0.7 else "answered"
            closed = answered if status == "closed" else None
            outcome = rng.choices(
                ["olumlu", "olumsuz", "iade"], [70, 25, 5 if channel in ("cimer", "mbs") else 0]
            )[0]
        elif roll < 0.81 and k > 10:
            status, parent = "duplicate", rng.randrange(first_id, rid)
        elif roll < 0.83:
            status = "waiting_citizen"
        elif roll < 0.90:
            status = rng.choice(["new", "triaged", "forwarded"])
        rows.append({
            "id": rid, "tracking_code": f"BNC-{YEAR}-{rid:07d}", "channel": channel, "external_id": f"bench-{rid}",
            "received_at": received, "created_at": received, "updated_at": answered or received,
            "text": "bench", "subject": None, "request_type": _weighted(rng, TYPES), "il": "Kayseri", "ilce": ilce,
            "mahalle": mahalle, "topic": rng.choice(tops), "topic_confidence": 0.9, "classification": {},
            "department": dept, "co_departments": [], "priority": "normal", "tags": [], "status": status,
            "needs_review": False, "due_at": due, "sla_paused_seconds": 0.0,
            "sla_paused_since": received if status == "waiting_citizen" else None,
            "sla_warned_at": due - timedelta(days=2) if due and not answered and rng.random() < 0.3 else None,
            "answered_at": answered, "closed_at": closed, "outcome": outcome, "parent_id": parent,
            "routing_trace": {}, "reply_to": {}, "search_text": "bench",
        })  # fmt: skip
        agent = f"user:{rng.choice(agent_ids)}"
        if answered and rng.random() < 0.03:  # reopened after the answer
            events.append({"request_id": rid, "actor": agent, "kind": "request.status", "created_at": answered,
                           "data": {"before": status, "after": "in_progress", "reason": None}})  # fmt: skip
        if channel == "phone" and answered and rng.random() < 0.08:  # closed on first contact
            events.append({"request_id": rid, "actor": agent, "kind": "request.first_contact", "created_at": answered,
                           "data": {"entry_id": 1}})  # fmt: skip
        if channel == "phone" and answered and rng.random() < 0.05:  # the answer read out by phone
            at = answered
            for attempt in range(1, rng.randint(1, 3) + 1):
                outcome_cb = rng.choice(["reached", "not_reached", "wrong_number"])
                callbacks.append({"request_id": rid, "status": "done", "reason": "no sms", "attempt": attempt,
                                  "due_at": at + timedelta(hours=2), "created_at": at, "done_at": at + timedelta(hours=3),
                                  "done_by": agent, "outcome": outcome_cb})  # fmt: skip
                at += timedelta(hours=3)
                if outcome_cb != "not_reached":
                    break
    with db.engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(Request), rows[i : i + BATCH])
        for i in range(0, len(events), BATCH):
            conn.execute(insert(Event), events[i : i + BATCH])
        for i in range(0, len(callbacks), BATCH):
            conn.execute(insert(Callback), callbacks[i : i + BATCH])
        if db.url.startswith("postgresql"):
            from sqlalchemy import text

            conn.execute(text("ANALYZE"))
    return {"requests": len(rows), "events": len(events), "callbacks": len(callbacks),
            "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip


def export_all(db: Database, flt: ReportFilter, names: dict[str, str]) -> dict[str, Any]:
    """Every report: figures, the XLSX and each table's CSV; seconds per step and sizes."""
    out: dict[str, Any] = {}
    cpu0 = time.process_time()
    for slug, spec in catalog.REPORTS.items():
        t0 = time.perf_counter()
        data = spec.build(db, flt, None)
        tables = spec.tables(data, names)
        t1 = time.perf_counter()
        xlsx = export.to_xlsx(tables, catalog.about(spec, flt, None, names))
        t2 = time.perf_counter()
        csv_bytes = sum(len(export.to_csv(t)) for t in tables)
        t3 = time.perf_counter()
        out[slug] = {"query_s": round(t1 - t0, 3), "xlsx_s": round(t2 - t1, 3), "csv_s": round(t3 - t2, 3),
                     "rows": sum(len(t.rows) for t in tables), "xlsx_bytes": len(xlsx), "csv_bytes": csv_bytes}  # fmt: skip
    out["total_s"] = round(sum(v["query_s"] + v["xlsx_s"] + v["csv_s"] for v in out.values()), 3)
    out["cpu_s"] = round(time.process_time() - cpu0, 3)  # this process only: the machine's load aside
    return out


def _lxml() -> bool:
    from openpyxl.xml import LXML

    return bool(LXML)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--database-url", help="an empty PostgreSQL database; default SQLite in a temporary directory"
    )
    ap.add_argument("--seed", type=int, default=153)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        migrate(url)
        db = Database(url)
        try:
            with db.reader() as s:
                if s.exec(select(func.count()).select_from(Request)).one()[0]:
                    sys.exit("the database already holds requests; give an empty one")
            loaded = seed(db, args.n, random.Random(args.seed))
            from hub.models import Department

            with db.reader() as s:
                names = dict(s.exec(select(Department.code, Department.name)).all())
            flt = ReportFilter(date(YEAR, 1, 1), date(YEAR, 12, 31))
            runs = [export_all(db, flt, names) for _ in range(args.runs)]
        finally:
            db.dispose()
    totals = [r["total_s"] for r in runs]
    cpu = [r["cpu_s"] for r in runs]
    print(json.dumps({
        "benchmark": "report_export", "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "python": platform.python_version(), "machine": platform.machine(), "seed": loaded,
        "range": [flt.first_day.isoformat(), flt.last_day.isoformat()], "runs": runs,
        "total_s": {"min": min(totals), "median": statistics.median(totals), "max": max(totals)},
        "cpu_s": {"min": min(cpu), "median": statistics.median(cpu), "max": max(cpu)},
        "load_average": list(os.getloadavg()), "cpus": os.cpu_count(), "lxml": _lxml(),
        "target_s": 5.0, "within_target": max(totals) < 5.0,
    }, ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
