"""A supervisor changes routing in a real browser: adds a rule with the rule builder, reviews the check
and the backtest's department moves, activates it with a comment, and the next request follows it.
The rule file keeps every comment and the version diff shows only the added lines.

Uses Debian's chromium (scripts/ensure-chromium.sh installs it); Playwright never downloads a browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.rules import edit
from tests.browser_support import DESKTOP, SHOTS, chromium, log_in, needs_chromium, page_errors
from tests.conftest import ROOT

pytestmark = needs_chromium
BUILDER = "/ui/kurallar/duzenleyici"

ASANSOR_TEXTS = [
    "Apartmanımızdaki asansör iki gündür çalışmıyor, yaşlı komşularımız merdiven çıkamıyor.",
    "Hizmet binasındaki asansör arızalı, engelli vatandaşlar üst kata çıkamıyor.",
    "Kent meydanındaki asansör yine bozuk, kimse ilgilenmiyor.",
]


def _comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@pytest.fixture
def settings(settings_factory, tmp_path: Path):  # noqa: ANN001, ANN201
    """The hub's rule file is a copy of the shipped one, so activation may write it."""
    rules = tmp_path / "routing_rules.yaml"
    shutil.copyfile(ROOT / "routing_rules.yaml", rules)
    return settings_factory(rules_file=rules)


async def test_supervisor_adds_reviews_and_activates_a_rule(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    shipped = Path(hub.settings.rules_file).read_text(encoding="utf-8")
    earlier = [
        await (await server.post("/api/v1/requests", json={"text": t, "channel": "webform"})).json()
        for t in ASANSOR_TEXTS
    ]
    now_at = {r["department"] for r in earlier}
    target = next(d for d in ("imar", "zabita", "saglik-isleri") if d not in now_at)
    entries = edit.list_rules(shipped)
    position = next(e.index for e in entries if not e.cont)  # before the first rule that decides

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        errors = page_errors(page)
        await log_in(page, server, "supervisor", path=BUILDER, wait_url=None)
        await expect(page.locator("h1")).to_have_text("Kural düzenleyici")
        await expect(page.locator("#kural-listesi tbody tr")).to_have_count(len(entries))
        await expect(page.locator("html")).to_have_attribute("data-rb", "hazir")
        await page.screenshot(path=str(SHOTS / "ui_rule_builder_list.png"), full_page=True)

        await page.click("#yeni-kural")
        await expect(page.locator("h1")).to_have_text("Yeni kural")
        await expect(page.locator("html")).to_have_attribute("data-rb", "hazir")
        # rows come and go in the page itself (the page is not reloaded)
        await page.evaluate("window.ayniSayfa = true")
        await page.select_option('select[data-yeni="0"]', "channel")
        await page.click('button[data-ekle="0"]')
        await expect(page.locator('[data-path="0-1"][data-alan="channel"]')).to_be_visible()
        await page.click('button[data-kaldir="0-1"]')
        await expect(page.locator('[data-path="0-1"]')).to_have_count(0)
        assert await page.evaluate("window.ayniSayfa === true")

        await page.fill("#tanim", "Asansör arızaları")
        await page.fill("#kimlik", "asansor")
        await page.select_option("#konum", str(position))
        await page.fill('input[name="k_0-0_deger"]', "asansör")
        await page.select_option("#birim", target)
        await page.fill("#etiketler", "asansor")
        await page.screenshot(path=str(SHOTS / "ui_rule_builder_form.png"), full_page=True)
        await page.click("#kaydet")

        await expect(page.locator(".alert.ok")).to_contain_text("«asansor» kuralı taslağa eklendi")
        row = page.locator("#kural-listesi tbody tr").nth(position)
        await expect(row).to_contain_text("asansor")
        await expect(row).to_contain_text("«asansör»")

        await page.click("#kontrol-dene")
        await expect(page.locator("#kontrol-sonucu h2")).to_have_text("Kurallar geçerli")
        moves = page.locator("#birim-degisiklikleri")
        await expect(moves).to_contain_text(target)
        await expect(moves.locator(f'a[href="/ui/talep/{earlier[0]["id"]}"]')).to_have_count(1)
        await page.screenshot(path=str(SHOTS / "ui_rule_builder_review.png"), full_page=True)
        await page.fill("#aciklama", "Asansör şikâyetleri tek birimde toplansın.")
        await page.click("#etkinlestir")
        await expect(page.locator(".alert.ok")).to_contain_text("Kurallar etkinleştirildi")

        diff = await page.locator("#surumler pre.diff").first.text_content()
        changed = [ln for ln in diff.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")]
        assert "+  - id: asansor" in changed
        assert all(ln.startswith("+") for ln in changed), diff
        await expect(page.locator("#surumler")).to_contain_text(
            "Asansör şikâyetleri tek birimde toplansın."
        )
        assert errors == []

    created = await (await server.post("/api/v1/requests", json={
        "text": "Sokağımızdaki asansör yine çalışmıyor.", "channel": "webform"})).json()  # fmt: skip
    assert created["department"] == target

    active = hub.rules.status()["source"]
    assert [e.id for e in edit.list_rules(active)][position] == "asansor"
    assert _comments(active) == _comments(shipped)
    on_disk = Path(hub.settings.rules_file).read_text(encoding="utf-8")
    assert _comments(on_disk) == _comments(shipped)  # every comment of the untouched rules is kept
    assert on_disk == active  # the rules file holds what was activated: a restart keeps it


async def test_drag_and_buttons_reorder_disable_and_delete(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    ids = [e.id for e in edit.list_rules(hub.rules.status()["source"])]
    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        await log_in(page, server, "supervisor", path=BUILDER, wait_url=None)
        await expect(page.locator("html")).to_have_attribute("data-rb", "hazir")
        rows = page.locator("#kural-listesi tbody tr")
        await rows.nth(3).drag_to(rows.nth(1))
        await expect(page.locator(".alert.ok")).to_contain_text(f"«{ids[3]}» 2. sıraya taşındı")
        await expect(rows.nth(1)).to_have_attribute("data-id", ids[3])

        await rows.nth(1).get_by_role("button", name=f"{ids[3]} kuralını yukarı taşı").click()
        await expect(rows.nth(0)).to_have_attribute("data-id", ids[3])
        await rows.nth(0).get_by_role("button", name="Devre dışı bırak").click()
        await expect(rows.nth(0)).to_contain_text("Devre dışı")

        page.once("dialog", lambda d: d.accept())
        await rows.nth(2).get_by_role("button", name="Sil").click()
        await expect(page.locator(".alert.ok")).to_contain_text("silindi")
        await expect(rows).to_have_count(len(ids) - 1)
        await expect(page.locator("#taslak-farki")).to_be_attached()
    assert [e.id for e in edit.list_rules(hub.rules.status()["source"])] == ids  # only a draft changed
