"""A shared phone (Chromium, 390 px, one browser context = one phone): what user A leaves on
it must not reach user B.

* Saved pages: the service worker keeps the app's pages for offline use. Signing out, from the
  app or from a staff page, deletes them: offline, the next person opening A's request gets
  the offline page, not A's copy of it.
* Queued actions: each names the user who queued it, and only the signed-in user's are sent.
  Signing out offline asks before dropping A's queue; an action A left behind (A's session
  ended without the app's sign-out) is dropped when B opens the app, never sent as B. A note
  sent before the sign-out is stored as A."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from hub.models import Message, User
from tests.browser_support import SHOTS, chromium, is_favicon_request, log_in, needs_chromium, page_errors

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}
SAVED = "(url) => caches.open('talep-pages-v1').then((c) => c.match(url)).then(Boolean)"
PAGE_CACHES = "caches.keys().then((ks) => ks.filter((k) => k.startsWith('talep-pages')))"
QUEUED = "TalepOutbox.all().then((a) => a.map((e) => e.fields.metin || e.fields.islem))"


def _refused_for_no_session(msg) -> bool:  # noqa: ANN001
    """The browser logs the hub's 401 to a queued action sent after the session ended: expected."""
    return is_favicon_request(msg) or ("401" in msg.text and msg.location.get("url", "").endswith("/islem"))


async def _wait(probe, what: str):  # noqa: ANN001, ANN202
    for _ in range(300):
        value = await probe() if asyncio.iscoroutinefunction(probe) else probe()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _create(server) -> dict:  # noqa: ANN001
    resp = await server.post("/api/v1/requests", json=SU)  # forwarded to KASKİ by the rules
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def _new_phone(browser):  # noqa: ANN001, ANN202
    return await browser.new_context(viewport=PHONE, locale="tr-TR", is_mobile=True, has_touch=True)


async def _open(page, server, path: str) -> None:  # noqa: ANN001
    await page.goto(str(server.make_url(path)))
    await page.wait_for_selector("body[data-hazir='1']")


async def _sign_in(page, server, username: str, path: str) -> None:  # noqa: ANN001
    await log_in(page, server, username, path=path, wait_url=f"**{path}")
    await page.wait_for_selector("body[data-hazir='1']")


async def _saved_for_offline(page, server, path: str) -> None:  # noqa: ANN001
    """Open ``path`` until the service worker controls the page and keeps a copy of it."""
    url = str(server.make_url(path))
    for _ in range(3):
        await _open(page, server, path)
        controlled = await page.evaluate("Boolean(navigator.serviceWorker.controller)")
        if controlled and await page.evaluate(SAVED, url):
            return
    raise AssertionError(f"the service worker kept no copy of {path}")


def _notes(hub, rid: int) -> list[tuple[str, str]]:  # noqa: ANN001
    with hub.db.reader() as s:
        rows = s.exec(select(Message).where(Message.request_id == rid, Message.direction == "note")).all()
        return [(m.body, m.author) for m in rows]


def _user_ids(hub) -> dict[str, str]:  # noqa: ANN001
    with hub.db.reader() as s:
        return {u.username: f"user:{u.id}" for u in s.exec(select(User)).all()}


async def _shows_none_of_it(page, created: dict) -> None:  # noqa: ANN001
    """The page the phone shows offline for A's request: the app's offline page, nothing of A's."""
    from playwright.async_api import expect

    await expect(page.locator("h1")).to_have_text("Çevrimdışısınız")
    text = await page.locator("body").inner_text()
    for secret in (created["tracking_code"], "Ayşe", "boru patladı", "kaski"):
        assert secret not in text, secret


async def test_signing_out_deletes_the_saved_pages(server, hub) -> None:  # noqa: ANN001
    created = await _create(server)
    item = f"/ui/uygulama/talep/{created['id']}"
    async with chromium() as browser:
        context = await _new_phone(browser)
        page = await context.new_page()
        problems = page_errors(page)

        # A (KASKİ) opens the request online: the service worker keeps it for offline use
        await _sign_in(page, server, "kaski", "/ui/uygulama/")
        await _saved_for_offline(page, server, item)
        await _saved_for_offline(page, server, "/ui/uygulama/ayarlar")

        # A signs out in the app: the saved pages go, the shell stays
        await page.click("form.logout button")
        await page.wait_for_url("**/ui/giris")
        assert await page.evaluate(PAGE_CACHES) == []
        assert "talep-shell-v2" in await page.evaluate("caches.keys()")

        # offline, the next person on the phone opens A's request: the offline page, not A's copy
        await context.set_offline(True)
        other = await context.new_page()
        await other.goto(str(server.make_url(item)))
        await _shows_none_of_it(other, created)
        await other.screenshot(path=str(SHOTS / "phone_app_shared_offline.png"), full_page=True)
        await other.close()

        # again, signing out from a staff page (a plain form; the app's script does not run there):
        # the login page deletes them
        await context.set_offline(False)
        await _sign_in(page, server, "kaski", "/ui/uygulama/")
        await _saved_for_offline(page, server, item)
        await page.goto(str(server.make_url("/ui/")))
        await page.locator("header.top button", has_text="Çıkış").click()
        await page.wait_for_url("**/ui/giris")
        await page.wait_for_selector("html[data-kayitlar='silindi']")
        assert await page.evaluate(PAGE_CACHES) == []

        await context.set_offline(True)
        other = await context.new_page()
        await other.goto(str(server.make_url(item)))
        await _shows_none_of_it(other, created)
        assert problems == []
        await context.close()


async def test_queued_actions_go_only_in_their_users_name(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    created = await _create(server)
    rid = created["id"]
    item = f"/ui/uygulama/talep/{rid}"
    ids = _user_ids(hub)
    async with chromium() as browser:
        context = await _new_phone(browser)
        page = await context.new_page()
        problems = page_errors(page, ignore=_refused_for_no_session)
        dialogs: list[str] = []
        answers = [False, True]  # A first changes his mind, then signs out

        async def answer(dialog) -> None:  # noqa: ANN001
            dialogs.append(dialog.message)
            await (dialog.accept() if answers.pop(0) else dialog.dismiss())

        page.on("dialog", answer)

        # 1. A writes a note offline and signs out still offline: asked first, the note is dropped
        await _sign_in(page, server, "kaski", "/ui/uygulama/")
        await _saved_for_offline(page, server, "/ui/uygulama/ayarlar")
        await _saved_for_offline(page, server, item)
        await context.set_offline(True)
        await page.fill("#not-metin", "A: vana kapatıldı, ekip bekliyor.")
        await page.click("form.act >> text=Notu kaydet")
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderilmeyi bekliyor")
        await _open(page, server, "/ui/uygulama/ayarlar")  # the saved copy
        await page.click("form.logout button")  # not now: the note stays queued, A stays signed in
        await expect(page.locator("#sira")).to_contain_text("Çıkış yapılmadı")
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderilmeyi bekliyor")
        assert await page.evaluate(QUEUED) == ["A: vana kapatıldı, ekip bekliyor."]
        await page.click("form.logout button")
        await page.wait_for_selector("#sira[data-cikis='bekliyor']")
        assert len(dialogs) == 2 and dialogs[0] == dialogs[1]
        assert "Gönderilmeyi bekleyen 1 işleminiz var" in dialogs[0] and "silinecek" in dialogs[0]
        assert await page.evaluate(QUEUED) == []
        assert await page.evaluate(PAGE_CACHES) == []
        await expect(page.locator("#sira")).to_contain_text("bağlantı gelince kapatılacak")
        await page.screenshot(path=str(SHOTS / "phone_app_signout_offline.png"), full_page=True)
        # the connection comes back: the sign-out reaches the hub
        await context.set_offline(False)
        await page.wait_for_url("**/ui/giris")

        # B signs in on the same phone and works online: nothing of A's is sent in B's name
        await _sign_in(page, server, "agent", item)
        await asyncio.sleep(0.3)
        assert _notes(hub, rid) == []
        assert await page.evaluate(QUEUED) == []

        # 2. A's session ends without the app's sign-out (expired, or signed out elsewhere) while a
        # note waits: it stays queued, and B's sign-in drops it unsent, saying so once
        await page.goto(str(server.make_url("/ui/")))
        await page.locator("header.top button", has_text="Çıkış").click()
        await page.wait_for_url("**/ui/giris")
        await _sign_in(page, server, "kaski", item)
        await context.set_offline(True)
        await page.fill("#not-metin", "A: ikinci not, gönderilmedi.")
        await page.click("form.act >> text=Notu kaydet")
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderilmeyi bekliyor")
        await context.clear_cookies()  # the session is gone; the phone still has A's queue
        await context.set_offline(False)
        await expect(page.locator("#sira")).to_contain_text("Oturumunuz kapanmış")
        assert await page.evaluate(QUEUED) == ["A: ikinci not, gönderilmedi."]
        await _sign_in(page, server, "agent", item)
        await expect(page.locator("#sira")).to_contain_text(
            "başka bir kullanıcının gönderilmemiş 1 işlemi vardı; sizin adınıza gönderilmedi, silindi"
        )
        assert await page.evaluate(QUEUED) == []
        await _open(page, server, item)
        await expect(page.locator("#sira")).to_be_hidden()  # said once
        assert _notes(hub, rid) == []

        # 3. B signs out; A writes a note offline, the connection comes back and it is sent before
        # the sign-out: stored as A, and the sign-out asks nothing
        await _open(page, server, "/ui/uygulama/ayarlar")
        await page.click("form.logout button")
        await page.wait_for_url("**/ui/giris")
        await _sign_in(page, server, "kaski", item)
        await _saved_for_offline(page, server, "/ui/uygulama/ayarlar")
        await _saved_for_offline(page, server, item)
        await context.set_offline(True)
        await page.fill("#not-metin", "A: boru değişti, su verildi.")
        await page.click("form.act >> text=Notu kaydet")
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderilmeyi bekliyor")
        await _open(page, server, "/ui/uygulama/ayarlar")  # the saved copy, still offline
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderilmeyi bekliyor")
        await context.set_offline(False)
        stored = await _wait(lambda: _notes(hub, rid), "A's note to be stored")
        assert stored == [("A: boru değişti, su verildi.", ids["kaski"])]
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderildi")
        await page.click("form.logout button")
        await page.wait_for_url("**/ui/giris")
        assert len(dialogs) == 2, dialogs  # nothing waited: not asked
        assert _notes(hub, rid) == [("A: boru değişti, su verildi.", ids["kaski"])]
        assert all(author != ids["agent"] for _, author in _notes(hub, rid))
        assert problems == []
        await context.close()
