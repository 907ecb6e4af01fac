"""Turkish wording of the live workspace: how late an overdue request is, and a clock time
with the right ablative suffix ("14:02'den beri", "14:03'ten beri")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

_TZ = ZoneInfo("Europe/Istanbul")
# The ablative after a number follows the sound of its last word: bir-den, üç-ten, altı-dan …
_ONES = {1: "den", 2: "den", 3: "ten", 4: "ten", 5: "ten", 6: "dan", 7: "den", 8: "den", 9: "dan"}
_TENS = {1: "dan", 2: "den", 3: "dan", 4: "tan", 5: "den"}


def _as_dt(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ablative(number: int) -> str:
    """The ablative suffix of a number as read aloud: 2 → den, 3 → ten, 30 → dan, 0 → dan."""
    if number == 0:
        return "dan"  # sıfır-dan
    if number % 10:
        return _ONES[number % 10]
    if number % 100 == 0:
        return "den"  # yüz-den, bin-den
    return _TENS[(number // 10) % 10]


def since_clock(value: Any, now: datetime | None = None) -> str:
    """"14:02'den beri" (Istanbul time); a day other than today also says the date."""
    dt = _as_dt(value)
    if dt is None:
        return ""
    local = dt.astimezone(_TZ)
    today = (now or datetime.now(UTC)).astimezone(_TZ).date()
    minute = local.minute
    suffix = ablative(minute) if minute else ablative(local.hour)
    clock = f"{local:%H:%M}'{suffix} beri"
    return clock if local.date() == today else f"{local:%d.%m} {clock}"


def lateness(due_at: Any, now: datetime | None = None) -> str:
    """How late a request is: "3 gün 4 saat gecikmiş", "5 saat 10 dakika gecikmiş",
    "12 dakika gecikmiş"; empty when it is not late."""
    due = _as_dt(due_at)
    if due is None:
        return ""
    seconds = int(((now or datetime.now(UTC)) - due).total_seconds())
    if seconds <= 0:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [f"{days} gün"] + ([f"{hours} saat"] if hours else [])
    elif hours:
        parts = [f"{hours} saat"] + ([f"{minutes} dakika"] if minutes else [])
    else:
        parts = [f"{max(minutes, 1)} dakika"]
    return " ".join(parts) + " gecikmiş"
