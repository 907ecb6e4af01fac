"""The muhtar portal (/ui/muhtar/): phone-first pages for a muhtar bound to one mahalle.

It shares the staff UI's login, session cookie and throttle (hub/ui/login.py); a muhtar is
sent here after login and refused every staff page (hub/ui/render.staff_page). A muhtar
submits requests for his mahalle through the same intake pipeline as every channel
(channel ``muhtar``, the mahalle fixed as a known location, contact kind ``muhtar`` so the
15-day policy of routing_rules.yaml applies), and reads his mahalle's requests without other
citizens' personal data (hub/queries/muhtar.py).
"""

from __future__ import annotations

import functools
import hmac
import logging
import uuid
from typing import Any

from aiohttp import web
from sqlmodel import select

from connectors.base import Location, RawMessage, Sender
from hub.models import User
from hub.queries import muhtar as mq
from hub.ui.render import Handler, actor_of, csrf_token, error_page, render
from hub.web.upload import BodyTooLarge, read_form
from hub.web.webform import REQUEST_TYPES, TYPE_LABELS, _check_photo, _mb

log = logging.getLogger(__name__)
HOME = "/ui/muhtar/"
MAX_TEXT = 5000


def topics() -> list[tuple[str, str]]:
    """(code, Turkish name) of the taxonomy's topics a muhtar may pick."""
    from classifier.taxonomy import default_taxonomy

    return [(c, t.name) for c, t in default_taxonomy().topics.items() if not t.out_of_scope and c != "diger"]


def muhtar_page(handler: Handler) -> Handler:
    """Signed-in muhtars only: others are sent to log in, staff get 403."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        if request.get("ui_session") is None:
            raise web.HTTPSeeOther("/ui/giris?sonra=" + HOME)
        if actor_of(request).role != "muhtar":
            return error_page(request, 403, "Yetkiniz yok", "Bu bölüm yalnızca muhtarlar içindir.")
        return await handler(request)

    return wrapped


async def to_portal(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(HOME)


async def home(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    rows = await request.app["hub"].db.run(mq.mahalle_requests, request.app["hub"].db, actor)
    done = {"gonderildi": "Talebiniz alındı. Her aşamada SMS ile bilgilendirileceksiniz."}.get(request.query.get("tamam", ""))
    return render(request, "muhtar_home.html", page_title="Mahallemin talepleri", rows=rows, flash=done,
                  code=request.query.get("kod"))  # fmt: skip


def _form(request: web.Request, *, status: int = 200, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None) -> web.Response:  # fmt: skip
    values = dict(values or {})
    if len(values.get("form_id", "")) != 32:  # one id per form: a resubmitted form is the same request
        values["form_id"] = uuid.uuid4().hex
    return render(
        request, "muhtar_form.html", status=status, page_title="Yeni talep", values=values, errors=errors or {},
        types=REQUEST_TYPES, topics=topics(), max_mb=_mb(request.app["hub"].settings.max_attachment_bytes),
    )  # fmt: skip


async def new_form(request: web.Request) -> web.StreamResponse:
    return _form(request)


def _coord(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return number if low <= number <= high else None


def _user(hub: Any, user_id: int) -> User | None:
    with hub.db.reader() as session:
        return session.exec(select(User).where(User.id == user_id)).first()


async def submit(request: web.Request) -> web.StreamResponse:
    hub = request.app["hub"]
    actor = actor_of(request)
    limit = hub.settings.max_attachment_bytes
    try:
        body = await read_form(request, limit)
    except (BodyTooLarge, ValueError):
        return error_page(request, 413, "Talep çok büyük", f"Fotoğraf en fazla {_mb(limit)} olabilir.")
    # the body is streamed (photo), so the CSRF token is checked here, not by staff_page
    if not hmac.compare_digest(body.fields.get("csrf", ""), csrf_token(request)):
        return error_page(request, 403, "Form geçersiz", "Form süresi dolmuş. Sayfayı yenileyip tekrar deneyin.")
    values = {k: (body.fields.get(k) or "").strip() for k in ("tur", "konu", "aciklama", "enlem", "boylam", "form_id")}
    errors: dict[str, str] = {}
    if values["tur"] not in TYPE_LABELS:
        errors["tur"] = "Lütfen talep türünü seçin."
    if values["konu"] and values["konu"] not in dict(topics()):
        errors["konu"] = "Lütfen listeden bir konu seçin."
    if not values["aciklama"]:
        errors["aciklama"] = "Lütfen talebi açıklayın."
    elif len(values["aciklama"]) > MAX_TEXT or "aciklama" in body.truncated:
        errors["aciklama"] = f"Açıklama en fazla {MAX_TEXT} karakter olabilir."
    lat = lon = None
    if values["enlem"] or values["boylam"]:
        lat, lon = _coord(values["enlem"], -90, 90), _coord(values["boylam"], -180, 180)
        if lat is None or lon is None:
            errors["konum"] = "Konum geçerli değil; enlem ve boylamı sayı olarak girin ya da boş bırakın."
    photo = _check_photo(body.photo, limit, errors)
    if errors:
        return _form(request, status=422, values=values, errors=errors)
    user = await hub.db.run(_user, hub, actor.user_id)
    if user is None or not user.mahalle:
        return error_page(request, 403, "Yetkiniz yok", "Hesabınız bir mahalleye bağlı değil.")
    form_id = values["form_id"] if len(values["form_id"]) == 32 and values["form_id"].isalnum() else uuid.uuid4().hex
    raw = RawMessage(
        channel="muhtar", external_id=f"{mq.own_prefix(user.id or 0)}{form_id}", text=values["aciklama"],
        sender=Sender(name=user.display_name, phone=user.phone, kind="muhtar"),
        attachments=[photo] if photo else [],
        location=Location(il=hub.settings.il, ilce=user.ilce, mahalle=user.mahalle, lat=lat, lon=lon),
        request_type=values["tur"], reply_to={"phone": user.phone} if user.phone else {},
        metadata={"muhtar_user_id": user.id, **({"topic_hint": values["konu"]} if values["konu"] else {})},
    )  # fmt: skip
    result = await hub.db.run(hub.intake.ingest, raw)
    log.info("muhtar portal: user %s -> %s", user.id, result.tracking_code)
    raise web.HTTPSeeOther(f"{HOME}?tamam=gonderildi&kod={result.tracking_code or ''}")


async def show(request: web.Request) -> web.StreamResponse:
    hub = request.app["hub"]
    row = await hub.db.run(mq.mahalle_request, hub.db, actor_of(request), request.match_info["code"])
    if row is None:  # not his mahalle, or no such request: the same answer
        return error_page(request, 404, "Talep bulunamadı", "Bu talep mahallenize ait değil ya da yok.")
    return render(request, "muhtar_detail.html", page_title=row.tracking_code or "Talep", r=row)


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get("/muhtar")(to_portal)
    routes.get("/muhtar/")(to_portal)
    routes.get("/ui/muhtar")(to_portal)
    routes.get(HOME)(muhtar_page(home))
    routes.get(HOME + "yeni")(muhtar_page(new_form))
    routes.post(HOME + "yeni")(muhtar_page(submit))
    routes.get(HOME + "talep/{code}")(muhtar_page(show))
