"""KVKK: a citizen's export and erasure through the real HTTP API and CLI, and the
retention purge. Erasure must remove every copy of the person's data (texts, contact
details, attachments, event and trace copies) and keep what the reports count."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlmodel import select

from connectors.base import Attachment, RawMessage, Sender
from hub.actions.privacy import ERASED, scrub
from hub.models import (
    Contact,
    ContactIdentity,
    Correction,
    Event,
    Message,
    Outbox,
    Quarantine,
    Request,
    utcnow,
)
from tests.conftest import add_key

NAME, PHONE, TEXT = "Ayşe Yılmaz", "0532 123 45 67", "Talas Mevlana Mahallesi Gül Sokak 12 önünde su borusu patladı"
PHOTO = b"\xff\xd8\xff ayse'nin fotografi"
SHARED_PHOTO = b"\xff\xd8\xff herkesin attigi ayni foto"


def _ingest(hub, ext: str, *, text: str = TEXT, phone: str = PHONE, name: str | None = NAME, photos=(),  # noqa: ANN001
            channel: str = "whatsapp") -> int:  # fmt: skip
    raw = RawMessage(channel=channel, external_id=ext, text=text,
                     sender=Sender(name=name, phone=phone, external_id=phone.replace(" ", "")),
                     reply_to={"to": phone.replace(" ", "")},
                     attachments=[Attachment(f"{i}.jpg", "image/jpeg", data) for i, data in enumerate(photos)])  # fmt: skip
    return hub.intake.ingest(raw).request_id


def _everything(hub, request_ids: list[int]) -> str:  # noqa: ANN001
    """All stored rows of these requests as one string, to search for leftovers."""
    with hub.db.reader() as s:
        rows = [
            *s.exec(select(Request).where(Request.id.in_(request_ids))).all(),
            *s.exec(select(Message).where(Message.request_id.in_(request_ids))).all(),
            *s.exec(select(Event).where(Event.request_id.in_(request_ids))).all(),
            *s.exec(select(Outbox).where(Outbox.request_id.in_(request_ids))).all(),
        ]
        return json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False)


async def test_citizen_export_and_erasure_through_the_api(client, hub) -> None:  # noqa: ANN001
    a = _ingest(hub, "w1", photos=[PHOTO, SHARED_PHOTO])
    b = _ingest(hub, "p2", text="Gül Sokak'ta çöpler iki gündür alınmadı, Ayşe Yılmaz 10000000146", channel="phone")
    assert b != a, "a call is a request of its own, of the same person"
    other = _ingest(hub, "w3", text="Kocasinan Yeni mahallede çukur var", phone="0533 765 43 21", name="Mehmet Kaya",
                    photos=[SHARED_PHOTO])  # fmt: skip
    r = await client.post(f"/api/v1/requests/{a}/reply", json={"text": "Sayın Ayşe Yılmaz, ekip yönlendirildi."})
    assert r.status in (200, 201), await r.text()
    r = await client.post(f"/api/v1/requests/{a}/reply", json={"text": "Vatandaş Ayşe Hanım tekrar aradı", "internal": True})
    assert r.status in (200, 201)
    r = await client.patch(f"/api/v1/requests/{b}", json={"topic": "zabita", "address": "Gül Sokak 12"})
    assert r.status == 200, await r.text()
    with hub.db.reader() as s:
        contact_id = s.get(Request, a).contact_id
        topic_a, mahalle_a = s.get(Request, a).topic, s.get(Request, a).mahalle
        assert s.exec(select(Correction).where(Correction.request_id == b)).all(), "the topic change is a correction"
    photo_path = hub.attachments.root / hub_sha(PHOTO)[:2] / hub_sha(PHOTO)
    shared_path = hub.attachments.root / hub_sha(SHARED_PHOTO)[:2] / hub_sha(SHARED_PHOTO)
    assert photo_path.is_file() and shared_path.is_file()

    # The officer looks up what is held: everything, including the texts.
    r = await client.get(f"/api/v1/contacts/{contact_id}/export")
    record = await r.json()
    assert r.status == 200 and record["contact"]["name"] == NAME and record["contact"]["phone"] == "+905321234567"
    assert {x["text"] for x in record["requests"]} >= {TEXT}
    assert any("ekip yönlendirildi" in m["body"] for x in record["requests"] for m in x["messages"])

    # Open requests block the erasure, naming them.
    r = await client.post(f"/api/v1/contacts/{contact_id}/erase", json={"reason": "KVKK başvurusu 2026/41"})
    body = await r.json()
    assert r.status == 409 and "open requests" in body["message"] and "KAY-" in body["message"]
    for rid in (a, b):
        r = await client.post(f"/api/v1/requests/{rid}/close", json={"outcome": "olumlu"})
        assert r.status == 200, await r.text()

    # Agents may not erase; a reason is required.
    add_key(hub, "agent-key", "agent")
    r = await client.post(f"/api/v1/contacts/{contact_id}/erase", json={"reason": "x"},
                          headers={"Authorization": "Bearer agent-key"})  # fmt: skip
    assert r.status == 403
    r = await client.post(f"/api/v1/contacts/{contact_id}/erase", json={"reason": "  "})
    assert r.status == 422 and (await r.json())["errors"][0]["field"] == "reason"

    r = await client.post(f"/api/v1/contacts/{contact_id}/erase", json={"reason": "KVKK başvurusu 2026/41"})
    done = await r.json()
    assert r.status == 200, done
    assert done["erased"]["requests"] == 2 and done["erased"]["contacts"] == 1 and done["erased"]["attachments"] == 1

    leftovers = _everything(hub, [a, b])
    for secret in ("Ayşe", "Yılmaz", "Gül Sokak", "5321234567", "532 123", "10000000146", "yönlendirildi", "tekrar aradı"):
        assert secret not in leftovers, leftovers[max(0, leftovers.index(secret) - 300):leftovers.index(secret) + 100]
    assert not photo_path.exists(), "the citizen's own photo is deleted"
    assert shared_path.is_file(), "a file another citizen also sent stays"
    with hub.db.reader() as s:
        c = s.get(Contact, contact_id)
        assert (c.name, c.phone, c.email) == (None, None, None) and c.erased_at is not None
        assert not s.exec(select(ContactIdentity).where(ContactIdentity.contact_id == contact_id)).all()
        req = s.get(Request, a)
        assert req.text == ERASED and req.erased_at is not None
        assert (req.topic, req.mahalle, req.status, req.outcome) == (topic_a, mahalle_a, "closed", "olumlu"), "statistics stay"
        assert not s.exec(select(Correction).where(Correction.request_id == b)).all()
        [audit] = s.exec(select(Event).where(Event.kind == "privacy.contact_erased")).all()
        assert audit.data["reason"] == "KVKK başvurusu 2026/41" and audit.actor.startswith("apikey:")
        assert "Ayşe" not in json.dumps(audit.data, ensure_ascii=False)
        assert s.get(Request, other).text.startswith("Kocasinan"), "another citizen's request is untouched"

    # The request pages still open, showing the erasure; the same phone writing again is a new person.
    r = await client.get(f"/api/v1/requests/{a}")
    assert r.status == 200 and (await r.json())["text"] == ERASED
    again = _ingest(hub, "w4", text="Mevlana mahallesinde yine su yok")
    with hub.db.reader() as s:
        assert s.get(Request, again).contact_id != contact_id
    r = await client.get("/api/v1/contacts", params={"phone": PHONE})
    [person] = (await r.json())["items"]
    assert [x["id"] for x in person["requests"]] == [again]


def hub_sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_retention_purge_erases_only_what_finished_long_ago(hub, run) -> None:  # noqa: ANN001
    old = _ingest(hub, "r1", text="Talas Mevlana Mahallesi su yok, Fatma Demir", channel="phone",
                  name="Fatma Demir")
    recent = _ingest(hub, "r2", text="Talas Mevlana Mahallesi çöp alınmadı, Fatma Demir",
                     channel="phone", name="Fatma Demir")
    assert old != recent
    still_open = _ingest(hub, "r3", text="Kocasinan Yeni mahalle çukur", phone="0533 765 43 21", name="Ali Veli")
    lone = _ingest(hub, "r4", text="Melikgazi Esentepe kaldırım bozuk", phone="0542 111 22 33", name="Zeynep Ak")
    long_ago = utcnow() - timedelta(days=800)
    with hub.db.session() as s:
        for rid, when in ((old, long_ago), (recent, utcnow() - timedelta(days=10)), (lone, long_ago)):
            req = s.get(Request, rid)
            req.status, req.outcome, req.closed_at = "closed", "olumlu", when
        s.get(Request, still_open).received_at = long_ago
        s.add(Quarantine(channel="email", raw=b"From: zeynep@example.com\r\n\r\nbozuk", error="no date",
                         created_at=long_ago))  # fmt: skip
        s.add(Quarantine(channel="email", raw=b"yeni", error="no date"))

    code, out, err = run("privacy", "purge")
    assert code == 2 and "HUB_RETENTION_DAYS" in err, "no retention period, nothing is erased"
    code, out, err = run("privacy", "purge", "--older-than", "730")
    assert code == 0, err
    erased = json.loads(out)["erased"]
    assert (erased["requests"], erased["contacts"], erased["quarantined"]) == (2, 1, 1)
    with hub.db.reader() as s:
        assert s.get(Request, old).text == ERASED and s.get(Request, lone).text == ERASED
        assert "Fatma Demir" in s.get(Request, recent).text, "finished 10 days ago: kept"
        assert "çukur" in s.get(Request, still_open).text, "open requests are never purged"
        fatma = s.get(Contact, s.get(Request, old).contact_id)
        assert fatma.name == "Fatma Demir" and fatma.erased_at is None, "she has a request inside the period"
        zeynep = s.get(Contact, s.get(Request, lone).contact_id)
        assert zeynep.name is None and zeynep.erased_at is not None
        assert [q.raw for q in s.exec(select(Quarantine)).all()] == [b"yeni"]
        assert s.get(Request, old).topic and s.get(Request, old).outcome == "olumlu"
    code, out, _ = run("privacy", "purge", "--older-than", "730")
    assert json.loads(out)["erased"]["requests"] == 0, "a second run finds nothing more"
    from hub.learning import training_examples

    texts = [t for _, t in training_examples(hub)]
    assert ERASED not in texts and any("Fatma Demir" in t for t in texts), "retraining never learns the placeholder"


def test_erasing_a_merged_away_record_erases_the_person(hub) -> None:  # noqa: ANN001
    from hub.actions import contacts, privacy
    from hub.auth import SYSTEM_CLI

    a = _ingest(hub, "m1", channel="phone")
    b = _ingest(hub, "m2", channel="email", phone="0533 111 22 33", name="Ayşe Y.")
    with hub.db.session() as s:
        ca, cb = s.get(Request, a).contact_id, s.get(Request, b).contact_id
        contacts.merge_contacts(s, SYSTEM_CLI, cb, ca)  # the same person reached us twice
        for rid in (a, b):
            req = s.get(Request, rid)
            req.status, req.outcome, req.closed_at = "closed", "olumlu", utcnow()
    with hub.db.session() as s:
        done = privacy.erase_contact(s, SYSTEM_CLI, cb, reason="KVKK 9")  # the old, merged-away id
    assert done.requests == 2 and done.contacts == 2
    with hub.db.reader() as s:
        assert s.get(Contact, ca).name is None and s.get(Contact, cb).name is None


def test_cli_export_and_erase_by_phone(hub, run) -> None:  # noqa: ANN001
    rid = _ingest(hub, "c1")
    code, out, err = run("privacy", "export", "--phone", "+90 (532) 123-45-67")
    assert code == 0 and json.loads(out)["contact"]["name"] == NAME
    with hub.db.reader() as s:
        [ev] = s.exec(select(Event).where(Event.kind == "privacy.exported")).all()
        assert (ev.actor, ev.data["via"]) == ("system:cli", "cli"), "reading someone's data out is audited"
    code, out, err = run("privacy", "erase", "--phone", PHONE, "--reason", "dilekçe 12")
    assert code == 2 and "open requests" in err and "Traceback" not in err
    with hub.db.session() as s:
        req = s.get(Request, rid)
        req.status, req.outcome, req.closed_at = "closed", "olumsuz", utcnow()
    code, out, err = run("privacy", "erase", "--phone", PHONE, "--reason", "dilekçe 12")
    assert code == 0, err
    assert json.loads(out)["erased"]["requests"] == 1
    code, out, err = run("privacy", "export", "--phone", PHONE)
    assert code != 0 and "bulunamadı" in err, "the phone no longer leads anywhere"


def test_scrub_keeps_structure_and_drops_text_excerpts() -> None:
    trace = {"tried": [{"rule": "su", "field": "text", "op": "contains_any", "expected": ["su"],
                        "actual": "Ayşe Hanım'ın evinde su yok", "held": True},
                       {"rule": "kanal", "field": "channel", "op": "eq", "expected": "whatsapp",
                        "actual": "whatsapp", "held": True}],
             "department": "KASKI"}  # fmt: skip
    out = scrub(trace)
    assert out["tried"][0]["actual"] == ERASED and out["tried"][0]["expected"] == ["su"]
    assert out["tried"][1]["actual"] == "whatsapp" and out["department"] == "KASKI"
    assert scrub({"changes": {"address": {"before": "Gül Sk. 12", "after": None}}})["changes"]["address"] == ERASED


async def test_admin_erases_from_the_request_page(ui, hub) -> None:  # noqa: ANN001
    from tests.test_ui import login, post_form

    rid = _ingest(hub, "u1", channel="phone")
    url = f"/ui/talep/{rid}"
    await login(ui, "agent")
    html = await (await ui.get(url)).text()
    assert "Kişisel verileri sil" not in html, "only an admin sees the erasure form"
    ui.session.cookie_jar.clear()
    await login(ui, "admin")
    assert "Kişisel verileri sil" in await (await ui.get(url)).text()
    status, html = await post_form(ui, url, f"{url}/kvkk-sil", {"gerekce": "KVKK başvurusu 7", "onay": "1"})
    assert status == 409 and "açık talepleri var" in html and "KAY-" in html and "Traceback" not in html
    with hub.db.session() as s:
        req = s.get(Request, rid)
        req.status, req.outcome, req.closed_at = "closed", "olumlu", utcnow()
    status, html = await post_form(ui, url, f"{url}/kvkk-sil", {"gerekce": "KVKK başvurusu 7"})
    assert status == 400 and "kutuyu işaretleyin" in html
    status, html = await post_form(ui, url, f"{url}/kvkk-sil", {"gerekce": "KVKK başvurusu 7", "onay": "1"})
    assert status == 200 and "Başvuranın kişisel verileri silindi." in html and 'id="kvkk-silindi"' in html
    assert NAME not in html and "Mevlana Mahallesi Gül Sokak" not in html and ERASED in html
    assert "Kişisel veriler silindi (KVKK)" in html, "the request's history shows the erasure"


async def test_the_hub_purges_by_itself_when_a_retention_period_is_set(settings_factory) -> None:  # noqa: ANN001
    import asyncio

    from hub.context import Hub
    from hub.workers.runner import start_workers

    plain = Hub(settings_factory())
    tasks = start_workers(plain)
    assert "retention-purge" not in {t.get_name() for t in tasks}, "no period set: nothing is erased"
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    plain.db.dispose()

    hub = Hub(settings_factory(retention_days=730, retention_check_seconds=0.2))
    rid = _ingest(hub, "auto1", channel="phone")
    with hub.db.session() as s:
        req = s.get(Request, rid)
        req.status, req.outcome, req.closed_at = "closed", "olumlu", utcnow() - timedelta(days=731)
    tasks = start_workers(hub)
    try:
        for _ in range(100):
            await asyncio.sleep(0.1)
            with hub.db.reader() as s:
                if s.get(Request, rid).erased_at is not None:
                    break
        with hub.db.reader() as s:
            assert s.get(Request, rid).text == ERASED
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        hub.db.dispose()
