"""/ui/: the unified work queue with filters, saved filters, cursor paging, live updates
(hub.live), claims, keyboard shortcuts and bulk actions (hub/static/ui/*.js)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, text
from sqlmodel import select

from hub.auth import Actor, require
from hub.models import CHANNELS, FINAL_STATUSES, Department, Request, SavedFilter, Status, User
from hub.queries.delivery import unreached_ids
from hub.queries.requests import FILTER_SCAN, _filter_record, list_requests
from hub.queries.scope import department_scoped, visible_filters, visible_requests
from hub.ui import labels
from hub.ui.render import actor_of, env, render
from hub.ui.workspace_text import lateness, since_clock

FILTER_KEYS = ("status", "channel", "department", "topic", "ilce", "tag", "q", "sort", "filter_id", "cursor")
PAGE_SIZE = 50
BULK_OPS = ("ata", "ilet", "kopya", "etiket")


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
        users = list(session.exec(select(User).order_by(User.display_name)))
        tags = _tags(session, actor, hub.db.is_sqlite)
    return {
        "departments": [(d.code, d.name) for d in depts if actor.can_see_department(d.code)],
        "all_departments": [(d.code, d.name) for d in depts if d.active],
        "topics": topics, "ilceler": ilceler, "saved_filters": filters, "tags": tags,
        "assignable": [(u.id, u.display_name) for u in users if u.active and u.role != "muhtar"],
    }  # fmt: skip


def _tags(session: Any, actor: Actor, sqlite: bool) -> list[str]:
    """The tags in use on the requests the actor sees (for the tag filter), at most 100."""
    where, params = "", {}
    if department_scoped(actor):
        where, params = "WHERE r.department = :d", {"d": actor.department or ""}
    if sqlite:
        sql = f"SELECT DISTINCT j.value FROM request r, json_each(r.tags) j {where} LIMIT 100"
    else:
        sql = f"SELECT DISTINCT t FROM request r, json_array_elements_text(r.tags) t {where} LIMIT 100"
    return sorted(str(t) for (t,) in session.execute(text(sql), params) if t)


def row_view(hub: Any, items: list[dict[str, Any]], sort: str = "newest") -> dict[str, Any]:
    """What the queue's row template needs beside the rows: names, delivery warnings, claims.
    Used by the page and by the live queue (hub.live), so a live row looks like a loaded one."""
    from hub.actions.claims import claims_for

    ids = [item["id"] for item in items]
    with hub.db.reader() as session:
        users = {u.id: u.display_name for u in session.exec(select(User))}
        depts = {d.code: d.name for d in session.exec(select(Department))}
        unreached = unreached_ids(session, ids) if ids else set()
        held = claims_for(session, ids)
    return {
        "users": users, "dept_names": depts, "short_names": {c: _short(n) for c, n in depts.items()},
        "unreached": unreached, "unreached_label": labels.UNREACHED, "claims": held, "sort": sort,
        "late": lateness, "since": since_clock,
    }  # fmt: skip


def render_rows(items: list[dict[str, Any]], view: dict[str, Any]) -> dict[int, str]:
    """Each row's HTML (the same macro as the page)."""
    macro = env().get_template("queue_row.html").module.row  # type: ignore[attr-defined]
    return {item["id"]: str(macro(item, view)) for item in items}


def queue_counts(hub: Any, actor: Actor) -> dict[str, Any]:
    """Live counters: requests per status, and open requests per saved filter, of what the
    actor may see (department users: their department)."""
    from hub.rules import compile_condition, matches

    with hub.db.reader() as session:
        stmt = visible_requests(select(Request.status, func.count()).group_by(Request.status), actor)
        per_status = {str(s): n for s, n in session.exec(stmt)}
        saved = list(session.exec(visible_filters(session, actor).order_by(SavedFilter.name)))
        per_filter: dict[str, int] = {}
        if saved:
            conds = []
            for f in saved:
                try:
                    conds.append((f.id, compile_condition(f.condition, where="filter")))
                except Exception:  # a filter saved under older rules: no count rather than no page
                    continue
            per_filter = {str(fid): 0 for fid, _ in conds}
            open_rows = visible_requests(
                select(Request).where(Request.status.notin_([s.value for s in FINAL_STATUSES])), actor
            ).order_by(Request.received_at.desc()).limit(FILTER_SCAN)
            for r in session.exec(open_rows):
                rec = _filter_record(r)
                for fid, cond in conds:
                    if matches(cond, rec):
                        per_filter[str(fid)] += 1
    return {"durum": per_status, "filtre": per_filter}


def _short(name: str) -> str:
    """A department name short enough for a table cell: the part in brackets if any
    ("... (Beyaz Masa)"), else the name without the common suffixes."""
    if "(" in name and name.endswith(")"):
        return name[name.rindex("(") + 1 : -1]
    for suffix in (" Daire Başkanlığı", " Genel Müdürlüğü", " Müdürlüğü"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def list_params(query: Any) -> tuple[dict[str, str], dict[str, str], dict[str, bool]]:
    """The queue's address → (form values, list_requests parameters, check boxes)."""
    form = {k: str(query.get(k, "")).strip()[:200] for k in FILTER_KEYS}
    flags = {"mine": query.get("bana") == "1", "overdue": query.get("geciken") == "1",
             "unreached": query.get("ulasilamayan") == "1"}  # fmt: skip
    q = {k: v for k, v in form.items() if v}
    if flags["mine"]:
        q["assignee"] = "me"
    if flags["overdue"]:
        q["overdue"] = "1"
    if flags["unreached"]:
        q["unreached"] = "1"
    return form, q, flags


def _page(hub: Any, actor: Actor, q: dict[str, str]) -> dict[str, Any]:
    data = list_requests(hub, actor, {**q, "limit": str(PAGE_SIZE), "count": "1"})
    view = row_view(hub, data["items"], q.get("sort", "newest"))
    return {"data": data, "view": view, "choices": _choices(hub, actor), "counts": queue_counts(hub, actor)}


BULK_DONE = {"ata": "atandı", "ilet": "birime iletildi", "kopya": "kopya olarak kapatıldı", "etiket": "etiketlendi"}


async def queue(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    form, q, flags = list_params(request.query)
    page = await hub.db.run(_page, hub, actor, q)
    data = page["data"]
    next_params = {k: v for k, v in form.items() if v and k != "cursor"}
    for flag, key in (("mine", "bana"), ("overdue", "geciken"), ("unreached", "ulasilamayan")):
        if flags[flag]:
            next_params[key] = "1"
    flash = None
    if request.query.get("tamam") == "toplu" and request.query.get("islem") in BULK_DONE:
        done, skipped = request.query.get("n", "0"), request.query.get("atlanan", "0")
        flash = f"{done if done.isdigit() else 0} talep {BULK_DONE[request.query['islem']]}."
        if skipped.isdigit() and int(skipped):
            flash += f" {skipped} talep atlandı (başkası üstlenmiş ya da işlem yapılamadı)."
    elif request.query.get("tamam") == "geri-gonderildi":  # hub/ui/send_back_page.py
        flash = "Talep gerekçesiyle Beyaz Masa'ya geri gönderildi."
    return render(
        request, "queue.html", page_title="İş kuyruğu", items=data["items"], next_cursor=data["next_cursor"],
        total=data["total"], form=form, mine=flags["mine"], overdue=flags["overdue"],
        unreached_only=flags["unreached"], statuses=[s.value for s in Status], channels=CHANNELS,
        next_params=next_params, paged=bool(form["cursor"]), v=page["view"], counts=page["counts"],
        open_statuses=[s.value for s in Status if s not in FINAL_STATUSES], flash=flash,
        heartbeat=hub.settings.claim_heartbeat_seconds, bulk_ops=BULK_OPS, **page["choices"],
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


async def bulk(request: web.Request) -> web.StreamResponse:
    """Toplu işlem on the selected rows: ata, ilet, kopya (close as duplicate of), etiket.
    Each request goes through its action in its own transaction (each audited); a request
    someone else holds, or that refuses the action, is skipped and counted."""
    from urllib.parse import urlencode

    from hub.actions import bulk_work
    from hub.ui.render import error_page, safe_next

    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    form = await request.post()
    op = str(form.get("islem", ""))
    ids = sorted({int(x) for x in form.getall("sec", []) if str(x).isdigit()})[:500]
    if op not in BULK_OPS or not ids:
        return error_page(request, 400, "Toplu işlem yapılamadı",
                          "Önce tablodan talep seçin, sonra bir işlem seçin.")  # fmt: skip
    arg = {"ata": form.get("kullanici", ""), "ilet": form.get("birim", ""), "kopya": form.get("hedef", ""),
           "etiket": form.get("etiket", "")}[op]  # fmt: skip
    try:
        done, skipped = await hub.db.run(bulk_work.apply, hub, actor, op, ids, str(arg).strip()[:100])
    except bulk_work.BulkError as exc:
        return error_page(request, 400, "Toplu işlem yapılamadı", str(exc))
    back = safe_next(str(form.get("geri", "/ui/")))
    sep = "&" if "?" in back else "?"
    params = urlencode({"tamam": "toplu", "islem": op, "n": len(done), "atlanan": len(skipped)})
    raise web.HTTPSeeOther(f"{back}{sep}{params}")


async def stream(request: web.Request) -> web.StreamResponse:
    """GET /ui/canli: the live queue's server-sent events (hub.live)."""
    from hub.live import live_for

    actor = actor_of(request)
    require(actor, "request.read")
    return await live_for(request.app["hub"]).serve(request, actor)
