"""Knowledge base, first-contact resolution and canned replies, through the hub's HTTP
server on SQLite or PostgreSQL: Turkish-insensitive entry search, supervisor-only writes with
audit events, closing a call on first contact (no forwarding, counted by topic and agent, a
department sees only its own), and canned replies rendered from the one templating way."""

from __future__ import annotations

from sqlmodel import select

from hub.auth import Actor
from hub.delivery.canned import placeholder_errors
from hub.models import Event, Request
from hub.reply_templates import render
from tests.conftest import ADMIN_KEY, add_key
from tests.test_ui import login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}

KART = {"title": "Kayseri Kart bakiye yükleme", "topic": "ulasim", "tags": ["kayseri-kart", "ulaşım"],
        "body": "Kayseri Kart'a bakiye; duraklardaki dolum makinelerinden ve yetkili bayilerden yüklenir."}  # fmt: skip
CALL = {"text": "Kayseri Kart'ıma nereden bakiye yükleyebilirim?", "channel": "phone",
        "contact": {"name": "Şükrü Işık", "phone": "0532 765 43 21"}}  # fmt: skip


async def _entry(client, body=KART) -> dict:  # noqa: ANN001
    r = await client.post("/api/v1/kb", json=body)
    assert r.status == 201, await r.text()
    return await r.json()


async def test_entries_are_found_whatever_the_turkish_case(client) -> None:  # noqa: ANN001
    e = await _entry(client)
    await _entry(client, {"title": "Nikah için gerekli belgeler", "body": "Nüfus cüzdanı, sağlık raporu, fotoğraf."})
    for q in ("KAYSERİ KART", "kayseri kart", "KAYSERI", "bakiye yukleme", "ULAŞIM"):
        r = await client.get("/api/v1/kb", params={"q": q})
        assert [i["id"] for i in (await r.json())["items"]] == [e["id"]], q
    r = await client.get("/api/v1/kb", params={"q": "NİKAH"})
    assert [i["title"] for i in (await r.json())["items"]] == ["Nikah için gerekli belgeler"]


async def test_only_supervisors_write_entries_and_each_write_is_audited(client, hub) -> None:  # noqa: ANN001
    add_key(hub, "agent-key", "agent")
    r = await client.post("/api/v1/kb", json=KART, headers={"Authorization": "Bearer agent-key"})
    assert r.status == 403
    e = await _entry(client)
    r = await client.patch(f"/api/v1/kb/{e['id']}", json={**KART, "valid_until": "2020-01-01"})
    assert r.status == 200 and (await r.json())["valid_until"] == "2020-01-01"
    r = await client.patch(f"/api/v1/kb/{e['id']}", json={**KART, "valid_until": "dün"})
    assert r.status == 400 and (await r.json())["field"] == "valid_until"
    with hub.db.reader() as s:
        kinds = [ev.kind for ev in s.exec(select(Event).where(Event.kind.like("kb.%")))]
    assert kinds == ["kb.created", "kb.updated"]


async def test_first_contact_closes_the_call_without_forwarding_and_is_reported(client, hub) -> None:  # noqa: ANN001
    from hub.reports import first_contact_resolutions

    e = await _entry(client)
    r = await client.post("/api/v1/requests", json=CALL)
    req = await r.json()
    r = await client.post(f"/api/v1/requests/{req['id']}/first-contact", json={"kb_entry_id": e["id"]})
    assert r.status == 200, await r.text()
    done = await r.json()
    assert done["status"] == "closed" and done["outcome"] == "olumlu" and "ilk-temas" in done["tags"]
    with hub.db.reader() as s:
        row = s.get(Request, req["id"])
        assert row.kb_entry_id == e["id"] and row.answered_at is not None
        ev = s.exec(select(Event).where(Event.kind == "request.first_contact")).one()
        assert ev.data["entry_id"] == e["id"] and ev.actor.startswith("apikey:")
    report = first_contact_resolutions(hub.db)
    assert report["total"] == 1 and sum(report["by_topic"].values()) == 1 and sum(report["by_agent"].values()) == 1
    # a department sees only its own department's resolutions
    other = Actor("user:99", "department", 99, department="baska-birim")
    assert first_contact_resolutions(hub.db, actor=other)["total"] == 0
    own = Actor("user:98", "department", 98, department=row.department)
    assert first_contact_resolutions(hub.db, actor=own)["total"] == (1 if row.department else 0)
    # an expired entry cannot close a call
    await client.patch(f"/api/v1/kb/{e['id']}", json={**KART, "valid_until": "2020-01-01"})
    r = await client.post("/api/v1/requests", json={**CALL, "text": "Kayseri Kart kayboldu, ne yapmalıyım?"})
    second = await r.json()
    r = await client.post(f"/api/v1/requests/{second['id']}/first-contact", json={"kb_entry_id": e["id"]})
    assert r.status == 400


def test_canned_replies_use_the_reply_template_syntax_and_renderer() -> None:
    ctx = {"ad": "Ayşe", "takip_kodu": "KAY-2026-000001", "birim": "Fen İşleri", "mahalle": None}
    out = render("Sayın {ad}, {takip_kodu} ({birim}, {mahalle}) {{ 7*7 }} {% if 1 %}x{% endif %}", ctx)
    # {{ and }} are literal braces (as in the rules file); nothing reaches Jinja2 syntax
    assert out == "Sayın Ayşe, KAY-2026-000001 (Fen İşleri, ) { 7*7 } {% if 1 %}x{% endif %}"
    assert render("{mahalle|merkez} mahallesi", ctx) == "merkez mahallesi"
    assert placeholder_errors("{adres}") and not placeholder_errors("{ad} {mahalle|merkez} {{x}}")
    assert "use {ad}, {takip_kodu}, {birim}, {mahalle}" in placeholder_errors("{adres}")[0]
    assert placeholder_errors("{% if 1 %}x{% endif %}") and placeholder_errors("{ad")


async def test_canned_replies_are_per_topic_and_filled_from_the_request(ui, hub) -> None:  # noqa: ANN001
    r = await ui.post("/api/v1/canned-replies", headers=API, json={"shortcut": "tesekkur", "title": "Teşekkür",
                                                            "body": "Sayın {ad}, {takip_kodu} numaralı talebiniz {birim} birimine iletildi."})  # fmt: skip
    assert r.status == 201, await r.text()
    r = await ui.post("/api/v1/canned-replies", headers=API, json={"shortcut": "su", "title": "Su arızası", "topic": "su-kanalizasyon",
                                                            "body": "{mahalle} mahallesindeki arıza ekiplerimize iletildi."})  # fmt: skip
    assert r.status == 201
    r = await ui.post("/api/v1/canned-replies", headers=API, json={"shortcut": "kotu", "title": "x", "body": "{adres}"})
    assert r.status == 400 and (await r.json())["field"] == "body"
    r = await ui.post("/api/v1/canned-replies", headers=API, json={"shortcut": "su", "title": "y", "body": "z"})
    assert r.status == 409
    r = await ui.post("/api/v1/requests", headers=API, json={**CALL, "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı"})
    req = await r.json()
    assert req["topic"] == "su-kanalizasyon"
    await login(ui, "agent")
    r = await ui.get(f"/ui/talep/{req['id']}/hazir-cevaplar")
    assert r.status == 200
    items = {i["shortcut"]: i["text"] for i in (await r.json())["items"]}
    with hub.db.reader() as s:
        dept = s.get(Request, req["id"]).department
    assert items["su"] == "Mevlana mahallesindeki arıza ekiplerimize iletildi."
    assert items["tesekkur"].startswith(f"Sayın Şükrü Işık, {req['tracking_code']} numaralı talebiniz ")
    assert dept and "birimine iletildi." in items["tesekkur"]
