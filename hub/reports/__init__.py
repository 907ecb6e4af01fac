"""Reports: which neighbourhood needs what, the Ministry's quarterly muhtar figures, which
departments are behind on their deadlines, how each department performs, first-contact
resolutions and call-backs. Every report reads through ``hub.report_filter.ReportFilter``
and the reader's scope; ``hub.reports.catalog`` says which tables each report shows and
``hub.reports.export`` writes them as CSV or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.reports.common import TZ
from hub.reports.contact import call_volume, callbacks_report, fcr_report, first_contact_resolutions
from hub.reports.deadlines import deadlines_by_department
from hub.reports.mahalle import mahalle_needs, mahalle_report
from hub.reports.muhtar import current_quarter, muhtar_quarter, muhtar_report, quarter_bounds
from hub.reports.performance import department_performance, performance_report

__all__ = [
    "TZ", "call_volume", "callbacks_report", "current_quarter", "deadlines_by_department", "department_performance",
    "fcr_report", "first_contact_resolutions", "mahalle_needs", "mahalle_report", "muhtar_quarter", "muhtar_report",
    "muhtar_xlsx", "performance_report", "quarter_bounds",
]  # fmt: skip


def muhtar_xlsx(report: dict[str, Any], path: str | Path, *, names: dict[str, str] | None = None) -> None:
    """Write a muhtar report (``muhtar_quarter`` / ``muhtar_report``) as the page's XLSX."""
    from hub.report_filter import ReportFilter
    from hub.reports import catalog, export
    from hub.reports.muhtar import quarter_days

    spec = catalog.REPORTS["muhtar"]
    quarter = report.get("quarter") or ""
    first, last = quarter_days(quarter) if quarter else (None, None)
    flt = ReportFilter(first, last) if first and last else None
    about = catalog.about(spec, flt, None, names or {}, **{"Dönem": quarter}) if flt else [("Dönem", quarter)]
    Path(path).write_bytes(export.to_xlsx(spec.tables(report, names or {}), about))
