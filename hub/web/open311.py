"""Open311 GeoReport v2 at /open311/v2/: services from the topic taxonomy, requests posted with
an API key through the intake pipeline (channel ``open311``), and public reads that reveal no
personal data. The field list and status mapping are in docs/open311.md."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aiohttp import web
from sqlmodel import select

from connectors import open311 as wire
from hub.models import FINAL_STATUSES, OPEN_STATUSES, Department, Request
from hub.queries.muhtar import masked

log = logging.getLogger(__name__)
BASE = "/open311/v2"
MAX_REQUESTS = 1000  # the spec's default cap of one listing
CLOSED = {s.value for s in FINAL_STATUSES}
OPEN = {s.value for s in OPEN_STATUSES}


@lru_cache(maxsize=1)
def _taxonomy() -> dict[str, Any]:
    from classifier.taxonomy import default_taxonomy

    return {c: t for c, t in default_taxonomy().topics.items() if not t.out_of_scope}


@lru_cache(maxsize=1)
def _zipcodes() -> dict[tuple[str, str], str]:
    from classifier.locator import Locator

    return {(e["ilce"], e["mahalle"]): e.get("posta_kodu") or "" for e in Locator.default().entries()}


def _fmt(request: web.Request) -> str:
    fmt = request.match_info.get("fmt", "json")
    if fmt not in ("json", "xml"):
        raise wire.Open311Error(404, "format must be json or xml")
    return fmt


def _answer(fmt: str, rows: list[dict[str, Any]], root: str, item: str, fields: tuple[str, ...],
            status: int = 200) -> web.Response:  # fmt: skip
    if fmt == "xml":
        return web.Response(body=wire.to_xml(root, item, rows, fields), status=status,
                            content_type="text/xml", charset="utf-8")  # fmt: skip
    return web.Response(text=json.dumps(rows, ensure_ascii=False), status=status, content_type="application/json")


def _error(fmt: str, exc: wire.Open311Error) -> web.Response:
    rows = [{"code": exc.code, "description": exc.description}]
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if fmt == "xml":
        return web.Response(body=wire.errors_xml(rows), status=exc.code, content_type="text/xml", charset="utf-8",
                            headers=headers)  # fmt: skip
    return web.json_response(rows, status=exc.code, headers=headers)


def _guard(handler: Any) -> Any:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        fmt = "xml" if request.match_info.get("fmt") == "xml" else "json"
        try:
            return await handler(request, _fmt(request))
        except wire.Open311Error as exc:
            return _error(fmt, exc)

    return wrapped


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def service_request(req: Request, departments: dict[str, str]) -> dict[str, Any]:
    """The GeoReport fields of one request, with nothing personal: the description is masked,
    the address is the mahalle (never the citizen's own words), no media is published."""
    topic = _taxonomy().get(req.topic or "")
    closed = req.status in CLOSED
    notes = {"answered": "Cevaplandı", "closed": "Kapatıldı", "duplicate": "Mükerrer talep",
             "out_of_scope": "Belediyenin görev alanı dışında", "rejected": "Reddedildi"}.get(req.status, "")  # fmt: skip
    if closed and req.outcome in ("olumlu", "olumsuz"):
        notes = f"{notes} ({req.outcome})"
    place = ", ".join(p for p in (f"{req.mahalle} Mahallesi" if req.mahalle else "", req.ilce or "", req.il or "") if p)
    return {
        "service_request_id": req.tracking_code,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": topic.name if topic else None,
        "service_code": req.topic,
        "description": "" if req.erased_at else masked(req.text, [])[: wire.MAX_DESCRIPTION],
        "agency_responsible": departments.get(req.department or "", req.department),
        "service_notice": f"{req.sla_days} gün içinde cevaplanır" if req.sla_days else "",
        "requested_datetime": _iso(req.received_at),
        "updated_datetime": _iso(req.updated_at),
        "expected_datetime": _iso(req.due_at),
        "address": place or None,
        "address_id": None,
        "zipcode": _zipcodes().get((req.ilce or "", req.mahalle or "")) or None,
        "lat": req.lat,
        "long": req.lon,
        "media_url": None,
    }


@_guard
async def list_services(request: web.Request, fmt: str) -> web.Response:
    rows = wire.services(_taxonomy(), request.app["hub"].settings.municipality_name)
    return _answer(fmt, rows, "services", "service", wire.SERVICE_FIELDS)


@_guard
async def service_definition(request: web.Request, fmt: str) -> web.Response:
    # No service has attributes (metadata is false), so a definition is never needed.
    code = request.match_info["code"]
    if code not in _taxonomy():
        raise wire.Open311Error(404, f"service_code {code!r} not found")
    raise wire.Open311Error(404, f"service {code!r} has no attributes (metadata false)")


async def _key_actor(request: web.Request, form: Any) -> Any:
    from hub.api.app import authenticate_key
    from hub.web.pages import client_ip

    key = str(form.get("api_key") or request.query.get("api_key") or "").strip()
    # Wrong keys count against the address as on /api/ (hub/api/key_throttle.py), together.
    actor, wait = await authenticate_key(request.app["hub"], key, client_ip(request)) if key else (None, None)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise wire.Open311Error(429, f"too many wrong API keys from this address; retry in {seconds} seconds",
                                retry_after=seconds)  # fmt: skip
    if actor is None:
        raise wire.Open311Error(403, "a valid api_key is required")
    if not actor.can("request.create"):
        raise wire.Open311Error(403, "this api_key may not create requests")
    return actor


@_guard
async def create(request: web.Request, fmt: str) -> web.Response:
    hub = request.app["hub"]
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise wire.Open311Error(413, "request body too large") from None
    await _key_actor(request, form)
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    raw = wire.to_raw(fields, set(_taxonomy()), hub.settings.il)
    result = await hub.db.run(hub.intake.ingest, raw)

    def notice() -> str:
        with hub.db.reader() as session:
            req = session.get(Request, result.request_id)
            return f"{req.sla_days} gün içinde cevaplanır" if req and req.sla_days else ""

    row = {"service_request_id": result.tracking_code, "service_notice": await hub.db.run(notice), "account_id": None}
    log.info("open311: request created %s", result.tracking_code)
    if fmt == "xml":
        return web.Response(body=wire.created_xml([row]), status=201, content_type="text/xml", charset="utf-8")
    return web.json_response([row], status=201)


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise wire.Open311Error(400, f"{name} must be a w3 datetime (ISO 8601)") from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _query(hub: Any, q: Any) -> list[dict[str, Any]]:
    stmt = select(Request).where(Request.parent_id.is_(None), Request.tracking_code.is_not(None))
    ids = [i.strip().upper() for i in (q.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        stmt = stmt.where(Request.tracking_code.in_(ids[:MAX_REQUESTS]))
    else:
        codes = [c.strip() for c in (q.get("service_code") or "").split(",") if c.strip()]
        if codes:
            stmt = stmt.where(Request.topic.in_(codes))
        start, end = _date(q.get("start_date"), "start_date"), _date(q.get("end_date"), "end_date")
        if start:
            stmt = stmt.where(Request.received_at >= start)
        if end:
            stmt = stmt.where(Request.received_at <= end)
        status = (q.get("status") or "").strip().lower()
        if status:
            wanted = set()
            for s in status.split(","):
                if s not in ("open", "closed"):
                    raise wire.Open311Error(400, "status must be open or closed")
                wanted |= OPEN if s == "open" else CLOSED
            stmt = stmt.where(Request.status.in_(sorted(wanted)))
    stmt = stmt.order_by(Request.received_at.desc()).limit(MAX_REQUESTS)
    with hub.db.reader() as session:
        departments = {d.code: d.name for d in session.exec(select(Department))}
        return [service_request(r, departments) for r in session.exec(stmt)]


@_guard
async def list_requests(request: web.Request, fmt: str) -> web.Response:
    hub = request.app["hub"]
    rows = await hub.db.run(_query, hub, request.query)
    return _answer(fmt, rows, "service_requests", "request", wire.REQUEST_FIELDS)


@_guard
async def one_request(request: web.Request, fmt: str) -> web.Response:
    hub = request.app["hub"]
    rows = await hub.db.run(_query, hub, {"service_request_id": request.match_info["id"]})
    if not rows:
        raise wire.Open311Error(404, "service_request_id not found")
    return _answer(fmt, rows, "service_requests", "request", wire.REQUEST_FIELDS)


def add_routes(routes: web.RouteTableDef) -> None:
    routes.get(BASE + "/services.{fmt}")(list_services)
    routes.get(BASE + "/services/{code}.{fmt}")(service_definition)
    routes.post(BASE + "/requests.{fmt}")(create)
    routes.get(BASE + "/requests.{fmt}")(list_requests)
    routes.get(BASE + "/requests/{id}.{fmt}")(one_request)
