"""/ui/: the unified work queue with filters, saved filters, cursor paging, live updates
(hub.live), claims, keyboard shortcuts and bulk actions (hub/static/ui/*.js)."""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from sqlalchemy import and_, bindparam, event, func, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from hub.auth import Actor, require
from hub.models import CHANNELS, FINAL_STATUSES, Department, Request, SavedFilter, Status, User, utcnow
from hub.models_workspace import RequestClaim
from hub.queries.delivery import citizen_unreached
from hub.queries.requests import FILTER_COLUMNS, FILTER_SCAN, _filter_record, list_requests
from hub.queries.scope import department_scoped, visible_filters, visible_requests
from hub.ui import labels
from hub.ui.render import actor_of, env, render
from hub.ui.workspace_text import lateness, since_clock

FILTER_KEYS = ("status", "channel", "department", "topic", "ilce", "tag", "q", "sort", "filter_id", "cursor")
PAGE_SIZE = 50
COUNT_CAP = 10_000  # the queue's total counts this far, then says "10.000+"
BULK_OPS = ("ata", "ilet", "kopya", "etiket")


def _choices(
    hub: Any, actor: Actor, session: Session, saved: list[SavedFilter], known: Names
) -> dict[str, Any]:
    # The topic and ilçe choices come from the taxonomy and the gazetteer, not from a
    # SELECT DISTINCT over every request on every view (a full index scan at a million rows).
    return {
        "departments": [(code, name) for code, name, _ in known.departments if actor.can_see_department(code)],
        "all_departments": [(code, name) for code, name, active in known.departments if active],
        "topics": list(topic_choices()), "ilceler": list(ilce_choices(hub.settings.il)),
        "saved_filters": [{"id": f.id, "name": f.name} for f in saved], "tags": _tags(hub, session, actor),
        "assignable": [(uid, name) for uid, name, active, role in known.users if active and role != "muhtar"],
    }  # fmt: skip


@contextmanager
def _reading(hub: Any, session: Session | None) -> Iterator[Session]:
    """The caller's session, or a reader of its own."""
    if session is not None:
        yield session
        return
    with hub.db.reader() as own:
        yield own


NAMES_SECONDS = 30.0  # a user or department renamed in another hub process shows within this


@dataclass(frozen=True)
class Names:
    """Accounts and departments as the queue shows them (choices, row cells), read together."""

    users: tuple[tuple[int, str, bool, str], ...]  # (id, display name, active, role), by display name
    departments: tuple[tuple[str, str, bool], ...]  # (code, name, active), by name
    user_names: dict[int, str]  # shared by the views until the next read: never changed in place
    dept_names: dict[str, str]
    short_names: dict[str, str]


_names_cache: weakref.WeakKeyDictionary[Any, tuple[int, float, Names]] = weakref.WeakKeyDictionary()
_names_generation = 0  # bumped by every commit that wrote a User or Department in this process


def names(hub: Any, session: Session) -> Names:
    """The users and departments, read at most once per ``NAMES_SECONDS``, and again at once
    after this process commits a change to either: they change rarely, and every view of the
    page and every live update needs them."""
    generation = _names_generation
    hit = _names_cache.get(hub)
    if hit is not None and hit[0] == generation and time.monotonic() - hit[1] < NAMES_SECONDS:
        return hit[2]
    users = tuple((i, n, a, r) for i, n, a, r in session.exec(
        select(User.id, User.display_name, User.active, User.role).order_by(User.display_name, User.id)))  # fmt: skip
    depts = tuple((c, n, a) for c, n, a in session.exec(
        select(Department.code, Department.name, Department.active).order_by(Department.name, Department.code)))  # fmt: skip
    known = Names(users=users, departments=depts, user_names={i: n for i, n, _, _ in users},
                  dept_names={c: n for c, n, _ in depts}, short_names={c: _short(n) for c, n, _ in depts})  # fmt: skip
    _names_cache[hub] = (generation, time.monotonic(), known)  # a commit meanwhile left it stale at once
    return known


@event.listens_for(OrmSession, "after_flush")
def _note_names_written(session: OrmSession, _flush: Any) -> None:
    if any(isinstance(o, User | Department) for o in chain(session.new, session.dirty, session.deleted)):
        session.info["queue_names_written"] = True


@event.listens_for(OrmSession, "after_commit")
def _forget_names(session: OrmSession) -> None:
    global _names_generation
    if session.info.pop("queue_names_written", False):
        _names_generation += 1


@event.listens_for(OrmSession, "after_rollback")
def _keep_names(session: OrmSession) -> None:
    session.info.pop("queue_names_written", None)


@lru_cache(maxsize=1)
def topic_choices() -> tuple[str, ...]:
    """The taxonomy's topic codes, sorted (the filter shows their Turkish names)."""
    from classifier.taxonomy import default_taxonomy

    return tuple(sorted(default_taxonomy().topics))


@lru_cache(maxsize=4)
def ilce_choices(il: str) -> tuple[str, ...]:
    """The gazetteer's districts of the municipality's il."""
    from classifier.locator import Locator

    places = Locator.default().places
    names = {p.ilce for p in places if p.ilce and p.il == il} or {p.ilce for p in places if p.ilce}
    return tuple(sorted(names))


TAGS_SECONDS = 60.0  # a new tag reaches the tag filter's choices within this
TAGS_RECENT = 50_000  # the tags in use on this many latest requests
_tag_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, list[str]]]] = weakref.WeakKeyDictionary()


def _tags(hub: Any, session: Any, actor: Actor) -> list[str]:
    """The tags in use on the latest requests the actor sees (for the tag filter), at most 100.
    Read at most once a minute per department scope: tags are JSON lists that no index
    serves, so the read looks at the latest ``TAGS_RECENT`` requests only."""
    key = (actor.department or "") if department_scoped(actor) else "*"
    cache = _tag_cache.setdefault(hub, {})
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < TAGS_SECONDS:
        return hit[1]
    where, params = "", {"n": TAGS_RECENT}
    if department_scoped(actor):
        where, params = "WHERE department = :d", {**params, "d": actor.department or ""}
    recent = f"(SELECT tags FROM request {where} ORDER BY id DESC LIMIT :n) r"
    if hub.db.is_sqlite:
        sql = f"SELECT DISTINCT j.value FROM {recent}, json_each(r.tags) j LIMIT 100"
    else:
        sql = f"SELECT DISTINCT t FROM {recent}, json_array_elements_text(r.tags) t LIMIT 100"
    tags = sorted(str(t) for (t,) in session.execute(text(sql), params) if t)
    cache[key] = (time.monotonic(), tags)
    return tags


def row_view(
    hub: Any, items: list[dict[str, Any]], sort: str = "newest", session: Session | None = None
) -> dict[str, Any]:
    """What the queue's row template needs beside the rows: names, delivery warnings, claims.
    Used by the page and by the live queue (hub.live), so a live row looks like a loaded one."""
    ids = [item["id"] for item in items]
    with _reading(hub, session) as s:
        known = names(hub, s)
        unreached, held = _marks(s, ids)
    return {
        "users": known.user_names, "dept_names": known.dept_names, "short_names": known.short_names,
        "unreached": unreached, "unreached_label": labels.UNREACHED, "claims": held, "sort": sort,
        "late": lateness, "since": since_clock,
    }  # fmt: skip


def _marks(session: Session, ids: list[int]) -> tuple[set[int], dict[int, dict[str, Any]]]:
    """Of these requests: whose citizen was never reached (hub.queries.delivery.unreached_ids)
    and the active claims, {id: {user_id, name, since, until}} (hub.actions.claims.claims_for),
    in one statement instead of two."""
    if not ids:
        return set(), {}
    unreached: set[int] = set()
    held: dict[int, dict[str, Any]] = {}
    for rid, missed, uid, since, until, name in session.execute(_marks_stmt(), {"ids": ids, "now": utcnow()}):
        if missed:
            unreached.add(rid)
        if uid is not None:
            held[rid] = {"user_id": uid, "name": name, "since": since, "until": until}
    return unreached, held


@lru_cache(maxsize=1)
def _marks_stmt() -> Any:
    columns = (Request.id, citizen_unreached().label("unreached"), RequestClaim.user_id, RequestClaim.since,
               RequestClaim.until, User.display_name)  # fmt: skip
    active = and_(RequestClaim.request_id == Request.id, RequestClaim.until > bindparam("now"))
    return (
        select(*columns)
        .outerjoin(RequestClaim, active)
        .outerjoin(User, User.id == RequestClaim.user_id)
        .where(Request.id.in_(bindparam("ids", expanding=True)))
    )


def queue_rows(items: list[dict[str, Any]], view: dict[str, Any]) -> list[SimpleNamespace]:
    """The rows as the row macro reads them: the request's fields as attributes (Jinja reads a
    dict's key only after failing to find an attribute, an exception per field) and what the
    row looks up in the page's names, claims and badges, looked up once here."""
    users, dept_names, short_names = view["users"], view["dept_names"], view["short_names"]
    unreached, claims, due_key = view["unreached"], view["claims"], view["sort"] == "due"
    rows = []
    for item in items:
        r = SimpleNamespace(**item)
        r.location = SimpleNamespace(**item["location"])
        r.key = (item["due_at"] if due_key else item["received_at"]) or ""
        dept = item["department"]
        r.dept_name, r.dept_short = dept_names.get(dept, ""), short_names.get(dept, dept)
        r.assignee = users.get(item["assignee_id"], "—") if item["assignee_id"] else "—"
        r.unreached = item["id"] in unreached
        r.unreached_label = view["unreached_label"]
        r.late = view["late"](item["due_at"]) if item["sla_state"] == "breached" else ""
        r.claim = claims.get(item["id"])
        r.claim_since = view["since"](r.claim["since"]) if r.claim else ""
        rows.append(r)
    return rows


def render_rows(items: list[dict[str, Any]], view: dict[str, Any]) -> dict[int, str]:
    """Each row's HTML (the same macro as the page)."""
    macro = env().get_template("queue_row.html").module.row  # type: ignore[attr-defined]
    return {r.id: str(macro(r)) for r in queue_rows(items, view)}


def queue_counts(hub: Any, actor: Actor) -> dict[str, Any]:
    """Live counters: requests per status, and open requests per saved filter, of what the
    actor may see (department users: their department)."""
    with hub.db.reader() as session:
        saved = list(session.exec(visible_filters(session, actor).order_by(SavedFilter.name)))
        return _counts(session, actor, saved)


def _counts(session: Session, actor: Actor, saved: list[SavedFilter]) -> dict[str, Any]:
    from hub.rules import compile_condition, matches

    open_values = [s.value for s in Status if s not in FINAL_STATUSES]
    # the page shows open statuses only: counting the finished million would read them all
    stmt = select(Request.status, func.count()).where(Request.status.in_(open_values)).group_by(Request.status)
    per_status = {str(s): n for s, n in session.exec(visible_requests(stmt, actor))}
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
            select(*FILTER_COLUMNS).where(Request.status.notin_([s.value for s in FINAL_STATUSES])), actor
        ).order_by(Request.received_at.desc()).limit(FILTER_SCAN)
        for r in session.execute(open_rows):
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


def shown_total(data: dict[str, Any]) -> int | str | None:
    """The list's total as the page shows it: the count, or "10.000+" past the cap."""
    if data.get("total_capped"):
        return f"{data['total']:,}+".replace(",", ".")
    return data["total"]


def _page(hub: Any, actor: Actor, q: dict[str, str]) -> dict[str, Any]:
    data = list_requests(hub, actor, {**q, "limit": str(PAGE_SIZE), "count": "1"}, count_cap=COUNT_CAP)
    with hub.db.reader() as session:  # one connection for the rest; the saved filters read once
        saved = list(session.exec(visible_filters(session, actor).order_by(SavedFilter.name)))
        view = row_view(hub, data["items"], q.get("sort", "newest"), session)
        choices = _choices(hub, actor, session, saved, names(hub, session))
        counts = _counts(session, actor, saved)
    return {"data": data, "rows": queue_rows(data["items"], view), "choices": choices, "counts": counts}


BULK_DONE = {"ata": "atandı", "ilet": "birime iletildi", "kopya": "kopya olarak kapatıldı", "etiket": "etiketlendi"}


async def queue(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    form, q, flags = list_params(request.query)
    page = await hub.db.run(_page, hub, actor, q)
    data = page["data"]
    choices = page["choices"]
    for key, field in (("topics", "topic"), ("ilceler", "ilce")):  # a value outside the lists stays shown
        if form[field] and form[field] not in choices[key]:
            choices[key] = [*choices[key], form[field]]
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
        total=shown_total(data), form=form, mine=flags["mine"], overdue=flags["overdue"],
        unreached_only=flags["unreached"], statuses=[s.value for s in Status], channels=CHANNELS,
        next_params=next_params, paged=bool(form["cursor"]), rows=page["rows"], counts=page["counts"],
        open_statuses=[s.value for s in Status if s not in FINAL_STATUSES], flash=flash,
        heartbeat=hub.settings.claim_heartbeat_seconds, bulk_ops=BULK_OPS, **choices,
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
