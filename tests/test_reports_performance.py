"""Department performance: volume, answers, on-time rate, percentiles of time to answer and
reopened requests, per department and per Istanbul month, within the reader's scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hub import reports
from hub.auth import Actor
from hub.report_filter import ReportFilter
from tests.report_seed import T0, add_request, answered, reopen

MARCH = ReportFilter(date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 6, 1, tzinfo=UTC)
KASKI = Actor("user:9", "department", user_id=9, department="kaski")


def _seed(hub) -> None:  # noqa: ANN001
    day = timedelta(days=1)
    with hub.db.session() as s:
        # kaski: answer times 1, 2, 3, 4, 10 h; due in 5 h -> four on time, one late
        for i, h in enumerate([1, 2, 3, 4, 10]):
            add_request(s, i, department="kaski", due_at=T0 + timedelta(hours=5), **answered(T0, h))
        late_open = add_request(s, 10, department="kaski", due_at=T0 + day)  # open, past due: late
        add_request(s, 11, department="kaski", due_at=NOW + day)  # open, not yet due: neither
        add_request(s, 12, department="kaski", **answered(T0, 6))  # no deadline
        reopen(s, late_open)
        reopen(s, late_open, when=T0 + day)  # twice: still one request
        cb = add_request(s, 13, department="kaski", status="in_progress")
        reopen(s, cb, reason="callback pending")  # the call-back task: not a reopening
        # a merged duplicate and a request outside the range do not count
        add_request(s, 14, department="kaski", parent_id=late_open.id, status="duplicate")
        add_request(s, 15, department="kaski", received_at=datetime(2026, 4, 1, 6, tzinfo=UTC))
        # 31 March 22:30 UTC is 1 April in Istanbul: outside March
        add_request(s, 16, department="kaski", received_at=datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
        # fen-isleri: one closed without a written answer, one in February (Istanbul)
        add_request(s, 20, department="fen-isleri", status="closed", outcome="olumlu",
                    closed_at=T0 + timedelta(hours=30), due_at=T0 + day)  # fmt: skip
        add_request(s, 21, department="fen-isleri", received_at=datetime(2026, 2, 28, 22, 30, tzinfo=UTC),
                    **{k: v for k, v in answered(datetime(2026, 2, 28, 22, 30, tzinfo=UTC), 2).items()
                       if k != "received_at"})  # fmt: skip
        add_request(s, 22, department=None)  # unrouted


def test_department_performance_figures(hub) -> None:  # noqa: ANN001
    _seed(hub)
    rows = reports.department_performance(hub.db, MARCH, actor=None, now=NOW)
    by = {r["department"]: r for r in rows}
    k = by["kaski"]
    assert (k["volume"], k["answered"], k["on_time"], k["late"], k["no_deadline"]) == (9, 6, 4, 2, 2)
    assert k["on_time_rate"] == 4 / 6
    assert k["median_hours"] == 3.5  # of 1, 2, 3, 4, 6, 10
    assert k["p90_hours"] == 8.0  # rank 4.5 between 6 and 10
    assert k["reopened"] == 1
    assert k["department_name"] == "KASKİ Genel Müdürlüğü"
    f = by["fen-isleri"]
    figures = (f["volume"], f["answered"], f["late"], f["on_time_rate"], f["median_hours"])
    assert figures == (2, 2, 1, 0.0, 16.0)
    assert by[None]["volume"] == 1 and by[None]["on_time_rate"] is None and by[None]["median_hours"] is None
    assert rows[-1]["department"] is None  # unrouted last


def test_by_month_uses_istanbul_months(hub) -> None:  # noqa: ANN001
    _seed(hub)
    spring = ReportFilter(date(2026, 2, 1), date(2026, 4, 30))
    rows = reports.department_performance(hub.db, spring, actor=None, by_month=True, now=NOW)
    fen = {r["month"]: r["volume"] for r in rows if r["department"] == "fen-isleri"}
    assert fen == {"2026-03": 2}  # 28 Feb 22:30 UTC is 1 March in Istanbul
    kaski = {r["month"]: r["volume"] for r in rows if r["department"] == "kaski"}
    assert kaski == {"2026-03": 9, "2026-04": 2}


def test_department_staff_see_their_department_only(hub) -> None:  # noqa: ANN001
    _seed(hub)
    wider = ReportFilter(date(2026, 3, 1), date(2026, 3, 31), department="fen-isleri")
    rows = reports.department_performance(hub.db, wider, actor=KASKI, now=NOW)
    assert [r["department"] for r in rows] == ["kaski"]
