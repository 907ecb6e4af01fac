"""Open311 GeoReport v2: the wire format only (services, a posted request as a RawMessage, the
service request fields, JSON and XML). It knows only its channel, ``open311``; the hub's routes
(hub/web/open311.py) do the storage and the reads.

Written from the GeoReport v2 field list: services carry service_code, service_name,
description, metadata, type, keywords, group; service requests carry service_request_id, status,
status_notes, service_name, service_code, description, agency_responsible, service_notice,
requested_datetime, updated_datetime, expected_datetime, address, address_id, zipcode, lat,
long, media_url. Errors are a list of {code, description}.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from connectors.base import Location, RawMessage, Sender

CHANNEL = "open311"
REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
)  # fmt: skip
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
MAX_DESCRIPTION = 4000  # GeoReport's own bound for description


class Open311Error(Exception):
    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after  # seconds, sent as Retry-After (a 429)


def services(topics: Mapping[str, Any], group: str) -> list[dict[str, Any]]:
    """One service per topic of the taxonomy; none has attributes (metadata false)."""
    return [
        {"service_code": code, "service_name": t.name, "description": t.description, "metadata": False,
         "type": "realtime", "keywords": "", "group": group}
        for code, t in topics.items()
    ]  # fmt: skip


def _float(form: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not low <= number <= high:
        raise Open311Error(400, f"{name} is out of range")
    return number


def to_raw(form: Mapping[str, str], known_services: set[str], il: str | None = None) -> RawMessage:
    """A POST requests.json body as a RawMessage: the service code is the sender's category, a
    lat/long pair or an address_string is the location (the spec requires one of them)."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in known_services:
        raise Open311Error(404, f"service_code {code!r} not found")
    lat, lon = _float(form, "lat", -90, 90), _float(form, "long", -180, 180)
    address = (form.get("address_string") or "").strip()[:500]
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long go together")
    if lat is None and not address and not (form.get("address_id") or "").strip():
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    description = (form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    # The classifier's locator reads the text: the address goes into it, so it finds the mahalle.
    text = "\n".join(p for p in (description, f"Adres: {address}" if address else "") if p) or code
    name = " ".join(p for p in ((form.get("first_name") or "").strip(), (form.get("last_name") or "").strip()) if p)
    phone = (form.get("phone") or "").strip() or None
    email = (form.get("email") or "").strip() or None
    device = (form.get("device_id") or "").strip()[:200]
    reply_to = {k: v for k, v in (("phone", phone), ("email", email)) if v}
    return RawMessage(
        channel=CHANNEL, external_id=f"{CHANNEL}:{uuid.uuid4().hex}", text=text,
        sender=Sender(name=name or None, phone=phone, email=email),
        location=Location(il=il, address=address or None, lat=lat, lon=lon), reply_to=reply_to,
        metadata={"topic_hint": code, **({"device_id": device} if device else {}),
                  **({"media_url": form["media_url"][:1000]} if form.get("media_url") else {})},
    )  # fmt: skip


# -- serialisation ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_xml(root: str, item: str, rows: list[dict[str, Any]], fields: tuple[str, ...]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for name in fields:
            if name in row:
                ET.SubElement(el, name).text = _text(row[name])
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def errors_xml(errors: list[dict[str, Any]]) -> bytes:
    return to_xml("errors", "error", errors, ("code", "description"))


def created_xml(rows: list[dict[str, Any]]) -> bytes:
    return to_xml("service_requests", "request", rows, ("service_request_id", "token", "service_notice", "account_id"))
