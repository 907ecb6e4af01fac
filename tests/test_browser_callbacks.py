"""Issue 12C in a real browser (Debian's Chromium): a call-back task is listed and completed;
a department sends a request back and the agents' queue shows it with the reason; merging
asks which request survives; the caller's history keeps what was typed. Screenshots go to
HUB_SCREENSHOT_DIR."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from hub.models import Request
from tests.browser_support import DESKTOP, SHOTS, chromium, log_in, needs_chromium
from tests.test_callbacks import open_callback

pytestmark = needs_chromium
SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}


async def _login(browser, server: TestClient, username: str):  # noqa: ANN001, ANN202
    """``username`` signed in on a page of a context of their own (their own cookies)."""
    page = await (await browser.new_context(viewport=DESKTOP, locale="tr-TR")).new_page()
    await log_in(page, server, username)
    return page


async def test_callback_is_listed_and_completed(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    created = await (await server.post("/api/v1/requests", json=SU)).json()
    r = await server.post(f"/api/v1/requests/{created['id']}/reply", json={"text": "Ekip bugün 14:00'te orada olacak."})
    assert r.status == 200
    cb = await open_callback(hub, created["id"])  # no SMS gateway here: the answer must be read out

    async with chromium() as browser:
        page = await _login(browser, server, "agent")
        await page.click("nav >> text=Geri aranacaklar")
        row = page.locator(f"#geri-arama-{cb.id}")
        await expect(row).to_contain_text(created["tracking_code"])
        await expect(row).to_contain_text("Ekip bugün 14:00'te orada olacak.")
        await expect(row).to_contain_text("SMS ağ geçidi tanımlı değil")
        await page.screenshot(path=str(SHOTS / "ui_callbacks_list.png"), full_page=True)
        await row.locator("select[name=sonuc]").select_option("ulasildi")
        await row.locator("input[name=not]").fill("Bilgi verildi, teşekkür etti.")
        await row.locator("button[type=submit]").click()
        await expect(page.locator(".alert.ok")).to_contain_text("vatandaşa ulaşıldı")
        await expect(page.locator("#geri-arama-yok")).to_be_visible()
        await page.goto(str(server.make_url(f"/ui/talep/{created['id']}")))
        await expect(page.locator("#durum")).to_have_text("Cevaplandı")
        await expect(page.locator(".msg-out").last).to_contain_text("ulaşıldı — Bilgi verildi, teşekkür etti.")
        await page.screenshot(path=str(SHOTS / "ui_callback_done_request.png"), full_page=True)
    with hub.db.reader() as s:
        req = s.get(Request, created["id"])
        assert req.status == "answered" and req.answered_at and "geri-arama" not in req.tags


async def test_department_sends_back_and_agents_see_the_reason(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    created = await (await server.post("/api/v1/requests", json=SU)).json()
    assert created["department"] == "kaski"
    async with chromium() as browser:
        dept = await _login(browser, server, "kaski")
        await dept.goto(str(server.make_url(f"/ui/talep/{created['id']}")))
        await dept.fill("#bizim-degil input[name=gerekce]", "Bina içi tesisat; Fen İşleri bakmalı")
        await dept.screenshot(path=str(SHOTS / "ui_department_send_back.png"), full_page=True)
        await dept.click("text=Beyaz Masa'ya geri gönder")
        await expect(dept.locator(".alert.ok")).to_contain_text("Beyaz Masa'ya geri gönderildi")
        await expect(dept.locator("table.queue")).not_to_contain_text(created["tracking_code"])

        agent = await _login(browser, server, "agent")
        row = agent.locator("table.queue tbody tr", has_text=created["tracking_code"])
        await expect(row).to_contain_text("Bina içi tesisat; Fen İşleri bakmalı")
        await agent.screenshot(path=str(SHOTS / "ui_queue_sent_back.png"), full_page=True)
        await row.locator("a").first.click()
        await expect(agent.locator("#geri-gonderme")).to_contain_text("Bina içi tesisat")
        await expect(agent.locator(".timeline")).to_contain_text("Beyaz Masa'ya geri gönderildi (bizim değil)")
        await expect(agent.locator("#yonlendirme")).to_contain_text("su-kanalizasyon")  # the trace stays


async def test_merge_asks_which_survives_and_history_keeps_typing(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    old = await (await server.post("/api/v1/requests", json=SU)).json()
    new = await (await server.post("/api/v1/requests", json={**SU, "text": SU["text"] + " Hâlâ yok."})).json()
    async with chromium() as browser:
        page = await _login(browser, server, "agent")
        await page.goto(str(server.make_url(f"/ui/talep/{new['id']}")))
        await page.fill("input[name=hedef]", old["tracking_code"])
        await page.click("text=Birleştir…")
        await expect(page.locator("h1")).to_have_text("Birleştir: hangisi kalsın?")
        await expect(page.locator(f"#kalan-{old['id']}")).to_be_checked()
        await page.screenshot(path=str(SHOTS / "ui_merge_confirm.png"), full_page=True)
        await page.check(f"#kalan-{new['id']}")  # swap: the newer one stays
        await page.click("#birlestir-onayla")
        await expect(page.locator(".alert.ok")).to_contain_text("birleştirildi")
        with hub.db.reader() as s:
            assert s.get(Request, old["id"]).parent_id == new["id"]

        await page.click("nav >> text=Yeni talep")
        await page.fill("#metin", "Sokaktaki su hâlâ akıyor.")
        await page.fill("#telefon", "0532 123 45 67")
        await page.click("#gecmisi-goster")
        await expect(page.locator("#gecmis")).to_contain_text(new["tracking_code"])
        await expect(page.locator("#metin")).to_have_value("Sokaktaki su hâlâ akıyor.")
        await page.screenshot(path=str(SHOTS / "ui_new_request_history.png"), full_page=True)
        await page.click(f"#ekle-{new['id']}")
        await expect(page.locator(".alert.ok")).to_contain_text("Arama bu talebe mesaj olarak eklendi")
        await expect(page.locator("article.msg-in").last).to_contain_text("Sokaktaki su hâlâ akıyor.")
