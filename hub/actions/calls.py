"""Call-centre statistics: every call is counted, not only those that became requests."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.actions import events
from hub.auth import SYSTEM_INTAKE
from hub.models import CallStat


def record_stats(db: Any, stats: Any) -> None:
    """Store one call-log file's counts, per day of its first call and disposition.

    Keyed by (day, disposition, file): recording the same file again overwrites,
    so a re-read file is not counted twice.
    """
    day = (stats.first_call.date().isoformat() if stats.first_call else "bilinmiyor")
    with db.session() as session:
        for disposition, n in (stats.by_disposition or {"(boş)": stats.calls_total}).items():
            row = session.exec(
                select(CallStat).where(
                    CallStat.day == day, CallStat.disposition == disposition, CallStat.source_file == stats.sha256
                )
            ).first()
            if row is None:
                session.add(CallStat(day=day, disposition=disposition, source_file=stats.sha256, calls=n))
            else:
                row.calls = n
        events.record(session, SYSTEM_INTAKE, "calllog.counted", None, file=stats.file,
                      calls=stats.calls_total, with_request=stats.calls_with_request)  # fmt: skip
