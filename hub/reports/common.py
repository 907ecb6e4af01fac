"""Small helpers every report shares: Istanbul time, months, percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Istanbul")
UNKNOWN = "belirsiz"  # a topic, type or ilçe the request does not carry


def month_of(when: datetime) -> str:
    """The Istanbul calendar month of an aware datetime, as ``2026-03``."""
    return when.astimezone(TZ).strftime("%Y-%m")


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..1) of already sorted values, interpolated linearly between
    the two nearest ranks (what PostgreSQL's ``percentile_cont`` returns). None when empty.
    Computed in Python so SQLite and PostgreSQL give the same figure."""
    n = len(sorted_values)
    if n == 0:
        return None
    pos = (n - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    if lo == hi:
        return float(sorted_values[lo])
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` as a fraction (0..1), None when there is nothing to divide."""
    return part / whole if whole else None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 1)
