"""The call-centre and Beyaz Masa form: register a call or a walk-in as a request.

The agent first looks the caller up by phone (their earlier requests and their status are
what most callers ask about), then writes the request. It goes through the same intake
pipeline as every channel, so it is classified, located, checked for duplicates and routed
by the rules. A hidden token makes the submission idempotent: a double click or a resent
form is one request.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from aiohttp import web
from sqlmodel import select

from classifier.text import normalize_phone_tr
from connectors.base import Location, RawMessage, Sender
from hub.api.auth import actor_of
from hub.auth import Actor, require
from hub.email_address import BadEmail, check_email
from hub.models import REQUEST_TYPES, Request
from hub.queries.contacts import find_contact
from hub.ui.render import render
from hub.web.pages import log_failure

log = logging.getLogger(__name__)

CHANNELS = {"phone": "Alo 153 (telefon)", "beyaz_masa": "Beyaz Masa"}
KINDS = {"citizen": "Vatandaş", "muhtar": "Muhtar", "institution": "Kurum"}
FIELDS = ("kanal", "telefon", "ad", "eposta", "kisi_turu", "tur", "ilce", "mahalle", "adres", "metin", "token")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
HISTORY_LIMIT = 10


def _caller(hub: Any, actor: Actor, phone: str) -> dict[str, Any] | None:
    """The caller's name and latest requests (those this user may see)."""
    with hub.db.reader() as session:
        contact = find_contact(session, phone=phone)
        if contact is None:
            return None
        reqs = session.exec(
            select(Request).where(Request.contact_id == contact.id).order_by(Request.received_at.desc()).limit(HISTORY_LIMIT)
        ).all()  # fmt: skip
        return {
            "name": contact.name, "kind": contact.kind,
            "requests": [
                {"id": r.id, "tracking_code": r.tracking_code, "received_at": r.received_at, "status": r.status,
                 "topic": r.topic, "mahalle": r.mahalle, "ilce": r.ilce}
                for r in reqs if actor.can_see_department(r.department)
            ],
        }  # fmt: skip


def _page(request: web.Request, values: dict[str, str], *, errors: dict[str, str] | None = None,
          caller: dict | None = None, looked_up: bool = False, status: int = 200) -> web.Response:  # fmt: skip
    from hub.web.webform import locator

    return render(
        request, "new_request.html", status=status, page_title="Yeni talep", values=values,
        errors=errors or {}, caller=caller, looked_up=looked_up, channels=CHANNELS, kinds=KINDS,
        request_types=REQUEST_TYPES, ilceler=locator().ilceler(), mahalleler=locator().entries(),
        error="Talep kaydedilmedi; aşağıdaki uyarılara bakın." if errors else None,
    )  # fmt: skip


async def form(request: web.Request) -> web.Response:
    """GET /ui/yeni[?telefon=…]: the empty form, or the form with the caller's history."""
    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    values = {k: str(request.query.get(k, "")).strip()[:200] for k in FIELDS}
    values["kanal"] = values["kanal"] if values["kanal"] in CHANNELS else "phone"
    values["token"] = secrets.token_urlsafe(18)
    errors: dict[str, str] = {}
    caller = None
    phone = values["telefon"]
    if phone:
        norm = normalize_phone_tr(phone)
        if norm is None:
            errors["telefon"] = "Geçerli bir telefon numarası yazın (ör. 0532 123 45 67)."
        else:
            caller = await hub.db.run(_caller, hub, actor, norm)
            if caller and caller["name"] and not values["ad"]:
                values["ad"] = caller["name"]
            if caller and caller["kind"] in KINDS and not values["kisi_turu"]:
                values["kisi_turu"] = caller["kind"]
    return _page(request, values, errors=errors, caller=caller, looked_up=bool(phone) and not errors,
                 status=400 if errors else 200)  # fmt: skip


def check(values: dict[str, str], max_chars: int) -> tuple[dict[str, str], dict[str, Any]]:
    """Field errors (Turkish, by field) and the cleaned values."""
    from hub.web.webform import check_location

    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if values["kanal"] not in CHANNELS:
        errors["kanal"] = "Kanalı seçin."
    if values["kisi_turu"] not in KINDS:
        errors["kisi_turu"] = "Başvuranın türünü seçin."
    if values["tur"] and values["tur"] not in REQUEST_TYPES:
        errors["tur"] = "Talep türü geçersiz."
    text = values["metin"]
    if not text:
        errors["metin"] = "Talebin metnini yazın."
    elif len(text) > max_chars:
        errors["metin"] = f"Metin en fazla {max_chars} karakter olabilir (şu an {len(text)})."
    out["phone"] = None
    if values["telefon"]:
        out["phone"] = normalize_phone_tr(values["telefon"])
        if out["phone"] is None:
            errors["telefon"] = "Geçerli bir telefon numarası yazın (ör. 0532 123 45 67)."
    out["email"] = None
    if values["eposta"]:
        try:
            out["email"] = check_email(values["eposta"])
        except BadEmail as exc:
            errors["eposta"] = str(exc)
    if not _TOKEN.match(values["token"]):
        errors["token"] = "Form süresi dolmuş; sayfayı yenileyip tekrar deneyin."
    loc_errors: dict[str, str] = {}
    out["ilce"], out["mahalle"] = check_location({"ilce": values["ilce"], "mahalle": values["mahalle"]}, loc_errors)
    errors.update(loc_errors)
    return errors, out


async def submit(request: web.Request) -> web.StreamResponse:
    """POST /ui/yeni: run the request through intake, then open it."""
    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    posted = await request.post()
    values = {k: str(posted.get(k, "")).strip()[:1000] for k in FIELDS}
    values["metin"] = str(posted.get("metin", "")).replace("\r\n", "\n").strip()[: hub.settings.max_text_chars + 1]
    if posted.get("islem") == "gecmis":  # "Geçmişi göster": the form comes back with all it had
        return await _lookup(request, actor, values)
    errors, clean = check(values, hub.settings.max_text_chars)
    if errors:
        return _page(request, values, errors=errors, status=400)
    add_to = str(posted.get("ekle", ""))
    if add_to.isdigit() and len(add_to) < 10:  # "Bu talebe ekle" on a row of the caller's history
        return await _add_to_earlier(request, actor, int(add_to), values, clean)
    # "İlk temasta çözüldü" pressed on a suggested knowledge base entry (hub/static/ui/kb_suggest.js)
    fcr_raw = str(posted.get("ilk_temas", "")).strip()
    fcr_entry = int(fcr_raw) if fcr_raw.isdigit() and len(fcr_raw) < 10 else None
    phone, email = clean["phone"], (clean["email"] or "").lower() or None
    has_place = clean["ilce"] or clean["mahalle"] or values["adres"]
    raw = RawMessage(
        channel=values["kanal"],
        external_id="ui:" + values["token"],
        text=values["metin"],
        sender=Sender(name=values["ad"][:200] or None, phone=phone, email=email, kind=values["kisi_turu"]),
        location=Location(ilce=clean["ilce"], mahalle=clean["mahalle"], address=values["adres"] or None)
        if has_place else None,
        request_type=values["tur"] or None,
        reply_to={"phone": phone} if phone else ({"email": email} if email else {}),
        metadata={"created_by": actor.id, **({"first_contact": True} if fcr_entry else {})},
    )  # fmt: skip
    try:
        result = await hub.db.run(hub.intake.ingest, raw)
    except Exception as exc:  # the agent keeps what they typed; the log has the details
        log_failure(log, "new request from the staff form failed", exc)
        return _page(request, values, errors={"token": "Talep şu anda kaydedilemedi; yazdıklarınız duruyor, "
                                              "birazdan tekrar deneyin."}, status=503)  # fmt: skip
    # A resent form finds its own request; a text naming a tracking code joins that request.
    done = "tekrar" if result.duplicate_delivery else ("yeni" if result.created else "eklendi")
    if fcr_entry is not None and result.created:
        await hub.db.run(_close_first_contact, hub, actor, result.request_id, fcr_entry)
        done = "ilk-temas"
    raise web.HTTPSeeOther(f"/ui/talep/{result.request_id}?tamam={done}")


def _close_first_contact(hub: Any, actor: Actor, request_id: int, entry_id: int) -> None:
    from hub.actions import knowledge
    from hub.actions import requests as ra

    with hub.db.session() as session:
        knowledge.resolve_first_contact(session, actor, ra.get(session, actor, request_id, for_update=True), entry_id)


async def _lookup(request: web.Request, actor: Actor, values: dict[str, str]) -> web.Response:
    """The caller's history, shown on the form the agent is filling in: nothing typed is lost."""
    hub = request.app["hub"]
    norm = normalize_phone_tr(values["telefon"]) if values["telefon"] else None
    if norm is None:
        return _page(request, values, status=400,
                     errors={"telefon": "Geçerli bir telefon numarası yazın (ör. 0532 123 45 67)."})  # fmt: skip
    caller = await hub.db.run(_caller, hub, actor, norm)
    if caller and caller["name"] and not values["ad"]:
        values["ad"] = caller["name"]
    return _page(request, values, caller=caller, looked_up=True)


async def _add_to_earlier(request: web.Request, actor: Actor, rid: int, values: dict[str, str],
                          clean: dict[str, Any]) -> web.StreamResponse:  # fmt: skip
    from hub.actions import requests as ra
    from hub.actions.call_added import add_call

    hub = request.app["hub"]

    def work() -> None:
        with hub.db.session() as session:
            req = ra.get(session, actor, rid, for_update=True)
            sender = {"name": values["ad"] or None, "phone": clean["phone"], "kind": values["kisi_turu"]}
            add_call(session, actor, req, channel=values["kanal"], text=values["metin"],
                     external_id="ui:" + values["token"], sender={k: v for k, v in sender.items() if v})  # fmt: skip

    await hub.db.run(work)
    raise web.HTTPSeeOther(f"/ui/talep/{rid}?tamam=arama-eklendi")
