"""The API's list, search and request answers are the views' own: the list's rows (read as
plain tuples) are ``request_summary`` of each request, in every SLA state and through the
cursor, and ``GET /api/v1/requests/{id}`` (two statements) is ``request_detail`` of it, with
contact, thread, events, outbox, merged requests and claim, also where it has none of them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from hub import jsoncodec
from hub.actions import claims
from hub.actions import requests as ra
from hub.api.views import request_detail, request_summary
from hub.auth import Actor
from hub.models import Request, User, utcnow
from hub.models_workspace import RequestClaim
from tests.conftest import add_key
from tests.sql_count import statements

KEY = {"Authorization": "Bearer reads-admin-key"}
BODY = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}


@pytest.fixture
def hub(settings_factory):  # noqa: ANN001, ANN201
    """No workers: their polling would be counted with a call's statements."""
    from hub.context import Hub

    h = Hub(settings_factory(workers_enabled=False))
    yield h
    h.db.dispose()


@pytest_asyncio.fixture
async def api(hub):  # noqa: ANN001, ANN201
    add_key(hub, "reads-admin-key", "admin")
    add_key(hub, "reads-zabita-key", "department", department="zabita")
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"), headers=KEY)
    await client.start_server()
    yield client
    await client.close()


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


async def create(api: TestClient, external_id: str, **changes: Any) -> dict:
    r = await api.post("/api/v1/requests", json={**BODY, "external_id": external_id, **changes})
    assert r.status == 201, await r.text()
    return await r.json()


async def test_list_rows_are_request_summaries_in_every_sla_state(api, hub) -> None:  # noqa: ANN001
    now = utcnow()
    shapes = {  # SLA state by construction (far from the 80 % line), and the optional fields
        "on_time": {"received_at": now - timedelta(hours=1), "due_at": now + timedelta(days=10)},
        "breached": {"due_at": now - timedelta(days=1)},
        "at_risk": {"received_at": now - timedelta(days=9), "due_at": now + timedelta(hours=6)},
        "paused": {"sla_paused_since": now - timedelta(hours=2), "sla_paused_seconds": 3600.0},
        "closed": {"status": "closed", "closed_at": now, "outcome": "olumlu", "answered_at": now},
        "no_due": {"due_at": None, "co_departments": ["fen-isleri"], "tags": ["acil", "tekrar"],
                   "lat": 38.72, "lon": 35.48, "needs_review": True, "return_reason": "bizim değil"},
    }  # fmt: skip
    ids = {}
    for name, fields in shapes.items():
        ids[name] = (await create(api, f"sla-{name}"))["id"]
        with hub.db.session() as s:
            req = s.get(Request, ids[name])
            for k, v in fields.items():
                setattr(req, k, v)
    with hub.db.reader() as s:
        expected = {r.id: as_json(request_summary(r)) for r in s.exec(select(Request))}
    assert {expected[ids[n]]["sla_state"] for n in ("on_time", "breached", "at_risk", "paused")} == {
        "on_time", "breached", "at_risk", "paused"}  # fmt: skip
    open_status = expected[ids["on_time"]]["status"]
    for query in ("sort=newest", "sort=due", "q=boru", f"status={open_status},closed&sort=due"):
        seen, url = [], f"/api/v1/requests?{query}&limit=2"
        while url:
            r = await api.get(url)
            assert r.status == 200 and r.headers["Content-Type"] == "application/json; charset=utf-8"
            page = await r.json()
            seen += page["items"]
            url = f"/api/v1/requests?{query}&limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else None
        assert seen and all(item == expected[item["id"]] for item in seen), query
    assert {i["id"] for i in seen} == {
        i for i, e in expected.items() if e["due_at"] and e["status"] in (open_status, "closed")}  # fmt: skip
    assert ids["closed"] in {i["id"] for i in seen}
    # a saved filter's rows (read with the classifier's out_of_scope beside them) too
    saved = await (await api.post("/api/v1/filters", json={"name": "su", "condition": {"topic": "su-kanalizasyon"}})).json()
    page = await (await api.get(f"/api/v1/requests?filter_id={saved['id']}&count=1")).json()
    assert page["total"] == len(shapes) and all(item == expected[item["id"]] for item in page["items"])
    with statements(hub) as seen_sql:
        await api.get("/api/v1/requests?status=new&sort=due&limit=50")
    assert len(seen_sql) == 1


async def test_request_answer_is_request_detail_in_two_statements(api, hub) -> None:  # noqa: ANN001
    a = await create(api, "detail-a")
    b = await create(api, "detail-b", text=BODY["text"] + " Acil.")
    assert (await api.post(f"/api/v1/requests/{b['id']}/merge", json={"into": a["tracking_code"]})).status == 200
    assert (await api.post(f"/api/v1/requests/{a['id']}/reply", json={"text": "Ekip yolda.", "close": False})).status == 200
    r = await api.post(f"/api/v1/requests/{a['id']}/reply", json={"text": "İç not", "internal": True, "close": False})
    assert r.status == 200
    bare = await create(api, "detail-bare", contact=None)  # no contact, nothing merged, no claim
    expired = await create(api, "detail-expired")
    with hub.db.session() as s:
        user = User(username="reads-agent", display_name="Okur Ajan", role="agent")
        s.add(user)
        s.flush()
        holder = Actor(f"user:{user.id}", "agent", user_id=user.id)
        claims.claim(s, holder, s.get(Request, a["id"]))
        s.add(RequestClaim(request_id=expired["id"], user_id=user.id, since=utcnow() - timedelta(hours=2),
                           until=utcnow() - timedelta(hours=1)))  # fmt: skip
    admin = Actor("apikey:test", "admin")
    for rid in (a["id"], b["id"], bare["id"], expired["id"]):
        with statements(hub) as seen_sql:
            r = await api.get(f"/api/v1/requests/{rid}")
        assert r.status == 200 and r.headers["Content-Type"] == "application/json; charset=utf-8"
        got = await r.json()
        with hub.db.reader() as s:
            want = as_json(request_detail(s, ra.get(s, admin, rid)))
        for d in (got, want):  # merged requests: in no promised order
            d["cluster"].sort(key=lambda c: c["id"])
        assert got == want
        assert len([q for q in seen_sql if "rulesversion" not in q.lower()]) == 2
    got = await (await api.get(f"/api/v1/requests/{a['id']}")).json()
    assert got["claim"]["name"] == "Okur Ajan" and [c["id"] for c in got["cluster"]] == [b["id"]]
    assert got["contact"]["name"] == "Ayşe Yılmaz" and len(got["thread"]) >= 3 and got["outbox"] and got["events"]
    assert (await (await api.get(f"/api/v1/requests/{bare['id']}")).json())["contact"] is None
    assert (await (await api.get(f"/api/v1/requests/{expired['id']}")).json())["claim"] is None
    # not found, and another department's request, as before: the same 404
    r = await api.get("/api/v1/requests/987654")
    assert r.status == 404 and (await r.json())["message"] == "request 987654 not found"
    r = await api.get(f"/api/v1/requests/{a['id']}", headers={"Authorization": "Bearer reads-zabita-key"})
    assert r.status == 404 and (await r.json())["message"] == f"request {a['id']} not found"


def test_answers_orjson_cannot_write_are_written_by_the_json_module() -> None:
    for value in ({"text": "yarım \ud800 vekil"}, {"n": 2**70}, [{"a": "Çok güzel ş", "b": None, "c": 1.5}]):
        assert json.loads(jsoncodec.dumpb(value)) == json.loads(json.dumps(value))
    assert jsoncodec.dumpb({"text": "yarım \ud800"}) == json.dumps({"text": "yarım \ud800"}).encode()
