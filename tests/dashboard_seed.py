"""A hand-checkable data set for the dashboard tests (hub.dashboards, /ui/panolar): rows
written straight into the tables (dashboards only read) with exact Istanbul times in March 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.auth import Actor
from hub.models import Correction, Event, Request, User
from hub.models_callbacks import Callback
from hub.report_filter import ReportFilter

MARCH = ReportFilter(date(2026, 3, 1), date(2026, 3, 31))
MARCH_QUERY = "baslangic=2026-03-01&bitis=2026-03-31"
SUPERVISOR = Actor("user:900", "supervisor", user_id=900)
KASKI = Actor("user:901", "department", user_id=901, department="kaski")
NOW = datetime(2026, 3, 20, 9, tzinfo=UTC)


def _ist(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """An Istanbul wall-clock time in 2026 (UTC+3) as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


def _req(s: Any, n: int, **fields: Any) -> int:
    values: dict[str, Any] = {"channel": "phone", "status": "in_progress", "text": f"talep {n}",
                              "tracking_code": f"PANO-{n:04d}", "external_id": f"pano-{n}"}  # fmt: skip
    values.update(fields)
    req = Request(**values)
    s.add(req)
    s.flush()
    return req.id


def _event(s: Any, rid: int, who: str, kind: str, when: datetime, **data: Any) -> None:
    s.add(Event(request_id=rid, actor=who, kind=kind, created_at=when, data=data))


def seed(hub: Any) -> dict[str, Any]:
    with hub.db.session() as s:
        a = User(username="ayse", display_name="Ayşe Temsilci", role="agent")
        b = User(username="bora", display_name="Bora Temsilci", role="agent")
        s.add_all([a, b])
        s.flush()
        ua, ub = f"user:{a.id}", f"user:{b.id}"
        esentepe = {"ilce": "Melikgazi", "mahalle": "Esentepe"}
        mevlana = {"ilce": "Talas", "mahalle": "Mevlana"}
        r = {
            # 2 March in Istanbul, one of them at 23:30 (20:30 UTC)
            # answered (r1 on time, r4 a day late, r3 without a deadline), matching the events below
            1: _req(s, 1, received_at=_ist(2, 10), topic="su-kanalizasyon", department="kaski", status="closed",
                    answered_at=_ist(4, 10), closed_at=_ist(4, 10), outcome="olumlu", due_at=_ist(10, 17), **esentepe),
            2: _req(s, 2, received_at=_ist(2, 23, 30), topic="su-kanalizasyon", department="kaski", **esentepe),
            # 00:30 on 3 March in Istanbul is still 2 March in UTC
            3: _req(s, 3, received_at=_ist(3, 0, 30), channel="webform", topic="yol-altyapi", department="fen-isleri",
                    status="answered", answered_at=_ist(9, 10), **esentepe),
            4: _req(s, 4, received_at=_ist(5, 12), channel="email", topic="park-bahce", department="park-bahceler",
                    request_type="istek", status="answered", answered_at=_ist(7, 10), due_at=_ist(6, 17), **mevlana),
            5: _req(s, 5, received_at=_ist(5, 13), channel="whatsapp", topic="su-kanalizasyon", department="kaski",
                    **mevlana),
            # thanks and out of scope are intake, not needs
            6: _req(s, 6, received_at=_ist(6, 9), topic="yol-altyapi", request_type="tesekkur", department="fen-isleri",
                    **mevlana),
            7: _req(s, 7, received_at=_ist(6, 10), topic="out_of_scope", status="out_of_scope", **mevlana),
            # outside March in Istanbul: 1 April 00:10 and 28 February 23:59
            8: _req(s, 8, received_at=_ist(1, 0, 10, month=4), topic="su-kanalizasyon", department="kaski", **esentepe),
            9: _req(s, 9, received_at=_ist(28, 23, 59, month=2), topic="su-kanalizasyon", department="kaski", **esentepe),
            # the review queue (open, flagged): 2 days and 10 days old; a closed flagged one does not wait
            10: _req(s, 10, received_at=NOW - timedelta(days=2), status="needs_review", needs_review=True, **mevlana),
            11: _req(s, 11, received_at=NOW - timedelta(days=10), channel="webform", status="triaged",
                     needs_review=True, department="kaski", **esentepe),
            12: _req(s, 12, received_at=NOW - timedelta(days=4), status="closed", needs_review=True, **esentepe),
        }  # fmt: skip
        # corrections: r1 topic and mahalle wrong; r3 topic changed and changed back (right);
        # r4 type wrong; r5 topic wrong; r8's correction is in April (outside the range)
        for rid, field, old, new, when in [
            (r[1], "topic", "yol-altyapi", "su-kanalizasyon", _ist(3, 9)),
            (r[1], "mahalle", None, "Esentepe", _ist(3, 9)),
            (r[3], "topic", "yol-altyapi", "park-bahce", _ist(4, 9)),
            (r[3], "topic", "park-bahce", "yol-altyapi", _ist(4, 10)),
            (r[4], "request_type", "sikayet", "istek", _ist(6, 9)),
            (r[5], "topic", "yol-altyapi", "su-kanalizasyon", _ist(6, 9)),
            (r[8], "topic", "park-bahce", "su-kanalizasyon", _ist(2, 9, month=4)),
        ]:
            s.add(Correction(request_id=rid, field_name=field, old_value=old, new_value=new, text="", actor=ua,
                             created_at=when))  # fmt: skip
        # workload: Ayşe records, answers and closes r1, answers r4, resolves r2 on first contact,
        # calls r5's citizen twice; Bora answers r3 (and r3 again in April); the system counts for nobody
        _event(s, r[1], ua, "request.created", _ist(2, 10))
        _event(s, r[1], ua, "request.replied", _ist(4, 10))
        _event(s, r[1], ua, "request.closed", _ist(4, 10))
        _event(s, r[4], ua, "request.replied", _ist(7, 10))
        _event(s, r[2], ua, "request.first_contact", _ist(2, 23, 40))
        _event(s, r[3], ub, "request.replied", _ist(9, 10))
        _event(s, r[3], ub, "request.replied", _ist(2, 10, month=4))
        _event(s, r[5], "system:intake", "request.created", _ist(5, 13))
        for outcome, when in (("not_reached", _ist(8, 10)), ("reached", _ist(9, 10))):
            s.add(
                Callback(
                    request_id=r[5], status="done", outcome=outcome, done_by=ua, done_at=when, due_at=when
                )
            )
            _event(s, r[5], ua, "callback.completed", when, outcome=outcome)
        s.add(Callback(request_id=r[5], status="open", due_at=_ist(10, 10)))
    return {"r": r, "ayse": ua, "bora": ub}
