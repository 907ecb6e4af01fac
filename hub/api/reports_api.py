"""/api/v1/reports: every report of ``hub.reports.catalog`` as JSON, CSV or XLSX
(``?format=json|csv|xlsx``), with the report filter's English query names (``from``, ``to``,
``days``, ``ilce``, ``mahalle``, ``department``, ``channel``), plus call-centre call volume.
Department staff get their own department's figures only, whatever ``department`` says."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from sqlmodel import select

from hub import reports
from hub.actions.errors import ActionError
from hub.api.auth import actor_of
from hub.api.inputs import query_date, query_int
from hub.auth import Actor, require
from hub.report_filter import API_NAMES, ReportFilter
from hub.reports import catalog, export, muhtar

routes = web.RouteTableDef()
FORMATS = ("json", "csv", "xlsx")


def _names(db: Any) -> dict[str, str]:
    from hub.models import Department

    with db.reader() as session:
        return dict(session.exec(select(Department.code, Department.name)).all())


def _format(request: web.Request) -> str:
    fmt = (request.query.get("format") or "json").strip().lower()
    if fmt not in FORMATS:
        raise ActionError("format must be json, csv or xlsx", field="format")
    return fmt


async def _respond(request: web.Request, spec: catalog.Report, flt: ReportFilter, data: dict[str, Any],
                   body: dict[str, Any] | None = None, **about: str) -> web.Response:  # fmt: skip
    """``data`` as JSON (``body`` when the endpoint's JSON has its own shape) or as a file
    written from the report's tables, as the page's exports are."""
    fmt = _format(request)
    if fmt == "json":
        return web.json_response(
            body if body is not None else data, dumps=lambda v: json.dumps(v, default=str)
        )
    hub = request.app["hub"]
    names = await hub.db.run(_names, hub.db)
    tables = spec.tables(data, names)
    if fmt == "csv":
        wanted = request.query.get("table") or tables[0].key
        table = next((t for t in tables if t.key == wanted), None)
        if table is None:
            raise ActionError(f"table must be one of {', '.join(t.key for t in tables)}", field="table")
        body_bytes, ctype, name = (
            export.to_csv(table),
            export.CSV_TYPE,
            spec.file_name(flt, f"{table.key}.csv"),
        )
    else:
        about_rows = catalog.about(spec, flt, actor_of(request), names, **about)
        body_bytes = await hub.db.run(export.to_xlsx, tables, about_rows)
        ctype, name = export.XLSX_TYPE, spec.file_name(flt, "xlsx")
    return web.Response(body=body_bytes, headers={"Content-Type": ctype, "Cache-Control": "no-store",
                                                  "Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _filter(request: web.Request, actor: Actor, *, default_days: int = 90) -> ReportFilter:
    return ReportFilter.parse(request.query, names=API_NAMES, default_days=default_days).for_actor(actor)


@routes.get("/api/v1/reports/muhtar")
async def muhtar_report(request: web.Request) -> web.Response:
    """One quarter (``quarter``, default the current one) or, with ``from``/``to`` and no
    ``quarter``, every quarter the range touches (then ``quarter`` is null)."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    ranged = not request.query.get("quarter") and any(request.query.get(k) for k in ("from", "to", "days"))
    quarter = None if ranged else (request.query.get("quarter") or reports.current_quarter()).strip().upper()
    flt = _filter(request, actor)
    if quarter:
        flt = muhtar.quarter_filter(quarter, flt)  # 400 naming ``quarter`` when malformed or out of 2000-2099
        data = await hub.db.run(reports.muhtar_quarter, hub.db, quarter, actor=actor, flt=flt)
    else:
        data = {"quarter": None, **await hub.db.run(lambda: muhtar.muhtar_report(hub.db, flt, actor=actor))}
    return await _respond(request, catalog.REPORTS["muhtar"], flt, data, **{"Dönem": quarter or ""})


@routes.get("/api/v1/reports/mahalle")
async def mahalle(request: web.Request) -> web.Response:
    """Ranked mahalleler; ``limit`` (default 500) and ``offset`` page the JSON items (files hold all)."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    flt = _filter(request, actor)
    limit = query_int(request.query.get("limit", "500"), "limit", lo=1, hi=5000)
    offset = query_int(request.query.get("offset", "0"), "offset", lo=0, hi=10**6)
    data = await hub.db.run(lambda: reports.mahalle_report(hub.db, flt, actor=actor))
    body = {"items": data["items"][offset : offset + limit], "count": len(data["items"]), "total": data["total"],
            "days": flt.days, "filter": data["filter"]}  # fmt: skip
    return await _respond(request, catalog.REPORTS["mahalle"], flt, data, body)


@routes.get("/api/v1/reports/calls")
async def calls(request: web.Request) -> web.Response:
    require(actor_of(request), "request.read")
    hub = request.app["hub"]
    since = query_date(request.query.get("since"), "since")
    figures = await hub.db.run(reports.call_volume, hub.db, since_day=since, actor=actor_of(request))
    return web.json_response(figures)


@routes.get("/api/v1/reports/deadlines")
async def deadlines(request: web.Request) -> web.Response:
    """Open requests per department by deadline state (overdue first): a snapshot of now,
    narrowed by ilçe / mahalle / department / channel; the date range does not apply."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    spec = catalog.REPORTS["sureler"]
    flt = _filter(request, actor)
    data = await hub.db.run(spec.build, hub.db, flt, actor)
    return await _respond(request, spec, flt, data, {"items": data["items"], "filter": data["filter"]})


@routes.get("/api/v1/reports/{report}")
async def other(request: web.Request) -> web.Response:
    """performance, first-contact, callbacks: the report's figures as its page shows them."""
    actor = actor_of(request)
    require(actor, "request.read")
    spec = catalog.BY_API.get(request.match_info["report"])
    if spec is None or spec.api in ("muhtar", "mahalle", "deadlines"):
        raise web.HTTPNotFound(text=json.dumps({"error": "not_found", "message": "no such report"}),
                               content_type="application/json")  # fmt: skip
    hub = request.app["hub"]
    flt = _filter(request, actor)
    data = await hub.db.run(spec.build, hub.db, flt, actor)
    return await _respond(request, spec, flt, data)
