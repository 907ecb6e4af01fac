"""One filter for every report, dashboard and export: a date range (Istanbul calendar days)
and optional ilçe / mahalle / department / channel, narrowed to what the reader may see.

Pages use Turkish query names, the API English ones; both parse through ``ReportFilter.parse``
so a report link, its CSV and its XLSX always count the same rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from hub.actions.errors import ActionError
from hub.auth import Actor
from hub.models import Request
from hub.queries.scope import department_scoped, visible_requests

TZ = ZoneInfo("Europe/Istanbul")
Stmt = TypeVar("Stmt")

PRESET_DAYS = (30, 90, 365)
MAX_DAYS = 3660  # ten years: wider ranges are a typo, not a report
FIRST_DAY = date(2000, 1, 1)

# query name per field, for pages (Turkish) and for the API (English)
UI_NAMES = {"start": "baslangic", "end": "bitis", "days": "gun", "ilce": "ilce", "mahalle": "mahalle",
            "department": "birim", "channel": "kanal"}  # fmt: skip
API_NAMES = {"start": "from", "end": "to", "days": "days", "ilce": "ilce", "mahalle": "mahalle",
             "department": "department", "channel": "channel"}  # fmt: skip

_TEXT_MAX = 120


@dataclass(frozen=True)
class ReportFilter:
    """Inclusive calendar days ``first_day``..``last_day`` in Istanbul time, plus equality filters."""

    first_day: date
    last_day: date
    ilce: str | None = None
    mahalle: str | None = None
    department: str | None = None
    channel: str | None = None

    # -- parsing ---------------------------------------------------------------------------
    @classmethod
    def parse(
        cls, query: Mapping[str, str], *, names: Mapping[str, str] = UI_NAMES, default_days: int = 90,
        today: date | None = None,
    ) -> ReportFilter:  # fmt: skip
        """Read a filter from query parameters. A preset (``gun``/``days``) counts back from today;
        explicit start / end dates win over it. Errors are Turkish and name the field."""
        today = today or datetime.now(TZ).date()

        def text(key: str) -> str | None:
            raw = (query.get(names[key]) or "").strip()
            if "\x00" in raw:
                raise ActionError(f"{names[key]}: geçersiz karakter", field=names[key])
            return raw[:_TEXT_MAX] or None

        days = default_days
        raw_days = text("days")
        if raw_days:
            if not raw_days.isdigit() or not 1 <= int(raw_days) <= MAX_DAYS:
                raise ActionError(f"{names['days']}: 1 ile {MAX_DAYS} arasında bir gün sayısı olmalıdır",
                                  field=names["days"])  # fmt: skip
            days = int(raw_days)
        last = _date(text("end"), names["end"]) or today
        first = _date(text("start"), names["start"]) or last - timedelta(days=days - 1)
        if first > last:
            raise ActionError("Başlangıç tarihi bitiş tarihinden sonra olamaz", field=names["start"])
        if (last - first).days >= MAX_DAYS:
            raise ActionError(f"Tarih aralığı en çok {MAX_DAYS} gün olabilir", field=names["start"])
        return cls(first, last, text("ilce"), text("mahalle"), text("department"), text("channel"))

    # -- the range ----------------------------------------------------------------------------
    @property
    def start(self) -> datetime:
        """Start of the first day, as an aware UTC datetime (inclusive)."""
        return datetime.combine(self.first_day, time(), TZ).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Start of the day after the last day, as an aware UTC datetime (exclusive)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), TZ).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def for_actor(self, actor: Actor | None) -> ReportFilter:
        """Department staff see their own department only, whatever the link asked for."""
        if department_scoped(actor):
            assert actor is not None
            return replace(self, department=actor.department)
        return self

    # -- SQL ------------------------------------------------------------------------------------
    def apply(self, stmt: Stmt, actor: Actor | None, *, date_column: Any = None, dated: bool = True) -> Stmt:
        """Narrow a statement over ``Request``: the reader's scope, the equality filters and, when
        ``dated``, the range on ``date_column`` (default ``Request.received_at``)."""
        stmt = visible_requests(stmt, actor)
        for column, value in ((Request.ilce, self.ilce), (Request.mahalle, self.mahalle),
                              (Request.department, self.department), (Request.channel, self.channel)):  # fmt: skip
            if value is not None:
                stmt = stmt.where(column == value)  # type: ignore[attr-defined]
        if dated:
            col = Request.received_at if date_column is None else date_column
            stmt = stmt.where(col >= self.start, col < self.end)  # type: ignore[attr-defined]
        return stmt

    # -- links ----------------------------------------------------------------------------------
    def query_string(self, names: Mapping[str, str] = UI_NAMES, **extra: str) -> str:
        """The filter as query parameters, for links to exports and other reports."""
        pairs = [(names["start"], self.first_day.isoformat()), (names["end"], self.last_day.isoformat())]
        for key in ("ilce", "mahalle", "department", "channel"):
            value = getattr(self, key)
            if value:
                pairs.append((names[key], value))
        pairs.extend((k, v) for k, v in extra.items() if v)
        return urlencode(pairs)

    def describe(self) -> dict[str, Any]:
        """JSON-ready form, echoed by the API and written into export headers."""
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat(), "ilce": self.ilce,
                "mahalle": self.mahalle, "department": self.department, "channel": self.channel}  # fmt: skip


def _date(raw: str | None, field: str) -> date | None:
    if raw is None:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ActionError(f"{field}: tarih 2026-01-31 biçiminde olmalıdır", field=field) from None
    if value < FIRST_DAY or value.year > 2099:
        raise ActionError(f"{field}: tarih 2000 ile 2099 arasında olmalıdır", field=field)
    return value
