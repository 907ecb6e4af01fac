"""/ui/panolar: the supervisors' dashboards. One filter (hub.report_filter) for every chart;
department staff see their own department only. Charts are drawn by hub/static/ui/dashboards.js
with Chart.js, which the hub serves itself from hub/static/vendor (installed by
scripts/install.sh with npm); without it the page shows the same figures as tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlmodel import select

from hub import dashboards, reports
from hub.actions.errors import ActionError
from hub.auth import Actor, require
from hub.models import CHANNELS, Department, Request
from hub.queries.scope import department_scoped, visible_requests
from hub.report_filter import PRESET_DAYS, UI_NAMES, ReportFilter
from hub.ui import dashboards_charts as charts
from hub.ui import labels
from hub.ui.render import actor_of, render, staff_page

URL = "/ui/panolar"
VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "node_modules"
VENDOR_PREFIX = "/static/vendor"
# the only files served from node_modules, by the name the page asks for
VENDOR_FILES = {
    "chart.umd.js": VENDOR / "chart.js" / "dist" / "chart.umd.js",
    "chartjs-plugin-datalabels.js": VENDOR / "chartjs-plugin-datalabels/dist/chartjs-plugin-datalabels.js",
}
_CHOICES_MAX = 2000


def vendor_ready() -> bool:
    return all(p.is_file() for p in VENDOR_FILES.values())


async def vendor_file(request: web.Request) -> web.StreamResponse:
    path = VENDOR_FILES.get(request.match_info["name"])
    if path is None or not path.is_file():
        raise web.HTTPNotFound(text="Bulunamadı")
    return web.FileResponse(path, headers={"Content-Type": "text/javascript; charset=utf-8",
                                           "Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})  # fmt: skip


# -- names --------------------------------------------------------------------------------------
def _department_names(hub: Any) -> dict[str, str]:
    """Short department names for chart axes: the rules' ``short_name``, else the table's name."""
    with hub.db.reader() as session:
        names = dict(session.exec(select(Department.code, Department.name)).all())
    ruleset = getattr(hub.rules, "ruleset", None)  # hub.routing.RulesRuntime
    for code, dept in (getattr(ruleset, "departments", None) or {}).items():
        short = getattr(dept, "short_name", None)
        if short:
            names[code] = short
    return names


def _choices(hub: Any, actor: Actor, flt: ReportFilter) -> dict[str, Any]:
    """What the filter form offers: the ilçe and mahalle the reader's requests carry, the
    departments they may pick, and the channels."""
    with hub.db.reader() as session:
        ilce = visible_requests(select(Request.ilce).where(Request.ilce.is_not(None)).distinct(), actor)
        mahalle = visible_requests(
            select(Request.mahalle).where(Request.mahalle.is_not(None)).distinct(), actor
        )
        if flt.ilce:
            mahalle = mahalle.where(Request.ilce == flt.ilce)
        ilceler = sorted((i for i in session.exec(ilce.limit(_CHOICES_MAX)) if i), key=str.casefold)
        mahalleler = sorted((m for m in session.exec(mahalle.limit(_CHOICES_MAX)) if m), key=str.casefold)
    return {"ilceler": ilceler, "mahalleler": mahalleler,
            "channels": [(c, labels.label(labels.CHANNEL, c)) for c in CHANNELS]}  # fmt: skip


# -- the page --------------------------------------------------------------------------------------
def collect(hub: Any, flt: ReportFilter, actor: Actor) -> dict[str, Any]:
    """Every figure of the page, in one worker thread."""
    db = hub.db
    names = _department_names(hub)

    def dept_name(code: str | None) -> str:
        return names.get(code, code) if code else "Birimsiz (inceleme)"

    by_channel = dashboards.intake_per_day(db, flt, actor=actor, by="channel")
    by_topic = dashboards.intake_per_day(db, flt, actor=actor, by="topic")
    deadlines = reports.deadlines_by_department(db, actor=actor, flt=flt)  # open now: no date range
    overall = reports.department_performance(db, flt, actor=actor)
    monthly = reports.department_performance(db, flt, actor=actor, by_month=True)
    needs = dashboards.mahalle_needs(db, flt, actor=actor)
    workload = dashboards.agent_workload(db, flt, actor=actor)
    review = dashboards.review_queue(db, flt, actor=actor)
    accuracy = dashboards.classifier_accuracy(db, flt, actor=actor)
    on_time = sum(r["on_time"] for r in overall)
    late = sum(r["late"] for r in overall)
    figures = {
        "intake": by_channel["total"],
        "answered": sum(r["answered"] for r in overall),
        "on_time_rate": charts.pct(on_time / (on_time + late) if on_time + late else None),
        "open": sum(r["acik"] for r in deadlines),
        "overdue": sum(r["gecikmis"] for r in deadlines),
        "review": review["total"],
    }
    perf = charts.performance_charts(overall, monthly, dept_name)
    chart_list = [
        charts.intake_chart("giris-kanal", by_channel, charts.channel_name),
        charts.intake_chart("giris-konu", by_topic, charts.topic_label),
        charts.deadlines_chart(deadlines, dept_name),
        *perf,
        charts.needs_chart(needs),
        charts.workload_chart(workload),
        charts.review_chart(review),
        charts.accuracy_chart(accuracy),
    ]
    changes = [{"field": charts.FIELD_LABELS.get(c["field"], c["field"]),
                "before": charts.correction_label(c["field"], c["before"]),
                "after": charts.correction_label(c["field"], c["after"]), "count": c["count"]}
               for c in accuracy["changes"]]  # fmt: skip
    return {"charts": {c["id"]: c for c in chart_list}, "figures": figures, "needs": needs, "review": review,
            "accuracy": accuracy, "changes": changes, "dept_names": names}  # fmt: skip


def _chart_data(chart_map: dict[str, Any]) -> dict[str, Any]:
    """What the script needs (the tables stay in the HTML)."""
    keep = ("kind", "labels", "series", "unit", "stacked", "percent")
    return {cid: {k: c[k] for k in keep} for cid, c in chart_map.items() if not c["empty"]}


def _preset_links(flt: ReportFilter) -> list[tuple[int, str, bool]]:
    """30 / 90 / 365 days back from today, keeping the other filters."""
    pairs = [
        (UI_NAMES[k], getattr(flt, k))
        for k in ("ilce", "mahalle", "department", "channel")
        if getattr(flt, k)
    ]
    today = ReportFilter.parse({}).last_day
    return [(n, f"{URL}?" + urlencode([("gun", str(n)), *pairs]), flt.last_day == today and flt.days == n)
            for n in PRESET_DAYS]  # fmt: skip


async def page(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    error, status = None, 200
    try:
        flt = ReportFilter.parse(request.query, default_days=30)
    except ActionError as exc:
        flt, error, status = ReportFilter.parse({}, default_days=30), labels.turkish_error(exc), 400
    flt = flt.for_actor(actor)
    data = await hub.db.run(collect, hub, flt, actor)
    choices = await hub.db.run(_choices, hub, actor, flt)
    return render(
        request, "dashboards.html", status=status, page_title="Panolar", error=error, flt=flt, **data, **choices,
        chart_data=_chart_data(data["charts"]), charts_ready=vendor_ready(), vendor=VENDOR_PREFIX,
        presets=_preset_links(flt), scoped=department_scoped(actor), report_qs=flt.query_string(),
    )  # fmt: skip


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get(URL)(staff_page(page))
    routes.get(VENDOR_PREFIX + "/{name}")(vendor_file)
