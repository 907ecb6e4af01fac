"""A muhtar on a phone (390×844) in a real browser: log in, send a request for his mahalle,
see every request of the mahalle (one from the web form without its citizen's name or phone),
and get a 404 for another mahalle's request.

Uses Debian's chromium (scripts/ensure-chromium.sh installs it); Playwright never downloads
a browser of its own here. Screenshots go to HUB_SCREENSHOT_DIR.
"""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.models import Request
from tests.browser_support import SHOTS, chromium, needs_chromium
from tests.test_muhtar_portal import PASSWORD, add_muhtar

pytestmark = needs_chromium
PHONE_VIEWPORT = {"width": 390, "height": 844}
CITIZEN = {"name": "Zeynep Kılıç", "phone": "0533 444 55 66", "email": "zeynep@example.com"}


async def _api_request(client: TestClient, text: str, channel: str) -> dict:
    r = await client.post("/api/v1/requests", json={"text": text, "channel": channel, "contact": CITIZEN})
    assert r.status == 201, await r.text()
    return await r.json()


async def _no_horizontal_overflow(page) -> None:  # noqa: ANN001
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"], f"page is {width}px wide on a 390px phone"


async def _tap_targets_are_big_enough(page, selector: str) -> None:  # noqa: ANN001
    for box in [await el.bounding_box() for el in await page.query_selector_all(selector)]:
        if box:  # hidden elements have no box
            assert box["height"] >= 44, f"{selector}: tap target {box['height']:.0f}px high"


async def test_muhtar_on_a_phone_sends_and_reads_only_his_mahalle(client, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    add_muhtar(hub)
    ours = await _api_request(client, "Talas Mevlana Mahallesi Gül sokakta çöpler üç gündür alınmadı, "
                                      "ben Zeynep Kılıç 0533 444 55 66", "webform")  # fmt: skip
    theirs = await _api_request(client, "Kocasinan Gevher Nesibe mahallesi parkında salıncak kırık", "api")

    async with chromium() as browser:
        ctx = await browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True,
                                        has_touch=True, locale="tr-TR")  # fmt: skip
        page = await ctx.new_page()
        await page.goto(str(client.make_url("/muhtar")))
        await expect(page.locator("h1")).to_have_text("Muhtar Portalı girişi")
        await _no_horizontal_overflow(page)
        await page.screenshot(path=str(SHOTS / "muhtar_phone_login.png"), full_page=True)
        await page.fill("#kullanici", "muhtar.talas.mevlana")
        await page.fill("#parola", PASSWORD)
        await page.click("button[type=submit]")

        await expect(page.locator("h1")).to_have_text("Mahallemin talepleri")
        await expect(page.locator(".mh-who")).to_contain_text("Mevlana (Talas)")
        await page.click("text=Yeni talep gönder")
        await expect(page.locator("h1")).to_have_text("Yeni talep")
        await _no_horizontal_overflow(page)
        await _tap_targets_are_big_enough(page, "main select, main input:not([type=hidden]), main button, header button")
        await page.select_option("#tur", "istek")
        await page.select_option("#konu", "aydinlatma")
        await page.fill("#aciklama", "Cami sokağında üç sokak lambası yanmıyor, akşamları çok karanlık.")
        await page.fill("#enlem", "38,6935")
        await page.fill("#boylam", "35.5540")
        await page.screenshot(path=str(SHOTS / "muhtar_phone_form.png"), full_page=True)
        await page.click("text=Talebi gönder")

        await expect(page.locator(".mh-alert.ok")).to_contain_text("Talebiniz alındı")
        code = (await page.locator(".mh-alert.ok strong").inner_text()).strip()
        cards = page.locator(".mh-list li")
        await expect(cards).to_have_count(2)
        mine = page.locator(".mh-card", has_text=code)
        await expect(mine).to_contain_text("Benim talebim")
        await expect(mine).to_contain_text("Muhtar portalı")
        webform = page.locator(".mh-card", has_text=ours["tracking_code"])
        await expect(webform).to_contain_text("çöpler üç gündür alınmadı")
        await expect(webform).to_contain_text("Web formu")
        home = await page.locator("main").inner_text()
        for secret in ("Zeynep", "Kılıç", "0533", "444 55 66", "zeynep@example.com", theirs["tracking_code"]):
            assert secret not in home, secret
        await _no_horizontal_overflow(page)
        await page.screenshot(path=str(SHOTS / "muhtar_phone_home.png"), full_page=True)

        await webform.locator("a").click()
        await expect(page.locator("h1")).to_have_text(ours["tracking_code"])
        body = await page.locator("main").inner_text()
        assert "[AD SOYAD]" in body and "[TELEFON]" in body
        assert "Zeynep" not in body and "0533" not in body
        await _no_horizontal_overflow(page)
        await page.screenshot(path=str(SHOTS / "muhtar_phone_detail.png"), full_page=True)

        # another mahalle's request, opened by typing its address: not found
        response = await page.goto(str(client.make_url(f"/ui/muhtar/talep/{theirs['tracking_code']}")))
        assert response is not None and response.status == 404
        await expect(page.locator("h1")).to_have_text("Talep bulunamadı")
        body = await page.locator("body").inner_text()
        assert "salıncak" not in body and "İş kuyruğu" not in body  # his portal's frame, no staff menu
        await expect(page.locator("main a.mh-button")).to_have_text("Mahallemin taleplerine dön")
        await _no_horizontal_overflow(page)
        await page.screenshot(path=str(SHOTS / "muhtar_phone_404.png"), full_page=True)
        # and no staff page either
        response = await page.goto(str(client.make_url(f"/ui/talep/{theirs['id']}")))
        assert response is not None and response.status == 403
        await expect(page.locator("h1")).to_have_text("Yetkiniz yok")
        assert "İş kuyruğu" not in await page.locator("body").inner_text()
        await page.screenshot(path=str(SHOTS / "muhtar_phone_403.png"), full_page=True)

    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
    assert (req.channel, req.ilce, req.mahalle, req.topic) == ("muhtar", "Talas", "Mevlana", "aydinlatma")
    assert (req.lat, req.lon) == (38.6935, 35.554) and req.sla_days == 15
