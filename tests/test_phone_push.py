"""Web Push for the phone app (issue 16): subscribe and preferences through the app's pages,
outbox rows on forward / escalation / 80 % warning filtered by each user's choices, and
delivery through a fake push service at the HTTP level (VAPID JWT, aes128gcm payload;
410 removes the subscription and the item ends failed, honestly)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from hub.actions import push
from hub.actions import requests as ra
from hub.actions.users import create_user
from hub.auth import SYSTEM_CLI, SYSTEM_SLA, Actor
from hub.models import Event, Outbox, Request, User, utcnow
from hub.models_push import PushPreference, PushSubscription
from tests.conftest import ADMIN_KEY
from tests.push_support import BrowserKeys, check_vapid, push_service  # noqa: F401  (fixture)
from tests.test_ui import csrf_of, login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}


def staff(hub, username: str, department: str = "kaski") -> Actor:  # noqa: ANN001
    with hub.db.session() as s:
        user = create_user(s, SYSTEM_CLI, username=username, display_name=username, role="department",
                           department=department, password=f"{username}-parola-1234")  # fmt: skip
        return Actor(f"user:{user.id}", "department", user_id=user.id, department=department)


def subscribe(hub, actor: Actor, endpoint: str, keys: BrowserKeys | None = None) -> int:  # noqa: ANN001
    keys = keys or BrowserKeys()
    with hub.db.session() as s:
        return int(push.subscribe(s, actor, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth).id)


def push_rows(hub, request_id: int) -> list[Outbox]:  # noqa: ANN001
    with hub.db.reader() as s:
        return list(
            s.exec(select(Outbox).where(Outbox.request_id == request_id, Outbox.kind == "push")).all()
        )


def new_request(hub, **fields) -> int:  # noqa: ANN001, ANN003
    with hub.db.session() as s:
        req = Request(channel="api", text="Çukur var", tracking_code=f"T-{utcnow().timestamp()}", status="triaged",
                      topic="yol", mahalle="Mevlana", **fields)  # fmt: skip
        s.add(req)
        s.flush()
        return int(req.id)


async def test_subscribe_preferences_and_unsubscribe(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "kaski")
    page = await (await ui.get("/ui/uygulama/ayarlar")).text()
    assert 'data-vapid="B' in page  # an uncompressed P-256 point starts with 0x04: "B" in base64url
    csrf = csrf_of(page)
    keys = BrowserKeys()
    form = {
        "csrf": csrf,
        "endpoint": "https://push.example.test/abc",
        "p256dh": keys.p256dh,
        "auth": keys.auth,
    }
    r = await ui.post("/ui/uygulama/abonelik", data=form)
    assert r.status == 200 and (await r.json())["ok"]
    r = await ui.post("/ui/uygulama/abonelik", data=form)  # the same browser again: still one row
    assert r.status == 200
    r = await ui.post("/ui/uygulama/abonelik", data={**form, "endpoint": "javascript:alert(1)"})
    assert r.status == 400 and not (await r.json())["ok"]
    r = await ui.post("/ui/uygulama/abonelik", data={**form, "csrf": "wrong"})
    assert r.status == 403
    with hub.db.reader() as s:
        user = s.exec(select(User).where(User.username == "kaski")).one()
        subs = s.exec(select(PushSubscription).where(PushSubscription.user_id == user.id)).all()
        assert [x.endpoint for x in subs] == ["https://push.example.test/abc"]
        assert push.preferences(s, user.id) == {"forwarded": True, "escalation": True, "deadline": True}

    r = await ui.post("/ui/uygulama/ayarlar", data={"csrf": csrf, "forwarded": "1"}, allow_redirects=False)
    assert r.status == 303
    assert "checked" in (await (await ui.get("/ui/uygulama/ayarlar")).text())
    with hub.db.reader() as s:
        assert push.preferences(s, user.id) == {"forwarded": True, "escalation": False, "deadline": False}

    r = await ui.post("/ui/uygulama/abonelik/sil", data={"csrf": csrf, "endpoint": form["endpoint"]})
    assert (await r.json())["ok"]
    with hub.db.reader() as s:
        assert s.exec(select(PushSubscription)).all() == []
        kinds = [e.kind for e in s.exec(select(Event).where(Event.kind.like("push.%"))).all()]
    assert (
        kinds.count("push.subscribed") == 2 and "push.preferences" in kinds and "push.unsubscribed" in kinds
    )


async def test_outbox_rows_follow_events_and_preferences(hub) -> None:  # noqa: ANN001
    wants_all = staff(hub, "saha1")
    only_deadlines = staff(hub, "saha2")
    other_dept = staff(hub, "zabita1", department="zabita")
    a1 = subscribe(hub, wants_all, "https://push.example.test/1")
    a1b = subscribe(hub, wants_all, "https://push.example.test/1b")  # a second phone
    b = subscribe(hub, only_deadlines, "https://push.example.test/2")
    subscribe(hub, other_dept, "https://push.example.test/3")
    with hub.db.session() as s:
        push.set_preferences(s, only_deadlines, {"deadline": True})

    rid = new_request(hub)
    with hub.db.session() as s:
        req = s.get(Request, rid)
        ra.forward(s, SYSTEM_CLI, req, "kaski", note="Ekip gönderin")
    rows = push_rows(hub, rid)
    assert sorted(r.payload["subscription_id"] for r in rows) == sorted([a1, a1b])
    assert {r.payload["reason"] for r in rows} == {"forwarded"}
    assert "Ekip" not in str([r.payload for r in rows])  # the agent's note never leaves by push

    with hub.db.session() as s:  # 80 % of the time gone
        req = s.get(Request, rid)
        req.due_at = utcnow() + timedelta(hours=2)
        ra.mark_sla(s, SYSTEM_SLA, req, "at_risk")
    deadline = [r for r in push_rows(hub, rid) if r.payload["reason"] == "deadline"]
    assert sorted(r.payload["subscription_id"] for r in deadline) == sorted([a1, a1b, b])
    with hub.db.session() as s:  # the deadline passed: an escalation
        ra.mark_sla(s, SYSTEM_SLA, s.get(Request, rid), "breached")
        ra.mark_sla(s, SYSTEM_SLA, s.get(Request, rid), "breached")  # a second watcher pass adds nothing
    escalated = [r for r in push_rows(hub, rid) if r.payload["reason"] == "escalation"]
    assert sorted(r.payload["subscription_id"] for r in escalated) == sorted([a1, a1b])

    with hub.db.session() as s:  # a deactivated user gets nothing
        s.get(User, wants_all.user_id).active = False
    rid2 = new_request(hub)
    with hub.db.session() as s:
        ra.forward(s, SYSTEM_CLI, s.get(Request, rid2), "kaski")
    assert push_rows(hub, rid2) == []


async def test_intake_forward_and_rule_escalation_enqueue_push(client, hub) -> None:  # noqa: ANN001
    actor = staff(hub, "saha3")
    subscribe(hub, actor, "https://push.example.test/intake")
    with hub.db.session() as s:
        push.set_preferences(s, actor, {"forwarded": True})
    r = await client.post("/api/v1/requests", json=SU)
    assert r.status == 201, await r.text()
    created = await r.json()
    with hub.db.reader() as s:
        req = s.get(Request, created["id"])
    assert req.department == "kaski" and req.status == "forwarded", (req.department, req.status)
    rows = push_rows(hub, created["id"])
    assert [r.payload["reason"] for r in rows] == ["forwarded"]


async def _settled(hub, rid: int, n: int = 1) -> list[Outbox]:  # noqa: ANN001
    for _ in range(400):
        rows = push_rows(hub, rid)
        if len(rows) >= n and all(r.status in ("done", "dead") for r in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"push rows not settled: {[(r.status, r.last_error) for r in push_rows(hub, rid)]}")


async def test_delivery_through_a_push_service(client, hub, push_service) -> None:  # noqa: ANN001, F811
    actor = staff(hub, "saha4")
    keys = BrowserKeys()
    sub_id = subscribe(hub, actor, push_service.url("/push/1"), keys)
    created = await (await client.post("/api/v1/requests", json=SU)).json()
    (row,) = await _settled(hub, created["id"])
    assert row.status == "done", row.last_error
    assert row.result["via"] == "push" and row.result["status"] == 201
    (got,) = push_service.received
    check_vapid(got.headers, push_service.origin)
    assert got.headers["Content-Encoding"] == "aes128gcm"
    assert int(got.headers["TTL"]) > 0
    payload = keys.decrypt(got.body)
    assert payload["tracking_code"] == created["tracking_code"]
    assert created["tracking_code"] in payload["body"] and "Mevlana" in payload["body"]
    assert payload["url"] == f"/ui/uygulama/talep/{created['id']}"
    text = str(payload)
    for private in ("Ayşe", "Yılmaz", "532", "Gül sokakta", "boru"):  # KVKK: no personal data, no text
        assert private not in text
    with hub.db.reader() as s:
        assert s.get(PushSubscription, sub_id).last_success_at is not None


async def test_gone_subscription_is_removed_and_the_item_failed(client, hub, push_service) -> None:  # noqa: ANN001, F811
    actor = staff(hub, "saha5")
    sub_id = subscribe(hub, actor, push_service.url("/gone/1"))
    created = await (await client.post("/api/v1/requests", json=SU)).json()
    (row,) = await _settled(hub, created["id"])
    assert row.status == "dead" and "410" in (row.last_error or "")
    assert row.attempts == 1  # permanent: no retries against a dead subscription
    with hub.db.reader() as s:
        assert s.get(PushSubscription, sub_id) is None
        req = s.get(Request, created["id"])
        assert "teslim-edilemedi" not in (req.tags or [])  # the request itself reached its department
        kinds = [e.kind for e in s.exec(select(Event).where(Event.kind.like("push.%"))).all()]
    assert "push.subscription_gone" in kinds


async def test_busy_push_service_is_retried(client, hub, push_service, monkeypatch) -> None:  # noqa: ANN001, F811
    actor = staff(hub, "saha6")
    subscribe(hub, actor, push_service.url("/busy/1"))
    created = await (await client.post("/api/v1/requests", json=SU)).json()
    for _ in range(400):
        rows = push_rows(hub, created["id"])
        if rows and rows[0].attempts >= 2:
            break
        await asyncio.sleep(0.05)
    (row,) = push_rows(hub, created["id"])
    assert row.attempts >= 2 and "503" in (row.last_error or "")
    assert row.status in ("pending", "sending", "dead")
    with hub.db.reader() as s:
        assert s.exec(select(PushPreference)).all() == []
