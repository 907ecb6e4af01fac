"""SLA deadlines: Turkish working calendar, due dates, pausing and at-risk/breached states.

Legal defaults the hub applies (configured in routing_rules.yaml, ``sla:`` section):
  * 3071 Dilekçe Hakkı: 30 days; CİMER and muhtar (MBS) requests: 15 days;
  * 4982 Bilgi Edinme: 15 business days (iş günü).

Calendar rules (documented choices):
  * Weekends and the full-day public holidays of ``holidays.country_holidays("TR")`` are not business days.
  * Arife (the eve of Ramazan/Kurban Bayramı, and 28 Ekim) is a half day in the public sector; by default it
    still counts as a business day (offices are open until 13:00). ``WorkCalendar(arife="off")`` skips it.
  * A calendar-day deadline that lands on a non-business day moves to the next business day, same clock time,
    as Turkish procedure treats deadlines ending on a holiday.
  * Pausing (waiting for the citizen) moves the deadline by the wall-clock time spent paused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:
    from hub.rules.conditions import Condition

ISTANBUL = ZoneInfo("Europe/Istanbul")


@lru_cache(maxsize=4)
def _tr_holidays(categories: tuple[str, ...]) -> holidays.HolidayBase:
    # One shared, lazily-expanding table: years are filled in on first lookup.
    return holidays.country_holidays("TR", categories=categories)


@dataclass(frozen=True)
class WorkCalendar:
    """Which days count as working days for a department.

    kind: "business" (Mon-Fri minus public holidays) or "all_days" (7/24 units such as İtfaiye).
    arife: "work" (half day counts as a business day) or "off" (half day is skipped).
    """

    kind: str = "business"
    arife: str = "work"
    tz: ZoneInfo = field(default=ISTANBUL)

    def __post_init__(self) -> None:
        if self.kind not in ("business", "all_days"):
            raise ValueError(f"unknown calendar kind {self.kind!r}")
        if self.arife not in ("work", "off"):
            raise ValueError(f"unknown arife handling {self.arife!r}")

    def is_public_holiday(self, d: dt.date) -> bool:
        return d in _tr_holidays(("public",))

    def is_half_day(self, d: dt.date) -> bool:
        return d in _tr_holidays(("half_day",)) and not self.is_public_holiday(d)

    def holiday_name(self, d: dt.date) -> str | None:
        return _tr_holidays(("public", "half_day")).get(d)

    def is_business_day(self, d: dt.date) -> bool:
        if isinstance(d, dt.datetime):
            d = d.astimezone(self.tz).date()
        if self.kind == "all_days":
            return True
        if d.weekday() >= 5 or self.is_public_holiday(d):
            return False
        return not (self.arife == "off" and self.is_half_day(d))

    def add_business_days(self, start: dt.datetime, n: int) -> dt.datetime:
        """Same local clock time on the n-th business day after start's date (counting starts next day)."""
        local = _aware(start).astimezone(self.tz)
        if n <= 0:
            return local
        d = local.date()
        counted = 0
        while counted < n:
            d += dt.timedelta(days=1)
            if self.is_business_day(d):
                counted += 1
        return dt.datetime.combine(d, local.timetz().replace(tzinfo=None), self.tz)

    def next_business_day(self, moment: dt.datetime) -> dt.datetime:
        """moment itself if it falls on a business day, else the same clock time on the next one."""
        local = _aware(moment).astimezone(self.tz)
        d = local.date()
        while not self.is_business_day(d):
            d += dt.timedelta(days=1)
        if d == local.date():
            return local
        return dt.datetime.combine(d, local.timetz().replace(tzinfo=None), self.tz)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "arife": self.arife, "timezone": str(self.tz)}


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("SLA times must be timezone-aware")
    return moment


def compute_due(
    received_at: dt.datetime, *, days: int, business_days: bool, calendar: WorkCalendar
) -> dt.datetime:
    """Deadline for a request received at received_at (tz-aware), returned in the calendar's time zone."""
    if days < 0:
        raise ValueError("SLA days cannot be negative")
    if business_days:
        return calendar.add_business_days(received_at, days)
    due = _aware(received_at).astimezone(calendar.tz) + dt.timedelta(days=days)
    return calendar.next_business_day(due)


def effective_due(
    due_at: dt.datetime, paused_seconds: float, paused_since: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    """The deadline moved by all paused time, including a pause still running at now."""
    extra = float(paused_seconds or 0.0)
    if paused_since is not None and now > paused_since:
        extra += (now - paused_since).total_seconds()
    return due_at + dt.timedelta(seconds=extra)


def sla_state(
    *,
    received_at: dt.datetime,
    due_at: dt.datetime,
    now: dt.datetime,
    paused_seconds: float,
    paused_since: dt.datetime | None,
    warn_fraction: float = 0.8,
) -> str:
    """ "on_time" | "at_risk" | "breached" | "paused".

    A request already late when it was paused stays "breached"; otherwise a running pause reads "paused".
    at_risk starts once warn_fraction of the (pause-adjusted) time budget is used.
    """
    paused_seconds = float(paused_seconds or 0.0)
    due_before_pause = due_at + dt.timedelta(seconds=paused_seconds)
    if paused_since is not None:
        return "breached" if paused_since >= due_before_pause else "paused"
    if now >= due_before_pause:
        return "breached"
    budget = (due_at - received_at).total_seconds()
    used = (now - received_at).total_seconds() - paused_seconds
    if budget <= 0 or used >= warn_fraction * budget:
        return "at_risk"
    return "on_time"


@dataclass(frozen=True)
class SlaPolicy:
    """One entry of the YAML ``sla:`` list: when the condition holds, the deadline is days/business_days."""

    id: str
    condition: Condition
    days: int
    business_days: bool
    description: str = ""
    law: str | None = None

    def applies(self, record: Any) -> bool:
        from hub.rules.conditions import matches

        return matches(self.condition, record)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "days": self.days,
            "business_days": self.business_days,
            "description": self.description,
            "law": self.law,
        }


def select_policy(policies: Iterable[SlaPolicy], record: Any) -> SlaPolicy | None:
    """First policy whose condition holds, in file order."""
    for policy in policies:
        if policy.applies(record):
            return policy
    return None
