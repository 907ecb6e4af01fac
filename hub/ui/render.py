"""The staff UI's Jinja2 environment (autoescape always on) and page helpers."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, Undefined

from hub.actions.errors import ActionError
from hub.auth import Actor, PermissionDenied
from hub.db_errors import RETRY_AFTER_SECONDS, database_unavailable
from hub.ui import labels, labels_more
from hub.ui.session import ui_state
from hub.web.pages import SECURITY_HEADERS, log_failure, turkish_datetime

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "ui"
STATIC = Path(__file__).resolve().parent.parent / "static" / "ui"
STATIC_PREFIX = "/static/ui"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dt(value: Any, with_time: bool = True) -> str:
    if not value or isinstance(value, Undefined):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:  # SQLite hands back naive datetimes; the hub stores UTC
        value = value.replace(tzinfo=UTC)
    return turkish_datetime(value, with_time=with_time)


def _short_dt(value: Any) -> str:
    """dd.mm hh:mm (year added when not this year) in Istanbul time, for dense tables."""
    if not value or isinstance(value, Undefined):
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(ZoneInfo("Europe/Istanbul"))
    same_year = local.year == datetime.now(UTC).year
    return local.strftime("%d.%m %H:%M" if same_year else "%d.%m.%Y %H:%M")


def _value(value: Any, limit: int = 160) -> str:
    """A trace value (list, dict, scalar) as one short readable line."""
    if value is None or isinstance(value, Undefined):
        return "boş"
    if isinstance(value, bool):
        return "evet" if value else "hayır"
    if isinstance(value, list | tuple):
        text = ", ".join(_value(v, 60) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {_value(v, 60)}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # citizen text is untrusted everywhere it appears
        undefined=ChainableUndefined,  # trace and event data are free-form dicts
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["tarih"] = _dt
    e.filters["durum"] = lambda c: labels.label(labels.STATUS, c)
    e.filters["kisa_durum"] = lambda c: labels.label(labels.STATUS_SHORT, c)
    e.filters["kanal"] = lambda c: labels.label(labels.CHANNEL, c)
    e.filters["tur"] = lambda c: labels.label(labels.REQUEST_TYPE, c)
    e.filters["oncelik"] = lambda c: labels.label(labels.PRIORITY, c)
    e.filters["sla"] = lambda c: labels.label(labels.SLA, c)
    e.filters["olay"] = labels.event_label
    e.filters["gerekce"] = labels.reason_label
    e.filters["konum_gerekce"] = labels.locator_reason
    e.filters["iz_deger"] = lambda v, field=None: _value(labels_more.trace_value(v, field))
    e.filters["politika"] = labels_more.sla_policy
    e.filters["kanal_kapali"] = labels_more.disabled_reason
    e.filters["json_tr"] = lambda v: json.dumps(v, ensure_ascii=False, default=str)  # autoescaped like any text
    e.filters["konu"] = labels.topic_name
    e.filters["yon"] = lambda c: labels.label(labels.DIRECTION, c)
    e.filters["kisi_turu"] = lambda c: labels.label(labels.CONTACT_KIND, c)
    e.filters["eylem"] = lambda c: labels.label(labels.ACTION, c)
    e.filters["sonuc"] = lambda c: labels.label(labels.OUTCOME, c)
    e.filters["rol"] = lambda c: labels.label(labels.ROLE, c)
    e.filters["gonderim"] = lambda c: labels.label(labels.OUTBOX_STATUS, c)
    e.filters["gonderim_turu"] = lambda c: labels.label(labels.OUTBOX_KIND, c)
    e.filters["konum_kaynak"] = lambda c: labels.label(labels.LOCATION_SOURCE, c)
    e.filters["kisa_tarih"] = _short_dt
    e.filters["deger"] = _value
    e.filters["urlq"] = lambda v: quote(str(v), safe="")
    return e


def actor_of(request: web.Request) -> Actor:
    return request["actor"]


def csrf_token(request: web.Request) -> str:
    sess = request.get("ui_session")
    return ui_state(request.app["hub"]).csrf_for(sess.sid) if sess else ""


def render(request: web.Request, template: str, *, status: int = 200, **context: Any) -> web.Response:
    hub = request.app["hub"]
    actor: Actor | None = request.get("actor")
    base = {
        "municipality": hub.settings.municipality_name,
        "static": STATIC_PREFIX,
        "page_title": "",
        "user_name": request.get("ui_user"),
        "actor": actor,
        "csrf": csrf_token(request),
        "path": request.path,
        "flash": None,
        "error": None,
        "qs": lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")}),
    }
    base.update(context)
    html = env().get_template(template).render(**base)
    resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    resp.headers.update(SECURITY_HEADERS)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def error_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    # a muhtar sees his portal's frame and a way back to it, never the staff menu
    muhtar = request.get("ui_session") is not None and request.get("actor") is not None and actor_of(request).role == "muhtar"
    template = "muhtar_error.html" if muhtar else "error.html"
    return render(request, template, status=status, page_title=title, title=title, message=message)


async def _nul_field(request: web.Request) -> str | None:
    """The first posted form field holding a NUL character (aiohttp caches the parsed form)."""
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    form = await request.post()
    for name, value in form.items():
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            return name.replace("\x00", "")
    return None


def staff_page(handler: Handler) -> Handler:
    """Signed-in users only; refusals and failures become Turkish pages, never a traceback."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        if request.get("ui_session") is None:
            target = request.path_qs if request.method == "GET" else "/ui/"
            raise web.HTTPSeeOther("/ui/giris?" + urlencode({"sonra": target}))
        if actor_of(request).role == "muhtar":  # muhtars have their own portal and no staff page
            if request.path == "/ui/":
                raise web.HTTPSeeOther("/ui/muhtar/")
            return error_page(request, 403, "Yetkiniz yok", "Bu sayfa belediye personeli içindir.")
        if request.method == "POST" and not await csrf_ok(request):
            return csrf_refused(request)
        if request.method == "POST" and (field := await _nul_field(request)) is not None:
            # PostgreSQL cannot store NUL in text; say which box holds it instead of failing later
            return error_page(request, 400, "İşlem yapılamadı",
                              f"«{field}» alanında kabul edilmeyen bir denetim karakteri (NUL) var; metni yeniden yazın.")  # fmt: skip
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except PermissionDenied as exc:
            return error_page(request, 403, "Yetkiniz yok", labels.turkish_error(exc))
        except ActionError as exc:
            return error_page(request, exc.status, "İşlem yapılamadı", labels.turkish_error(exc))
        except Exception as exc:
            if database_unavailable(exc):
                resp = error_page(request, 503, "Veritabanına ulaşılamıyor",
                                  "Veritabanı şu anda yanıt vermiyor; birkaç saniye sonra tekrar deneyin.")  # fmt: skip
                resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                return resp
            log_failure(log, f"staff page {request.path} failed", exc)
            return error_page(
                request, 500, "Beklenmeyen bir hata oluştu", "Sayfa şu anda gösterilemiyor; hata kaydedildi."
            )

    return wrapped


async def csrf_ok(request: web.Request) -> bool:
    import hmac

    form = await request.post()
    expected = csrf_token(request)
    return bool(expected) and hmac.compare_digest(str(form.get("csrf", "")), expected)


def csrf_refused(request: web.Request) -> web.Response:
    return error_page(
        request, 403, "Form geçersiz", "Form süresi dolmuş ya da geçersiz. Sayfayı yenileyip tekrar deneyin."
    )


def safe_next(value: str | None) -> str:
    """Only local /ui paths are followed after login (no open redirect)."""
    if value and value.startswith("/ui") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/"


def see_other(location: str) -> web.Response:
    """A 303 that can carry cookies (raised HTTP exceptions are for plain redirects)."""
    return web.Response(status=303, headers={"Location": location})
