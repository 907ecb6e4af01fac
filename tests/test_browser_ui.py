"""An agent in a real browser: log in, open the queue and a request, read why it went
to its department, claim it, answer olumlu and close it.

Uses Debian's chromium (scripts/ensure-chromium.sh installs it); Playwright never downloads
a browser of its own here.
"""

from __future__ import annotations

import re

from sqlmodel import select

from hub.models import Outbox, Request
from tests.browser_support import DESKTOP, SHOTS, chromium, log_in, needs_chromium, submit_login

pytestmark = needs_chromium


async def test_agent_claims_answers_and_closes_a_request(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    body = {
        "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
        "channel": "phone",
        "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
    }
    created = await (await server.post("/api/v1/requests", json=body)).json()
    code = created["tracking_code"]

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        await page.goto(str(server.make_url("/ui/")))
        await expect(page.locator("h1")).to_have_text("Personel girişi")
        await submit_login(page, "agent")

        row = page.locator("table.queue tbody tr", has_text=code)
        await expect(row).to_contain_text("Süresinde")
        await page.screenshot(path=str(SHOTS / "ui_browser_queue.png"))
        await row.locator("a", has_text=code).click()

        await expect(page.locator("#yonlendirme h2")).to_have_text("Neden bu birime gitti?")
        await expect(page.locator("#yonlendirme")).to_contain_text("Uydu")
        await expect(page.locator("#vatandas-metni")).to_contain_text("ana boru patladı")

        await page.click("#ustlen")
        await expect(page.locator(".alert.ok")).to_have_text("Talebi üstlendiniz.")
        await expect(page.locator(".meta")).to_contain_text("Demo Çağrı Merkezi Personeli")

        await page.fill("#metin", "Arıza ekiplerimizce giderildi, suyunuz verilmiştir.")
        await page.check("#sonuc-olumlu")
        await page.check("#cevap-kapat")
        await page.click("#cevap-gonder")
        # closed, or already back in progress if the worker found that no SMS can carry the
        # answer and opened a call-back (checked in the database below)
        await expect(page.locator("#durum")).to_have_text(re.compile("^(Kapatıldı|İşlemde)$"))
        await expect(page.locator(".msg-out")).to_contain_text("suyunuz verilmiştir")
        await page.screenshot(path=str(SHOTS / "ui_browser_closed.png"), full_page=True)

    with hub.db.reader() as s:
        req = s.get(Request, created["id"])
        assert req.outcome == "olumlu"
        assert s.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.kind == "reply")).first()
        # By phone with no SMS gateway the answer must be read out: once the worker has seen
        # that, the request waits for its call-back (which closes it again), else it is closed.
        from hub.models_callbacks import Callback

        waiting = s.exec(select(Callback).where(Callback.request_id == req.id, Callback.status == "open")).first()
        assert req.status == "closed" or (waiting and waiting.resume_status == "closed" and req.status == "in_progress")


async def test_agent_registers_a_call_in_the_browser(server, hub) -> None:  # noqa: ANN001
    """Alo 153: look the caller up, see their earlier request, register the new one."""
    from playwright.async_api import expect

    earlier = await (await server.post("/api/v1/requests", json={
        "text": "Talas Mevlana Mahallesi parkta salıncak kırık.", "channel": "phone",
        "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
    })).json()  # fmt: skip

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        await log_in(page, server, "agent", path="/ui/", wait_url=None)
        await page.click("nav >> text=Yeni talep")
        await expect(page.locator("h1")).to_have_text("Yeni talep")

        # what the agent typed before looking the caller up is still there afterwards
        await page.fill("#metin", "Gül sokakta ana boru patladı, sabahtan beri su yok.")
        await page.select_option("#ilce", "Talas")
        await page.fill("#telefon", "05321234567")
        await page.click("text=Geçmişi göster")
        await expect(page.locator("#gecmis")).to_contain_text(earlier["tracking_code"])
        await expect(page.locator("#ad")).to_have_value("Ayşe Yılmaz")
        await expect(page.locator("#metin")).to_have_value("Gül sokakta ana boru patladı, sabahtan beri su yok.")
        await expect(page.locator("#ilce")).to_have_value("Talas")

        await page.fill("#mahalle", "Mevlana")
        await page.click("#kaydet")
        await expect(page.locator(".alert.ok")).to_contain_text("Talep kaydedildi")
        await expect(page.locator("#vatandas-metni")).to_contain_text("ana boru patladı")
        await page.screenshot(path=str(SHOTS / "ui_browser_new_request.png"), full_page=True)
    with hub.db.reader() as s:
        new = s.exec(select(Request).where(Request.text.contains("ana boru patladı"))).one()
        assert (new.channel, new.mahalle, new.ilce) == ("phone", "Mevlana", "Talas") and new.department
