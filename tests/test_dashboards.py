"""Dashboard queries (hub.dashboards) on a hand-checkable data set: Istanbul day buckets,
the range and the ilçe / mahalle / department / channel filters, and department scope."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from hub import dashboards
from hub.report_filter import ReportFilter
from tests.dashboard_seed import KASKI, MARCH, NOW, SUPERVISOR, _req, seed


@pytest.fixture
def seeded(hub) -> dict[str, Any]:  # noqa: ANN001
    return seed(hub)


def _series(result: dict[str, Any]) -> dict[str, int]:
    return {s["key"]: s["total"] for s in result["series"]}


def _day(result: dict[str, Any], day: str) -> dict[str, int]:
    i = result["days"].index(day)
    return {s["key"]: s["values"][i] for s in result["series"] if s["values"][i]}


def test_intake_per_day_counts_istanbul_days_inside_the_range(hub, seeded) -> None:  # noqa: ANN001
    res = dashboards.intake_per_day(hub.db, MARCH, actor=SUPERVISOR)
    assert res["days"][0] == "2026-03-01" and res["days"][-1] == "2026-03-31" and len(res["days"]) == 31
    # r1..r7, r11 (received 10 March) and r10, r12 (18 and 16 March); r8, r9 are outside
    assert res["total"] == 10
    assert _day(res, "2026-03-02") == {"phone": 2}
    assert _day(res, "2026-03-03") == {"webform": 1}  # 00:30 in Istanbul, 21:30 UTC the day before
    assert _day(res, "2026-03-05") == {"email": 1, "whatsapp": 1}
    assert _series(res) == {"phone": 6, "webform": 2, "email": 1, "whatsapp": 1}

    top = dashboards.intake_per_day(hub.db, MARCH, actor=SUPERVISOR, top=1)
    assert _series(top) == {"phone": 6, dashboards.OTHER: 4}
    assert top["others"] == ["webform", "email", "whatsapp"]

    topics = dashboards.intake_per_day(hub.db, MARCH, actor=SUPERVISOR, by="topic")
    assert _series(topics)["su-kanalizasyon"] == 3 and _series(topics)[""] == 3  # r10..r12 have no topic


def test_intake_filters_and_department_scope(hub, seeded) -> None:  # noqa: ANN001
    talas = ReportFilter(MARCH.first_day, MARCH.last_day, ilce="Talas")
    assert _series(dashboards.intake_per_day(hub.db, talas, actor=SUPERVISOR)) == {
        "phone": 3,
        "email": 1,
        "whatsapp": 1,
    }
    webform = ReportFilter(MARCH.first_day, MARCH.last_day, channel="webform")
    assert dashboards.intake_per_day(hub.db, webform, actor=SUPERVISOR)["total"] == 2
    days = ReportFilter(date(2026, 3, 2), date(2026, 3, 2))
    assert dashboards.intake_per_day(hub.db, days, actor=SUPERVISOR)["total"] == 2
    # a department user sees KASKİ's requests only, whatever the filter asks for
    fen = ReportFilter(MARCH.first_day, MARCH.last_day, department="fen-isleri")
    assert _series(dashboards.intake_per_day(hub.db, MARCH, actor=KASKI)) == {
        "phone": 2,
        "whatsapp": 1,
        "webform": 1,
    }
    assert dashboards.intake_per_day(hub.db, fen.for_actor(KASKI), actor=KASKI)["total"] == 4
    assert dashboards.intake_per_day(hub.db, fen, actor=KASKI)["total"] == 0


def test_mahalle_needs_ranked_with_shares(hub, seeded) -> None:  # noqa: ANN001
    res = dashboards.mahalle_needs(hub.db, MARCH, actor=SUPERVISOR)
    assert [(r["ilce"], r["mahalle"], r["total"]) for r in res["rows"]] == [("Melikgazi", "Esentepe", 3),
                                                                            ("Talas", "Mevlana", 2)]  # fmt: skip
    esentepe = res["rows"][0]
    assert [(n["topic"], n["count"]) for n in esentepe["needs"]] == [
        ("su-kanalizasyon", 2),
        ("yol-altyapi", 1),
    ]
    assert esentepe["needs"][0]["share"] == pytest.approx(2 / 3)
    assert res["mahalle_count"] == 2 and res["total"] == 5
    one = dashboards.mahalle_needs(hub.db, MARCH, actor=SUPERVISOR, per=1)
    assert one["rows"][0]["other"] == 1
    mevlana = ReportFilter(MARCH.first_day, MARCH.last_day, mahalle="Mevlana")
    assert [r["mahalle"] for r in dashboards.mahalle_needs(hub.db, mevlana, actor=SUPERVISOR)["rows"]] == [
        "Mevlana"
    ]
    kaski = dashboards.mahalle_needs(hub.db, MARCH, actor=KASKI)
    assert [(r["mahalle"], r["total"]) for r in kaski["rows"]] == [("Esentepe", 2), ("Mevlana", 1)]


def test_agent_workload(hub, seeded) -> None:  # noqa: ANN001
    rows = {r["name"]: r for r in dashboards.agent_workload(hub.db, MARCH, actor=SUPERVISOR)}
    assert set(rows) == {"Ayşe Temsilci", "Bora Temsilci"}  # not the system
    ayse = rows["Ayşe Temsilci"]
    assert (ayse["handled"], ayse["first_contact"], ayse["callbacks"], ayse["reached"]) == (4, 1, 2, 1)
    assert rows["Bora Temsilci"]["handled"] == 1  # the April answer is outside the range
    # KASKİ sees the work done on its own requests only (r1, r2, r5)
    scoped = {r["name"]: r for r in dashboards.agent_workload(hub.db, MARCH, actor=KASKI)}
    assert set(scoped) == {"Ayşe Temsilci"} and scoped["Ayşe Temsilci"]["handled"] == 3
    early = ReportFilter(date(2026, 3, 1), date(2026, 3, 3))
    ayse_early = dashboards.agent_workload(hub.db, early, actor=SUPERVISOR)[0]
    assert (ayse_early["handled"], ayse_early["first_contact"], ayse_early["callbacks"]) == (2, 1, 0)


def test_review_queue_is_a_snapshot_with_filters(hub, seeded) -> None:  # noqa: ANN001
    res = dashboards.review_queue(hub.db, MARCH, actor=SUPERVISOR, now=NOW)
    assert res["total"] == 2
    assert res["by_age"] == {"0-1": 0, "1-3": 1, "3-7": 0, "7+": 1}
    assert res["by_channel"] == {"phone": 1, "webform": 1}
    talas = ReportFilter(MARCH.first_day, MARCH.last_day, ilce="Talas")
    assert dashboards.review_queue(hub.db, talas, actor=SUPERVISOR, now=NOW)["total"] == 1
    assert dashboards.review_queue(hub.db, MARCH, actor=KASKI, now=NOW)["by_channel"] == {"webform": 1}


def test_classifier_accuracy_on_corrected_requests(hub, seeded) -> None:  # noqa: ANN001
    res = dashboards.classifier_accuracy(hub.db, MARCH, actor=SUPERVISOR)
    assert res["reviewed"] == 4  # r1, r3, r4, r5 (r8's correction is in April)
    by_field = {f["field"]: f for f in res["fields"]}
    assert (by_field["topic"]["right"], by_field["topic"]["corrected"]) == (2, 2)  # r3 was changed back
    assert by_field["topic"]["accuracy"] == pytest.approx(0.5)
    assert by_field["request_type"]["accuracy"] == pytest.approx(0.75)
    assert by_field["mahalle"]["accuracy"] == pytest.approx(0.75)
    assert res["changes"][0] == {
        "field": "topic",
        "before": "yol-altyapi",
        "after": "su-kanalizasyon",
        "count": 2,
    }
    kaski = dashboards.classifier_accuracy(hub.db, MARCH, actor=KASKI)
    assert kaski["reviewed"] == 2 and {f["field"]: f["accuracy"] for f in kaski["fields"]}["topic"] == 0.0
    empty = dashboards.classifier_accuracy(
        hub.db, ReportFilter(date(2026, 1, 1), date(2026, 1, 31)), actor=SUPERVISOR
    )
    assert empty["reviewed"] == 0 and all(f["accuracy"] is None for f in empty["fields"])


def test_old_ranges_across_a_dst_change_bucket_in_python(hub) -> None:  # noqa: ANN001
    """Before September 2016 Istanbul changed clocks; a range across a change still buckets right."""
    with hub.db.session() as s:
        # 27 March 2016 02:00 EET became 04:00 EEST (UTC+3): 23:30 local on the 27th is 20:30 UTC
        _req(s, 1, received_at=datetime(2016, 3, 27, 20, 30, tzinfo=UTC))
        _req(s, 2, received_at=datetime(2016, 3, 25, 21, 30, tzinfo=UTC))  # 23:30 on the 25th (UTC+2)
    flt = ReportFilter(date(2016, 3, 20), date(2016, 3, 31))
    assert dashboards._constant_offset(flt) is None
    res = dashboards.intake_per_day(hub.db, flt, actor=SUPERVISOR)
    assert _day(res, "2016-03-27") == {"phone": 1} and _day(res, "2016-03-25") == {"phone": 1}
