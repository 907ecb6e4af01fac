"""The one report filter: ranges in Istanbul days, Turkish errors, department scope."""

from datetime import UTC, date, datetime

import pytest

from hub.actions.errors import ActionError
from hub.auth import Actor
from hub.report_filter import API_NAMES, ReportFilter

TODAY = date(2026, 12, 6)


def test_preset_counts_back_from_today_inclusive() -> None:
    f = ReportFilter.parse({"gun": "30"}, today=TODAY)
    assert (f.first_day, f.last_day, f.days) == (date(2026, 11, 7), TODAY, 30)
    # Istanbul midnight is 21:00 UTC the day before
    assert f.start == datetime(2026, 11, 6, 21, tzinfo=UTC)
    assert f.end == datetime(2026, 12, 6, 21, tzinfo=UTC)


def test_explicit_dates_win_and_round_trip_through_links() -> None:
    f = ReportFilter.parse(
        {"baslangic": "2026-01-01", "bitis": "2026-03-31", "gun": "30", "ilce": "Talas"}, today=TODAY
    )
    assert (f.first_day, f.last_day, f.ilce) == (date(2026, 1, 1), date(2026, 3, 31), "Talas")
    from urllib.parse import parse_qsl

    again = ReportFilter.parse(dict(parse_qsl(f.query_string())), today=TODAY)
    assert again == f


def test_api_names() -> None:
    f = ReportFilter.parse({"from": "2026-02-01", "to": "2026-02-28", "department": "KASKI"}, names=API_NAMES)
    assert f.describe()["department"] == "KASKI" and f.days == 28


@pytest.mark.parametrize("query", [{"gun": "0"}, {"gun": "abc"}, {"baslangic": "2026-13-01"},
                                   {"baslangic": "2026-05-02", "bitis": "2026-05-01"}, {"baslangic": "1999-01-01"},
                                   {"ilce": "a\x00b"}])  # fmt: skip
def test_bad_input_is_a_turkish_error_naming_the_field(query: dict) -> None:
    with pytest.raises(ActionError) as exc:
        ReportFilter.parse(query, today=TODAY)
    assert exc.value.field in query


def test_department_staff_are_held_to_their_department() -> None:
    f = ReportFilter.parse({"birim": "FEN"}, today=TODAY)
    staff = Actor("user:9", "department", user_id=9, department="KASKI")
    assert f.for_actor(staff).department == "KASKI"
    assert f.for_actor(Actor("user:1", "supervisor", user_id=1)).department == "FEN"
