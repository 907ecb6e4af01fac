"""/api/v1/reports: neighbourhood needs, quarterly muhtar figures, calls and deadlines.
Department staff get their own department's figures only (``hub.queries.scope``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from aiohttp import web

from hub import reports
from hub.actions.errors import ActionError
from hub.api.auth import actor_of
from hub.api.inputs import query_date, query_int
from hub.auth import require

routes = web.RouteTableDef()
QUARTER_RE = re.compile(r"(19|20)\d{2}-?Q[1-4]")


@routes.get("/api/v1/reports/muhtar")
async def muhtar(request: web.Request) -> web.Response:
    require(actor_of(request), "request.read")
    hub = request.app["hub"]
    quarter = request.query.get("quarter") or reports.current_quarter()
    if not QUARTER_RE.fullmatch(quarter.strip().upper()):  # also keeps the year where dates exist
        raise ActionError("quarter must look like 2026Q3 (years 1900-2099)", field="quarter")
    return web.json_response(await hub.db.run(reports.muhtar_quarter, hub.db, quarter, actor=actor_of(request)))


@routes.get("/api/v1/reports/mahalle")
async def mahalle(request: web.Request) -> web.Response:
    require(actor_of(request), "request.read")
    hub = request.app["hub"]
    days = query_int(request.query.get("days", "90"), "days", lo=1, hi=3660)
    since = datetime.now(UTC) - timedelta(days=days)
    items = await hub.db.run(
        reports.mahalle_needs, hub.db, since=since, ilce=request.query.get("ilce"), actor=actor_of(request)
    )
    return web.json_response({"items": items, "days": days})


@routes.get("/api/v1/reports/calls")
async def calls(request: web.Request) -> web.Response:
    require(actor_of(request), "request.read")
    hub = request.app["hub"]
    since = query_date(request.query.get("since"), "since")
    figures = await hub.db.run(reports.call_volume, hub.db, since_day=since, actor=actor_of(request))
    return web.json_response(figures)


@routes.get("/api/v1/reports/deadlines")
async def deadlines(request: web.Request) -> web.Response:
    """Open requests per department by deadline state (overdue first), for dashboards."""
    require(actor_of(request), "request.read")
    hub = request.app["hub"]
    items = await hub.db.run(reports.deadlines_by_department, hub.db, actor=actor_of(request))
    return web.json_response({"items": items})
