"""A citizen in a real browser: fill the form, pick a mahalle, submit, open the status page.

Uses Debian's chromium (scripts/ensure-chromium.sh installs it); Playwright never downloads
a browser of its own here.
"""

from __future__ import annotations

import re

from sqlmodel import select

from hub.models import Request
from tests.browser_support import SHOTS, chromium, needs_chromium

pytestmark = needs_chromium


async def test_citizen_submits_form_and_follows_status(client, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1000, "height": 1400}, locale="tr-TR")
        await page.goto(str(client.make_url("/basvuru")))
        await expect(page.locator("h1")).to_have_text("Başvuru Formu")

        await page.select_option("#tur", "sikayet")
        await page.fill(
            "#aciklama", "Sokağımızdaki sokak lambası bir haftadır yanmıyor, akşamları çok karanlık."
        )
        await page.locator("#mahalle").press_sequentially("mevla", delay=40)
        suggestion = page.locator("#mahalle-liste li", has_text="Talas").first
        await expect(suggestion).to_be_visible()
        await page.screenshot(path=str(SHOTS / "webform_picker.png"), full_page=False)
        await suggestion.click()
        await expect(page.locator("#mahalle")).to_have_value("Mevlana (Talas)")
        await expect(page.locator("#secilen_mahalle")).to_have_value("Mevlana")
        await expect(page.locator("#secilen_ilce")).to_have_value("Talas")
        await expect(page.locator("#mahalle-liste")).to_be_hidden()

        await page.fill("#telefon", "0532 111 22 33")
        # Forgetting the consent box: the form comes back with a message and the input kept.
        await page.click("button[type=submit]")
        await expect(page.locator("#kvkk_onay-hata")).to_contain_text(
            "onay kutusunu işaretlemeniz gerekir"
        )
        await expect(page.locator("#aciklama")).to_have_value(re.compile("sokak lambası"))
        await expect(page.locator("#mahalle")).to_have_value("Mevlana (Talas)")
        await page.screenshot(path=str(SHOTS / "webform_error.png"), full_page=False)
        await page.check("#kvkk_onay")
        await page.screenshot(path=str(SHOTS / "webform_filled.png"), full_page=True)
        await page.click("button[type=submit]")

        await expect(page.locator("h1")).to_have_text("Başvurunuz alındı")
        code = (await page.locator("#takip-no").inner_text()).strip()
        assert re.fullmatch(r"KAY-\d{4}-\d{6}", code), code
        await page.screenshot(path=str(SHOTS / "webform_success.png"), full_page=True)

        await page.click("#takip-link")
        await expect(page.locator("#takip-no")).to_have_text(code)
        await expect(page.locator("#durum")).not_to_be_empty()
        facts = await page.locator("dl.facts").inner_text()
        assert "Mevlana Mahallesi, Talas" in facts
        body = await page.locator("body").inner_text()
        assert "0532" not in body and "111 22 33" not in body
        await page.screenshot(path=str(SHOTS / "webform_status.png"), full_page=True)

        # A phone-sized screen: the same pages, nothing cut off sideways.
        await page.set_viewport_size({"width": 390, "height": 844})
        for path, shot in (
            (f"/takip/{code}", "webform_status_mobile.png"),
            ("/basvuru", "webform_mobile.png"),
        ):
            await page.goto(str(client.make_url(path)))
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
            await page.screenshot(path=str(SHOTS / shot), full_page=True)

    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
    assert (req.channel, req.ilce, req.mahalle) == ("webform", "Talas", "Mevlana")
