"""Candidate duplicates for a new request: open requests of the same topic and
mahalle within the window, scored by the classifier's duplicate matcher.

Only the most recent ``limit`` candidates are scored: a burst of reports about
one incident is recent by nature, and scoring costs grow with every candidate.

A batch fetches the candidates of all its (topic, ilçe, mahalle) places in one
query (``prefetch``); each message then takes the rows inside its own window. The
rows a message sees are exactly those a query of its own would return: per place
the candidates come newest first, so the rows newer than a message's window start
are a prefix of them, and the newest ``limit`` of that prefix are its first rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, bindparam, text
from sqlmodel import Session

from hub.models import OPEN_STATUSES, UTCDateTime, utcnow

Place = tuple[str, str, str]  # (topic, ilçe, mahalle)
Row = tuple[int, str, str | None, str | None, str | None, datetime]
# Places per OR list: keeps the statement small; a batch of 100 rarely has more than 60.
_CHUNK = 200


@dataclass(frozen=True, slots=True)
class Pending:
    """A request opened earlier in the same batch: not in the database yet, but a candidate."""

    id: int
    text: str
    topic: str | None
    ilce: str | None
    mahalle: str | None
    received_at: datetime


def _utc(dt: datetime) -> datetime:
    # SQLite returns naive datetimes; they are stored in UTC.
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


class Candidates:
    """Open requests per place, newest first, fetched for one batch."""

    def __init__(self, rows: dict[Place, list[Row]]) -> None:
        self.rows = rows

    def within(self, place: Place, since: datetime, limit: int) -> list[Row]:
        out = []
        for row in self.rows.get(place, ()):
            if _utc(row[5]) < since:
                break  # newest first: everything after is older still
            out.append(row)
            if len(out) == limit:
                break
        return out


class DuplicateFinder:
    def __init__(self, *, window_days: int = 7, limit: int = 30) -> None:
        self.window_days = window_days
        self.limit = limit
        from classifier.duplicates import DupItem, find_duplicates

        self._item, self._find = DupItem, find_duplicates
        self._open_sql = ", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES))  # fixed enum values
        self._statements: dict[int, Any] = {}
        self._lateral: Any = None

    def _statement(self, n: int) -> Any:
        """The candidates of ``n`` places: per place its newest open requests since its window start
        (id breaks ties), cut at the limit in SQL. Plain SQL: building it as an expression of
        ``n`` x 4 comparisons cost more than running it."""
        stmt = self._statements.get(n)
        if stmt is None:
            where = " OR ".join(
                f"(mahalle = :m{k} AND topic = :t{k} AND ilce = :i{k} AND received_at >= :s{k})"
                for k in range(n)
            )
            sql = (
                "SELECT id, text, topic, ilce, mahalle, received_at FROM ("
                " SELECT id, text, topic, ilce, mahalle, received_at, row_number() OVER"
                " (PARTITION BY topic, ilce, mahalle ORDER BY received_at DESC, id DESC) AS rank"
                f" FROM request WHERE status IN ({self._open_sql}) AND ({where})"
                ") AS candidates WHERE rank <= :limit"
            )
            stmt = text(sql).bindparams(
                *[bindparam(f"s{k}", type_=UTCDateTime()) for k in range(n)]
            ).columns(id=Integer(), text=String(), topic=String(), ilce=String(), mahalle=String(),
                      received_at=UTCDateTime())  # fmt: skip
            if len(self._statements) < 64:
                self._statements[n] = stmt
        return stmt

    def _lateral_statement(self) -> Any:
        """PostgreSQL: the places as arrays, and per place an index scan (``ix_request_dup_candidates``)
        cut at the limit. One statement text for any number of places, so it is prepared and
        planned once; the OR list was planned anew for each batch (4-6x slower at 70 places)."""
        if self._lateral is None:
            self._lateral = text(
                "SELECT c.id, c.text, c.topic, c.ilce, c.mahalle, c.received_at FROM unnest("
                " CAST(:topics AS text[]), CAST(:ilces AS text[]), CAST(:mahalles AS text[]),"
                " CAST(:sinces AS timestamp[])) AS w(topic, ilce, mahalle, since)"
                " CROSS JOIN LATERAL (SELECT r.id, r.text, r.topic, r.ilce, r.mahalle, r.received_at"
                "  FROM request r WHERE r.mahalle = w.mahalle AND r.topic = w.topic AND r.ilce = w.ilce"
                f"  AND r.received_at >= w.since AND r.status IN ({self._open_sql})"
                "  ORDER BY r.received_at DESC, r.id DESC LIMIT :limit) AS c"
            ).columns(id=Integer(), text=String(), topic=String(), ilce=String(), mahalle=String(),
                      received_at=UTCDateTime())  # fmt: skip
        return self._lateral

    @staticmethod
    def place(topic: str | None, location: dict[str, Any]) -> Place | None:
        """The place a request's candidates share; None when it has no topic or mahalle (no search).
        A place without an ilçe matches no stored request (``ilce = NULL`` holds for no row)."""
        if not topic or not location.get("mahalle"):
            return None
        return (topic, location.get("ilce"), location["mahalle"])  # type: ignore[return-value]

    def prefetch(
        self, session: Session, wanted: Iterable[tuple[Place | None, datetime | None]]
    ) -> Candidates:
        """One query for the candidates of every (place, received_at) in a batch: per place the
        newest ``limit`` open requests received since the earliest window start among its messages."""
        since: dict[Place, datetime] = {}
        for place, at in wanted:
            if place is None or place[1] is None:
                continue
            start = (at or utcnow()) - timedelta(days=self.window_days)
            if place not in since or start < since[place]:
                since[place] = start
        rows: dict[Place, list[Row]] = {}
        places = list(since)
        if places and session.get_bind().dialect.name == "postgresql":
            found = session.execute(self._lateral_statement(), {
                "topics": [p[0] for p in places], "ilces": [p[1] for p in places],
                "mahalles": [p[2] for p in places], "limit": self.limit,
                "sinces": [UTCDateTime().process_bind_param(since[p], None) for p in places],
            })  # fmt: skip
            for r in found:
                rows.setdefault((r[2], r[3], r[4]), []).append(tuple(r))  # type: ignore[arg-type]
            places = []  # all fetched
        for k in range(0, len(places), _CHUNK):
            chunk = places[k : k + _CHUNK]
            params: dict[str, Any] = {"limit": self.limit}
            for n, (t, i, m) in enumerate(chunk):
                params.update({f"t{n}": t, f"i{n}": i, f"m{n}": m, f"s{n}": since[(t, i, m)]})
            for r in session.execute(self._statement(len(chunk)), params):
                rows.setdefault((r[2], r[3], r[4]), []).append(tuple(r))  # type: ignore[arg-type]
        for found in rows.values():
            found.sort(key=lambda r: (_utc(r[5]), r[0]), reverse=True)
        return Candidates(rows)

    def find(
        self, session: Session, text: str, topic: str | None, location: dict[str, Any],
        pending: Sequence[Pending] = (), received_at: datetime | None = None,
        candidates: Candidates | None = None,
    ) -> list[dict]:  # fmt: skip
        """Likely duplicates among open requests (and ``pending`` ones of this batch), best first.
        ``received_at``: when the new message arrived (imports carry past dates); default now.
        ``candidates``: what ``prefetch`` fetched for the batch; without it, a query of its own."""
        place = self.place(topic, location)
        if place is None:
            return []
        _, ilce, mahalle = place
        at = received_at or utcnow()
        since = at - timedelta(days=self.window_days)
        if candidates is None:
            candidates = self.prefetch(session, [(place, at)])
        rows: list[Any] = candidates.within(place, since, self.limit)
        rows += [
            (p.id, p.text, p.topic, p.ilce, p.mahalle, p.received_at)
            for p in pending
            if p.topic == topic and p.mahalle == mahalle and p.ilce == ilce
        ]
        if not rows:
            return []
        rows = sorted(rows, key=lambda r: _utc(r[5]), reverse=True)[: self.limit]
        new = self._item(
            id="new", text=text, topic=topic, ilce=ilce, mahalle=mahalle, created_at=at,
        )  # fmt: skip
        cands = [
            self._item(id=str(r[0]), text=r[1], topic=r[2], ilce=r[3], mahalle=r[4], created_at=r[5])
            for r in rows
        ]
        found = self._find(new, cands, window_days=self.window_days)
        return [{"request_id": int(i), "score": round(float(s), 3)} for i, s in found[:5]]
