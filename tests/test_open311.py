"""An Open311 GeoReport v2 client against the hub's real HTTP server: list services, post a
request with an API key, read it back in JSON and XML (every field of the spec's list), the
filters, the error format, and that public reads reveal no personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlmodel import select

from connectors.open311 import REQUEST_FIELDS, SERVICE_FIELDS
from hub.models import Request
from tests.conftest import ADMIN_KEY, add_key

V2 = "/open311/v2"
PERSON = {"first_name": "Zeynep", "last_name": "Kılıç", "phone": "0533 444 55 66", "email": "zeynep@example.com"}


async def post(client, **form: str):  # noqa: ANN001, ANN201
    return await client.post(f"{V2}/requests.json", data=form, headers={"Authorization": ""})


async def test_client_lists_services_posts_and_reads_back_in_json_and_xml(client, hub) -> None:  # noqa: ANN001
    r = await client.get(f"{V2}/services.json")
    services = await r.json()
    assert r.status == 200 and {s["service_code"] for s in services} >= {"su-kanalizasyon", "aydinlatma"}
    for s in services:
        assert set(s) == set(SERVICE_FIELDS) and s["metadata"] is False
    root = ET.fromstring(await (await client.get(f"{V2}/services.xml")).read())
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert {el.tag for el in root.find("service")} == set(SERVICE_FIELDS)

    add_key(hub, "o311-key", "agent")
    r = await post(client, api_key="o311-key", service_code="aydinlatma", lat="38.6935", long="35.5540",
                   address_string="Talas Mevlana Mahallesi Cami sokak",
                   description="Sokak lambası yanmıyor, beni 0533 444 55 66 arayın", **PERSON)  # fmt: skip
    assert r.status == 201, await r.text()
    created = await r.json()
    code = created[0]["service_request_id"]
    assert code.startswith("KAY-") and "service_notice" in created[0]
    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
    assert (req.channel, req.topic, req.mahalle, req.ilce) == ("open311", "aydinlatma", "Mevlana", "Talas")

    one = (await (await client.get(f"{V2}/requests/{code}.json")).json())[0]
    assert set(one) == set(REQUEST_FIELDS)
    expect = {
        "service_request_id": code, "status": "open", "service_code": "aydinlatma", "service_name": "Aydınlatma",
        "lat": 38.6935, "long": 35.554, "address": "Mevlana Mahallesi, Talas, Kayseri", "zipcode": "38280",
        "address_id": None, "media_url": None,
    }  # fmt: skip
    assert {k: one[k] for k in expect} == expect
    assert one["requested_datetime"].endswith("+00:00") and one["updated_datetime"]
    assert one["expected_datetime"] and one["agency_responsible"] and one["status_notes"] == ""
    assert one["service_notice"] == f"{req.sla_days} gün içinde cevaplanır"
    assert "Sokak lambası yanmıyor" in one["description"] and "[TELEFON]" in one["description"]
    raw = await (await client.get(f"{V2}/requests.json")).text()
    for secret in ("Zeynep", "Kılıç", "444 55 66", "zeynep@example.com"):
        assert secret not in raw

    xml_root = ET.fromstring(await (await client.get(f"{V2}/requests/{code}.xml")).read())
    item = xml_root.find("request")
    assert xml_root.tag == "service_requests" and {el.tag for el in item} == set(REQUEST_FIELDS)
    for name in REQUEST_FIELDS:
        value = one[name]
        assert (item.findtext(name) or "") == ("" if value is None else str(value)), name

    # answered and closed: status closed with notes; filters
    r = await client.post(f"/api/v1/requests/{req.id}/reply", json={"text": "Lamba değişti.", "outcome": "olumlu",
                                                                    "close": True})  # fmt: skip
    assert r.status in (200, 201), await r.text()
    closed = (await (await client.get(f"{V2}/requests.json", params={"service_request_id": code})).json())[0]
    assert closed["status"] == "closed" and "olumlu" in closed["status_notes"]
    assert await (await client.get(f"{V2}/requests.json", params={"status": "open"})).json() == []
    assert len(await (await client.get(f"{V2}/requests.json", params={"status": "closed", "service_code": "aydinlatma"})).json()) == 1
    assert await (await client.get(f"{V2}/requests.json", params={"service_code": "temizlik"})).json() == []
    assert await (await client.get(f"{V2}/requests.json", params={"start_date": "2099-01-01T00:00:00Z"})).json() == []
    assert len(await (await client.get(f"{V2}/requests.json", params={"end_date": "2099-01-01T00:00:00Z"})).json()) == 1


async def test_errors_are_in_the_spec_format_with_4xx(client, hub) -> None:  # noqa: ANN001
    r = await post(client, service_code="aydinlatma", lat="38.7", long="35.5")
    assert r.status == 403 and (await r.json())[0]["code"] == 403
    r = await post(client, api_key="wrong", service_code="aydinlatma", lat="38.7", long="35.5")
    assert r.status == 403
    add_key(hub, "dept-key", "department", "fen-isleri")
    assert (await post(client, api_key="dept-key", service_code="aydinlatma", lat="38.7", long="35.5")).status == 403
    r = await post(client, api_key=ADMIN_KEY, service_code="yok-boyle", lat="38.7", long="35.5")
    assert r.status == 404 and "service_code" in (await r.json())[0]["description"]
    r = await post(client, api_key=ADMIN_KEY, service_code="aydinlatma")
    assert r.status == 400 and "location" in (await r.json())[0]["description"]
    r = await client.get(f"{V2}/requests/KAY-2026-999999.xml")
    err = ET.fromstring(await r.read())
    assert r.status == 404 and err.tag == "errors" and err.find("error").findtext("code") == "404"
    assert (await client.get(f"{V2}/requests.json", params={"status": "bogus"})).status == 400
    assert (await client.get(f"{V2}/services/aydinlatma.json")).status == 404
