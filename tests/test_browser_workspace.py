"""The live workspace in a real browser (Debian's chromium through Playwright).

- A citizen sends the web form (/basvuru); the request appears in an agent's open queue within
  2 s without a reload, the tab title counts it; a dropped live connection resumes from its last
  event id and loses nothing.
- Shortcuts: j/k move, ? lists them, / searches, c claims, Enter opens, r and f go to the forms.
- A claimed request shows its holder to a second agent (and that the first has it open); the
  second cannot reply until they take it over ("Devral").
- On PostgreSQL: two hub processes; the form goes to one, the queue is open on the other.

Screenshots go to HUB_SCREENSHOT_DIR (default /tmp): workspace_queue.png, workspace_live.png,
workspace_help.png, workspace_detail_holder.png, workspace_detail_refused.png, workspace_pg_queue.png.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from tests.browser_support import SHOTS, chromium, log_in, needs_chromium
from tests.conftest import using_postgres

pytestmark = needs_chromium
LIVE_LIMIT_MS = 2000


@pytest.fixture
def settings(settings_factory):  # noqa: ANN001, ANN201
    # a fast heartbeat, so that "open by" shows within a second or two
    return settings_factory(claim_heartbeat_seconds=1.0, claim_lease_seconds=120.0, live_poll_seconds=5.0)


async def login(page, base: str, username: str) -> None:  # noqa: ANN001
    """Signed in at ``base`` (a hub process's URL), on the queue with its script running."""
    await log_in(page, base, username, path="/ui/", wait_url=None)
    await page.wait_for_selector("#kuyruk")
    await page.wait_for_selector("html[data-js=hazir]", state="attached")


async def citizen_submits(page, base: str, text: str) -> str:  # noqa: ANN001
    """The citizen's web form, as a person fills it; returns the tracking code."""
    from playwright.async_api import expect

    await page.goto(base + "/basvuru")
    await page.select_option("#tur", "sikayet")
    await page.fill("#aciklama", text)
    await page.select_option("#ilce", "Talas")
    await page.fill("#ad_soyad", "Zeynep Demir")
    await page.fill("#telefon", "0532 111 22 33")
    await page.check("#kvkk_onay")
    await page.click("button[type=submit]")
    await expect(page.locator("h1")).to_have_text("Başvurunuz alındı")
    return (await page.locator("#takip-no").inner_text()).strip()


async def wait_live(page) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    await expect(page.locator("#canli")).to_have_attribute("data-durum", "acik", timeout=5000)


async def test_live_queue_shortcuts_and_claims(server) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    base = str(server.make_url("")).rstrip("/")
    async with chromium() as browser:
        agent_ctx = await browser.new_context(viewport={"width": 1500, "height": 950}, locale="tr-TR")
        citizen_ctx = await browser.new_context(viewport={"width": 1000, "height": 1300}, locale="tr-TR")
        agent = await agent_ctx.new_page()
        citizen = await citizen_ctx.new_page()
        await login(agent, base, "agent")
        await wait_live(agent)
        title = await agent.title()
        await agent.screenshot(path=str(SHOTS / "workspace_queue_empty.png"))

        # 1. The citizen's form → the open queue, within 2 s, no reload.
        marker = await agent.evaluate("() => (window.__notReloaded = 1)")
        code = await citizen_submits(citizen, base, "Talas'ta sokağımızda çöpler üç gündür toplanmadı, koku var.")
        started = time.monotonic()
        row = agent.locator("#kuyruk tbody tr", has_text=code)
        await expect(row).to_be_visible(timeout=LIVE_LIMIT_MS)
        took = time.monotonic() - started
        assert took < LIVE_LIMIT_MS / 1000, took
        assert await agent.evaluate("() => window.__notReloaded") == marker  # the same page
        await expect(row).to_have_class("yeni")
        await expect(agent).to_have_title(f"(1) {title}")
        await expect(agent.locator("#toplam b")).to_have_text("1")
        await expect(agent.locator("#yeni-bildirim")).to_have_text("1 yeni talep")
        await agent.screenshot(path=str(SHOTS / "workspace_live.png"))

        # 2. A dropped connection: what happened meanwhile arrives on reconnect.
        await agent.evaluate("() => window.talepCanli.kes()")
        missed = (await (await server.post("/api/v1/requests", json={
            "text": "Talas Mevlana mahallesinde parktaki salıncak kırık.", "channel": "phone",
            "contact": {"name": "Ali Veli", "phone": "0533 222 33 44"}})).json())["tracking_code"]  # fmt: skip
        await agent.wait_for_timeout(700)
        await expect(agent.locator("#kuyruk tbody tr", has_text=missed)).to_have_count(0)
        await agent.evaluate("() => window.talepCanli.bagla()")
        await expect(agent.locator("#kuyruk tbody tr", has_text=missed)).to_be_visible(timeout=LIVE_LIMIT_MS)
        await expect(agent).to_have_title(f"(2) {title}")

        # 3. Shortcuts.
        await agent.keyboard.press("?")
        await expect(agent.locator("dialog#kisayollar")).to_be_visible()
        await expect(agent.locator("dialog#kisayollar")).to_contain_text("Üstlen")
        await agent.screenshot(path=str(SHOTS / "workspace_help.png"))
        await agent.keyboard.press("Escape")
        await expect(agent.locator("dialog#kisayollar")).to_be_hidden()
        await agent.keyboard.press("/")
        await expect(agent.locator("#ara")).to_be_focused()
        await agent.keyboard.press("Escape")
        await agent.keyboard.press("j")
        first = agent.locator("#kuyruk tbody tr").nth(0)
        await expect(first).to_have_class("secili")
        await agent.keyboard.press("j")
        await expect(agent.locator("#kuyruk tbody tr").nth(1)).to_have_class("secili")
        await agent.keyboard.press("k")
        await expect(first).to_have_class("secili")
        assert missed in await first.inner_text()  # newest first
        await agent.keyboard.press("j")  # the citizen's request
        await agent.keyboard.press("c")
        await expect(agent.locator("#bildirim")).to_contain_text("üstlenildi")
        await expect(row.locator(".holder")).to_contain_text("Demo Çağrı Merkezi Personeli", timeout=LIVE_LIMIT_MS)
        await agent.screenshot(path=str(SHOTS / "workspace_queue.png"))
        await agent.keyboard.press("Enter")
        await expect(agent.locator("h1")).to_contain_text(code)
        await expect(agent.locator("#ustlenen")).to_contain_text("Bu talebi siz üstlendiniz")
        await expect(agent.locator("html")).to_have_attribute("data-js", "hazir")
        await agent.keyboard.press("r")
        await expect(agent.locator("#metin")).to_be_focused()
        await agent.keyboard.press("Escape")
        await agent.keyboard.press("f")
        await expect(agent.locator('form[action$="/ilet"] select[name=birim]')).to_be_focused()

        # 4. A second agent sees the holder and that the page is open; cannot reply without Devral.
        sup_ctx = await browser.new_context(viewport={"width": 1500, "height": 1100}, locale="tr-TR")
        sup = await sup_ctx.new_page()
        await login(sup, base, "supervisor")
        await sup.locator("#kuyruk tbody tr", has_text=code).locator("a").first.click()
        await expect(sup.locator("#ustlenen")).to_contain_text(
            "Demo Çağrı Merkezi Personeli tarafından üstlenildi")
        await expect(sup.locator("#acik-olanlar")).to_have_text(
            "Bu talep şu an Demo Çağrı Merkezi Personeli tarafından açık.", timeout=4000)
        await expect(sup.locator("#devral")).to_be_visible()
        await sup.screenshot(path=str(SHOTS / "workspace_detail_holder.png"))
        # and the agent, whose page stays open, is told the supervisor has it open too
        await expect(agent.locator("#acik-olanlar")).to_contain_text("Demo Birim Sorumlusu", timeout=4000)
        await sup.fill("#metin", "Ekiplerimiz yönlendirildi.")
        await sup.click("#cevap-gonder")
        await expect(sup.locator("#hata")).to_contain_text("Devral")
        await expect(sup.locator("#metin")).to_have_value("Ekiplerimiz yönlendirildi.")  # nothing typed is lost
        await sup.screenshot(path=str(SHOTS / "workspace_detail_refused.png"), full_page=False)
        await sup.click("#devral")
        await expect(sup.locator(".alert.ok")).to_contain_text("devraldınız")
        await expect(sup.locator("#ustlenen")).to_contain_text("Bu talebi siz üstlendiniz")
        await sup.fill("#metin", "Ekiplerimiz yönlendirildi.")
        await sup.click("#cevap-gonder")
        await expect(sup.locator(".alert.ok")).to_contain_text("Cevap kaydedildi")


async def test_two_hub_processes_on_postgres(tmp_path, database_url) -> None:  # noqa: ANN001
    """Submitted through one process's web form, seen live in the other's queue."""
    if not using_postgres():
        pytest.skip("LISTEN/NOTIFY across processes: PostgreSQL pass only (HUB_TEST_DB=postgres)")
    from playwright.async_api import expect

    from hub.db import Database, migrate
    from hub.demo import _users
    from tests.hub_procs import HubProc, Receiver, hub_env, start_all, stop_all, write_rules

    migrate(database_url)
    db = Database(database_url)
    try:
        with db.session() as s:
            from hub.models import Department

            if s.get(Department, "kaski") is None:
                s.add(Department(code="kaski", name="KASKİ Genel Müdürlüğü"))
        _users(SimpleNamespace(db=db))
    finally:
        db.dispose()
    receiver = Receiver()
    url = await receiver.start()
    rules = write_rules(tmp_path / "rules.yaml", url)
    procs = []
    for name in ("a", "b"):
        data = tmp_path / name
        data.mkdir()
        procs.append(HubProc(name, hub_env(database_url, data, rules, claim_heartbeat_seconds=1), tmp_path))
    try:
        await start_all(procs)
        a, b = procs
        async with chromium() as browser:
            agent = await (await browser.new_context(viewport={"width": 1500, "height": 900}, locale="tr-TR")).new_page()
            citizen = await (await browser.new_context(locale="tr-TR")).new_page()
            await login(agent, b.url, "agent")
            await wait_live(agent)
            title = await agent.title()
            code = await citizen_submits(citizen, a.url, "Talas'ta ana caddede su borusu patladı, yol su altında.")
            started = time.monotonic()
            row = agent.locator("#kuyruk tbody tr", has_text=code)
            await expect(row).to_be_visible(timeout=LIVE_LIMIT_MS)
            assert time.monotonic() - started < LIVE_LIMIT_MS / 1000
            await expect(agent).to_have_title(f"(1) {title}")
            await agent.screenshot(path=str(SHOTS / "workspace_pg_queue.png"))

            # B's listening connection is cut (as by a database restart): it reconnects and
            # catches up on what was committed meanwhile through A.
            from sqlalchemy import create_engine, text

            eng = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1)
                                if database_url.startswith("postgresql://") else database_url)  # fmt: skip
            with eng.connect() as c:
                cut = c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE application_name = 'talep-hub live'")).fetchall()  # fmt: skip
                c.commit()
            eng.dispose()
            assert cut, "each process listens on a connection of its own"
            code2 = await citizen_submits(citizen, a.url, "Talas Mevlana mahallesinde sokak lambası yanmıyor.")
            await expect(agent.locator("#kuyruk tbody tr", has_text=code2)).to_be_visible(timeout=LIVE_LIMIT_MS + 6000)
    except Exception as exc:  # say what the hub processes logged
        tails = "\n".join(f"--- {p.name}:\n{p.log_tail(30)}" for p in procs)
        raise AssertionError(f"{type(exc).__name__}: {exc}\n{tails}") from exc
    finally:
        stop_all(procs)
        await receiver.close()
