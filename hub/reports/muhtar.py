"""The Interior Ministry's quarterly muhtar figures: per quarter, the requests muhtars sent,
answered olumlu / olumsuz, returned as not the municipality's (iade) and pending, by ilçe,
mahalle, department and request type."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import select

from hub.actions.errors import ActionError
from hub.auth import Actor
from hub.models import Contact, Request
from hub.report_filter import ReportFilter
from hub.reports.common import TZ, UNKNOWN

FIRST_YEAR, LAST_YEAR = 2000, 2099  # as the report filter's dates
COUNTS = ("toplam", "olumlu", "olumsuz", "cevaplanan", "iade", "bekleyen")
DIMENSIONS = {"by_type": "request_type", "by_ilce": "ilce", "by_department": "department"}


def current_quarter() -> str:
    now = datetime.now(TZ)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def _parse_quarter(quarter: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-?Q([1-4])", quarter.strip().upper())
    if not m:
        raise ActionError("quarter must look like 2026Q3", field="quarter")
    year, q = int(m.group(1)), int(m.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:  # datetime has no year 0 and no year 10000
        raise ActionError(f"quarter year must be between {FIRST_YEAR} and {LAST_YEAR}", field="quarter")
    return year, q


def quarter_days(quarter: str) -> tuple[date, date]:
    """First and last Istanbul calendar day of a quarter such as ``2026Q3``."""
    year, q = _parse_quarter(quarter)
    first = date(year, 3 * (q - 1) + 1, 1)
    after = date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return first, after - timedelta(days=1)


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    """The quarter as [start, end) in aware UTC datetimes (Istanbul midnights)."""
    first, last = quarter_days(quarter)
    start = datetime(first.year, first.month, first.day, tzinfo=TZ)
    end = datetime(last.year, last.month, last.day, tzinfo=TZ) + timedelta(days=1)
    return start.astimezone(UTC), end.astimezone(UTC)


def quarter_filter(quarter: str, base: ReportFilter | None = None) -> ReportFilter:
    """``base`` (ilçe, mahalle, department, channel kept) narrowed to the quarter's days."""
    first, last = quarter_days(quarter)
    return replace(base, first_day=first, last_day=last) if base else ReportFilter(first, last)


def quarter_of(when: datetime) -> str:
    local = when.astimezone(TZ)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def _bucket(status: str, outcome: str | None) -> str:
    """Where one request falls: answered olumlu / olumsuz, returned (iade), or pending."""
    if status in ("answered", "closed") and outcome in ("olumlu", "olumsuz"):
        return outcome
    if outcome == "iade" and status == "closed":  # returned to CİMER / MBS: not the municipality's
        return "iade"
    return "bekleyen"


def _add(counts: dict[str, int], bucket: str) -> None:
    counts["toplam"] += 1
    counts[bucket] += 1
    if bucket in ("olumlu", "olumsuz"):
        counts["cevaplanan"] += 1


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def muhtar_report(db: Any, flt: ReportFilter, *, actor: Actor | None) -> dict[str, Any]:
    """Requests from muhtars (the MBS channel, the muhtar portal or a muhtar contact) received
    in the filter's range, top-level only (merged duplicates are counted once), within the
    reader's scope. ``toplam`` = ``olumlu`` + ``olumsuz`` + ``iade`` + ``bekleyen``;
    ``cevaplanan`` = ``olumlu`` + ``olumsuz``. Figures for the whole range (``totals``,
    ``by_type``, ``by_ilce``, ``by_department``, ``by_mahalle``) and per Istanbul calendar
    quarter (``quarters``: the same breakdowns for each quarter the range touches)."""
    flt = flt.for_actor(actor)
    muhtar = or_(Request.channel.in_(("mbs", "muhtar")), Contact.kind == "muhtar")
    stmt = (
        select(
            Request.received_at,
            Request.request_type,
            Request.ilce,
            Request.mahalle,
            Request.department,
            Request.outcome,
            Request.status,
        )  # fmt: skip
        .select_from(Request)
        .outerjoin(Contact, Contact.id == Request.contact_id)
        .where(muhtar, Request.parent_id.is_(None))
    )
    stmt = flt.apply(stmt, actor)
    whole = _breakdowns()
    quarters: dict[str, dict[str, Any]] = {}
    with db.reader() as session:
        for received, rtype, ilce, mahalle, dept, outcome, status in session.exec(stmt):
            bucket = _bucket(status, outcome)
            keys = {"request_type": rtype or UNKNOWN, "ilce": ilce or UNKNOWN, "department": dept or "",
                    "mahalle": (ilce or UNKNOWN, mahalle or UNKNOWN)}  # fmt: skip
            q = quarters.get(quarter_of(received))
            if q is None:
                q = quarters[quarter_of(received)] = _breakdowns()
            for part in (whole, q):
                _add(part["totals"], bucket)
                for name, dim in DIMENSIONS.items():
                    _add(part[name].setdefault(keys[dim], _zero()), bucket)
                _add(part["_mahalle"].setdefault(keys["mahalle"], _zero()), bucket)
    report = _finish(whole)
    report.update({"from": flt.start.isoformat(), "to": flt.end.isoformat(), "filter": flt.describe(),
                   "quarters": {k: _finish(v) for k, v in sorted(quarters.items())}})  # fmt: skip
    return report


def _breakdowns() -> dict[str, Any]:
    return {"totals": _zero(), "by_type": {}, "by_ilce": {}, "by_department": {}, "_mahalle": {}}


def _finish(part: dict[str, Any]) -> dict[str, Any]:
    """Sorted breakdowns; ``by_mahalle`` as a list, since its key is (ilçe, mahalle)."""
    out: dict[str, Any] = {"totals": part["totals"]}
    for name in DIMENSIONS:
        out[name] = dict(sorted(part[name].items()))
    out["by_mahalle"] = [{"ilce": i, "mahalle": m, **c} for (i, m), c in sorted(part["_mahalle"].items())]
    return out


def muhtar_quarter(
    db: Any, quarter: str, *, actor: Actor | None = None, flt: ReportFilter | None = None
) -> dict[str, Any]:
    """The report for one quarter (``2026Q3``), as ``/api/v1/reports/muhtar`` and the CLI give
    it: ``quarter``, ``from``, ``to``, ``totals``, ``by_type``, ``by_ilce`` as before, with
    ``by_mahalle``, ``by_department``, ``quarters`` and ``filter`` added. Department staff count
    only their own department (``actor`` None: everything)."""
    report = muhtar_report(db, quarter_filter(quarter, flt), actor=actor)
    return {"quarter": quarter.strip().upper().replace("-", ""), **report}
