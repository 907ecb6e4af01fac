"""Candidate duplicates for a new request: open requests of the same topic and
mahalle within the window, scored by the classifier's duplicate matcher.

Only the most recent ``limit`` candidates are scored: a burst of reports about
one incident is recent by nature, and scoring costs grow with every candidate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from hub.models import OPEN_STATUSES, Request, utcnow


@dataclass(frozen=True, slots=True)
class Pending:
    """A request opened earlier in the same batch: not in the database yet, but a candidate."""

    id: int
    text: str
    topic: str | None
    ilce: str | None
    mahalle: str | None
    received_at: datetime


class DuplicateFinder:
    def __init__(self, *, window_days: int = 7, limit: int = 30) -> None:
        self.window_days = window_days
        self.limit = limit
        from classifier.duplicates import DupItem, find_duplicates

        self._item, self._find = DupItem, find_duplicates
        # Built once: constructing the statement cost more than running it.
        self._stmt = (
            select(Request.id, Request.text, Request.topic, Request.ilce, Request.mahalle, Request.received_at)
            .where(
                Request.topic == bindparam("topic"),
                Request.mahalle == bindparam("mahalle"),
                Request.ilce == bindparam("ilce"),
                Request.received_at >= bindparam("since"),
                Request.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(Request.received_at.desc())
            .limit(limit)
        )

    def find(
        self, session: Session, text: str, topic: str | None, location: dict[str, Any],
        pending: Sequence[Pending] = (), received_at: datetime | None = None,
    ) -> list[dict]:  # fmt: skip
        """Likely duplicates among open requests (and ``pending`` ones of this batch), best first.
        ``received_at``: when the new message arrived (imports carry past dates); default now."""
        if not topic or not location.get("mahalle"):
            return []
        mahalle, ilce = location["mahalle"], location.get("ilce")
        at = received_at or utcnow()
        since = at - timedelta(days=self.window_days)
        rows = list(session.exec(self._stmt, params={"topic": topic, "mahalle": mahalle, "ilce": ilce,
                                                     "since": since}).all())  # fmt: skip
        rows += [
            (p.id, p.text, p.topic, p.ilce, p.mahalle, p.received_at)
            for p in pending
            if p.topic == topic and p.mahalle == mahalle and p.ilce == ilce
        ]
        if not rows:
            return []
        rows = sorted(rows, key=lambda r: r[5], reverse=True)[: self.limit]
        new = self._item(
            id="new", text=text, topic=topic, ilce=ilce, mahalle=mahalle, created_at=at,
        )  # fmt: skip
        cands = [self._item(id=str(r[0]), text=r[1], topic=r[2], ilce=r[3], mahalle=r[4], created_at=r[5]) for r in rows]
        found = self._find(new, cands, window_days=self.window_days)
        return [{"request_id": int(i), "score": round(float(s), 3)} for i, s in found[:5]]
