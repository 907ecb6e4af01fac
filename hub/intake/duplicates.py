"""Candidate duplicates for a new request: open requests of the same topic and
mahalle within the window, scored by the classifier's duplicate matcher.

Only the most recent ``limit`` candidates are scored: a burst of reports about
one incident is recent by nature, and scoring costs grow with every candidate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from hub.models import OPEN_STATUSES, Request, utcnow


class DuplicateFinder:
    def __init__(self, *, window_days: int = 7, limit: int = 30) -> None:
        self.window_days = window_days
        self.limit = limit
        from classifier.duplicates import DupItem, find_duplicates

        self._item, self._find = DupItem, find_duplicates

    def find(self, session: Session, text: str, topic: str | None, location: dict[str, Any]) -> list[dict]:
        if not topic or not location.get("mahalle"):
            return []
        since = utcnow() - timedelta(days=self.window_days)
        rows = session.exec(
            select(Request.id, Request.text, Request.topic, Request.ilce, Request.mahalle, Request.received_at)
            .where(
                Request.topic == topic,
                Request.mahalle == location["mahalle"],
                Request.ilce == location.get("ilce"),
                Request.received_at >= since,
                Request.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(Request.received_at.desc())
            .limit(self.limit)
        ).all()
        if not rows:
            return []
        new = self._item(
            id="new", text=text, topic=topic, ilce=location.get("ilce"), mahalle=location["mahalle"],
            created_at=utcnow(),
        )  # fmt: skip
        cands = [self._item(id=str(r[0]), text=r[1], topic=r[2], ilce=r[3], mahalle=r[4], created_at=r[5]) for r in rows]
        found = self._find(new, cands, window_days=self.window_days)
        return [{"request_id": int(i), "score": round(float(s), 3)} for i, s in found[:5]]
