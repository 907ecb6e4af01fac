"""The call-centre / Beyaz Masa form through the hub's real HTTP server: caller history by
phone, a request registered through the intake pipeline, refusals that keep the input, and
a resent form that stays one request."""

from __future__ import annotations

import re

from sqlmodel import func, select

from hub.models import Contact, Request
from tests.test_ui import API, SU, create, csrf_of, login


def token_of(html: str) -> str:
    m = re.search(r'name="token" value="([^"]+)"', html)
    assert m, "the form carries its idempotency token"
    return m.group(1)


def count(hub) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(func.count()).select_from(Request)).one()


async def test_caller_history_by_phone(ui, hub) -> None:  # noqa: ANN001
    first = await create(ui, SU)
    await create(ui, {**SU, "text": "Kaldırım çökmüş", "contact": {"name": "<b>Ayşe</b>", "phone": "0555 000 11 22"}})
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    assert 'href="/ui/yeni"' in html, "the menu leads to the form"
    r = await ui.get("/ui/yeni", params={"telefon": "+90 (532) 123-45-67"})
    html = await r.text()
    assert r.status == 200 and first["tracking_code"] in html and 'id="gecmis"' in html
    assert 'value="Ayşe Yılmaz"' in html, "the known name is filled in"
    html = await (await ui.get("/ui/yeni", params={"telefon": "0555 000 11 22"})).text()
    assert "<b>Ayşe</b>" not in html and "&lt;b&gt;Ayşe&lt;/b&gt;" in html, "citizen text is escaped"
    html = await (await ui.get("/ui/yeni", params={"telefon": "0533 999 88 77"})).text()
    assert 'id="ilk-basvuru"' in html
    r = await ui.get("/ui/yeni", params={"telefon": "12345"})
    assert r.status == 400 and "Geçerli bir telefon numarası" in await r.text()


async def test_agent_registers_a_call_that_is_routed(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "agent")
    page = await (await ui.get("/ui/yeni")).text()
    form = {"csrf": csrf_of(page), "token": token_of(page), "kanal": "phone", "telefon": "0532 765 43 21",
            "ad": "Hasan Çelik", "eposta": "", "kisi_turu": "citizen", "tur": "sikayet", "ilce": "Talas",
            "mahalle": "Mevlana", "adres": "Gül Sokak 4",
            "metin": "Sokağımızda ana boru patladı, iki gündür su yok, yol da göle döndü."}  # fmt: skip
    r = await ui.post("/ui/yeni", data=form, allow_redirects=False)
    assert r.status == 303, await r.text()
    location = r.headers["Location"]
    assert re.match(r"^/ui/talep/\d+\?tamam=yeni$", location)
    rid = int(location.split("/")[3].split("?")[0])
    html = await (await ui.get(location)).text()
    assert "Talep kaydedildi" in html and "Hasan Çelik" in html
    assert 'href="/ui/yeni?telefon=%2B905327654321"' in html, "the request page leads to the caller's history"
    with hub.db.reader() as s:
        req = s.get(Request, rid)
        contact = s.get(Contact, req.contact_id)
        assert (req.channel, req.request_type, req.mahalle, req.ilce, req.address) == (
            "phone", "sikayet", "Mevlana", "Talas", "Gül Sokak 4")
        assert req.location_source == "known" and req.department, "classified and routed by the rules"
        assert (contact.phone, contact.name) == ("+905327654321", "Hasan Çelik")
    before = count(hub)
    r = await ui.post("/ui/yeni", data=form, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == f"/ui/talep/{rid}?tamam=tekrar", "a resent form is one request"
    assert count(hub) == before

    # The mahalle list offers "Mahalle (İlçe)" labels; a picked label is enough without the ilçe box.
    page = await (await ui.get("/ui/yeni")).text()
    assert '<option value="Mevlana (Talas)">' in page
    picked = {**form, "csrf": csrf_of(page), "token": token_of(page), "ilce": "", "mahalle": "Mevlana (Talas)",
              "metin": "Parktaki salıncak kırık."}  # fmt: skip
    r = await ui.post("/ui/yeni", data=picked, allow_redirects=False)
    assert r.status == 303, await r.text()
    with hub.db.reader() as s:
        new = s.get(Request, int(r.headers["Location"].split("/")[3].split("?")[0]))
        assert (new.mahalle, new.ilce) == ("Mevlana", "Talas")


async def test_bad_input_is_refused_in_turkish_and_kept(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "agent")
    page = await (await ui.get("/ui/yeni")).text()
    before = count(hub)
    form = {"csrf": csrf_of(page), "token": token_of(page), "kanal": "phone", "telefon": "12",
            "ad": "Zeynep", "eposta": "zeynep@", "kisi_turu": "citizen", "tur": "", "ilce": "",
            "mahalle": "Olmayanmahalle", "adres": "", "metin": "   "}  # fmt: skip
    r = await ui.post("/ui/yeni", data=form)
    html = await r.text()
    assert r.status == 400 and "Traceback" not in html
    for message in ("Talebin metnini yazın.", "Geçerli bir telefon numarası", "E-posta adresi geçerli görünmüyor.",
                    "Mahalle bulunamadı"):  # fmt: skip
        assert message in html, message
    assert 'value="Zeynep"' in html and 'value="Olmayanmahalle"' in html, "the agent's input is kept"
    r = await ui.post("/ui/yeni", data={**form, "token": "x", "telefon": "", "eposta": "", "mahalle": "", "metin": "Su yok"})
    assert r.status == 400 and "Form süresi dolmuş" in await r.text()
    assert count(hub) == before, "nothing was stored"


async def test_department_users_cannot_register_requests(ui) -> None:  # noqa: ANN001
    await login(ui, "kaski")
    html = await (await ui.get("/ui/")).text()
    assert 'href="/ui/yeni"' not in html
    r = await ui.get("/ui/yeni")
    assert r.status == 403
    ui.session.cookie_jar.clear()
    r = await ui.get("/ui/yeni", headers=API, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].startswith("/ui/giris"), "an API key is not a UI login"


async def test_a_failure_keeps_what_the_agent_typed(ui, hub, monkeypatch) -> None:  # noqa: ANN001
    await login(ui, "agent")
    page = await (await ui.get("/ui/yeni")).text()
    form = {"csrf": csrf_of(page), "token": token_of(page), "kanal": "beyaz_masa", "telefon": "", "ad": "Fatma",
            "eposta": "", "kisi_turu": "citizen", "tur": "", "ilce": "", "mahalle": "", "adres": "",
            "metin": "Melikgazi Esentepe mahallesinde çöpler üç gündür alınmıyor."}  # fmt: skip
    real = hub.intake.ingest

    def broken(raw):  # noqa: ANN001, ANN202
        raise RuntimeError("database went away; phone 0532 123 45 67")

    monkeypatch.setattr(hub.intake, "ingest", broken)
    r = await ui.post("/ui/yeni", data=form)
    html = await r.text()
    assert r.status == 503 and "yazdıklarınız duruyor" in html and "Traceback" not in html
    assert "çöpler üç gündür alınmıyor" in html, "the text is still in the form"
    monkeypatch.setattr(hub.intake, "ingest", real)
    r = await ui.post("/ui/yeni", data=form, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].endswith("?tamam=yeni"), "sending again works"
