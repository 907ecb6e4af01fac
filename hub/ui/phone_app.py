"""The phone app for departments and field staff (/ui/uygulama/): a progressive web app on
the staff session. Lists the department's new and due work, opens a request, and sends a
note with a photo, "işleme al" and the answer through the actions layer.

Offline: the service worker (hub/static/app/sw.js, served from /ui/uygulama/sw.js so its
scope is the app) keeps the pages last loaded, and the page queues actions in IndexedDB
(hub/static/app/outbox.js). Each queued action carries its own idempotency key, so a retry
after a lost answer is stored once (``hub.actions.field_app``), and the id of the user who
queued it ("yazar"): on a shared phone an action is refused under another user's session.
Signing out deletes the saved pages (hub/static/app/saved_pages.js)."""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader
from sqlalchemy.exc import IntegrityError

from connectors.base import Attachment
from hub.actions import field_app, push
from hub.actions import requests as ra
from hub.actions.errors import ActionError, NotFound
from hub.auth import PermissionDenied
from hub.db_errors import database_unavailable
from hub.models import OUTCOMES, Status, utcnow
from hub.queries.field_work import work_item, work_lists
from hub.ui import labels
from hub.ui.render import actor_of, csrf_token, error_page, staff_page
from hub.web.pages import SECURITY_HEADERS, log_failure
from hub.web.upload import BodyTooLarge, read_form
from hub.web.webform import sniff_image

log = logging.getLogger(__name__)
APP = "/ui/uygulama"
STATIC_PREFIX = "/static/app"
STATIC = Path(__file__).resolve().parent.parent / "static" / "app"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "app"
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ACTIONS = ("not", "ilerle", "cevap")


@lru_cache(maxsize=1)
def _env() -> Environment:
    from hub.ui.render import env

    return env().overlay(loader=FileSystemLoader(str(TEMPLATES)))  # same filters, autoescape on


def page(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    hub = request.app["hub"]
    base = {
        "municipality": hub.settings.municipality_name, "static": STATIC_PREFIX, "app": APP,
        "user_name": request.get("ui_user"), "actor": request.get("actor"), "csrf": csrf_token(request),
        "loaded_at": utcnow(), "page_title": "", "token": secrets.token_urlsafe(18),
    }  # fmt: skip
    base.update(context)
    html = _env().get_template(template).render(**base)
    resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    resp.headers.update(SECURITY_HEADERS)
    resp.headers["Cache-Control"] = "no-store"  # the service worker keeps its own copy for offline use
    return resp


# -- pages ------------------------------------------------------------------------------
async def home(request: web.Request) -> web.StreamResponse:
    hub, actor = request.app["hub"], actor_of(request)

    def load() -> dict[str, Any]:
        with hub.db.reader() as session:
            return work_lists(session, actor, utcnow())

    lists = await hub.db.run(load)
    return page(request, "list.html", page_title="İşlerim", lists=lists)


async def item(request: web.Request) -> web.StreamResponse:
    hub, actor = request.app["hub"], actor_of(request)
    rid = _rid(request)

    def load() -> dict[str, Any] | None:
        with hub.db.reader() as session:
            return work_item(session, actor, rid, utcnow())

    found = await hub.db.run(load)
    if found is None:
        return error_page(request, 404, "Talep bulunamadı", "Bu talep yok ya da biriminize ait değil.")
    return page(request, "item.html", page_title=found["tracking_code"] or "Talep", item=found,
                done=request.query.get("tamam"), outcomes=OUTCOMES)  # fmt: skip


async def settings_page(request: web.Request) -> web.StreamResponse:
    hub, actor = request.app["hub"], actor_of(request)
    from hub.workers.push_transport import vapid_keys

    def load() -> dict[str, bool]:
        with hub.db.reader() as session:
            return push.preferences(session, actor.user_id) if actor.user_id else {}

    prefs = await hub.db.run(load)
    key = await hub.db.run(lambda: vapid_keys(hub).public_key)  # may write the key file once
    return page(request, "settings.html", page_title="Bildirimler", prefs=prefs, vapid_key=key,
                saved=request.query.get("tamam") == "1")  # fmt: skip


async def settings_submit(request: web.Request) -> web.StreamResponse:
    hub, actor = request.app["hub"], actor_of(request)
    form = await request.post()
    choices = {r: form.get(r) == "1" for r in ("forwarded", "escalation", "deadline")}

    def work() -> None:
        with hub.db.session() as session:
            push.set_preferences(session, actor, choices)

    await hub.db.run(work)
    raise web.HTTPSeeOther(f"{APP}/ayarlar?tamam=1")


async def subscribe(request: web.Request) -> web.StreamResponse:
    hub, actor = request.app["hub"], actor_of(request)
    form = await request.post()
    endpoint, p256dh, auth = (str(form.get(k, ""))[:2000] for k in ("endpoint", "p256dh", "auth"))
    ui_session_id = request["ui_session"].sid  # signing out of this session removes it (push.end_session)

    def work() -> int:
        with hub.db.session() as session:
            sub = push.subscribe(session, actor, endpoint=endpoint, p256dh=p256dh, auth=auth,
                                 user_agent=request.headers.get("User-Agent"), ui_session_id=ui_session_id)  # fmt: skip
            return int(sub.id or 0)

    try:
        sid = await hub.db.run(work)
    except ActionError as exc:
        return _json({"ok": False, "hata": labels.turkish_error(exc)}, 400)
    return _json({"ok": True, "id": sid})


async def unsubscribe(request: web.Request) -> web.StreamResponse:
    hub, actor = request.app["hub"], actor_of(request)
    form = await request.post()
    endpoint = str(form.get("endpoint", ""))[:2000]

    def work() -> bool:
        with hub.db.session() as session:
            return push.unsubscribe(session, actor, endpoint)

    return _json({"ok": await hub.db.run(work)})


async def subscription_state(request: web.Request) -> web.StreamResponse:
    """Is this browser's push endpoint registered for the signed-in user? The settings page asks
    (hub/static/app/push.js), since the browser keeps its subscription after a sign-out removed
    it here. A POST although it only reads: the service worker keeps no copy of it (it keeps
    the app's GET answers for offline use), and the endpoint stays out of the access logs."""
    hub, actor = request.app["hub"], actor_of(request)
    form = await request.post()
    endpoint = str(form.get("endpoint", ""))[:2000]

    def load() -> bool:
        with hub.db.reader() as session:
            return push.registered(session, actor, endpoint)

    return _json({"ok": True, "kayitli": await hub.db.run(load)})


# -- the one write endpoint of the app ---------------------------------------------------
async def act(request: web.Request) -> web.StreamResponse:
    """POST /ui/uygulama/talep/{id}/islem: not | ilerle | cevap, with an idempotency key.
    Answers JSON to the app's script (Accept: application/json), a redirect to a plain form."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if request.get("ui_session") is None:
        if wants_json:
            return _json({"ok": False, "hata": "Oturum kapalı; yeniden giriş yapın.", "oturum": True}, 401)
        raise web.HTTPSeeOther(f"/ui/giris?sonra={APP}/")
    actor = actor_of(request)
    if actor.role == "muhtar":
        return _json({"ok": False, "hata": "Bu uygulama belediye personeli içindir."}, 403)
    hub = request.app["hub"]
    rid = _rid(request)
    try:
        body = await read_form(request, hub.settings.max_attachment_bytes)
    except BodyTooLarge:
        return _answer(wants_json, rid, 413, "Gönderi çok büyük.")
    fields = body.fields
    if not hmac.compare_digest(fields.get("csrf", ""), csrf_token(request)):
        return _json({"ok": False, "hata": "Oturum yenilendi; sayfayı yeniden açın.", "oturum": True}, 403)
    author = fields.get("yazar", "")
    if author and author != str(actor.user_id):
        # queued on a shared phone by another user (app.js never sends one; this is the backstop):
        # stored under this session it would carry the wrong name
        message = (
            "Bu işlem bu telefonda başka bir kullanıcı tarafından sıraya alınmış; sizin adınıza kaydedilmedi."
        )
        if wants_json:
            return _json({"ok": False, "yazar": True, "hata": message}, 409)
        return _answer(False, rid, 409, message)
    name, key = fields.get("islem", ""), fields.get("anahtar", "")
    if name not in ACTIONS:
        return _answer(wants_json, rid, 400, "Bilinmeyen işlem.")
    if not _KEY.match(key):
        return _answer(wants_json, rid, 400, "İşlem anahtarı eksik.")
    photo: Attachment | None = None
    if body.photo is not None:
        kind = sniff_image(body.photo.data) if not body.photo.too_large else None
        if kind is None:
            return _answer(wants_json, rid, 400, "Fotoğraf JPEG, PNG ya da WebP olmalı ve sınırı aşmamalı.")
        photo = Attachment(
            filename=(body.photo.filename or "fotograf")[:120], content_type=kind, data=body.photo.data
        )
    text = fields.get("metin", "").replace("\r\n", "\n").strip()[: hub.settings.max_text_chars]
    outcome = fields.get("sonuc") or None

    def work() -> str:
        stored = [hub.attachments.save(photo)] if photo is not None else []  # content-addressed file
        with hub.db.session() as session:
            if field_app.already_done(session, key):
                return "tekrar"
            req = ra.get(session, actor, rid, for_update=True)
            if name == "not":
                field_app.add_note(session, actor, req, text, stored, key=key)
            elif name == "ilerle":
                if req.status != Status.in_progress:
                    ra.update(session, actor, req, {"status": Status.in_progress.value})
            else:
                ra.reply(session, actor, req, text, outcome=outcome)
            field_app.remember(session, actor, key, rid, name)
            return "tamam"

    try:
        result = await hub.db.run(work)
    except IntegrityError:  # the same key committed meanwhile by a concurrent retry
        result = "tekrar"
    except NotFound:
        return _answer(wants_json, rid, 404, "Talep bulunamadı ya da biriminize ait değil.")
    except (ActionError, PermissionDenied) as exc:
        status = exc.status if isinstance(exc, ActionError) else 403
        return _answer(wants_json, rid, status, labels.turkish_error(exc))
    except Exception as exc:
        if not database_unavailable(exc):
            log_failure(log, "phone app action failed", exc)
        return _answer(wants_json, rid, 503, "Şu anda kaydedilemedi; işlem sırada kalır, yeniden denenecek.")
    if wants_json:
        return _json({"ok": True, "sonuc": result})
    raise web.HTTPSeeOther(f"{APP}/talep/{rid}?tamam={name}")


def _answer(wants_json: bool, rid: int, status: int, message: str) -> web.Response:
    if wants_json:
        return _json({"ok": False, "hata": message}, status)
    return web.Response(status=status, text=message, content_type="text/plain", charset="utf-8")


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    resp = web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _rid(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 12:
        raise web.HTTPNotFound
    return int(raw)


# -- the installable parts: public (browsers fetch them without the session) -------------
async def service_worker(request: web.Request) -> web.StreamResponse:
    resp = web.FileResponse(STATIC / "sw.js")
    resp.headers["Content-Type"] = "text/javascript; charset=utf-8"
    resp.headers["Service-Worker-Allowed"] = f"{APP}/"
    resp.headers["Cache-Control"] = "no-cache"  # updates reach the phones at the next visit
    return resp


async def manifest(request: web.Request) -> web.StreamResponse:
    hub = request.app["hub"]
    data = {
        "name": f"Talep Merkezi · {hub.settings.municipality_name}",
        "short_name": "Talepler",
        "description": "Biriminize gelen talepler, notlar, fotoğraflar ve cevaplar.",
        "lang": "tr",
        "id": f"{APP}/",
        "start_url": f"{APP}/",
        "scope": f"{APP}/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4e89",
        "icons": [
            {"src": f"{STATIC_PREFIX}/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": f"{STATIC_PREFIX}/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": f"{STATIC_PREFIX}/icon-maskable-512.png", "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }  # fmt: skip
    resp = web.Response(text=json.dumps(data, ensure_ascii=False), content_type="application/manifest+json",
                        charset="utf-8")  # fmt: skip
    resp.headers["Cache-Control"] = "no-cache"
    return resp


async def offline(request: web.Request) -> web.StreamResponse:
    """What the service worker shows for a page it never loaded while offline. Part of the
    app's shell, kept across sign-outs: so it names no user and carries no session's token."""
    return page(request, "offline.html", page_title="Çevrimdışı", user_name=None, actor=None, csrf="")


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get(f"{APP}/sw.js")(service_worker)
    routes.get(f"{APP}/manifest.webmanifest")(manifest)
    routes.get(f"{APP}/cevrimdisi")(offline)
    routes.get(f"{APP}/")(staff_page(home))
    routes.get(f"{APP}/talep/{{id}}")(staff_page(item))
    routes.post(f"{APP}/talep/{{id}}/islem")(act)  # own CSRF check: the body may carry a photo
    routes.get(f"{APP}/ayarlar")(staff_page(settings_page))
    routes.post(f"{APP}/ayarlar")(staff_page(settings_submit))
    routes.post(f"{APP}/abonelik")(staff_page(subscribe))
    routes.post(f"{APP}/abonelik/sil")(staff_page(unsubscribe))
    routes.post(f"{APP}/abonelik/durum")(staff_page(subscription_state))
    routes.static(STATIC_PREFIX, STATIC, append_version=False)
