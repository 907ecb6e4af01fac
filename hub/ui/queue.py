"""/ui/: the unified work queue with filters, saved filters and cursor paging."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.auth import require
from hub.models import CHANNELS, Department, Request, SavedFilter, Status, User
from hub.queries.delivery import unreached_ids
from hub.queries.requests import list_requests
from hub.queries.scope import visible_filters, visible_requests
from hub.ui import labels
from hub.ui.render import actor_of, render

FILTER_KEYS = ("status", "channel", "department", "topic", "ilce", "q", "sort", "filter_id", "cursor")
PAGE_SIZE = 50


def _choices(hub: Any, actor: Any) -> dict[str, Any]:
    with hub.db.reader() as session:
        depts = list(session.exec(select(Department).order_by(Department.name)))
        base = visible_requests(select(Request.topic).where(Request.topic.is_not(None)).distinct(), actor)
        ilce = visible_requests(select(Request.ilce).where(Request.ilce.is_not(None)).distinct(), actor)
        topics = sorted(t for t in session.exec(base.limit(200)) if t)
        ilceler = sorted(i for i in session.exec(ilce.limit(200)) if i)
        filters = [
            {"id": f.id, "name": f.name}
            for f in session.exec(visible_filters(session, actor).order_by(SavedFilter.name))
        ]
        users = {u.id: u.display_name for u in session.exec(select(User))}
    return {
        "departments": [(d.code, d.name) for d in depts if actor.can_see_department(d.code)],
        "dept_names": {d.code: d.name for d in depts},
        "short_names": {d.code: _short(d.name) for d in depts},
        "topics": topics, "ilceler": ilceler, "saved_filters": filters, "users": users,
    }  # fmt: skip


def _unreached(hub: Any, ids: list[int]) -> set[int]:
    with hub.db.reader() as session:
        return unreached_ids(session, ids)


def _short(name: str) -> str:
    """A department name short enough for a table cell: the part in brackets if any
    ("... (Beyaz Masa)"), else the name without the common suffixes."""
    if "(" in name and name.endswith(")"):
        return name[name.rindex("(") + 1 : -1]
    for suffix in (" Daire Başkanlığı", " Genel Müdürlüğü", " Müdürlüğü"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


async def queue(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    form = {k: request.query.get(k, "").strip()[:200] for k in FILTER_KEYS}
    mine = request.query.get("bana") == "1"
    overdue = request.query.get("geciken") == "1"
    unreached = request.query.get("ulasilamayan") == "1"
    q = {k: v for k, v in form.items() if v}
    q["limit"] = str(PAGE_SIZE)
    if mine:
        q["assignee"] = "me"
    if overdue:
        q["overdue"] = "1"
    if unreached:
        q["unreached"] = "1"
    data = await hub.db.run(list_requests, hub, actor, q)
    flagged = await hub.db.run(_unreached, hub, [item["id"] for item in data["items"]])
    choices = await hub.db.run(_choices, hub, actor)
    next_params = {k: v for k, v in form.items() if v and k != "cursor"}
    if mine:
        next_params["bana"] = "1"
    if overdue:
        next_params["geciken"] = "1"
    if unreached:
        next_params["ulasilamayan"] = "1"
    return render(
        request, "queue.html", page_title="İş kuyruğu", items=data["items"], next_cursor=data["next_cursor"],
        form=form, mine=mine, overdue=overdue, unreached_only=unreached, unreached=flagged,
        unreached_label=labels.UNREACHED, statuses=[s.value for s in Status], channels=CHANNELS,
        next_params=next_params, paged=bool(form["cursor"]), **choices,
    )  # fmt: skip


async def save_filter(request: web.Request) -> web.StreamResponse:
    """Save the current simple filters as a named filter (the rule-condition language)."""
    from hub.actions import filters

    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    form = await request.post()
    name = str(form.get("ad", "")).strip()[:100]
    condition: dict[str, Any] = {}
    for key in ("status", "channel", "department", "topic", "ilce"):
        value = str(form.get(key, "")).strip()
        if value:
            condition[key] = value
    if not name or not condition:
        from hub.ui.render import error_page

        return error_page(
            request,
            400,
            "Filtre kaydedilemedi",
            "Filtreye bir ad verin ve en az bir süzgeç (durum, kanal, birim, konu, ilçe) seçin.",
        )
    cond = {"all": [{k: v} for k, v in condition.items()]} if len(condition) > 1 else condition

    def work() -> int:
        with hub.db.session() as session:
            return filters.save(session, actor, name, cond).id

    fid = await hub.db.run(work)
    raise web.HTTPSeeOther(f"/ui/?filter_id={fid}")
