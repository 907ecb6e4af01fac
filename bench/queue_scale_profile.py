"""Where a call's time goes, on the database bench/queue_scale.py loaded: cProfile and plans.

    python bench/queue_scale_profile.py [--db bench_queue_scale] [--calls 100] [--plans docs.md] [--top 25]
                                        [--no-profile]

Runs the hub in this process (aiohttp test server, workers off), with the database calls
made on the event loop's thread so that one cProfile sees everything, and for each call kind
of the benchmark (API list to page 20, search, request, staff request page, staff queue page):

- one JSON line: calls, ms and CPU ms per call (this process: hub and test client, under
  cProfile unless ``--no-profile``), SQL statements per call and the share of the time spent
  waiting for PostgreSQL (``before/after_cursor_execute``);
- the cProfile functions with the most own time (``--top``);
- with ``--plans FILE``: for fixed examples of each kind (``scenarios``) and the SLA watcher's
  pass, every distinct statement over the big tables, run again under
  ``EXPLAIN (ANALYZE, BUFFERS)``, written as Markdown (docs/query-plans.md).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.queue_scale import API_KEY, workload  # noqa: E402


class SqlLog:
    """Statements, their parameters and the time spent in them."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seconds = 0.0
        self.count = 0
        self.captured: list[tuple[str, Any]] | None = None
        self._t: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        self._t[id(cursor)] = time.perf_counter()
        if self.captured is not None:
            self.captured.append((statement, params))

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        self.seconds += time.perf_counter() - self._t.pop(id(cursor), time.perf_counter())
        self.count += 1


def calls(w: dict[str, Any], kind: str, rng: random.Random) -> list[str]:
    """The addresses one 'call' of a kind fetches (a list call walks pages by cursor: filled in later)."""
    if kind == "api_search":
        return [f"/api/v1/requests?{urlencode({'q': rng.choice(w['search_terms'])})}"]
    if kind == "api_request":
        return [f"/api/v1/requests/{rng.choice(w['request_ids'])}"]
    if kind == "ui_request":
        return [f"/ui/talep/{rng.choice(w['request_ids'])}"]
    if kind == "ui_queue":
        return ["/ui/"]
    row = rng.choice(w["list_rows"])
    q = {"status": row["status"], "department": row["department"] or "", "mahalle": row["mahalle"] or "",
         "topic": row["topic"] or "", "sort": "due", "limit": "50"}  # fmt: skip
    return ["/api/v1/requests?" + urlencode({k: v for k, v in q.items() if v})]


async def fetch(client: TestClient, kind: str, path: str, headers: dict[str, str]) -> int:
    """One call; an API list call walks the cursor to page 20. Returns the pages fetched."""
    pages = 0
    while True:
        r = await client.get(path, headers=headers)
        body = await r.read()
        assert r.status == 200, (path, r.status, body[:300])
        pages += 1
        if kind != "api_list" or pages >= 20:  # "one": a single page
            return pages
        cursor = json.loads(body).get("next_cursor")
        if not cursor:
            return pages
        path = re.sub(r"&cursor=[^&]*", "", path) + "&" + urlencode({"cursor": cursor})


async def run(args: argparse.Namespace) -> None:
    from hub.context import Hub
    from hub.db import Database
    from hub.settings import Settings

    url = args.pg.rsplit("/", 1)[0] + "/" + args.db
    data_dir = Path(tempfile.gettempdir()) / f"talep_{args.db}"
    st = Settings(data_dir=data_dir, database_url=url, rules_file=ROOT / "routing_rules.yaml", workers_enabled=False,
                  log_level="WARNING")  # fmt: skip
    hub = Hub(st)

    async def inline(self: Any, fn: Any, *a: Any, **kw: Any) -> Any:  # one thread: one profile
        return fn(*a, **kw)

    Database.run = inline  # type: ignore[method-assign]
    sql = SqlLog(hub.db.engine)
    client = TestClient(TestServer(hub.app()))
    await client.start_server()
    page = await (await client.get("/ui/giris")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = await client.post("/ui/giris", data={"csrf": token, "kullanici": "agent", "parola": "agent-demo"},
                          allow_redirects=False)  # fmt: skip
    assert r.status == 303
    wl = workload(url, argparse.Namespace(clients=1, duration=1, warmup=0, think_ms=0), [])
    plans: list[str] = []
    for kind in args.kinds.split(","):
        rng = random.Random(11)
        headers = {"Authorization": f"Bearer {API_KEY}"} if kind.startswith("api_") else {}
        for _ in range(5):  # warm caches and templates
            for path in calls(wl, kind, rng):
                await fetch(client, kind, path, headers)
        prof = cProfile.Profile()
        sql.seconds, sql.count, pages = 0.0, 0, 0
        t, cpu = time.perf_counter(), time.process_time()
        if not args.no_profile:
            prof.enable()
        for _ in range(args.calls):
            for path in calls(wl, kind, rng):
                pages += await fetch(client, kind, path, headers)
        prof.disable()
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        # cpu: this process's CPU time (hub and test client; PostgreSQL's own work is not in it)
        print(json.dumps({"kind": kind, "calls": pages, "ms_per_call": round(wall * 1000 / pages, 2),
                          "cpu_ms_per_call": round(cpu * 1000 / pages, 2), "profiled": not args.no_profile,
                          "sql_per_call": round(sql.count / pages, 1),
                          "sql_share": round(sql.seconds / wall, 2)}), flush=True)  # fmt: skip
        if args.no_profile:
            continue
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-6000:], flush=True)
    if args.plans:
        for label, kind, path in scenarios(url):
            headers = {"Authorization": f"Bearer {API_KEY}"} if kind.startswith("api_") else {}
            sql.captured = []
            if kind == "api_list" and "#page20" in path:  # the statement of the 20th page only
                path = path.replace("#page20", "")
                for _ in range(19):
                    r = await client.get(path, headers=headers)
                    path = (
                        re.sub(r"&cursor=[^&]*", "", path)
                        + "&"
                        + urlencode({"cursor": (await r.json())["next_cursor"]})
                    )
                sql.captured = []
            await fetch(client, "one", path, headers)
            captured, sql.captured = sql.captured, None
            plans.append(explain(hub.db.engine, f"{label}: `GET {path[:160]}`", captured))
        plans.append(explain(hub.db.engine, "SLA watcher: one pass's candidates", [sla_candidates(hub)]))
    await client.close()
    if args.plans:
        Path(args.plans).write_text("\n".join(plans), encoding="utf-8")


def scenarios(url: str) -> list[tuple[str, str, str]]:
    """Fixed examples of each call kind, drawn from the data: (label, kind, address)."""
    import psycopg

    from bench.queue_scale_load import conninfo

    with psycopg.connect(conninfo(url)) as conn:
        dept = conn.execute(
            "SELECT department FROM request WHERE status = 'forwarded' AND department IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]  # type: ignore[index]
        mahalle, topic = conn.execute(
            "SELECT mahalle, topic FROM request WHERE status = 'forwarded' AND department = %s AND mahalle IS NOT NULL "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1", (dept,)).fetchone()  # type: ignore[misc]  # fmt: skip
        rid = conn.execute("SELECT max(id) FROM request WHERE status = 'forwarded'").fetchone()[0]  # type: ignore[index]
        name, phone = conn.execute("SELECT name, phone FROM contact WHERE id = 5000").fetchone()  # type: ignore[misc]
        code = conn.execute("SELECT tracking_code FROM request WHERE id = 500000").fetchone()[0]  # type: ignore[index]
    base = "/api/v1/requests?"
    four = urlencode(
        {"status": "forwarded", "department": dept, "mahalle": mahalle, "topic": topic, "sort": "due"}
    )
    return [
        (
            "list: one open status and a department, page 1",
            "api_list",
            base + urlencode({"status": "forwarded", "department": dept, "sort": "due"}),
        ),
        (
            "list: the same, page 20",
            "api_list",
            base + urlencode({"status": "forwarded", "department": dept, "sort": "due"}) + "#page20",
        ),
        ("list: status, department, mahalle and topic", "api_list", base + four),
        (
            "list: finished requests of a department, page 20",
            "api_list",
            base + urlencode({"status": "closed", "department": dept, "sort": "due"}) + "#page20",
        ),
        (
            "list: one open status, no department, page 20",
            "api_list",
            base + urlencode({"status": "in_progress", "sort": "due"}) + "#page20",
        ),
        ("search: a common word", "api_search", base + urlencode({"q": "çöp"})),
        ("search: two words", "api_search", base + urlencode({"q": "kanalizasyon taştı"})),
        ("search: a caller's name", "api_search", base + urlencode({"q": name})),
        ("search: a phone number", "api_search", base + urlencode({"q": "0" + phone[3:]})),
        ("search: a tracking code", "api_search", base + urlencode({"q": code.lower()})),
        ("search: no match", "api_search", base + urlencode({"q": "zzqx hiçbiryerde"})),
        ("request (API)", "api_request", f"/api/v1/requests/{rid}"),
        ("request page (staff)", "ui_request", f"/ui/talep/{rid}"),
        ("staff queue page", "ui_queue", "/ui/"),
    ]


def sla_candidates(hub: Any) -> tuple[str, Any]:
    """The SLA watcher's SELECT, as the code of this checkout builds it."""
    from hub.models import utcnow
    from hub.workers import sla

    if hasattr(sla, "candidates"):
        stmt = sla.candidates(utcnow(), 500)
    else:  # before issue 15: the statement inside check_once
        from sqlalchemy import or_
        from sqlmodel import select

        from hub.models import OPEN_STATUSES, Request

        now = utcnow()
        stmt = select(Request).where(
            Request.due_at.is_not(None), Request.sla_breached_at.is_(None), Request.sla_paused_since.is_(None),
            or_(Request.sla_warned_at.is_(None), Request.due_at < now),
            Request.status.in_([s.value for s in OPEN_STATUSES]),
        ).order_by(Request.due_at).limit(500)  # fmt: skip
    c = stmt.compile(dialect=hub.db.engine.dialect, compile_kwargs={"render_postcompile": True})
    return str(c), c.params


def short_sql(stmt: str) -> str:
    """One line; a long select list of one table shown as its column count."""
    flat = " ".join(stmt.split())
    m = re.match(r"SELECT (.+?) FROM (\w+)\b", flat)
    if m and len(m.group(1)) > 120 and "(" not in m.group(1).replace("count(*)", ""):
        flat = f"SELECT <{m.group(1).count(',') + 1} columns> FROM {m.group(2)}" + flat[m.end() :]
    return flat[:900]


def explain(engine: Any, kind: str, statements: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    out = [f"### {kind}\n"]
    with engine.connect() as conn:
        for stmt, params in statements:
            head = stmt.lstrip().split(None, 1)[0].upper()
            if (
                head != "SELECT"
                or stmt in seen
                or not re.search(r"FROM (request|event|message|outbox|contact)\b", stmt)
            ):
                continue
            seen.add(stmt)
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + stmt, params).all()
            shown = {k: (v if not isinstance(v, str) or len(v) < 60 else v[:57] + "...") for k, v in
                     (params.items() if isinstance(params, dict) else enumerate(params or ()))}  # fmt: skip
            out.append("```\n-- " + short_sql(stmt) + "\n-- params: " + json.dumps(shown, default=str,
                       ensure_ascii=False)[:400] + "\n" + "\n".join(r[0] for r in rows) + "\n```\n")  # fmt: skip
        conn.rollback()
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--db", default="bench_queue_scale")
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--kinds", default="api_list,api_search,api_request,ui_request,ui_queue",
                    help="comma-separated call kinds to run (e.g. ui_queue)")
    ap.add_argument("--no-profile", action="store_true", help="time the calls without cProfile (its overhead)")
    ap.add_argument(
        "--plans", default=None, help="write EXPLAIN (ANALYZE, BUFFERS) of one call per kind here"
    )
    asyncio.run(run(ap.parse_args()))


if __name__ == "__main__":
    main()
