"""The intake's multi-row insert gives back exactly what went in, on both databases
(PostgreSQL takes the JSON-recordset path, SQLite the plain one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import select

from hub.actions.bulk import bulk_insert
from hub.models import Contact, Event, Status


def test_values_round_trip(hub) -> None:  # noqa: ANN001
    when = datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=UTC)
    istanbul = when.astimezone(timezone(timedelta(hours=3)))  # the same instant, written in +03:00
    rows = [
        {"request_id": None, "actor": "system:intake", "kind": f"test.{i}", "created_at": istanbul if i % 2 else when,
         "data": {"metin": "Çöp \"toplanmıyor\" \\ ğüşiöç İI", "n": i, "oran": 0.1 + i, "yok": None, "var": True,
                  "liste": [1, "iki", {"üç": [3]}], "durum": Status.new.value}}
        for i in range(6)
    ]  # fmt: skip
    contacts = [{"name": f"Ayşe {i}", "phone": f"+90532000000{i}", "created_at": when} for i in range(5)]
    with hub.db.session() as s:
        bulk_insert(s, Event, rows)
        bulk_insert(s, Contact, contacts)  # "kind" left out: its default applies
        bulk_insert(s, Event, [])
        bulk_insert(s, Event, [{"request_id": None, "actor": "a", "kind": "test.nodate", "data": {}}])  # Python default
    with hub.db.reader() as s:
        got = s.exec(select(Event).where(Event.kind.startswith("test.")).order_by(Event.id)).all()
        people = s.exec(select(Contact).where(Contact.name.startswith("Ayşe ")).order_by(Contact.id)).all()
    assert [e.kind for e in got] == [f"test.{i}" for i in range(6)] + ["test.nodate"]
    for e, r in zip(got, rows, strict=False):
        assert e.data == r["data"] and e.created_at == when and e.created_at.tzinfo is not None
    assert got[-1].created_at is not None
    assert [(c.name, c.phone, c.kind) for c in people] == [(f"Ayşe {i}", f"+90532000000{i}", "citizen") for i in range(5)]
