"""The queue at scale, kept behaviour-identical (issue 15): the list reads summary columns only,
pages by a row-value bound, the staff queue takes its topic and ilçe choices from the taxonomy
and the gazetteer, caps its total, counts open statuses only, and, on PostgreSQL, the SLA
watcher and the due-date queue read partial indexes of open requests."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from hub.auth import Actor
from hub.models import Request, utcnow
from hub.queries.requests import list_requests
from tests.conftest import using_postgres
from tests.test_ui import API, PARK, SU, create, login

SUPERVISOR = Actor("user:1", "supervisor", user_id=1)


@contextlib.contextmanager
def statements(hub) -> Iterator[list[str]]:  # noqa: ANN001
    """Every SQL statement the hub runs meanwhile (both engines)."""
    seen: list[str] = []

    def log(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        seen.append(" ".join(statement.split()))

    engines = {id(e): e for e in (hub.db.engine, hub.db.read_engine)}.values()
    for e in engines:
        event.listen(e, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        for e in engines:
            event.remove(e, "before_cursor_execute", log)


def _selects_of_request(seen: list[str]) -> list[str]:
    """The list's own statements (the outbox worker reads requests by id meanwhile)."""
    return [s for s in seen if s.startswith("SELECT") and "FROM request" in s and "ORDER BY request." in s]


async def test_the_list_reads_summary_columns_only_and_the_request_page_the_trace(ui, hub) -> None:  # noqa: ANN001
    made = await create(ui, SU)
    with statements(hub) as seen:
        r = await ui.get("/api/v1/requests", params={"status": made["status"], "count": "1"}, headers=API)
        body = await r.json()
    assert r.status == 200 and body["items"][0]["id"] == made["id"] and body["total"] == 1
    assert "total_capped" not in body  # the API's answer keeps its shape
    listed = _selects_of_request(seen)
    assert listed and not any(c in s for s in listed for c in ("routing_trace", "reply_to", "classification"))
    one = await (await ui.get(f"/api/v1/requests/{made['id']}", headers=API)).json()
    assert one["routing"]["trace"] and {k: v for k, v in body["items"][0].items()} == {
        k: one[k] for k in body["items"][0]
    }  # the summary is the same as the request's own fields


async def test_a_saved_filter_reads_out_of_scope_from_sql_not_the_whole_classification(ui, hub) -> None:  # noqa: ANN001
    a = await create(ui, SU)
    await create(ui, PARK)
    r = await ui.post(
        "/api/v1/filters", json={"name": "Telefon", "condition": {"channel": "phone"}}, headers=API
    )
    fid = (await r.json())["id"]
    with statements(hub) as seen:
        body = await (
            await ui.get("/api/v1/requests", params={"filter_id": fid, "count": "1"}, headers=API)
        ).json()
    assert [i["id"] for i in body["items"]] == [a["id"]] and body["total"] == 1
    listed = [
        re.sub(r"request\.classification -> %\(\w+\)s|\(request\.classification", "", s)
        for s in _selects_of_request(seen)
    ]
    assert listed and not any(c in s for s in listed for c in ("routing_trace", "reply_to", "classification"))
    oos = await (await ui.post("/api/v1/filters", json={"name": "Kapsam dışı", "condition": {"out_of_scope": True}},
                               headers=API)).json()  # fmt: skip
    with hub.db.session() as s:  # one request the classifier found out of scope
        s.exec(update(Request).where(Request.id == a["id"]).values(classification={"out_of_scope": True}))
    body = await (await ui.get("/api/v1/requests", params={"filter_id": oos["id"]}, headers=API)).json()
    assert [i["id"] for i in body["items"]] == [a["id"]]


def _walk(hub, q: dict[str, str]) -> list[int]:  # noqa: ANN001
    ids, cursor = [], None
    while True:
        page = list_requests(hub, SUPERVISOR, {**q, "limit": "3", **({"cursor": cursor} if cursor else {})})
        ids += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


async def test_keyset_pages_by_a_row_value_and_keeps_ties_and_requests_without_deadline_apart(
    ui, hub
) -> None:  # noqa: ANN001
    made = [await create(ui, {**SU, "text": f"{SU['text']} ({i})"}) for i in range(8)]
    ids = [m["id"] for m in made]
    due = utcnow().replace(microsecond=0) + timedelta(days=3)
    with hub.db.session() as s:  # ties on the sort key, and one request without a deadline
        s.exec(update(Request).where(Request.id.in_(ids[:5])).values(due_at=due))
        s.exec(update(Request).where(Request.id == ids[5]).values(due_at=None))
        s.exec(update(Request).where(Request.id.in_(ids[:4])).values(received_at=due - timedelta(days=9)))
    with statements(hub) as seen:
        by_due = _walk(hub, {"sort": "due"})
    with hub.db.reader() as s:
        rows = s.exec(select(Request).where(Request.due_at.is_not(None))).all()
    assert by_due == [r.id for r in sorted(rows, key=lambda r: (r.due_at, r.id))]  # each once, in order
    assert ids[5] not in by_due  # as before: the due-date list leaves out requests without one
    assert any(re.search(r"\(request\.due_at, request\.id\) > \(", s) for s in seen)
    assert not any("request.due_at > " in s or "request.due_at = " in s for s in seen)  # no OR of bounds
    newest = _walk(hub, {})
    with hub.db.reader() as s:
        rows = s.exec(select(Request)).all()
    assert newest == [r.id for r in sorted(rows, key=lambda r: (r.received_at, r.id), reverse=True)]


async def test_the_queue_page_takes_choices_from_taxonomy_and_gazetteer(ui, hub) -> None:  # noqa: ANN001
    await create(ui, SU)
    await login(ui, "agent")
    with statements(hub) as seen:
        html = await (await ui.get("/ui/")).text()
    assert not [s for s in seen if "DISTINCT request.topic" in s or "DISTINCT request.ilce" in s]
    assert "Veteriner" in html and "Zabıta" in html  # taxonomy topics, also those no request has yet
    assert '<option value="Yahyalı"' in html and '<option value="Talas"' in html  # the gazetteer's districts
    html = await (await ui.get("/ui/", params={"ilce": "Başka İlçe", "topic": "eski-konu"})).text()
    assert '<option value="Başka İlçe" selected>' in html and '<option value="eski-konu" selected>' in html


async def test_the_queue_total_is_capped_and_counts_only_open_statuses(ui, hub, monkeypatch) -> None:  # noqa: ANN001
    from hub.ui import queue

    made = [await create(ui, {**SU, "text": f"{SU['text']} ({i})"}) for i in range(3)]
    with hub.db.session() as s:
        s.exec(update(Request).where(Request.id == made[0]["id"]).values(status="closed"))
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    assert "Toplam <b>3</b> talep" in html
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    html = await (await ui.get("/ui/")).text()
    assert "Toplam <b>2+</b> talep" in html
    body = await (await ui.get("/api/v1/requests", params={"count": "1"}, headers=API)).json()
    assert body["total"] == 3  # the API counts exactly
    counts = queue.queue_counts(hub, SUPERVISOR)["durum"]
    assert "closed" not in counts and sum(counts.values()) == 2


async def test_tag_choices_are_read_once_a_minute(ui, hub, monkeypatch) -> None:  # noqa: ANN001
    from hub.ui import queue

    made = await create(ui, SU)
    with hub.db.session() as s:
        s.exec(update(Request).where(Request.id == made["id"]).values(tags=["mukerrer"]))
    await login(ui, "agent")
    assert '<option value="mukerrer"' in await (await ui.get("/ui/")).text()
    with statements(hub) as seen:
        await ui.get("/ui/")
    assert not [s for s in seen if "DISTINCT" in s and "tags" in s]  # from the cache
    clock = [queue.time.monotonic() + queue.TAGS_SECONDS + 1]
    monkeypatch.setattr(queue.time, "monotonic", lambda: clock[0])
    with statements(hub) as seen:
        await ui.get("/ui/")
    assert [s for s in seen if "DISTINCT" in s and "tags" in s]  # read again after a minute


pg_only = pytest.mark.skipif(
    not using_postgres(), reason="partial indexes are PostgreSQL only (HUB_TEST_DB=postgres)"
)


def _plan(hub, sql: str, params: dict) -> str:  # noqa: ANN001
    with hub.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # a handful of rows: ask what the index can do
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params))


@pg_only
def test_postgres_has_the_partial_indexes_and_the_sla_watcher_uses_one(hub) -> None:  # noqa: ANN001
    from hub.search_text import POSTGRES_ONLY_INDEXES
    from hub.workers import sla

    with hub.db.engine.connect() as conn:
        names = {
            r[0] for r in conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'request'")
        }
    assert {"ix_request_sla_open", "ix_request_open_due"} <= names <= names | POSTGRES_ONLY_INDEXES
    stmt = sla.candidates(utcnow(), 500).compile(dialect=hub.db.engine.dialect,
                                                 compile_kwargs={"render_postcompile": True})  # fmt: skip
    assert "ix_request_sla_open" in _plan(hub, str(stmt), stmt.params)


@pg_only
def test_postgres_pages_open_requests_by_due_date_on_a_partial_index(hub) -> None:  # noqa: ANN001
    seen: list[tuple[str, dict]] = []

    def log(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        seen.append((statement, params))

    event.listen(hub.db.engine, "before_cursor_execute", log)
    try:
        first = {"status": "forwarded", "department": "kaski", "sort": "due", "limit": "1"}
        list_requests(hub, SUPERVISOR, first)
        token = "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgNV0"  # ["2026-01-01T00:00:00+00:00", 5]
        list_requests(hub, SUPERVISOR, {**first, "cursor": token})
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", log)
    sql, params = seen[-1]
    assert "(request.due_at, request.id) >" in sql
    plan = _plan(hub, sql, params)
    # the index is one of 0006q's, and the cursor's bound is a condition of its scan, not a filter
    assert re.search(r"Index Scan using ix_request_(open_dept_due|status_dept_due)", plan), plan
    assert re.search(r"Index Cond: .*ROW\(due_at, id\) > ROW\(", plan), plan


@pg_only
def test_postgres_lists_overdue_requests_from_the_open_requests_index(hub) -> None:  # noqa: ANN001
    seen: list[tuple[str, dict]] = []

    def log(conn, cursor, statement, params, context, many) -> None:  # noqa: ANN001
        seen.append((statement, params))

    event.listen(hub.db.engine, "before_cursor_execute", log)
    try:
        list_requests(hub, SUPERVISOR, {"overdue": "1", "sort": "due"})
    finally:
        event.remove(hub.db.engine, "before_cursor_execute", log)
    sql, params = next((s, p) for s, p in seen if "ORDER BY request.due_at" in s)
    assert "'in_progress'" in sql  # the open statuses are written into the statement
    plan = _plan(hub, sql, params)
    assert re.search(r"(using|Scan on) ix_request_(open_due|sla_open)\b", plan), plan
