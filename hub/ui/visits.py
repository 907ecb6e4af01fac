"""/ui/ziyaretler: field and mayor's-visit intake for staff on a phone.

A visit record (Başkanla Baş Başa, Şeffaf Oda, mahalle ziyareti, diğer; date, place, who
attended), then one short form per request taken there. Each request enters through the
intake pipeline (channel ``ziyaret``, the visit id in its metadata) and is tagged with its visit
(hub.actions.visits). The visit page is also the visit report, with CSV and XLSX downloads.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from datetime import date
from typing import Any

from aiohttp import web

from classifier.text import normalize_phone_tr
from connectors.base import Location, RawMessage, Sender
from hub.actions import visits as va
from hub.actions.errors import Conflict, NotFound
from hub.api.auth import actor_of
from hub.api.errors import path_id
from hub.auth import Actor, require
from hub.models import REQUEST_TYPES
from hub.queries import visits as vq
from hub.ui import labels
from hub.ui.render import render
from hub.web.pages import log_failure

log = logging.getLogger(__name__)

KIND_LABELS = {
    "baskanla_bas_basa": "Başkanla Baş Başa", "seffaf_oda": "Şeffaf Oda",
    "mahalle_ziyareti": "Mahalle ziyareti", "diger": "Diğer",
}  # fmt: skip
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REPORT_HEADERS = ["Takip No", "Alındığı zaman", "Başvuran", "Talep", "Tür", "Konu", "İlçe", "Mahalle", "Birim",
                  "Durum", "Sonuç", "Son tarih", "Cevap tarihi", "Son cevap"]  # fmt: skip


def _visit_id(request: web.Request) -> int:
    return path_id(request, "visit not found")


def _field(form: Any, key: str, limit: int = 200) -> str:
    return str(form.get(key, "")).replace("\r\n", "\n").strip()[:limit]


def _list(hub: Any) -> list[dict]:
    with hub.db.reader() as session:
        return vq.visits(session)


async def list_page(request: web.Request, *, errors: dict | None = None, values: dict | None = None,
                    status: int = 200) -> web.Response:  # fmt: skip
    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    rows = await hub.db.run(_list, hub)
    values = values or {"tarih": date.today().isoformat(), "tur": "mahalle_ziyareti"}
    return render(request, "visits.html", status=status, page_title="Ziyaretler", visits=rows, kinds=KIND_LABELS,
                  values=values, errors=errors or {},
                  error="Ziyaret kaydedilmedi; aşağıdaki uyarılara bakın." if errors else None)  # fmt: skip


async def create(request: web.Request) -> web.StreamResponse:
    from hub.web.webform import check_location

    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    form = await request.post()
    values = {k: _field(form, k, 2000 if k in ("katilanlar", "not") else 200)
              for k in ("tur", "tarih", "yer", "ilce", "mahalle", "katilanlar", "not")}  # fmt: skip
    errors: dict[str, str] = {}
    if values["tur"] not in KIND_LABELS:
        errors["tur"] = "Ziyaretin türünü seçin."
    try:
        held_on = date.fromisoformat(values["tarih"])
    except ValueError:
        errors["tarih"] = "Tarihi seçin (gün.ay.yıl)."
    if not values["yer"]:
        errors["yer"] = "Ziyaretin yerini yazın."
    ilce, mahalle = check_location({"ilce": values["ilce"], "mahalle": values["mahalle"]}, errors)
    if errors:
        return await list_page(request, errors=errors, values=values, status=400)

    def work() -> int:
        with hub.db.session() as session:
            visit = va.create_visit(session, actor, kind=values["tur"], held_on=held_on, place=values["yer"],
                                    attendees=values["katilanlar"], ilce=ilce, mahalle=mahalle,
                                    notes=values["not"])  # fmt: skip
            return int(visit.id or 0)

    vid = await hub.db.run(work)
    raise web.HTTPSeeOther(f"/ui/ziyaret/{vid}?tamam=ziyaret")


def _report(hub: Any, actor: Actor, vid: int) -> dict:
    with hub.db.reader() as session:
        return vq.report(session, actor, va.get_visit(session, vid))


async def show(request: web.Request, *, errors: dict | None = None, values: dict | None = None,
               status: int = 200) -> web.Response:  # fmt: skip
    from hub.web.webform import locator

    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    data = await hub.db.run(_report, hub, actor, _visit_id(request))
    visit = data["visit"]
    fresh = {"ilce": visit["ilce"] or "", "mahalle": visit["mahalle"] or "", "token": secrets.token_urlsafe(18)}
    flash = {"ziyaret": "Ziyaret kaydı açıldı; alınan talepleri aşağıdan ekleyin.",
             "talep": "Talep kaydedildi ve ziyarete eklendi."}.get(request.query.get("tamam", ""))  # fmt: skip
    return render(
        request, "visit.html", status=status, page_title=f"Ziyaret: {visit['place']}", kinds=KIND_LABELS,
        v=visit, items=data["items"], summary=data["summary"], values=values or fresh, errors=errors or {},
        request_types=REQUEST_TYPES, ilceler=locator().ilceler(), flash=None if errors else flash,
        error="Talep kaydedilmedi; aşağıdaki uyarılara bakın." if errors else None,
    )  # fmt: skip


async def add_request(request: web.Request) -> web.StreamResponse:
    from hub.web.webform import check_location

    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    vid = _visit_id(request)
    form = await request.post()
    values = {k: _field(form, k) for k in ("ad", "telefon", "tur", "ilce", "mahalle", "adres", "token")}
    values["metin"] = _field(form, "metin", hub.settings.max_text_chars + 1)
    errors: dict[str, str] = {}
    if not values["metin"]:
        errors["metin"] = "Talebin metnini yazın."
    elif len(values["metin"]) > hub.settings.max_text_chars:
        errors["metin"] = f"Metin en fazla {hub.settings.max_text_chars} karakter olabilir."
    if values["tur"] and values["tur"] not in REQUEST_TYPES:
        errors["tur"] = "Talep türü geçersiz."
    phone = None
    if values["telefon"]:
        phone = normalize_phone_tr(values["telefon"])
        if phone is None:
            errors["telefon"] = "Geçerli bir telefon numarası yazın (ör. 0532 123 45 67)."
    if not _TOKEN.match(values["token"]):
        errors["token"] = "Form süresi dolmuş; sayfayı yenileyip tekrar deneyin."
    ilce, mahalle = check_location({"ilce": values["ilce"], "mahalle": values["mahalle"]}, errors)
    visit = await hub.db.run(_visit_row, hub, vid)
    if errors:
        return await show(request, errors=errors, values=values, status=400)
    raw = RawMessage(
        channel=va.VISIT_CHANNEL, external_id=f"visit:{vid}:{values['token']}", text=values["metin"],
        sender=Sender(name=values["ad"] or None, phone=phone, kind="citizen"),
        location=Location(ilce=ilce, mahalle=mahalle, address=values["adres"] or None)
        if (ilce or mahalle or values["adres"]) else None,
        request_type=values["tur"] or None, reply_to={"phone": phone} if phone else {},
        metadata={"visit_id": vid, "visit_kind": visit["kind"], "created_by": actor.id},
    )  # fmt: skip
    try:
        result = await hub.db.run(hub.intake.ingest, raw)
    except Exception as exc:  # what was typed stays in the form; the log has the details
        log_failure(log, "request from a visit failed", exc)
        return await show(request, errors={"token": "Talep şu anda kaydedilemedi; yazdıklarınız duruyor, birazdan "
                                           "tekrar deneyin."}, values=values, status=503)  # fmt: skip
    await hub.db.run(_tag, hub, actor, vid, result.request_id)
    raise web.HTTPSeeOther(f"/ui/ziyaret/{vid}?tamam=talep#talepler")


def _visit_row(hub: Any, vid: int) -> dict:
    with hub.db.reader() as session:
        visit = va.get_visit(session, vid)
        return {"id": visit.id, "kind": visit.kind}


def _tag(hub: Any, actor: Actor, vid: int, request_id: int) -> None:
    from hub.actions import requests as ra

    with hub.db.session() as session:
        req = ra.get(session, actor, request_id, for_update=True)
        try:
            va.tag_request(session, actor, va.get_visit(session, vid), req)
        except Conflict:
            # The text named a request taken at another visit, and the pipeline added it there.
            log.info("request %s already belongs to another visit; not tagged with visit %s", request_id, vid)


def report_rows(data: dict) -> list[list[Any]]:
    rows = []
    for it in data["items"]:
        rows.append([
            it["tracking_code"], it["received_at"], it["name"] or "", it["text"],
            labels.label(labels.REQUEST_TYPE, it["request_type"]) if it["request_type"] else "",
            it["topic"] or "", it["ilce"] or "", it["mahalle"] or "", it["department"] or "",
            labels.label(labels.STATUS, it["status"]), labels.label(labels.OUTCOME, it["outcome"]) if it["outcome"] else "",
            it["due_at"], it["answered_at"], it["answer"] or "",
        ])  # fmt: skip
    return rows


def _local(value: Any) -> Any:
    from hub.reports import TZ

    if hasattr(value, "astimezone"):
        return value.astimezone(TZ).replace(tzinfo=None)
    return value


async def export(request: web.Request) -> web.StreamResponse:
    """GET /ui/ziyaret/{id}/rapor.csv|xlsx: the visit report; every cell through the one
    neutraliser (connectors/imports/cells.py), since citizens' texts are in it."""
    from connectors.imports.cells import append_row, csv_writer

    actor = actor_of(request)
    require(actor, "request.create")
    hub = request.app["hub"]
    fmt = request.match_info["fmt"]
    if fmt not in ("csv", "xlsx"):
        raise NotFound("unknown format")
    data = await hub.db.run(_report, hub, actor, _visit_id(request))
    v = data["visit"]
    head = [["Ziyaret", KIND_LABELS.get(v["kind"], v["kind"])], ["Tarih", v["held_on"].strftime("%d.%m.%Y")],
            ["Yer", v["place"]], ["Katılanlar", v["attendees"]], []]  # fmt: skip
    rows = [[_local(c) for c in r] for r in report_rows(data)]
    name = f"ziyaret-{v['id']}-{v['held_on'].isoformat()}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO(newline="")
        writer = csv_writer(buf, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        for r in [*head, REPORT_HEADERS, *rows]:
            writer.writerow([c.strftime("%d.%m.%Y %H:%M") if hasattr(c, "strftime") else c for c in r])
        body, ctype = buf.getvalue().encode("utf-8-sig"), "text/csv"
    else:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "Ziyaret"
        for r in [*head, REPORT_HEADERS, *rows]:
            append_row(ws, r)
        out = io.BytesIO()
        wb.save(out)
        body, ctype = out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return web.Response(body=body, content_type=ctype, charset="utf-8" if fmt == "csv" else None,
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})  # fmt: skip

