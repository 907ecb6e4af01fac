"""Hostile input gets a 4xx naming the field, never a 500 (issue 10, finding 7):
ids beyond 64 bits or below 1 in paths, queries and bodies; NUL characters, which
PostgreSQL refuses in text; and 405s that say which methods a path takes."""

from __future__ import annotations

import base64
import json

import pytest
from sqlmodel import select

from connectors.base import RawMessage, Sender
from hub.models import Contact, Message, Request

BODY = {"text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı.", "channel": "phone",
        "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"}}  # fmt: skip
HUGE = [str(2**63), str(2**64), "9" * 40, "-1", "0", "-9223372036854775809"]

# (method, path, a valid body): only the id is wrong
ID_PATHS = [
    ("GET", "/api/v1/requests/{}", None), ("PATCH", "/api/v1/requests/{}", {"priority": "high"}),
    ("POST", "/api/v1/requests/{}/claim", None), ("POST", "/api/v1/requests/{}/close", {"outcome": "olumlu"}),
    ("GET", "/api/v1/contacts/{}", None), ("GET", "/api/v1/contacts/{}/export", None),
    ("POST", "/api/v1/contacts/{}/erase", {"reason": "talep"}), ("POST", "/api/v1/contacts/{}/merge", {"into": 1}),
    ("POST", "/api/v1/quarantine/{}/retry", None), ("PATCH", "/api/v1/users/{}", {"display_name": "Ali Veli"}),
    ("POST", "/api/v1/users/{}/logout", None), ("DELETE", "/api/v1/api-keys/{}", None),
]  # fmt: skip


@pytest.mark.parametrize("value", HUGE)
async def test_path_ids_outside_64_bits_are_404_naming_the_id(client, value) -> None:  # noqa: ANN001
    for method, path, body in ID_PATHS:
        r = await client.request(method, path.format(value), json=body)
        out = await r.json()
        assert r.status == 404, (method, path, r.status, out)
        assert out["field"] == "id"


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=" + str(2**64), "limit"), ("limit=-5", "limit"), ("assignee=" + str(2**63), "assignee"),
     ("assignee=-3", "assignee"), ("filter_id=" + str(2**64), "filter_id"), ("filter_id=-1", "filter_id")],
)  # fmt: skip
async def test_query_ids_outside_64_bits_are_400_naming_the_parameter(client, query, field) -> None:  # noqa: ANN001
    r = await client.get("/api/v1/requests?" + query)
    body = await r.json()
    assert r.status == 400, body
    assert body["field"] == field


async def test_report_days_and_cursor_out_of_range(client) -> None:  # noqa: ANN001
    r = await client.get("/api/v1/reports/mahalle?days=" + str(2**64))
    assert r.status == 400 and (await r.json())["field"] == "days"
    cursor = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", 2**64]).encode()).decode().rstrip("=")
    r = await client.get("/api/v1/requests?cursor=" + cursor)
    assert r.status == 400 and (await r.json())["field"] == "cursor"


async def test_body_ids_outside_64_bits_are_422_naming_the_field(client) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", json=BODY)
    rid = (await r.json())["id"]
    for path, body, field in [
        (f"/api/v1/requests/{rid}/assign", {"assignee_id": 2**64}, "assignee_id"),
        (f"/api/v1/requests/{rid}/merge", {"into": 2**63}, "into"),
        ("/api/v1/api-keys", {"name": "k", "role": "agent", "user_id": 2**63}, "user_id"),
    ]:
        r = await client.post(path, json=body)
        out = await r.json()
        assert r.status == 422, (path, out)
        assert out["field"].startswith(field), out


@pytest.mark.parametrize(
    ("body", "field"),
    [({**BODY, "text": "su yok\x00"}, "text"), ({**BODY, "subject": "a\x00b"}, "subject"),
     ({**BODY, "contact": {"name": "Ay\x00şe", "phone": "05321234567"}}, "contact.name"),
     ({**BODY, "external_id": "x\x00"}, "external_id")],
)  # fmt: skip
async def test_nul_in_api_text_is_refused_naming_the_field(client, hub, body, field) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", json=body)
    out = await r.json()
    assert r.status == 400, out
    assert out["field"] == field
    with hub.db.reader() as s:
        assert s.exec(select(Request)).first() is None


async def test_nul_in_patch_and_actions_is_refused(client) -> None:  # noqa: ANN001
    rid = (await (await client.post("/api/v1/requests", json=BODY)).json())["id"]
    r = await client.patch(f"/api/v1/requests/{rid}", json={"address": "Gül sk.\x00"})
    assert r.status == 400 and (await r.json())["field"] == "address"
    r = await client.post(f"/api/v1/requests/{rid}/reply", json={"text": "Cevap\x00"})
    assert r.status == 400 and (await r.json())["field"] == "text"


@pytest.mark.parametrize("query", ["q=boru%00", "status=new%00", "%00=1", "ilce=Talas%00"])
async def test_nul_in_query_is_refused_naming_the_parameter(client, query) -> None:  # noqa: ANN001
    r = await client.get("/api/v1/requests?" + query)
    out = await r.json()
    assert r.status == 400, out
    assert "NUL" in out["message"] and out["field"]


async def test_nul_in_citizen_page_query_is_400_not_500(client) -> None:  # noqa: ANN001
    r = await client.get("/takip?kod=KAY%00")
    assert r.status == 400
    r = await client.get("/takip/KAY-2026-%00")
    assert r.status == 400


async def test_405_carries_allow(client) -> None:  # noqa: ANN001
    for method, path, allowed in [("DELETE", "/api/v1/requests", {"GET", "POST"}),
                                  ("PUT", "/api/v1/requests/1", {"GET", "PATCH"}),
                                  ("DELETE", "/healthz", {"GET"})]:  # fmt: skip
        r = await client.request(method, path)
        assert r.status == 405, (method, path)
        allow = {m.strip() for m in r.headers.get("Allow", "").split(",")}
        assert allowed <= allow, (path, r.headers.get("Allow"))


def test_citizen_text_with_nul_from_outside_is_kept_without_it(hub) -> None:  # noqa: ANN001
    """E-mail, webhooks and imports: the message is stored, its NULs dropped."""
    raw = RawMessage(channel="email", external_id="<m1\x00@x>", subject="Su\x00 kesintisi",
                     text="Talas Mevlana Mahallesi\x00 su yok", sender=Sender(name="Ali\x00", email="ali@example.com"),
                     metadata={"message_id": "<m1\x00@x>", "headers": {"X-A\x00": "b\x00"}})  # fmt: skip
    result = hub.intake.ingest(raw)
    assert result.created
    with hub.db.reader() as s:
        req = s.get(Request, result.request_id)
        msg = s.exec(select(Message).where(Message.request_id == req.id)).one()
        contact = s.get(Contact, req.contact_id)
        assert req.text == "Talas Mevlana Mahallesi su yok" and req.subject == "Su kesintisi"
        assert msg.external_id == "<m1@x>" and contact.name == "Ali"
    # the same delivery again is recognised as the same message
    again = hub.intake.ingest(RawMessage(channel="email", external_id="<m1\x00@x>", text="Talas\x00"))
    assert again.duplicate_delivery and again.request_id == result.request_id
