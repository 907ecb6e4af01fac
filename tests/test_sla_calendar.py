"""Turkish working calendar, due dates, pausing and SLA states."""

import datetime as dt

import pytest

from hub.sla import WorkCalendar, compute_due, effective_due, sla_state

IST = dt.timezone(dt.timedelta(hours=3))
CAL = WorkCalendar()


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=IST)


def test_weekends_and_public_holidays_are_not_business_days():
    assert CAL.is_business_day(dt.date(2026, 11, 18))  # Wednesday
    assert not CAL.is_business_day(dt.date(2026, 11, 21))  # Saturday
    assert not CAL.is_business_day(dt.date(2026, 10, 29))  # Cumhuriyet Bayramı
    assert not CAL.is_business_day(dt.date(2027, 1, 1))  # Yılbaşı
    for d in (20, 21, 22):  # Ramazan Bayramı 2026
        assert not CAL.is_business_day(dt.date(2026, 3, d))
    for d in (27, 28, 29, 30):  # Kurban Bayramı 2026
        assert not CAL.is_business_day(dt.date(2026, 5, d))


def test_arife_is_a_half_day_that_counts_unless_configured_off():
    assert CAL.is_half_day(dt.date(2026, 3, 19)) and CAL.is_business_day(dt.date(2026, 3, 19))
    strict = WorkCalendar(arife="off")
    assert not strict.is_business_day(dt.date(2026, 3, 19))
    assert not strict.is_business_day(dt.date(2026, 10, 28))


def test_business_days_skip_ramazan_bayrami_2026():
    # Thu 19.03 (arife) + 1 business day: Fri 20 - Sun 22 are bayram/weekend -> Mon 23.03
    assert CAL.add_business_days(at(2026, 3, 19, 14), 1) == at(2026, 3, 23, 14)
    assert WorkCalendar(arife="off").add_business_days(at(2026, 3, 18), 1) == at(2026, 3, 23)


def test_business_days_skip_kurban_bayrami_2026():
    # Mon 25.05 -> Tue 26.05 (arife, counts) -> Wed-Sat bayram, Sun -> Mon 01.06
    assert CAL.add_business_days(at(2026, 5, 25), 1) == at(2026, 5, 26)
    assert CAL.add_business_days(at(2026, 5, 25), 2) == at(2026, 6, 1)


def test_business_days_skip_29_ekim_and_1_ocak():
    assert CAL.add_business_days(at(2026, 10, 28), 1) == at(2026, 10, 30)
    assert CAL.add_business_days(at(2026, 12, 31), 1) == at(2027, 1, 4)


def test_bilgi_edinme_15_business_days_across_kurban_bayrami():
    due = compute_due(at(2026, 5, 20), days=15, business_days=True, calendar=CAL)
    # business days after Wed 20.05: 21,22,25,26 | 1-5 June, 8-12 June, then 15 June -> the 15th
    assert due == at(2026, 6, 15)


def test_calendar_days_roll_off_a_holiday():
    # 30 days after 29.09.2026 is 29.10.2026 (a holiday) -> next business day 30.10
    assert compute_due(at(2026, 9, 29), days=30, business_days=False, calendar=CAL) == at(2026, 10, 30)
    # 7/24 units keep the exact date
    always = WorkCalendar(kind="all_days")
    assert compute_due(at(2026, 9, 29), days=30, business_days=False, calendar=always) == at(2026, 10, 29)
    assert compute_due(at(2026, 11, 18), days=15, business_days=False, calendar=CAL) == at(2026, 12, 3)


def test_due_is_returned_in_istanbul_time_and_requires_aware_input():
    due = compute_due(
        dt.datetime(2026, 11, 18, 22, 0, tzinfo=dt.UTC), days=1, business_days=True, calendar=CAL
    )
    assert due.utcoffset() == dt.timedelta(hours=3)
    assert due.date() == dt.date(2026, 11, 20)  # received Thu 01:00 local
    with pytest.raises(ValueError):
        compute_due(dt.datetime(2026, 11, 18), days=1, business_days=True, calendar=CAL)


def test_sla_states():
    rec, due = at(2026, 11, 1), at(2026, 11, 11)  # 10 days budget
    kw = {"received_at": rec, "due_at": due, "paused_seconds": 0, "paused_since": None}
    assert sla_state(now=at(2026, 11, 5), **kw) == "on_time"
    assert sla_state(now=at(2026, 11, 9), **kw) == "at_risk"  # 80 % used
    assert sla_state(now=at(2026, 11, 8, 23), **kw) == "on_time"
    assert sla_state(now=at(2026, 11, 11), **kw) == "breached"
    assert sla_state(now=at(2026, 11, 9), warn_fraction=0.9, **kw) == "on_time"


def test_pause_stops_the_clock():
    rec, due = at(2026, 11, 1), at(2026, 11, 11)
    two_days = 2 * 86400
    # waited two days for the citizen: the deadline moves by two days
    assert effective_due(due, two_days, None, at(2026, 11, 12)) == at(2026, 11, 13)
    assert (
        sla_state(
            received_at=rec, due_at=due, now=at(2026, 11, 12), paused_seconds=two_days, paused_since=None
        )
        == "at_risk"
    )
    # currently paused since 05.11: shown as paused, and the deadline keeps moving
    kw = {"received_at": rec, "due_at": due, "paused_seconds": 0, "paused_since": at(2026, 11, 5)}
    assert sla_state(now=at(2026, 11, 20), **kw) == "paused"
    assert effective_due(due, 0, at(2026, 11, 5), at(2026, 11, 20)) == at(2026, 11, 26)
    # paused only after the deadline had passed: still breached
    late = {**kw, "paused_since": at(2026, 11, 12)}
    assert sla_state(now=at(2026, 11, 13), **late) == "breached"
