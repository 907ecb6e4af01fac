"""The Interior Ministry's quarterly muhtar figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import func, select

from hub.actions.errors import ActionError
from hub.auth import Actor
from hub.models import Contact, Request
from hub.queries.scope import visible_requests
from hub.reports.common import TZ


def current_quarter() -> str:
    now = datetime.now(TZ)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    m = re.fullmatch(r"(\d{4})-?Q([1-4])", quarter.strip().upper())
    if not m:
        raise ActionError("quarter must look like 2026Q3", field="quarter")
    year, q = int(m.group(1)), int(m.group(2))
    start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=TZ)
    end = datetime(year + (q == 4), (3 * q) % 12 + 1, 1, tzinfo=TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def muhtar_quarter(db: Any, quarter: str, *, actor: Actor | None = None) -> dict[str, Any]:
    """Requests from muhtars (MBS channel, muhtar portal or a muhtar contact) received in the quarter:
    total, answered olumlu / olumsuz, returned (iade: not the municipality's, counted apart),
    still open; by type and by ilçe. Every report takes the
    reader as ``actor``: department staff count only their own department (None: everything)."""
    start, end = quarter_bounds(quarter)
    # MBS imports and the hub's own muhtar portal (hub/ui/muhtar.py), counted together
    muhtar = or_(Request.channel.in_(("mbs", "muhtar")), Contact.kind == "muhtar")
    base = (
        select(Request.request_type, Request.ilce, Request.outcome, Request.status, func.count())
        .select_from(Request)
        .outerjoin(Contact, Contact.id == Request.contact_id)
        .where(muhtar, Request.received_at >= start, Request.received_at < end, Request.parent_id.is_(None))
        .group_by(Request.request_type, Request.ilce, Request.outcome, Request.status)
    )
    base = visible_requests(base, actor)
    totals = {"toplam": 0, "olumlu": 0, "olumsuz": 0, "cevaplanan": 0, "iade": 0, "bekleyen": 0}
    by_type: dict[str, dict[str, int]] = {}
    by_ilce: dict[str, dict[str, int]] = {}
    with db.reader() as session:
        for rtype, ilce, outcome, status, n in session.exec(base):
            answered = status in ("answered", "closed") and outcome in ("olumlu", "olumsuz")
            for bucket in (totals, by_type.setdefault(rtype or "belirsiz", dict.fromkeys(totals, 0)),
                           by_ilce.setdefault(ilce or "belirsiz", dict.fromkeys(totals, 0))):  # fmt: skip
                bucket["toplam"] += n
                if answered:
                    bucket["cevaplanan"] += n
                    bucket[outcome] += n
                elif outcome == "iade" and status == "closed":  # returned to CİMER / MBS
                    bucket["iade"] += n
                else:
                    bucket["bekleyen"] += n
    return {"quarter": quarter.upper(), "from": start.isoformat(), "to": end.isoformat(), "totals": totals,
            "by_type": by_type, "by_ilce": by_ilce}  # fmt: skip


def muhtar_xlsx(report: dict[str, Any], path: Any) -> None:
    from openpyxl import Workbook

    from connectors.imports.cells import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "Özet"
    append_row(ws, ["Dönem", report["quarter"]])
    append_row(ws, ["Toplam talep", report["totals"]["toplam"]])
    append_row(ws, ["Cevaplanan (olumlu)", report["totals"]["olumlu"]])
    append_row(ws, ["Cevaplanan (olumsuz)", report["totals"]["olumsuz"]])
    append_row(ws, ["İade edilen", report["totals"].get("iade", 0)])
    append_row(ws, ["Bekleyen", report["totals"]["bekleyen"]])
    ws2 = wb.create_sheet("İlçe")
    append_row(ws2, ["İlçe", "Toplam", "Olumlu", "Olumsuz", "İade", "Bekleyen"])
    for ilce, b in sorted(report["by_ilce"].items()):
        append_row(ws2, [ilce, b["toplam"], b["olumlu"], b["olumsuz"], b.get("iade", 0), b["bekleyen"]])
    wb.save(path)
