"""A shared phone (Chromium, 390 px): the phone app says notifications are on only when the hub
has this browser registered for the user signed in. User A turns them on and signs out; user B
signs in on the same browser and is told they are off (the browser still holds A's
subscription: the sign-out removed it on the hub only), turns them on for himself, and signs
out of the app, which ends the browser's subscription too.

Headless Chromium has no push service, and PushManager.subscribe() never settles there. An init
script stands in for the browser's PushManager: it keeps one subscription per origin in
localStorage, which survives sign-outs and reloads exactly as the browser's own does."""

from __future__ import annotations

import json

from sqlmodel import select

from hub.models import User
from hub.models_push import PushSubscription
from tests.browser_support import SHOTS, chromium, log_in, needs_chromium, page_errors
from tests.push_support import BrowserKeys, push_service  # noqa: F401  (fixture)

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
SETTINGS = "/ui/uygulama/ayarlar"
FAKE_PUSH_MANAGER = """
(() => {
  const KEY = "test-push-subscription", N = KEY + "-n", made = %s;
  const bytes = (b64) => Uint8Array.from(atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) %% 4)),
                                         (c) => c.charCodeAt(0)).buffer;
  const wrap = (d) => ({
    endpoint: d.endpoint, expirationTime: null, options: { userVisibleOnly: true },
    getKey: (name) => bytes(d[name]),
    toJSON: () => ({ endpoint: d.endpoint, keys: { p256dh: d.p256dh, auth: d.auth } }),
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.getSubscription = async function () {
    const kept = localStorage.getItem(KEY);
    return kept ? wrap(JSON.parse(kept)) : null;
  };
  PushManager.prototype.subscribe = async function () {
    const n = Number(localStorage.getItem(N) || "0") + 1;
    localStorage.setItem(N, String(n));
    const d = { ...made, endpoint: made.endpoint + n };
    localStorage.setItem(KEY, JSON.stringify(d));
    return wrap(d);
  };
})();
"""
BROWSER_HOLDS = "localStorage.getItem('test-push-subscription') && JSON.parse(localStorage.getItem('test-push-subscription')).endpoint"


def registered(hub) -> dict[str, str]:  # noqa: ANN001
    """endpoint → username of every subscription the hub has."""
    with hub.db.reader() as s:
        rows = s.exec(
            select(PushSubscription.endpoint, User.username).join(User, User.id == PushSubscription.user_id)
        )
        return dict(rows.all())


async def open_settings(page, server) -> None:  # noqa: ANN001
    await page.goto(str(server.make_url(SETTINGS)))
    await page.wait_for_selector("body[data-hazir='1']")


async def test_next_user_of_a_shared_phone_is_told_notifications_are_off(server, hub, push_service) -> None:  # noqa: ANN001, F811, E501
    from playwright.async_api import expect

    keys = BrowserKeys()
    made = {"endpoint": push_service.url("/push/telefon-"), "p256dh": keys.p256dh, "auth": keys.auth}
    async with chromium() as browser:
        context = await browser.new_context(viewport=PHONE, locale="tr-TR", is_mobile=True, has_touch=True)
        await context.grant_permissions(["notifications"], origin=str(server.make_url("/")).rstrip("/"))
        await context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(made))
        page = await context.new_page()
        problems = page_errors(page)
        box, state = page.locator("#abonelik"), page.locator("#abonelik-durum")

        # A (a KASKİ field user) turns notifications on
        await log_in(page, server, "kaski", path=SETTINGS, wait_url=f"**{SETTINGS}")
        await page.wait_for_selector("body[data-hazir='1']")
        await expect(state).to_have_text("Bu telefonda bildirimler kapalı.")
        await page.click("#ac")
        await expect(state).to_have_text("Bu telefonda bildirimler açık.")
        first = push_service.url("/push/telefon-1")
        assert registered(hub) == {first: "kaski"}

        # A signs out from a staff page (a plain form: no script of the app runs there). The hub
        # removes the subscription; the browser keeps it.
        await page.goto(str(server.make_url("/ui/")))
        await page.locator("header.top button", has_text="Çıkış").click()
        await page.wait_for_url("**/ui/giris")
        assert registered(hub) == {}
        assert await page.evaluate(BROWSER_HOLDS) == first

        # B signs in on the same phone: off, with the button to turn them on, and nothing to turn off
        await log_in(page, server, "agent", path=SETTINGS, wait_url=f"**{SETTINGS}")
        await page.wait_for_selector("body[data-hazir='1']")
        await expect(state).to_have_text("Bu telefonda bildirimler kapalı.")
        await expect(box).to_have_attribute("data-durum", "off")
        await expect(page.locator("#ac")).to_be_visible()
        await expect(page.locator("#kapa")).to_be_hidden()
        assert await page.evaluate(BROWSER_HOLDS) == first, "the browser still holds A's subscription"
        await page.screenshot(path=str(SHOTS / "phone_app_push_next_user.png"), full_page=True)

        # B turns them on: a subscription of his own, not A's old endpoint
        await page.click("#ac")
        await expect(state).to_have_text("Bu telefonda bildirimler açık.")
        second = push_service.url("/push/telefon-2")
        assert registered(hub) == {second: "agent"}
        await open_settings(page, server)  # still on after a reload, as the hub confirms it
        await expect(box).to_have_attribute("data-durum", "on")
        await expect(page.locator("#kapa")).to_be_visible()

        # B signs out of the app: the browser's subscription ends with it
        await page.click("form.logout button")
        await page.wait_for_url("**/ui/giris")
        assert registered(hub) == {}
        assert await page.evaluate(BROWSER_HOLDS) is None

        # A again: off
        await log_in(page, server, "kaski", path=SETTINGS, wait_url=f"**{SETTINGS}")
        await page.wait_for_selector("body[data-hazir='1']")
        await expect(box).to_have_attribute("data-durum", "off")
        await expect(state).to_have_text("Bu telefonda bildirimler kapalı.")
        assert problems == []
        await context.close()
