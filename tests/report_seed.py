"""A small, hand-checkable data set for the report tests: rows written straight into the
tables (the reports only read), with exact timestamps so every figure is known in advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.models import Event, Request

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday in March 2026 (12:00 in Istanbul)


def add_request(session: Any, n: int, **fields: Any) -> Request:
    """One top-level request; ``received_at`` defaults to T0."""
    values: dict[str, Any] = {"channel": "phone", "received_at": T0, "status": "in_progress", "text": f"talep {n}",
                              "tracking_code": f"TST-2026-{n:06d}", "external_id": f"seed-{n}"}  # fmt: skip
    values.update(fields)
    req = Request(**values)
    session.add(req)
    session.flush()
    return req


def reopen(session: Any, req: Request, *, reason: str | None = None, when: datetime | None = None) -> None:
    """The event the actions layer writes when a closed request goes back to work."""
    session.add(Event(request_id=req.id, actor="user:1", kind="request.status", created_at=when or T0,
                      data={"before": "closed", "after": "in_progress", "reason": reason}))  # fmt: skip


def answered(received: datetime, after_hours: float) -> dict[str, Any]:
    return {
        "received_at": received,
        "answered_at": received + timedelta(hours=after_hours),
        "status": "answered",
    }
