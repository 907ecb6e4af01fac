"""The seeded data set of the report export tests, and readers for what the hub serves:
an HTML report table, a CSV (BOM, ``;``) and an XLSX sheet, as lists of rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from sqlmodel import select

from hub.models import Event, User
from hub.models_callbacks import Callback
from tests.report_seed import add_request

MARCH = datetime(2026, 3, 2, 9, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 9, tzinfo=UTC)
MAY = datetime(2026, 5, 5, 9, tzinfo=UTC)
RANGE = {"baslangic": "2026-03-01", "bitis": "2026-05-31"}
HOSTILE = '=HYPERLINK("http://kotu.example")'  # a mahalle name that a spreadsheet would run
EXTRA_MAHALLE = 55  # enough mahalleler for two pages of the needs table


def seed(hub: Any) -> dict[str, int]:
    """Requests of March-May 2026 across two departments, three ilçe, muhtar and citizen
    channels, every muhtar outcome, first-contact closings, call-backs and a reopening."""
    h = timedelta(hours=1)
    with hub.db.session() as s:
        agent = s.exec(select(User).where(User.username == "agent")).one().id
        r = {}
        # muhtar requests (MBS and the portal)
        r["m1"] = add_request(s, 1, channel="mbs", department="kaski", ilce="Melikgazi", mahalle="Esentepe",
                              request_type="istek", topic="su-kanalizasyon", status="closed", outcome="olumlu",
                              answered_at=MARCH + 5 * h, closed_at=MARCH + 5 * h, due_at=MARCH + 240 * h)  # fmt: skip
        r["m2"] = add_request(s, 2, channel="mbs", department="kaski", ilce="Melikgazi", mahalle="Esentepe",
                              request_type="sikayet", topic="su-kanalizasyon", status="closed", outcome="olumsuz",
                              answered_at=MARCH + 30 * h, closed_at=MARCH + 30 * h, due_at=MARCH + 24 * h)  # fmt: skip
        r["m3"] = add_request(s, 3, channel="mbs", department="fen-isleri", ilce="Talas", mahalle="Mevlana",
                              request_type="istek", topic="yol-altyapi", status="closed", outcome="iade",
                              answered_at=MARCH + 2 * h, closed_at=MARCH + 2 * h)  # fmt: skip
        r["m4"] = add_request(s, 4, channel="mbs", department="fen-isleri", ilce="Talas", mahalle="Mevlana",
                              request_type="istek", topic="yol-altyapi", status="in_progress", due_at=MARCH + 48 * h)  # fmt: skip
        r["m5"] = add_request(s, 5, channel="mbs", department="kaski", ilce="Talas", mahalle=HOSTILE,
                              received_at=APRIL, request_type="istek", topic="su-kanalizasyon", status="forwarded")  # fmt: skip
        r["m6"] = add_request(s, 6, channel="muhtar", department="kaski", ilce="Kocasinan", mahalle="Yenimahalle",
                              received_at=MAY, request_type="ihbar", topic="su-kanalizasyon", status="answered",
                              outcome="olumlu", answered_at=MAY + 48 * h, due_at=MAY + 72 * h)  # fmt: skip
        # citizens
        r["c1"] = add_request(s, 11, channel="phone", department="kaski", ilce="Melikgazi", mahalle="Esentepe",
                              topic="su-kanalizasyon", status="in_progress", answered_at=MARCH + 3 * h,
                              due_at=MARCH + 72 * h)  # fmt: skip
        r["c2"] = add_request(s, 12, channel="phone", department="kaski", ilce="Melikgazi", mahalle="Esentepe",
                              topic="su-kanalizasyon", status="closed", outcome="olumlu", answered_at=MARCH + 1 * h,
                              closed_at=MARCH + 1 * h, kb_entry_id=None)  # fmt: skip
        r["c3"] = add_request(s, 13, channel="phone", department="fen-isleri", ilce="Talas", mahalle="Mevlana",
                              received_at=APRIL, topic="yol-altyapi", status="closed", outcome="olumlu",
                              answered_at=APRIL + 2 * h, closed_at=APRIL + 2 * h)  # fmt: skip
        r["c4"] = add_request(s, 14, channel="phone", department="kaski", ilce="Kocasinan", mahalle="Yenimahalle",
                              received_at=APRIL, topic="su-kanalizasyon", status="in_progress")  # fmt: skip
        r["c5"] = add_request(s, 15, channel="phone", department="fen-isleri", ilce="Kocasinan",
                              mahalle="Yenimahalle", received_at=MAY, topic="aydinlatma", status="in_progress")  # fmt: skip
        r["old"] = add_request(
            s,
            16,
            channel="mbs",
            department="kaski",
            ilce="Melikgazi",
            mahalle="Esentepe",
            received_at=datetime(2026, 2, 1, 9, tzinfo=UTC),
            status="in_progress",
        )  # outside
        for i in range(EXTRA_MAHALLE):
            add_request(s, 100 + i, channel="webform", department="fen-isleri", ilce="Kocasinan",
                        mahalle=f"Deneme {i:02d}", received_at=MAY, topic="park-bahce", status="new")  # fmt: skip
        # a reopening (kaski, citizen), first-contact closings and call-backs
        s.add(Event(request_id=r["c1"].id, actor=f"user:{agent}", kind="request.status", created_at=MARCH + 10 * h,
                    data={"before": "answered", "after": "in_progress", "reason": None}))  # fmt: skip
        for req, when in ((r["c2"], MARCH + 1 * h), (r["c3"], APRIL + 2 * h)):
            s.add(Event(request_id=req.id, actor=f"user:{agent}", kind="request.first_contact", created_at=when,
                        data={"entry_id": 1}))  # fmt: skip
        s.add(Callback(request_id=r["c4"].id, attempt=1, status="done", outcome="not_reached", created_at=APRIL,
                       due_at=APRIL + 2 * h, done_at=APRIL + 3 * h, done_by=f"user:{agent}"))  # fmt: skip
        s.add(Callback(request_id=r["c4"].id, attempt=2, status="done", outcome="reached", created_at=APRIL + 3 * h,
                       due_at=APRIL + 6 * h, done_at=APRIL + 7 * h, done_by=f"user:{agent}"))  # fmt: skip
        s.add(Callback(request_id=r["c5"].id, attempt=1, status="open", created_at=MAY, due_at=MAY + 2 * h))
        return {k: v.id for k, v in r.items()}


class _Tables(HTMLParser):
    """Rows of cell texts of every ``<table id=...>`` on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> dict[str, list[list[str]]]:
    p = _Tables()
    p.feed(html)
    return p.tables


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline=""), delimiter=";"))
