"""The staff UI's top menu at phone width (390 px, Chromium): it folds into a «Menü»
disclosure (<details>, no script needed), nothing scrolls sideways on the queue and on a
request page, and every menu link is reachable once the menu is opened. At 1440 px the
menu is the one row of links it always was."""

from __future__ import annotations

import pytest

from tests.browser_support import DESKTOP, SHOTS, chromium, log_in, needs_chromium

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}
# compared with the viewport's width: a mobile viewport zooms out to show a page that is too wide,
# and window.innerWidth then grows with it
OVERFLOW = "document.documentElement.scrollWidth"
# what the menu of each role links to (hub/templates/ui/base.html); admins have every item
MENU = {
    "agent": ["/ui/", "/ui/geri-arama", "/ui/yeni", "/ui/ice-aktar", "/ui/ziyaretler", "/ui/kurallar",
              "/ui/kanallar", "/ui/karantina", "/ui/bilgi", "/ui/raporlar", "/ui/panolar"],
    "supervisor": ["/ui/", "/ui/geri-arama", "/ui/yeni", "/ui/ice-aktar", "/ui/ziyaretler", "/ui/kurallar",
                   "/ui/kanallar", "/ui/karantina", "/ui/bilgi", "/ui/hazir-cevaplar", "/ui/raporlar",
                   "/ui/model", "/ui/panolar"],
    "admin": ["/ui/", "/ui/geri-arama", "/ui/yeni", "/ui/ice-aktar", "/ui/ziyaretler", "/ui/kurallar",
              "/ui/kanallar", "/ui/karantina", "/ui/bilgi", "/ui/hazir-cevaplar", "/ui/raporlar",
              "/ui/model", "/ui/panolar", "/ui/denetim", "/ui/kullanicilar"],
}  # fmt: skip


async def _menu_hrefs(page) -> list[str]:  # noqa: ANN001
    return await page.eval_on_selector_all(
        "header.top nav a", "links => links.map(a => new URL(a.href).pathname)"
    )


@pytest.mark.parametrize("username", ["agent", "supervisor", "admin"])
async def test_menu_fits_a_phone_and_opens(server, username) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    created = await (await server.post("/api/v1/requests", json=SU)).json()
    async with chromium() as browser:
        context = await browser.new_context(viewport=PHONE, locale="tr-TR", is_mobile=True, has_touch=True)
        page = await context.new_page()
        await log_in(page, server, username, path="/ui/", wait_url=None)
        await page.wait_for_selector("header.top nav", state="attached")
        assert await _menu_hrefs(page) == MENU[username]
        for path in ("/ui/", f"/ui/talep/{created['id']}"):
            await page.goto(str(server.make_url(path)))
            await page.screenshot(
                path=str(SHOTS / f"ui_menu_phone_{username}_{path.count('/')}.png"), full_page=True
            )
            assert await page.evaluate(OVERFLOW) <= PHONE["width"], (username, path)
            menu = page.locator("header.top nav")
            # closed at first: the links wait behind «Menü»; open it and each one is there to tap
            toggle = page.locator("header.top summary", has_text="Menü")
            await expect(toggle).to_be_visible()
            await expect(menu.locator("a").first).to_be_hidden()
            await toggle.click()
            for link in await menu.locator("a").all():
                await expect(link).to_be_visible()
                await expect(link).to_be_in_viewport()
            await page.screenshot(
                path=str(SHOTS / f"ui_menu_phone_{username}_{path.count('/')}_open.png"), full_page=True
            )
            assert await page.evaluate(OVERFLOW) <= PHONE["width"], (username, path, "open")
            await expect(page.locator("header.top button", has_text="Çıkış")).to_be_visible()
        # a link taken from the opened menu works
        await page.locator("header.top nav a", has_text="Bilgi bankası").click()
        await page.wait_for_url("**/ui/bilgi")
        await context.close()


@pytest.mark.parametrize("username", ["supervisor", "admin"])
async def test_desktop_menu_is_one_open_row(server, username) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        await log_in(page, server, username, path="/ui/", wait_url=None)
        await page.wait_for_selector("header.top nav", state="attached")
        await expect(page.locator("header.top summary")).to_be_hidden()
        links = page.locator("header.top nav a")
        tops = set()
        for link in await links.all():
            await expect(link).to_be_visible()
            tops.add(round((await link.bounding_box())["y"]))
        assert len(tops) == 1, tops  # one row of links, as before
        assert await _menu_hrefs(page) == MENU[username]
        assert await page.evaluate(OVERFLOW) <= DESKTOP["width"]
        await page.screenshot(path=str(SHOTS / f"ui_menu_desktop_{username}.png"))
