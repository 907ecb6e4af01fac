"""Reports: which neighbourhood needs what, the Ministry's quarterly muhtar figures, and
which departments are behind on their deadlines."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, or_
from sqlmodel import func, select

from hub.actions.errors import ActionError
from hub.auth import Actor, PermissionDenied
from hub.models import OPEN_STATUSES, Contact, Request
from hub.queries.scope import department_scoped, visible_requests

TZ = ZoneInfo("Europe/Istanbul")


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


def deadlines_by_department(
    db: Any, *, now: datetime | None = None, actor: Actor | None = None
) -> list[dict[str, Any]]:
    """Open requests per department by deadline state, for supervisors: overdue first.
    ``gecikmis`` the deadline passed, ``riskli`` warned at 80 %, ``bekletilen`` the clock is
    paused (waiting on the citizen), ``suresiz`` no deadline."""
    now = now or datetime.now(UTC)
    open_ = [s.value for s in OPEN_STATUSES]
    state = case(
        (Request.sla_paused_since.is_not(None), "bekletilen"),
        (Request.due_at.is_(None), "suresiz"),
        (Request.due_at < now, "gecikmis"),
        (Request.sla_warned_at.is_not(None), "riskli"),
        else_="zamaninda",
    )
    stmt = (
        select(Request.department, state, func.count(), func.min(Request.due_at))
        .where(Request.status.in_(open_), Request.parent_id.is_(None))
        .group_by(Request.department, state)
    )
    stmt = visible_requests(stmt, actor)
    rows: dict[str, dict[str, Any]] = {}
    with db.reader() as session:
        for dept, st, n, oldest in session.exec(stmt):
            row = rows.setdefault(dept or "", {
                "department": dept, "acik": 0, "gecikmis": 0, "riskli": 0, "zamaninda": 0, "bekletilen": 0,
                "suresiz": 0, "en_eski_gecikme": None,
            })  # fmt: skip
            row[st] += n
            row["acik"] += n
            if st == "gecikmis":
                row["en_eski_gecikme"] = oldest.isoformat() if oldest else None
    return sorted(rows.values(), key=lambda r: (-r["gecikmis"], -r["riskli"], -r["acik"]))


def mahalle_needs(
    db: Any, *, since: datetime | None = None, ilce: str | None = None, limit: int = 500, actor: Actor | None = None
) -> list[dict]:
    stmt = select(Request.ilce, Request.mahalle, Request.topic, func.count()).where(Request.mahalle.is_not(None))
    stmt = visible_requests(stmt, actor)
    if since:
        stmt = stmt.where(Request.received_at >= since)
    if ilce:
        stmt = stmt.where(Request.ilce == ilce)
    stmt = stmt.group_by(Request.ilce, Request.mahalle, Request.topic)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    with db.reader() as session:
        for il, mah, topic, n in session.exec(stmt):
            row = rows.setdefault((il, mah), {"ilce": il, "mahalle": mah, "total": 0, "topics": {}})
            row["total"] += n
            row["topics"][topic or "belirsiz"] = n
    return sorted(rows.values(), key=lambda r: -r["total"])[:limit]


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


def call_volume(db: Any, *, since_day: str | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Calls per day and disposition (all calls, requests or not). Call-centre figures belong
    to no department, so department staff may not read them."""
    if department_scoped(actor):
        raise PermissionDenied("report.calls")
    from hub.models import CallStat

    stmt = select(CallStat.day, CallStat.disposition, func.sum(CallStat.calls)).group_by(CallStat.day, CallStat.disposition)
    if since_day:
        stmt = stmt.where(CallStat.day >= since_day)
    days: dict[str, dict[str, int]] = {}
    with db.reader() as session:
        for day, disposition, n in session.exec(stmt):
            days.setdefault(day, {})[disposition] = int(n or 0)
    return {"days": days, "total": sum(sum(d.values()) for d in days.values())}


def first_contact_resolutions(db: Any, *, since: datetime | None = None, actor: Actor | None = None) -> dict[str, Any]:
    """Calls closed on first contact from the knowledge base ("İlk temasta çözüldü"), by topic
    and by agent; department staff count their own department's only."""
    from hub.actions.knowledge import FCR_EVENT
    from hub.models import Event, User

    stmt = (
        select(Request.topic, Event.actor, func.count())
        .select_from(Event)
        .join(Request, Request.id == Event.request_id)
        .where(Event.kind == FCR_EVENT)
        .group_by(Request.topic, Event.actor)
    )
    stmt = visible_requests(stmt, actor)
    if since:
        stmt = stmt.where(Event.created_at >= since)
    by_topic: dict[str, int] = {}
    by_agent: dict[str, int] = {}
    with db.reader() as session:
        names = {f"user:{u.id}": u.display_name for u in session.exec(select(User))}
        for topic, who, n in session.exec(stmt):
            by_topic[topic or "belirsiz"] = by_topic.get(topic or "belirsiz", 0) + n
            name = names.get(who, who)
            by_agent[name] = by_agent.get(name, 0) + n
    order = lambda d: dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))  # noqa: E731
    return {"total": sum(by_topic.values()), "by_topic": order(by_topic), "by_agent": order(by_agent)}
