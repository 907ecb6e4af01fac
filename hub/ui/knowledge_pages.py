"""Staff pages for the knowledge base (/ui/bilgi) and canned replies (/ui/hazir-cevaplar),
and the two JSON endpoints our small scripts call: suggestions while a call is typed
(hub/static/ui/kb_suggest.js) and a request's filled canned replies (canned_picker.js)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.actions import knowledge
from hub.actions.errors import ActionError
from hub.auth import require
from hub.models_kb import CannedReply, KbEntry
from hub.queries import knowledge as kq
from hub.ui import labels
from hub.ui.render import actor_of, render, staff_page

ENTRY_FIELDS = ("title", "body", "topic", "tags", "valid_until", "active")
CANNED_FIELDS = ("shortcut", "title", "body", "topic", "active")


def _topics() -> dict[str, str]:
    return {code: labels.topic_name(code) for code in labels.TOPICS} if hasattr(labels, "TOPICS") else {}


def _entry_values(e: KbEntry | None) -> dict[str, str]:
    if e is None:
        return {"active": "1"}
    return {"title": e.title, "body": e.body, "topic": e.topic or "", "tags": ", ".join(e.tags or []),
            "valid_until": e.valid_until.isoformat() if e.valid_until else "", "active": "1" if e.active else ""}  # fmt: skip


async def kb_page(request: web.Request) -> web.StreamResponse:
    """GET /ui/bilgi[?q=…][&duzenle=id]: search the entries; supervisors add and edit."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    q = request.query.get("q", "").strip()[:200]
    edit_id = request.query.get("duzenle", "")

    def load() -> tuple[list[KbEntry], KbEntry | None]:
        with hub.db.reader() as session:
            editing = session.get(KbEntry, int(edit_id)) if edit_id.isdigit() else None
            return kq.search_entries(session, q, limit=200), editing

    entries, editing = await hub.db.run(load)
    return _kb_render(request, entries, q, editing, _entry_values(editing), {})


def _kb_render(request: web.Request, entries: list, q: str, editing: Any, values: dict, errors: dict,
               status: int = 200) -> web.Response:  # fmt: skip
    flash = {"kaydedildi": "Bilgi kaydı kaydedildi."}.get(request.query.get("tamam", ""))
    return render(request, "knowledge.html", status=status, page_title="Bilgi bankası", entries=entries, q=q,
                  editing=editing, values=values, errors=errors, flash=flash, today=_today(),
                  error="Kayıt kaydedilmedi; aşağıdaki uyarıya bakın." if errors else None)  # fmt: skip


def _today() -> Any:
    from hub.models import utcnow

    return utcnow().date()


_FIELD_TR = {"title": "Başlık", "body": "Metin", "topic": "Konu", "tags": "Etiketler", "valid_until": "Geçerlilik tarihi",
             "shortcut": "Kısayol"}  # fmt: skip


def _tr_error(exc: ActionError) -> dict[str, str]:
    field = exc.field or "body"
    msg = str(exc)
    if "required" in msg:
        text = f"{_FIELD_TR.get(field, field)} boş olamaz."
    elif "longer" in msg:
        text = f"{_FIELD_TR.get(field, field)} çok uzun."
    elif "date" in msg:
        text = "Geçerlilik tarihi GG.AA.YYYY değil, YYYY-AA-GG biçiminde olmalı."
    elif "taken" in msg:
        text = "Bu kısayol başka bir hazır cevapta kullanılıyor."
    elif "brace" in msg:
        text = "Tek başına { ya da } yazılamaz; metinde süslü parantez için {{ ya da }} yazın."
    elif "placeholder" in msg:
        text = "Bilinmeyen yer tutucu; yalnızca {ad}, {takip_kodu}, {birim}, {mahalle} kullanılabilir (yedekli: {ad|vatandaşımız})."
    else:
        text = f"{_FIELD_TR.get(field, field)} geçersiz."
    return {field: text}


async def kb_save(request: web.Request) -> web.StreamResponse:
    """POST /ui/bilgi (new) or /ui/bilgi/{id} (change)."""
    actor = actor_of(request)
    require(actor, "kb.manage")
    hub = request.app["hub"]
    posted = await request.post()
    values = {k: str(posted.get(k, "")) for k in ENTRY_FIELDS}
    raw_id = request.match_info.get("id")
    entry_id = int(raw_id) if raw_id and raw_id.isdigit() else None

    def work() -> None:
        with hub.db.session() as session:
            knowledge.save_entry(session, actor, values, entry_id)

    try:
        await hub.db.run(work)
    except ActionError as exc:
        if exc.status == 404:
            raise
        entries = await hub.db.run(lambda: _all_entries(hub))
        return _kb_render(request, entries, "", type("E", (), {"id": entry_id})() if entry_id else None, values,
                          _tr_error(exc), status=400)  # fmt: skip
    raise web.HTTPSeeOther("/ui/bilgi?tamam=kaydedildi")


def _all_entries(hub: Any) -> list[KbEntry]:
    with hub.db.reader() as session:
        return kq.search_entries(session, "", limit=200)


async def kb_suggest(request: web.Request) -> web.StreamResponse:
    """GET /ui/bilgi/oneri?q=…: JSON entries for what the agent is typing."""
    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    typed = request.query.get("q", "")[:2000]

    def load() -> list[dict]:
        with hub.db.reader() as session:
            return [{"id": e.id, "title": e.title, "body": e.body, "topic": labels.topic_name(e.topic) if e.topic else ""}
                    for e in kq.suggest(session, typed)]  # fmt: skip

    resp = web.json_response({"items": await hub.db.run(load)})
    resp.headers["Cache-Control"] = "no-store"
    return resp


async def canned_page(request: web.Request) -> web.StreamResponse:
    """GET /ui/hazir-cevaplar[?duzenle=id]."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    edit_id = request.query.get("duzenle", "")

    def load() -> tuple[list[CannedReply], CannedReply | None]:
        with hub.db.reader() as session:
            return kq.all_canned(session), session.get(CannedReply, int(edit_id)) if edit_id.isdigit() else None

    replies, editing = await hub.db.run(load)
    values = ({"shortcut": editing.shortcut, "title": editing.title, "body": editing.body, "topic": editing.topic or "",
               "active": "1" if editing.active else ""} if editing else {"active": "1"})  # fmt: skip
    return _canned_render(request, replies, editing, values, {})


def _canned_render(request: web.Request, replies: list, editing: Any, values: dict, errors: dict,
                   status: int = 200) -> web.Response:  # fmt: skip
    from hub.delivery.canned import PLACEHOLDERS

    flash = {"kaydedildi": "Hazır cevap kaydedildi."}.get(request.query.get("tamam", ""))
    return render(request, "canned.html", status=status, page_title="Hazır cevaplar", replies=replies,
                  editing=editing, values=values, errors=errors, flash=flash, placeholders=PLACEHOLDERS,
                  error="Hazır cevap kaydedilmedi; aşağıdaki uyarıya bakın." if errors else None)  # fmt: skip


async def canned_save(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "kb.manage")
    hub = request.app["hub"]
    posted = await request.post()
    values = {k: str(posted.get(k, "")) for k in CANNED_FIELDS}
    raw_id = request.match_info.get("id")
    reply_id = int(raw_id) if raw_id and raw_id.isdigit() else None

    def work() -> None:
        with hub.db.session() as session:
            knowledge.save_canned(session, actor, values, reply_id)

    try:
        await hub.db.run(work)
    except ActionError as exc:
        if exc.status == 404:
            raise

        def load() -> list[CannedReply]:
            with hub.db.reader() as session:
                return kq.all_canned(session)

        editing = type("E", (), {"id": reply_id})() if reply_id else None
        return _canned_render(request, await hub.db.run(load), editing, values, _tr_error(exc), status=400)
    raise web.HTTPSeeOther("/ui/hazir-cevaplar?tamam=kaydedildi")


async def canned_for_request(request: web.Request) -> web.StreamResponse:
    """GET /ui/talep/{id}/hazir-cevaplar: the request's canned replies, placeholders filled."""
    from hub.actions import requests as ra

    actor = actor_of(request)
    require(actor, "request.reply")
    hub = request.app["hub"]
    raw = request.match_info["id"]
    if not raw.isdigit():
        raise web.HTTPNotFound()

    def load() -> list[dict]:
        with hub.db.reader() as session:
            return kq.rendered_canned(session, ra.get(session, actor, int(raw)))

    resp = web.json_response({"items": await hub.db.run(load)})
    resp.headers["Cache-Control"] = "no-store"
    return resp


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get("/ui/bilgi")(staff_page(kb_page))
    routes.get("/ui/bilgi/oneri")(staff_page(kb_suggest))
    routes.post("/ui/bilgi")(staff_page(kb_save))
    routes.post("/ui/bilgi/{id:\\d+}")(staff_page(kb_save))
    routes.get("/ui/hazir-cevaplar")(staff_page(canned_page))
    routes.post("/ui/hazir-cevaplar")(staff_page(canned_save))
    routes.post("/ui/hazir-cevaplar/{id:\\d+}")(staff_page(canned_save))
    routes.get("/ui/talep/{id:\\d+}/hazir-cevaplar")(staff_page(canned_for_request))
