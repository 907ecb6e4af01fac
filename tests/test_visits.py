"""Field and mayor's-visit intake: a visit record, requests taken at it through the intake
pipeline (channel ziyaret, the visit id in the message metadata, tagged with the visit), and
the visit report (page, CSV, XLSX with every cell neutralised). Plus the same in Chromium at a
phone-width viewport."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from sqlmodel import select

from hub.models import Message, Request
from hub.models_visits import VisitRequest
from tests.browser_support import ARGS, CHROMIUM, SHOTS, needs_chromium
from tests.conftest import ADMIN_KEY, add_key
from tests.e2e_support import api, events_of
from tests.test_ui import csrf_of, login

ASKED = [
    "Gesi Fatih mahallesi Çınar sokakta yol çok bozuk, asfalt istiyoruz.",
    "=HYPERLINK(\"http://kotu.example\") parktaki aydınlatmalar yanmıyor",
]


async def open_visit(ui: TestClient) -> int:
    page = await (await ui.get("/ui/ziyaretler")).text()
    r = await ui.post("/ui/ziyaretler", allow_redirects=False, data={
        "csrf": csrf_of(page), "tur": "baskanla_bas_basa", "tarih": "2026-12-05", "yer": "Gesi Fatih Mahalle Konağı",
        "ilce": "Melikgazi", "mahalle": "Gesi Fatih", "katilanlar": "Başkan, Fen İşleri Daire Başkanı, muhtar",
    })  # fmt: skip
    assert r.status == 303, await r.text()
    return int(r.headers["Location"].split("/")[-1].split("?")[0])


async def add(ui: TestClient, vid: int, text: str, **extra: str) -> tuple[int, str]:
    page = await (await ui.get(f"/ui/ziyaret/{vid}")).text()
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"csrf": csrf_of(page), "token": token, "metin": text, "ilce": "Melikgazi", "mahalle": "Gesi Fatih", **extra}
    r = await ui.post(f"/ui/ziyaret/{vid}/talep", data=data)
    return r.status, await r.text()


async def test_visit_requests_go_through_intake_and_the_report_follows_them(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "agent")
    vid = await open_visit(ui)
    status, html = await add(ui, vid, ASKED[0], ad="Hasan Çelik", telefon="0532 111 22 33", tur="istek")
    assert status == 200 and "Talep kaydedildi ve ziyarete eklendi" in html
    status, html = await add(ui, vid, ASKED[1])
    assert status == 200

    with hub.db.reader() as s:
        links = s.exec(select(VisitRequest).where(VisitRequest.visit_id == vid)).all()
        reqs = [s.get(Request, link.request_id) for link in links]
        metas = [s.exec(select(Message.meta).where(Message.request_id == r.id)).first() for r in reqs]
    assert len(reqs) == 2 and all(r.channel == "ziyaret" and "ziyaret" in r.tags for r in reqs)
    assert all(m["visit_id"] == vid and m["visit_kind"] == "baskanla_bas_basa" for m in metas)
    assert reqs[0].department and reqs[0].mahalle == "Gesi Fatih", "classified and routed like any request"
    assert events_of(hub, reqs[0].id, "visit.request_added")[0].data["visit_id"] == vid

    # The report shows where each stands and what became of it.
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    await api(ui, "POST", f"/api/v1/requests/{reqs[0].id}/reply", headers=admin,
              json={"text": "Çınar sokak asfalt programına alındı.", "outcome": "olumlu"})  # fmt: skip
    html = await (await ui.get(f"/ui/ziyaret/{vid}")).text()
    assert "Başkanla Baş Başa" in html and "Gesi Fatih Mahalle Konağı" in html and "muhtar" in html
    assert "2 talep" in html and "1 açık" in html and "1 cevaplandı" in html
    assert "Çınar sokak asfalt programına alındı." in html and reqs[1].tracking_code in html
    assert "&#34;http://kotu.example&#34;" in html or "&quot;http://kotu.example&quot;" in html  # escaped

    resp = await ui.get(f"/ui/ziyaret/{vid}/rapor.csv")
    assert resp.status == 200
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ziyaret", "Başkanla Baş Başa"] and rows[1] == ["Tarih", "05.12.2026"]
    table = rows[rows.index(next(r for r in rows if r and r[0] == "Takip No")) + 1:]
    assert [r[0] for r in table] == [reqs[0].tracking_code, reqs[1].tracking_code]
    assert table[0][2] == "Hasan Çelik" and table[0][10] == "Olumlu" and table[0][13].startswith("Çınar sokak")
    assert table[1][3].startswith("'=HYPERLINK"), "a citizen's formula is neutralised"

    resp = await ui.get(f"/ui/ziyaret/{vid}/rapor.xlsx")
    ws = load_workbook(io.BytesIO(await resp.read())).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert any(r[0] == reqs[1].tracking_code and str(r[3]).startswith("'=HYPERLINK") for r in values)
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), "no formulas in the workbook"

    # The list page counts them.
    html = await (await ui.get("/ui/ziyaretler")).text()
    assert f'href="/ui/ziyaret/{vid}"' in html and "2 talep" in html


async def test_visit_form_errors_and_resent_form_and_who_may_use_it(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "agent")
    page = await (await ui.get("/ui/ziyaretler")).text()
    r = await ui.post("/ui/ziyaretler", data={"csrf": csrf_of(page), "tur": "yok", "tarih": "dün", "yer": ""})
    html = await r.text()
    assert r.status == 400 and "türünü seçin" in html and "Tarihi seçin" in html and "yerini yazın" in html

    vid = await open_visit(ui)
    status, html = await add(ui, vid, "", telefon="12")
    assert status == 400 and "metnini yazın" in html and "Geçerli bir telefon" in html
    # The same form sent twice is one request, tagged once.
    page = await (await ui.get(f"/ui/ziyaret/{vid}")).text()
    token = page.split('name="token" value="')[1].split('"')[0]
    for _ in range(2):
        r = await ui.post(f"/ui/ziyaret/{vid}/talep", data={"csrf": csrf_of(page), "token": token, "metin": ASKED[0]})
        assert r.status == 200
    with hub.db.reader() as s:
        assert len(s.exec(select(VisitRequest).where(VisitRequest.visit_id == vid)).all()) == 1
    assert (await ui.get("/ui/ziyaret/99999")).status == 404

    await ui.post("/ui/cikis", data={"csrf": csrf_of(page)})
    await login(ui, "kaski")  # department staff do not take visit requests
    assert (await ui.get("/ui/ziyaretler")).status == 403
    assert (await ui.get(f"/ui/ziyaret/{vid}/rapor.csv")).status == 403


@pytest_asyncio.fixture
async def server(hub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    from hub.demo import _users

    _users(hub)
    add_key(hub, ADMIN_KEY, "admin")
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


@needs_chromium
async def test_visit_on_a_phone_in_chromium(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844}, locale="tr-TR",
                                          is_mobile=True, has_touch=True)  # fmt: skip
            await page.goto(str(server.make_url("/ui/ziyaretler")))
            await page.fill("#kullanici", "agent")
            await page.fill("#parola", "agent-demo")
            await page.click("button[type=submit]")
            await expect(page.locator("h1")).to_have_text("Ziyaretler")
            await page.select_option("#tur", "seffaf_oda")
            await page.fill("#tarih", "2026-12-05")
            await page.fill("#yer", "Büyükşehir Belediyesi Şeffaf Oda")
            await page.fill("#katilanlar", "Başkan, Beyaz Masa")
            await page.screenshot(path=str(SHOTS / "visit_new_phone.png"), full_page=True)
            await page.click("#ziyaret-ac")
            await expect(page.locator(".alert.ok")).to_contain_text("Ziyaret kaydı açıldı")

            for text, name in ((ASKED[0], "Hasan Çelik"), ("Kocasinan Mimarsinan parkında banklar kırık.", "")):
                await page.fill("#metin", text)
                if name:
                    await page.fill("#ad", name)
                    await page.fill("#telefon", "0532 111 22 33")
                await page.click("#talep-ekle")
                await expect(page.locator(".alert.ok")).to_contain_text("Talep kaydedildi")
            items = page.locator("li.visit-item")
            await expect(items).to_have_count(2)
            await expect(page.locator("#ozet")).to_contain_text("2 talep")
            await expect(items.first).to_contain_text("Çınar sokakta")
            # Nothing is wider than the phone's screen.
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"page is {width}px wide on a 390px screen"
            await page.screenshot(path=str(SHOTS / "visit_report_phone.png"), full_page=True)
        finally:
            await browser.close()
