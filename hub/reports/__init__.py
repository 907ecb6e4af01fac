"""Reports: which neighbourhood needs what, the Ministry's quarterly muhtar figures, which
departments are behind on their deadlines, how each department performs, first-contact
resolutions and call-backs. Every report reads through ``hub.report_filter.ReportFilter``
and the reader's scope; ``hub.reports.export`` writes any of them as CSV or XLSX."""

from hub.reports.common import TZ
from hub.reports.contact import call_volume, first_contact_resolutions
from hub.reports.deadlines import deadlines_by_department
from hub.reports.mahalle import mahalle_needs
from hub.reports.muhtar import current_quarter, muhtar_quarter, muhtar_xlsx, quarter_bounds
from hub.reports.performance import department_performance

__all__ = [
    "TZ", "call_volume", "current_quarter", "deadlines_by_department", "department_performance",
    "first_contact_resolutions", "mahalle_needs", "muhtar_quarter", "muhtar_xlsx", "quarter_bounds",
]  # fmt: skip
