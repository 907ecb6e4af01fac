"""/ui/raporlar: the list of reports and one handler for every report's page, CSV and XLSX
(``/ui/raporlar/<rapor>``, ``<rapor>.csv``, ``<rapor>.xlsx``). The three read the same
``ReportFilter`` (Turkish query names) and the same ``hub.reports.catalog`` tables."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlmodel import select

from hub.actions.errors import ActionError
from hub.auth import Actor, require
from hub.queries.scope import department_scoped
from hub.report_filter import PRESET_DAYS, UI_NAMES, ReportFilter
from hub.reports import catalog, current_quarter, export, muhtar
from hub.reports.table import Table, page_text
from hub.ui import labels
from hub.ui.render import actor_of, render

PAGE_ROWS = 50  # ranked mahalle rows per page
DATE_KEYS = (UI_NAMES["start"], UI_NAMES["end"], UI_NAMES["days"])


def _names(hub: Any) -> dict[str, str]:
    from hub.models import Department

    with hub.db.reader() as session:
        return dict(session.exec(select(Department.code, Department.name)).all())


def _ilceler(hub: Any, actor: Actor) -> list[str]:
    """ilçe names to offer in the filter, from the requests the reader may see."""
    from hub.models import Request
    from hub.queries.scope import visible_requests

    stmt = visible_requests(select(Request.ilce).where(Request.ilce.is_not(None)).distinct(), actor)
    with hub.db.reader() as session:
        return sorted((i for i in session.exec(stmt) if i), key=str.casefold)


def parse_filter(report: catalog.Report, query: Any, actor: Actor) -> tuple[ReportFilter, str | None]:
    """The page's filter, held to the reader's department. The muhtar report counts quarters:
    ``donem=2026Q3`` sets the range, and without any date the current quarter is shown."""
    flt = ReportFilter.parse(query, names=UI_NAMES)
    quarter = None
    if report.slug == "muhtar":
        quarter = (query.get("donem") or "").strip().upper()
        if not quarter and not any(query.get(k) for k in DATE_KEYS):
            quarter = current_quarter()
        if quarter:
            try:
                flt = muhtar.quarter_filter(quarter, flt)
            except ActionError:
                raise ActionError("Dönem 2026Q3 biçiminde olmalıdır (yıl 2000 ile 2099 arasında).",
                                  field="donem") from None  # fmt: skip
    return flt.for_actor(actor), quarter or None


async def index(request: web.Request) -> web.StreamResponse:
    """The list of reports; a link of the first version (``?donem=``) opens the muhtar report."""
    require(actor_of(request), "request.read")
    if request.query.get("donem"):
        raise web.HTTPSeeOther("/ui/raporlar/muhtar?" + urlencode(list(request.query.items())))
    return render(request, "reports.html", page_title="Raporlar", reports=list(catalog.REPORTS.values()),
                  qs_keep=urlencode([(k, v) for k, v in request.query.items() if k in UI_NAMES.values()]))  # fmt: skip


async def report(request: web.Request) -> web.StreamResponse:
    """One report as a page, ``.csv`` (one table, ``?tablo=``; the first by default) or ``.xlsx``."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    name, _, fmt = request.match_info["name"].partition(".")
    spec = catalog.REPORTS.get(name)
    if spec is None or fmt not in ("", "csv", "xlsx"):
        raise web.HTTPNotFound()
    names = await hub.db.run(_names, hub)
    try:
        flt, quarter = parse_filter(spec, request.query, actor)
    except ActionError as exc:
        if fmt:
            raise
        return await _page(request, spec, None, names, error=labels.turkish_error(exc), status=400)
    data = await hub.db.run(spec.build, hub.db, flt, actor)
    tables = spec.tables(data, names)
    if fmt == "csv":
        wanted = request.query.get("tablo") or tables[0].key
        table = next((t for t in tables if t.key == wanted), None)
        if table is None:
            raise ActionError(f"tablo: {', '.join(t.key for t in tables)} olabilir", field="tablo")
        return _file(export.to_csv(table), export.CSV_TYPE, spec.file_name(flt, f"{table.key}.csv"))
    if fmt == "xlsx":
        about = catalog.about(spec, flt, actor, names, **{"Dönem": quarter or ""})
        body = await hub.db.run(export.to_xlsx, tables, about)
        return _file(body, export.XLSX_TYPE, spec.file_name(flt, "xlsx"))
    return await _page(request, spec, (flt, quarter, data, tables), names)


def _file(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": content_type, "Cache-Control": "no-store",
                                            "Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


async def _page(request: web.Request, spec: catalog.Report, result: tuple | None, names: dict[str, str], *,
                error: str | None = None, status: int = 200) -> web.Response:  # fmt: skip
    hub = request.app["hub"]
    actor = actor_of(request)
    if result is None:  # a bad filter: the form again, with the error, and no figures
        flt, quarter, data, tables = None, request.query.get("donem", ""), None, []
    else:
        flt, quarter, data, tables = result
    page, pages, shown = 1, 1, [t for t in tables if t.on_page]
    if spec.slug == "mahalle" and shown:
        page, pages, shown[0] = _paged(shown[0], request.query.get("sayfa", "1"))
    link = flt.query_string(**({"donem": quarter} if quarter else {})) if flt else ""
    dept_choices = {actor.department: names.get(actor.department or "", actor.department)} if department_scoped(
        actor) else names  # fmt: skip
    return render(
        request, "reports_report.html", status=status, page_title=spec.title, report=spec, flt=flt, quarter=quarter,
        data=data, tables=shown, all_tables=tables, error=error, link=link, page=page, pages=pages, request_args=request.query,
        presets=PRESET_DAYS, departments=sorted(dept_choices.items(), key=lambda kv: str(kv[1]).casefold()),
        channels=labels.CHANNEL, ilceler=await hub.db.run(_ilceler, hub, actor), cell=page_text,
        scoped=department_scoped(actor), reports=list(catalog.REPORTS.values()),
    )  # fmt: skip


def _paged(table: Table, raw: str) -> tuple[int, int, Table]:
    """One page of a ranked table (its Sıra column keeps the rank across pages)."""
    pages = max(1, -(-len(table.rows) // PAGE_ROWS))
    page = min(max(int(raw), 1), pages) if raw.isdigit() and len(raw) < 7 else 1
    lo = (page - 1) * PAGE_ROWS
    part = Table(
        table.key, table.title, table.cols, table.rows[lo : lo + PAGE_ROWS], table.links[lo : lo + PAGE_ROWS]
    )
    return page, pages, part


def add_routes(routes: web.RouteTableDef, wrap: Any) -> None:
    """``wrap``: the staff-page guard (sign-in, Turkish errors)."""
    routes.get("/ui/raporlar")(wrap(index))
    routes.get("/ui/raporlar/{name}")(wrap(report))
