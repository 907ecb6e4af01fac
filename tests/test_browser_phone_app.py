"""The phone app in a real browser (Debian's Chromium, 390 px wide): the service worker
installs, a forwarded request's push reaches the worker and shows a notification, an action
taken offline is sent once the page is online again (and stored once), and nothing scrolls
sideways. Headless Chromium has no push service of its own, so the hub sends the push to a
fake push service; the test decrypts it with the browser-side keys it made and hands the
payload to the service worker through CDP's ServiceWorker.deliverPushMessage."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.actions import push
from hub.auth import Actor
from hub.models import Message, Outbox, Request, User
from tests.browser_support import SHOTS, chromium, log_in, needs_chromium
from tests.push_support import BrowserKeys, push_service  # noqa: F401  (fixture)

pytestmark = needs_chromium
SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}
PHONE = {"width": 390, "height": 844}
NOTIFICATIONS = "navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => n.title + ' | ' + n.body))"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def _phone(browser, server: TestClient):  # noqa: ANN001, ANN202
    context = await browser.new_context(viewport=PHONE, locale="tr-TR", is_mobile=True, has_touch=True)
    origin = str(server.make_url("/")).rstrip("/")
    await context.grant_permissions(["notifications"], origin=origin)
    page = await context.new_page()
    await log_in(page, server, "kaski", path="/ui/uygulama/", wait_url="**/ui/uygulama/")
    await page.wait_for_selector("body[data-hazir='1']")
    return context, page


async def _wait(probe, what: str):  # noqa: ANN001, ANN202
    for _ in range(300):
        value = await probe() if asyncio.iscoroutinefunction(probe) else probe()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_install_push_notification_and_offline_action(server, hub, push_service) -> None:  # noqa: ANN001, F811
    from playwright.async_api import expect

    keys = BrowserKeys()
    with hub.db.session() as s:  # the subscription the phone would have made with a real push service
        user = s.exec(select(User).where(User.username == "kaski")).one()
        actor = Actor(f"user:{user.id}", "department", user_id=user.id, department="kaski")
        push.subscribe(s, actor, endpoint=push_service.url("/push/kaski"), p256dh=keys.p256dh, auth=keys.auth)

    async with chromium() as browser:
        context, page = await _phone(browser, server)
        # the service worker installed, with the app's scope, and controls the page after a reload
        scope = await page.evaluate("navigator.serviceWorker.ready.then(r => r.active && r.scope)")
        assert scope == str(server.make_url("/ui/uygulama/"))
        await page.reload()
        await page.wait_for_selector("body[data-hazir='1']")
        assert await page.evaluate("Boolean(navigator.serviceWorker.controller)")
        manifest = await page.evaluate("document.querySelector('link[rel=manifest]').href")
        assert manifest.endswith("/ui/uygulama/manifest.webmanifest")
        probe = await context.new_cdp_session(page)  # Chromium's own installability verdict
        verdict = await probe.send("Page.getInstallabilityErrors")
        # Playwright's contexts are off-the-record, which alone blocks installing; nothing else may
        errors = [e["errorId"] for e in verdict["installabilityErrors"] if e["errorId"] != "in-incognito"]
        assert errors == [], verdict
        await probe.detach()

        # a request forwarded to KASKİ: the hub pushes it through its outbox
        created = await (await server.post("/api/v1/requests", json=SU)).json()
        await _wait(lambda: push_service.received, "the push to reach the push service")
        payload = keys.decrypt(push_service.received[0].body)
        assert payload["tracking_code"] == created["tracking_code"]

        cdp = await context.new_cdp_session(page)
        registrations: list[dict] = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"])
        )
        await cdp.send("ServiceWorker.enable")
        reg = await _wait(
            lambda: next((r for r in registrations if r["scopeURL"].endswith("/ui/uygulama/")), None),
            "the service worker's registration id",
        )
        origin = str(server.make_url("/")).rstrip("/")
        await cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": origin, "registrationId": reg["registrationId"], "data": json.dumps(payload),
        })  # fmt: skip

        async def shown() -> list[str]:
            return [n for n in await page.evaluate(NOTIFICATIONS) if created["tracking_code"] in n]

        (note,) = await _wait(shown, "the notification")
        assert note.startswith("Biriminize yeni talep")
        assert "Ayşe" not in note and "boru" not in note

        # the list shows it; the page fits 390 px
        await page.reload()
        await page.wait_for_selector("body[data-hazir='1']")
        await expect(page.locator(f"a[data-talep='{created['id']}']").first).to_contain_text(
            created["tracking_code"]
        )
        assert await page.evaluate(OVERFLOW) <= 0
        await page.screenshot(path=str(SHOTS / "phone_app_list.png"), full_page=True)

        # open it, lose the network, write a note: it waits in the outbox
        await page.locator(f"a[data-talep='{created['id']}']").first.click()
        await page.wait_for_selector("body[data-hazir='1']")
        assert await page.evaluate(OVERFLOW) <= 0
        await context.set_offline(True)
        await expect(page.locator("#ag")).to_contain_text("Çevrimdışı")
        await expect(page.locator("#ag")).to_contain_text("son güncelleme")
        await page.fill("#not-metin", "Ekip sahada, vana kapatıldı.")
        await page.click("form.act >> text=Notu kaydet")
        await expect(page.locator("#sira")).to_contain_text("1 işlem gönderilmeyi bekliyor")
        await page.screenshot(path=str(SHOTS / "phone_app_offline.png"), full_page=True)
        assert await page.evaluate(OVERFLOW) <= 0

        def notes() -> list[Message]:
            with hub.db.reader() as s:
                return list(s.exec(select(Message).where(
                    Message.request_id == created["id"], Message.direction == "note")).all())  # fmt: skip

        await asyncio.sleep(0.3)
        assert notes() == []
        # a cached page still opens offline
        await page.goto(str(server.make_url("/ui/uygulama/")))
        await expect(page.locator(f"a[data-talep='{created['id']}']").first).to_be_visible()

        await context.set_offline(False)
        await page.goto(str(server.make_url(f"/ui/uygulama/talep/{created['id']}")))
        stored = await _wait(notes, "the queued note to be stored")
        await expect(page.locator(".msg-note")).to_contain_text("vana kapatıldı")
        await page.screenshot(path=str(SHOTS / "phone_app_request.png"), full_page=True)
        # another load sends nothing twice
        await page.reload()
        await page.wait_for_selector("body[data-hazir='1']")
        await asyncio.sleep(0.3)
        assert len(notes()) == 1 and stored[0].external_id.startswith("app:")
        assert await page.evaluate("TalepOutbox.all().then(a => a.length)") == 0

        # işleme al while offline, sent on the "online" event without a reload
        await context.set_offline(True)
        await page.click("#ilerle")
        await expect(page.locator("#sira")).to_contain_text("bekliyor")
        await context.set_offline(False)

        def status() -> str:
            with hub.db.reader() as s:
                return s.get(Request, created["id"]).status

        await _wait(lambda: status() == "in_progress", "işleme al to arrive")
        await context.close()
    with hub.db.reader() as s:
        rows = s.exec(select(Outbox).where(Outbox.request_id == created["id"], Outbox.kind == "push")).all()
    assert [r.status for r in rows] == ["done"]
