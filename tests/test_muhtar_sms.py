"""The muhtar's stage SMS at a fake SMS gateway on loopback (real HTTP): his phone gets one SMS
when his request is received, one when it is forwarded to a department and one when it is
answered, in Turkish with the tracking code; a citizen's request of his mahalle sends him none."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import select

from hub.models import Outbox, Request
from tests.conftest import ADMIN_KEY
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.test_muhtar_portal import PASSWORD, PHONE, add_muhtar, login, submit

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
BASE_URL = "https://talep.kayseri.example"


@pytest.fixture
def settings(settings_factory, sms_gateway):  # noqa: ANN001, ANN201
    """The hub of the ``ui`` fixture, with its SMS gateway at the fake one."""
    return settings_factory(sms_url=sms_gateway.url, sms_success_regex='"status": ?"OK"', public_url=BASE_URL)


async def _sms_to_muhtar(hub, fake: FakeSmsGateway, count: int) -> list[str]:  # noqa: ANN001
    """Deliver the outbox until the muhtar's phone has ``count`` SMS. The server's own worker
    may take a row first, so this waits for the gateway rather than for one pass."""
    from hub.workers.outbox import OutboxWorker

    worker = OutboxWorker(hub)
    for _ in range(100):
        await worker.run_once()
        if len(fake.texts_to(PHONE)) >= count:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    await worker.run_once()  # and nothing more arrives: one SMS per stage
    return fake.texts_to(PHONE)


async def test_muhtar_gets_an_sms_at_each_stage_of_his_request(ui, hub, sms_gateway, caplog) -> None:  # noqa: ANN001
    fake = sms_gateway
    caplog.set_level(logging.INFO)
    add_muhtar(hub)
    await login(ui, "muhtar.talas.mevlana", PASSWORD)
    # forwarded at intake when the rules find its department, else by an agent below
    code = await submit(ui, "Mevlana mahallesi Okul sokağında yol çöktü, araçlar geçemiyor.")
    # a citizen's request of his mahalle is his to read, but its SMS are not his
    citizen = await ui.post("/api/v1/requests", headers=API, json={
        "text": "Talas Mevlana Mahallesi parkta salıncak kırık", "channel": "webform",
        "contact": {"name": "Zeynep Kılıç", "phone": "0533 444 55 66"}})  # fmt: skip
    assert citizen.status == 201
    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
    await _sms_to_muhtar(hub, fake, 1)

    received = [t for t in fake.texts_to(PHONE) if "alınmıştır" in t]
    assert len(received) == 1 and received[0].startswith("Sayın muhtarımız, ") and code in received[0]
    assert f"{BASE_URL}/ui/muhtar/talep/{code}" in received[0]  # his portal, not the citizen's status page

    if req.status != "forwarded":  # not routed at intake: an agent forwards it
        r = await ui.post(f"/api/v1/requests/{req.id}/forward", headers=API, json={"department": "fen-isleri"})
        assert r.status == 200, await r.text()
    texts = await _sms_to_muhtar(hub, fake, 2)
    forwarded = [t for t in texts if "iletilmiştir" in t]
    assert len(texts) == 2 and len(forwarded) == 1, texts
    assert code in forwarded[0] and forwarded[0].startswith("Sayın muhtarımız, ")

    r = await ui.post(f"/api/v1/requests/{req.id}/reply", headers=API,
                      json={"text": "Yol ekiplerimizce onarılmıştır.", "outcome": "olumlu", "close": True})  # fmt: skip
    assert r.status in (200, 201), await r.text()
    texts = await _sms_to_muhtar(hub, fake, 3)
    assert len(texts) == 3, texts
    answered = [t for t in texts if "yanıtlanmıştır" in t]
    assert len(answered) == 1 and code in answered[0] and "Yol ekiplerimizce onarılmıştır." in answered[0]
    assert answered[0].startswith("Sayın muhtarımız, ")

    for _ in range(50):  # the reply row too (it sends nothing)
        with hub.db.reader() as s:
            rows = s.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.kind.in_(("notify", "reply")))).all()
        if all(r.status == "done" for r in rows):
            break
        await asyncio.sleep(0.1)
    stages = {r.payload.get("stage"): r for r in rows if r.kind == "notify"}
    assert set(stages) == {"received", "forwarded", "answered"}
    assert all(r.status == "done" and r.result["via"] == "sms" for r in stages.values())
    reply = next(r for r in rows if r.kind == "reply")
    assert reply.status == "done" and reply.result["via"] == "muhtar_portal"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "5321112233" not in logged  # KVKK: the number is masked in the logs


async def test_answer_to_a_muhtar_is_queued_by_the_reply_itself(ui, hub) -> None:  # noqa: ANN001
    """No worker has to run first: the reply action queues the 'answered' SMS to his phone."""
    add_muhtar(hub)
    await login(ui, "muhtar.talas.mevlana", PASSWORD)
    code = await submit(ui, "Mevlana mahallesi camii önüne çöp konteyneri istiyoruz.")
    with hub.db.reader() as s:
        rid = s.exec(select(Request.id).where(Request.tracking_code == code)).one()
    r = await ui.post(f"/api/v1/requests/{rid}/reply", headers=API, json={"text": "Konteyner konulacaktır."})
    assert r.status in (200, 201), await r.text()
    with hub.db.reader() as s:
        row = s.exec(select(Outbox).where(Outbox.idempotency_key == f"notify:{rid}:answered")).one()
    assert row.payload["route"] == {"via": "sms", "phone": PHONE}
    assert row.payload["answer"] == "Konteyner konulacaktır."
