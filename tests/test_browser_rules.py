"""A supervisor on the rules page in a real browser: line numbers beside the YAML, a click on an error
selects its line, and a one-line edit (the browser submits CRLF) is tried, activated with a comment and
stored with a diff of exactly that line.

Uses Debian's chromium (scripts/ensure-chromium.sh installs it); Playwright never downloads a browser.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from hub.models import RulesVersion
from tests.browser_support import (
    DESKTOP,
    SHOTS,
    chromium,
    is_favicon_request,
    log_in,
    needs_chromium,
    page_errors,
)

pytestmark = needs_chromium


def _expected(msg: Any) -> bool:
    """Not the page's fault: the browser's /favicon.ico request (the hub has no icon), or the status of a
    page refused with 422 (rules with errors), which is the expected answer."""
    return is_favicon_request(msg) or "status of 422" in msg.text


async def test_line_numbers_errors_go_to_their_line_and_crlf_edits_diff_one_line(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    source = hub.rules.status()["source"]
    lines = source.split("\n")
    target = next(i for i, ln in enumerate(lines) if ln == "      department: kaski") + 1
    broken = source.replace("      department: kaski\n", "      department: KASKI_X\n", 1)
    edited = source.replace("  review_threshold: 0.55\n", "  review_threshold: 0.6\n", 1)

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        problems = page_errors(page, ignore=_expected)
        await log_in(page, server, "supervisor", path="/ui/kurallar", wait_url=None)
        await expect(page.locator("h1")).to_have_text("Yönlendirme kuralları")
        area = page.locator("#metin")
        await expect(area).to_have_attribute("data-satirlar", "hazir")
        gutter = page.locator("#satir-numaralari span")
        await expect(gutter).to_have_count(len(lines))
        await expect(gutter.nth(target - 1)).to_have_text(str(target))

        # An error is listed with its line; a click selects that line in the box.
        await area.fill(broken)
        await page.click("#kontrol-et")
        link = page.locator(f'#kural-hatalari a[data-line="{target}"]')
        await expect(link).to_contain_text(f"satır {target}")
        await expect(page.locator("#kural-hatalari")).to_contain_text("bilinmeyen birim: KASKI_X")
        await expect(page.locator("#satir-numaralari span").nth(target - 1)).to_have_class("err")
        await link.click()
        picked = await area.evaluate(
            "a => ({start: a.selectionStart, end: a.selectionEnd, focused: document.activeElement === a,"
            " selected: a.value.slice(a.selectionStart, a.selectionEnd), top: a.scrollTop})"
        )
        assert picked["focused"] and picked["selected"] == "      department: KASKI_X", picked
        assert picked["start"] == len("\n".join(lines[: target - 1])) + 1, picked
        assert picked["top"] > 0, picked  # the line is far down: the box scrolled to it
        await expect(page.locator("#satir-numaralari span").nth(target - 1)).to_have_class("err on")
        await page.screenshot(path=str(SHOTS / "ui_rules_error_line.png"))

        # A one-line edit: tried, activated with a comment.
        await area.fill(edited)
        await page.click("#dene")
        await expect(page.locator("#deneme-sonucu")).to_contain_text("Son 90 günde gelen")
        await expect(page.locator("#metin-degisti-uyarisi")).to_be_hidden()
        await page.fill("#aciklama", "İnceleme eşiği yüzde 60")
        await page.screenshot(path=str(SHOTS / "ui_rules_review.png"), full_page=True)
        await page.click("#etkinlestir")
        await expect(page.locator(".alert.ok")).to_have_text("Kurallar etkinleştirildi.")
        first = page.locator("#surumler tr").nth(1)
        await expect(first.locator("td.version-comment")).to_have_text("İnceleme eşiği yüzde 60")
        await first.locator("summary").click()
        diff = await first.locator("pre.diff").inner_text()

    changed = [ln for ln in diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == ["-  review_threshold: 0.55", "+  review_threshold: 0.6"], diff[:2000]
    with hub.db.reader() as s:
        row = s.exec(select(RulesVersion).order_by(RulesVersion.id.desc())).first()
    assert (
        row.active
        and "\r" not in row.text
        and row.text == edited
        and row.comment == "İnceleme eşiği yüzde 60"
    )
    assert not problems, problems
