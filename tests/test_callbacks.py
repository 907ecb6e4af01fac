"""Call-backs are tasks (issue 12C): a phone request's answer that no SMS can carry becomes
a call-back; the request is not answered until a call reached the citizen; "ulaşılamadı"
schedules another attempt. And the worker stores a skipped item as skipped, never as sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from hub.models import Event, Message, Outbox, Request, utcnow
from hub.models_callbacks import Callback
from hub.workers.outbox import OutboxWorker
from tests.test_delivery_states_ui import settled
from tests.test_ui import API, SU, create, csrf_of, login


async def reply(ui, rid: int, text: str = "Arıza ekibi bugün boruyu onaracak.") -> None:  # noqa: ANN001
    r = await ui.post(f"/api/v1/requests/{rid}/reply", json={"text": text}, headers=API)
    assert r.status == 200, await r.text()


async def open_callback(hub, rid: int) -> Callback:  # noqa: ANN001
    for _ in range(200):
        with hub.db.reader() as s:
            cb = s.exec(select(Callback).where(Callback.request_id == rid, Callback.status == "open")).first()
        if cb is not None:
            return cb
        await asyncio.sleep(0.05)
    raise AssertionError("no call-back was opened")


def kinds(hub, rid: int) -> list[str]:  # noqa: ANN001
    with hub.db.reader() as s:
        return [e.kind for e in s.exec(select(Event).where(Event.request_id == rid).order_by(Event.id))]


async def test_phone_answer_without_sms_becomes_a_callback_listed_and_completed(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)  # by phone; this hub has no SMS gateway
    await reply(ui, su["id"])
    cb = await open_callback(hub, su["id"])
    assert cb.attempt == 1 and "HUB_SMS_URL" in cb.reason and cb.due_at > utcnow()
    rows = await settled(hub, su["id"])
    with hub.db.reader() as s:
        req = s.get(Request, su["id"])
        answer = s.exec(select(Message).where(Message.request_id == su["id"], Message.direction == "out")).one()
    # not answered until the citizen is told; tagged while the call-back is open
    assert req.status == "in_progress" and req.answered_at is None and "geri-arama" in req.tags
    # the answer was not sent: stored as skipped, with a skipped event, never "sent"/"delivered"
    [item] = [o for o in rows if o.kind == "reply"]
    assert item.result["skipped"].startswith("call-back task")
    assert answer.delivery_status == "skipped"
    ev = kinds(hub, su["id"])
    assert "outbox.reply.skipped" in ev and "outbox.reply.delivered" not in ev
    assert "outbox.notify.skipped" in ev and "outbox.notify.delivered" not in ev
    assert "callback.opened" in ev

    await login(ui, "agent")
    page = await (await ui.get("/ui/geri-arama")).text()
    assert su["tracking_code"] in page and f'id="geri-arama-{cb.id}"' in page
    assert "Arıza ekibi bugün boruyu onaracak." in page, "the answer to read out is on the list"
    assert "SMS ağ geçidi tanımlı değil" in page
    # not reached: another attempt is scheduled, the tag stays
    r = await ui.post(f"/ui/geri-arama/{cb.id}", data={"csrf": csrf_of(page), "sonuc": "ulasilamadi", "not": "Meşgul"},
                      allow_redirects=False)  # fmt: skip
    assert r.status == 303, await r.text()
    second = await open_callback(hub, su["id"])
    assert second.id != cb.id and second.attempt == 2 and second.due_at > utcnow() + timedelta(hours=2)
    with hub.db.reader() as s:
        assert "geri-arama" in s.get(Request, su["id"]).tags
        assert s.get(Request, su["id"]).answered_at is None

    # reached, through the API: answered now, the tag goes, the outcome is on the thread
    r = await ui.post(f"/api/v1/callbacks/{second.id}/complete", json={"outcome": "reached", "note": "Bilgi verildi"},
                      headers=API)  # fmt: skip
    assert r.status == 200, await r.text()
    assert (await r.json())["next"] is None
    d = await (await ui.get(f"/api/v1/requests/{su['id']}", headers=API)).json()
    assert d["status"] == "answered" and d["answered_at"] and "geri-arama" not in d["tags"]
    bodies = [m["body"] for m in d["thread"]]
    assert "Geri arama (1. deneme): ulaşılamadı — Meşgul" in bodies
    assert "Geri arama (2. deneme): ulaşıldı — Bilgi verildi" in bodies
    html = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert "Geri arama yapıldı" in html and "Geri arama görevi açıldı" in html
    assert 'id="ulasilamadi"' not in html, "the call reached the citizen"
    assert 'id="geri-arama"' not in html
    listed = await (await ui.get("/ui/geri-arama")).text()
    assert su["tracking_code"] not in listed
    again = await ui.post(f"/api/v1/callbacks/{second.id}/complete", json={"outcome": "reached"}, headers=API)
    assert again.status == 409


async def test_list_puts_due_first_and_marks_overdue_and_the_api_lists_them(ui, hub) -> None:  # noqa: ANN001
    a = await create(ui, SU)
    b = await create(ui, {**SU, "text": "Kocasinan Yeşil mahallesinde sokak lambası yanmıyor."})
    for x in (a, b):
        await reply(ui, x["id"])
    cb_a, cb_b = await open_callback(hub, a["id"]), await open_callback(hub, b["id"])
    with hub.db.session() as s:
        s.get(Callback, cb_b.id).due_at = utcnow() - timedelta(minutes=30)
    api = await (await ui.get("/api/v1/callbacks", headers=API)).json()
    assert [i["id"] for i in api["items"]] == [cb_b.id, cb_a.id]
    await login(ui, "agent")
    page = await (await ui.get("/ui/geri-arama")).text()
    assert page.index(b["tracking_code"]) < page.index(a["tracking_code"])
    row_b = page.split(f'id="geri-arama-{cb_b.id}"')[0].rsplit("<tr", 1)[1]
    assert "overdue" in row_b and "1 gecikmiş" in page
    # wrong number: no more attempts, the request stays open for the agents
    r = await ui.post(f"/api/v1/callbacks/{cb_a.id}/complete", json={"outcome": "wrong_number"}, headers=API)
    assert r.status == 200
    with hub.db.reader() as s:
        req = s.get(Request, a["id"])
        assert req.status == "in_progress" and "geri-arama" not in req.tags and "yanlis-numara" in req.tags
    bad = await ui.post(f"/api/v1/callbacks/{cb_b.id}/complete", json={"outcome": "maybe"}, headers=API)
    assert bad.status == 422


async def test_a_failed_answer_sms_opens_a_callback(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)
    await settled(hub, su["id"])
    with hub.db.session() as s:
        row = Outbox(kind="notify", request_id=su["id"], idempotency_key=f"notify:{su['id']}:answered",
                     payload={"stage": "answered", "route": {"via": "sms", "phone": "+905321234567"}}, status="sending",
                     next_attempt_at=utcnow() + timedelta(days=1))  # fmt: skip
        s.add(row)
        s.flush()
        row_id = row.id
    with hub.db.reader() as s:
        row = s.get(Outbox, row_id)
    OutboxWorker(hub, name="test")._dead(row, "gateway said 500")
    cb = await open_callback(hub, su["id"])
    assert "SMS failed" in cb.reason


async def test_a_delivered_answer_sms_opens_no_callback(ui, hub) -> None:  # noqa: ANN001
    """With an SMS gateway the answer goes by SMS (see test_e2e_files); here: a webform request
    never becomes a call-back, whatever happens to its notices."""
    web = await create(ui, {**SU, "channel": "webform"})
    await reply(ui, web["id"])
    await settled(hub, web["id"])
    with hub.db.reader() as s:
        assert s.exec(select(Callback).where(Callback.request_id == web["id"])).first() is None


async def test_kvkk_erasure_blanks_call_back_notes_and_return_reasons(ui, hub) -> None:  # noqa: ANN001
    """An agent's call-back note may repeat what the citizen said on the phone: it goes with the rest."""
    from hub.actions import callbacks, privacy
    from hub.auth import Actor

    su = await create(ui, SU)
    await reply(ui, su["id"])
    cb = await open_callback(hub, su["id"])
    agent = Actor("user:test", "supervisor")
    with hub.db.session() as s:
        callbacks.complete(s, agent, cb.id, "reached", note="Ayşe Hanım 0532 111 22 33 ile görüşüldü")
        req = s.get(Request, su["id"])
        req.status, req.return_reason = "closed", "Bizim değil: 0532 111 22 33 arayan kişi"
        s.add(req)
    with hub.db.session() as s:
        contact_id = s.get(Request, su["id"]).contact_id
        privacy.erase_contact(s, Actor("user:admin", "admin"), contact_id, reason="KVKK-2026-1")
    with hub.db.reader() as s:
        notes = [c.note for c in s.exec(select(Callback).where(Callback.request_id == su["id"]))]
        req = s.get(Request, su["id"])
    assert notes and all(n in (None, privacy.ERASED) for n in notes)
    assert "0532" not in (req.return_reason or "")
