"""A report as tables: the one shape the page, the CSV and the XLSX are all written from, so
they cannot disagree. Values stay typed (int, fraction, hours, date) until a writer formats them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hub.reports.common import TZ

# Column kinds: how a value is typed and shown.
#   text   a string                 int    a count
#   pct    a fraction 0..1 (None: nothing to divide), shown as a percentage with one decimal
#   hours  hours with one decimal   date   a calendar day   month  the first day of a month
KINDS = ("text", "int", "pct", "hours", "date", "month")


@dataclass(frozen=True)
class Col:
    key: str
    header: str  # Turkish, as on the page and in the files
    kind: str = "text"

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


@dataclass
class Table:
    key: str  # the CSV's ``tablo=`` value and the HTML table's id (``t-<key>``)
    title: str  # the page heading and the XLSX sheet name (at most 31 characters)
    cols: list[Col]
    rows: list[list[Any]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)  # page only: per row, column key -> href
    on_page: bool = True  # False: in the files only (a long form of what the page shows)

    def __post_init__(self) -> None:
        assert len(self.title) <= 31, self.title

    def add(self, values: list[Any], links: dict[str, str] | None = None) -> None:
        assert len(values) == len(self.cols)
        self.rows.append([typed(v, c.kind) for v, c in zip(values, self.cols, strict=True)])
        self.links.append(links or {})


def typed(value: Any, kind: str) -> Any:
    """Normalise a value for its column: dates from ISO strings or datetimes (Istanbul day),
    months from ``2026-03``; None stays None."""
    if value is None:
        return None
    if kind == "month" and isinstance(value, str):
        return date.fromisoformat(value + "-01")
    if kind in ("date", "month"):
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.astimezone(TZ).date()
        return value
    if kind == "int":
        return int(value)
    if kind in ("pct", "hours"):
        return float(value)
    return str(value)


def decimal_tr(value: float, places: int = 1) -> str:
    """``66.666`` -> ``66,7``: a Turkish decimal comma, which Excel in Turkey reads as a number."""
    return f"{value:.{places}f}".replace(".", ",")


def csv_text(value: Any, kind: str) -> str:
    """A cell as the CSV writes it: empty for None, ISO dates (``2026-03-02``, months
    ``2026-03``), percentages as ``66,7`` (the header says %), hours as ``3,5``."""
    if value is None:
        return ""
    if kind == "pct":
        return decimal_tr(value * 100)
    if kind == "hours":
        return decimal_tr(value)
    if kind == "date":
        return value.isoformat()
    if kind == "month":
        return value.strftime("%Y-%m")
    return str(value)


MONTHS_TR = ("Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım",
             "Aralık")  # fmt: skip


def page_text(value: Any, kind: str) -> str:
    """A cell as the page shows it: ``—`` for None, ``%66,7``, ``3,5``, ``02.03.2026``, ``Mart 2026``."""
    if value is None:
        return "—"
    if kind == "pct":
        return "%" + decimal_tr(value * 100)
    if kind == "date":
        return value.strftime("%d.%m.%Y")
    if kind == "month":
        return f"{MONTHS_TR[value.month - 1]} {value.year}"
    return csv_text(value, kind)
