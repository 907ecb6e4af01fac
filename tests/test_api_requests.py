"""The inbox API through the hub's real HTTP server: create, idempotency,
listing, detail with trace, actions, and bad input that writes nothing."""

from __future__ import annotations

from sqlmodel import func, select

from hub.models import Event, Outbox, Request
from tests.conftest import add_key

BODY = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}


def count(hub, model=Request) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(func.count()).select_from(model)).one()


async def test_same_post_twice_is_one_request(client, hub) -> None:  # noqa: ANN001
    r1 = await client.post("/api/v1/requests", json=BODY)
    assert r1.status == 201
    first = await r1.json()
    r2 = await client.post("/api/v1/requests", json=BODY)
    assert r2.status == 200
    second = await r2.json()
    assert first["id"] == second["id"]
    assert second["intake"]["duplicate_delivery"] is True
    assert count(hub) == 1
    assert first["tracking_code"].startswith("KAY-")


async def test_created_request_is_classified_routed_and_traced(client) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", json=BODY)
    detail = await r.json()
    assert detail["topic"] == "su-kanalizasyon"
    assert detail["location"]["ilce"] == "Talas" and detail["location"]["mahalle"] == "Mevlana"
    assert detail["department"] == "kaski"
    assert detail["routing"]["trace"], "every routing decision stores its trace"
    assert detail["due_at"] is not None and detail["sla_state"] == "on_time"
    assert detail["contact"]["phone"] == "+905321234567"
    kinds = [e["kind"] for e in detail["events"]]
    assert "request.created" in kinds and "request.routed" in kinds


async def test_external_id_is_the_idempotency_key(client, hub) -> None:  # noqa: ANN001
    body = {**BODY, "external_id": "crm-42"}
    await client.post("/api/v1/requests", json=body)
    await client.post("/api/v1/requests", json={**body, "text": "a retried call with edited text"})
    assert count(hub) == 1


async def test_malformed_json_is_refused_and_writes_nothing(client, hub) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", data=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status == 400
    body = await r.json()
    assert body["field"] == "body" and "malformed JSON" in body["message"]
    assert count(hub) == 0
    with hub.db.reader() as s:
        assert s.exec(select(Event).where(Event.request_id.is_not(None))).all() == []


async def test_wrong_type_names_the_field(client, hub) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", json={"text": 123})
    assert r.status == 422
    body = await r.json()
    assert body["field"] == "text"
    r = await client.post("/api/v1/requests", json={**BODY, "contact": {"phone": ["x"]}})
    assert (await r.json())["field"] == "contact.phone"
    assert count(hub) == 0


async def test_unknown_field_is_refused(client, hub) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", json={**BODY, "colour": "blue"})
    assert r.status == 422
    body = await r.json()
    assert body["field"] == "colour" and body["errors"][0]["problem"] == "unknown field"
    assert count(hub) == 0


async def test_text_over_limit_is_refused(client, hub) -> None:  # noqa: ANN001
    r = await client.post("/api/v1/requests", json={**BODY, "text": "a" * 20_001})
    assert r.status == 422
    assert (await r.json())["field"] == "text"
    assert count(hub) == 0


async def test_body_over_one_megabyte_is_refused_before_reading(client, hub) -> None:  # noqa: ANN001
    big = b'{"text": "' + b"a" * (1_100_000) + b'"}'
    r = await client.post("/api/v1/requests", data=big, headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert count(hub) == 0


async def test_non_object_and_empty_bodies(client, hub) -> None:  # noqa: ANN001
    for data in (b"[1, 2]", b"", b'"text"'):
        r = await client.post("/api/v1/requests", data=data, headers={"Content-Type": "application/json"})
        assert r.status == 400, data
        assert "field" in await r.json()
    assert count(hub) == 0


async def test_no_traceback_on_unknown_request(client) -> None:  # noqa: ANN001
    r = await client.get("/api/v1/requests/999999")
    assert r.status == 404
    assert "Traceback" not in await r.text()
    r = await client.get("/api/v1/requests/abc")
    assert r.status == 404


async def test_api_needs_a_key(client) -> None:  # noqa: ANN001
    r = await client.get("/api/v1/requests", headers={"Authorization": ""})
    assert r.status == 401
    r = await client.get("/api/v1/requests", headers={"Authorization": "Bearer wrong"})
    assert r.status == 401


async def test_list_filters_and_cursor_pagination(client) -> None:  # noqa: ANN001
    texts = [
        ("Develi Yeni Mahallesi çöpler toplanmıyor", "webform"),
        ("Melikgazi Esentepe mahallesinde su kesik", "phone"),
        ("Talas Mevlana Mah. sokak lambaları yanmıyor", "email"),
        ("Develi/Yeni mah parkta salıncak kırık", "phone"),
    ]
    for i, (text, channel) in enumerate(texts):
        r = await client.post("/api/v1/requests", json={"text": text, "channel": channel, "external_id": f"t{i}"})
        assert r.status == 201
    r = await client.get("/api/v1/requests", params={"channel": "phone"})
    items = (await r.json())["items"]
    assert {i["channel"] for i in items} == {"phone"} and len(items) == 2
    r = await client.get("/api/v1/requests", params={"ilce": "Develi", "mahalle": "Yeni"})
    assert len((await r.json())["items"]) == 2
    r = await client.get("/api/v1/requests", params={"q": "lambaları"})
    assert [i["location"]["ilce"] for i in (await r.json())["items"]] == ["Talas"]
    seen, cursor = [], None
    while True:
        params = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        page = await (await client.get("/api/v1/requests", params=params)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 4 and len(set(seen)) == 4
    assert seen == sorted(seen, reverse=True)  # newest first
    due = await (await client.get("/api/v1/requests", params={"sort": "due"})).json()
    dues = [i["due_at"] for i in due["items"]]
    assert dues == sorted(dues)
    r = await client.get("/api/v1/requests", params={"limit": "abc"})
    assert r.status == 400 and (await r.json())["field"] == "limit"
    r = await client.get("/api/v1/requests", params={"cursor": "garbage!"})
    assert r.status == 400 and (await r.json())["field"] == "cursor"


async def test_actions_assign_forward_reply_close_merge(client, hub) -> None:  # noqa: ANN001
    a = await (await client.post("/api/v1/requests", json={**BODY, "external_id": "a"})).json()
    b = await (await client.post("/api/v1/requests", json={**BODY, "external_id": "b", "text": BODY["text"] + " acil"})).json()
    r = await client.post(f"/api/v1/requests/{a['id']}/forward", json={"department": "fen-isleri", "co_departments": ["kaski"]})
    assert r.status == 200
    d = await r.json()
    assert d["department"] == "fen-isleri" and d["co_departments"] == ["kaski"] and d["status"] == "forwarded"
    r = await client.post(f"/api/v1/requests/{a['id']}/forward", json={"department": "nope"})
    assert r.status == 400 and (await r.json())["field"] == "department"
    r = await client.post(f"/api/v1/requests/{b['id']}/merge", json={"into": a["tracking_code"]})
    merged = await r.json()
    assert merged["status"] == "duplicate" and merged["parent_id"] == a["id"]
    r = await client.post(f"/api/v1/requests/{a['id']}/reply", json={"text": "Arıza giderilmiştir.", "outcome": "olumlu"})
    d = await r.json()
    assert d["status"] == "answered" and d["outcome"] == "olumlu"
    assert any(m["direction"] == "out" and m["body"] == "Arıza giderilmiştir." for m in d["thread"])
    assert any(o["kind"] == "reply" for o in d["outbox"])
    r = await client.post(f"/api/v1/requests/{a['id']}/close", json={"outcome": "olumlu"})
    assert (await r.json())["status"] == "closed"
    r = await client.post(f"/api/v1/requests/{a['id']}/close", json={"outcome": "belki"})
    assert r.status == 422 and (await r.json())["field"] == "outcome"
    with hub.db.reader() as s:
        kinds = [e.kind for e in s.exec(select(Event).where(Event.request_id == a["id"]))]
    assert {"request.forwarded", "request.replied", "request.closed", "request.cluster_joined"} <= set(kinds)


async def test_patch_records_corrections_and_refuses_unknown_fields(client, hub) -> None:  # noqa: ANN001
    from hub.models import Correction

    a = await (await client.post("/api/v1/requests", json=BODY)).json()
    r = await client.patch(f"/api/v1/requests/{a['id']}", json={"topic": "yol-altyapi", "priority": "high"})
    d = await r.json()
    assert d["topic"] == "yol-altyapi" and d["priority"] == "high"
    with hub.db.reader() as s:
        corr = s.exec(select(Correction)).all()
    assert [(c.field_name, c.old_value, c.new_value) for c in corr] == [("topic", "su-kanalizasyon", "yol-altyapi")]
    assert "[TELEFON]" not in corr[0].text or "0532" not in corr[0].text
    r = await client.patch(f"/api/v1/requests/{a['id']}", json={"tracking_code": "X"})
    assert r.status == 422
    r = await client.patch(f"/api/v1/requests/{a['id']}", json={"priority": "asap"})
    assert r.status == 422 and (await r.json())["field"] == "priority"


async def test_department_user_sees_only_own_work(client, hub) -> None:  # noqa: ANN001
    add_key(hub, "kaski-key", "department", department="kaski")
    add_key(hub, "zabita-key", "department", department="zabita")
    a = await (await client.post("/api/v1/requests", json=BODY)).json()
    assert a["department"] == "kaski"
    r = await client.get(f"/api/v1/requests/{a['id']}", headers={"Authorization": "Bearer kaski-key"})
    assert r.status == 200
    r = await client.get(f"/api/v1/requests/{a['id']}", headers={"Authorization": "Bearer zabita-key"})
    assert r.status == 404
    listing = await (await client.get("/api/v1/requests", headers={"Authorization": "Bearer zabita-key"})).json()
    assert listing["items"] == []
    r = await client.post(f"/api/v1/requests/{a['id']}/forward", json={"department": "zabita"},
                          headers={"Authorization": "Bearer kaski-key"})
    assert r.status == 403
    r = await client.post(f"/api/v1/requests/{a['id']}/reply", json={"text": "Ekip yönlendirildi.", "outcome": "olumlu"},
                          headers={"Authorization": "Bearer kaski-key"})
    assert r.status == 200


async def test_health_metrics_openapi(client) -> None:  # noqa: ANN001
    assert (await (await client.get("/healthz")).json())["status"] == "ok"
    await client.post("/api/v1/requests", json=BODY)
    text = await (await client.get("/metrics")).text()
    assert 'hub_intake_requests_total{channel="phone"}' in text
    assert "hub_intake_pipeline_seconds_bucket" in text and "hub_outbox_backlog" in text
    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.1") and "/api/v1/requests" in doc["paths"]
    assert "CreateRequestIn" in doc["components"]["schemas"]


async def test_outbox_rows_are_committed_with_the_request(client, hub) -> None:  # noqa: ANN001
    a = await (await client.post("/api/v1/requests", json=BODY)).json()
    with hub.db.reader() as s:
        rows = s.exec(select(Outbox).where(Outbox.request_id == a["id"])).all()
    assert {r.kind for r in rows} >= {"notify"}
    assert all(r.idempotency_key for r in rows)


async def test_saved_filter_uses_the_rule_condition_language(client) -> None:  # noqa: ANN001
    for i, text in enumerate(["Talas Mevlana Mahallesi su yok", "Melikgazi Esentepe mahallesinde çöp toplanmıyor"]):
        await client.post("/api/v1/requests", json={"text": text, "external_id": f"f{i}"})
    cond = {"all": [{"topic": {"in": ["su-kanalizasyon"]}}, {"ilce": {"eq": "Talas"}}]}
    r = await client.post("/api/v1/filters", json={"name": "Talas su", "condition": cond})
    assert r.status == 201, await r.text()
    fid = (await r.json())["id"]
    items = (await (await client.get("/api/v1/requests", params={"filter_id": str(fid)})).json())["items"]
    assert [i["location"]["ilce"] for i in items] == ["Talas"]
    r = await client.post("/api/v1/filters", json={"name": "bad", "condition": {"topic": {"bogus": 1}}})
    assert r.status == 400 and (await r.json())["field"] == "condition"


async def test_tracking_code_threads_only_for_the_same_person(client) -> None:  # noqa: ANN001
    first = await (await client.post("/api/v1/requests", json=BODY)).json()
    code = first["tracking_code"]
    same = {"text": f"{code} numaralı başvurum hakkında: hâlâ su yok", "channel": "phone",
            "contact": {"phone": "+90 532 123 45 67"}}  # fmt: skip
    r = await (await client.post("/api/v1/requests", json=same)).json()
    assert r["id"] == first["id"] and r["intake"]["threaded_by"] == "tracking_code"
    stranger = {**same, "contact": {"phone": "0544 000 11 22"}, "text": f"{code} bu talebi iptal edin"}
    r = await (await client.post("/api/v1/requests", json=stranger)).json()
    assert r["id"] != first["id"] and r["intake"]["created"] is True


def test_rule_escalation_is_recorded_at_intake(hub) -> None:  # noqa: ANN001
    """An urgent report outside office hours: the rules escalate it to the duty desk."""
    from datetime import UTC, datetime

    from connectors.base import RawMessage, Sender

    night = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # Sunday 02:30 in Istanbul
    res = hub.intake.ingest(RawMessage(
        channel="phone", external_id="night-1", received_at=night, sender=Sender(phone="05321112233"),
        text="Talas Mevlana Mahallesi Gül sokakta rögar kapağı açık, çocuklar düşebilir!",
    ))  # fmt: skip
    with hub.db.reader() as s:
        req = s.get(Request, res.request_id)
        escalations = s.exec(select(Event).where(Event.request_id == req.id, Event.kind == "request.escalated")).all()
    assert req.priority == "urgent" and "mesai-disi" in req.tags
    assert [e.data["to"] for e in escalations] == ["beyaz-masa"]
