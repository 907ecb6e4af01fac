"""/ui/panolar in a real browser (Debian's Chromium): every chart is drawn by Chart.js (served
by the hub from hub/static/vendor) under the hub's Content-Security-Policy with no console
error; a department user's charts hold their department only; without the library the page
shows its tables, still without an error. Screenshots go to HUB_SCREENSHOT_DIR."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from hub.ui import dashboards_page
from tests.browser_support import SHOTS, chromium, hub_server, log_in, needs_chromium, page_errors
from tests.dashboard_seed import MARCH_QUERY, seed

pytestmark = [
    needs_chromium,
    pytest.mark.skipif(
        not dashboards_page.vendor_ready(), reason="chart library not installed: run scripts/install.sh"
    ),
]

# for every chart box on the page: drawn by Chart.js, and its canvas has painted pixels
CHARTS_STATE = """() => [...document.querySelectorAll('.chart-box[data-chart]')].map((box) => {
  const canvas = box.querySelector('canvas');
  const chart = window.Chart && window.Chart.getChart(canvas);
  const g = canvas.getContext('2d');
  const pixels = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4 * 7) if (pixels[i]) painted += 1;
  return {id: box.dataset.chart, chart: !!chart, hidden: box.hidden, width: canvas.width, painted,
          labels: chart ? chart.data.labels : [], series: chart ? chart.data.datasets.map((d) => d.label) : []};
})"""


@pytest_asyncio.fixture
async def server(hub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    """The demo staff and the dashboards' seeded March; the pages are read as staff, no API key."""
    async with hub_server(hub, seed=seed, admin_key=False) as client:
        yield client


async def _open(browser: Any, server: TestClient, username: str, path: str) -> tuple[Any, list[str]]:
    """A signed-in page at ``path`` and the list its console errors and page errors go to."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="tr-TR")
    page = await context.new_page()
    problems = page_errors(page)
    await log_in(page, server, username)
    await page.goto(str(server.make_url(path)))
    return page, problems


async def test_every_chart_is_drawn_without_console_errors(server) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    async with chromium() as browser:
        page, problems = await _open(browser, server, "supervisor", f"/ui/panolar?{MARCH_QUERY}")
        await expect(page.locator("html")).to_have_attribute("data-grafik", "hazir")
        state = await page.evaluate(CHARTS_STATE)
        ids = {s["id"] for s in state}
        assert ids >= {"giris-kanal", "giris-konu", "sure-durumu", "zamaninda-birim", "medyan-birim",
                       "zamaninda-ay", "medyan-ay", "mahalle-ihtiyac", "temsilci-is", "inceleme-kuyrugu",
                       "siniflandirici"}  # fmt: skip
        for s in state:
            assert s["chart"] and not s["hidden"] and s["width"] > 100 and s["painted"] > 50, s
        by_id = {s["id"]: s for s in state}
        assert by_id["giris-kanal"]["series"] == ["Telefon (153)", "Web formu", "E-posta", "WhatsApp"]
        assert len(by_id["giris-kanal"]["labels"]) == 31
        # the numbers are one click away under every chart
        details = page.locator("#giris-kanal details")
        await details.locator("summary").click()
        await expect(details.locator("tbody tr").first).to_contain_text("01.03.2026")
        await expect(page.locator("#mahalle-ihtiyac table")).to_contain_text("Esentepe")
        await page.screenshot(path=str(SHOTS / "ui_dashboards.png"), full_page=True)
        # a preset keeps the page working (the seeded March is outside the last 30 days: empty charts)
        await page.click(".presets >> text=30 gün")
        await page.wait_for_url("**/ui/panolar?gun=30")
        await expect(page.locator("html")).to_have_attribute("data-grafik", "hazir")
        assert problems == []


async def test_department_user_charts_hold_their_department_only(server) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    async with chromium() as browser:
        page, problems = await _open(
            browser, server, "kaski", f"/ui/panolar?{MARCH_QUERY}&birim=fen-isleri"
        )
        await expect(page.locator("html")).to_have_attribute("data-grafik", "hazir")
        await expect(page.locator("#aralik")).to_contain_text(
            "Yalnızca KASKİ biriminin rakamları gösterilir."
        )
        await expect(page.locator("select[name=birim]")).to_be_disabled()
        by_id = {s["id"]: s for s in await page.evaluate(CHARTS_STATE)}
        assert by_id["sure-durumu"]["labels"] == ["KASKİ"]
        assert by_id["zamaninda-birim"]["labels"] == ["KASKİ"]
        assert by_id["giris-kanal"]["series"] == ["Telefon (153)", "Web formu", "WhatsApp"]
        assert all(by_id[c]["chart"] and by_id[c]["painted"] for c in by_id)
        await expect(page.locator("#temsilci-is")).not_to_contain_text("Bora Temsilci")
        await page.screenshot(path=str(SHOTS / "ui_dashboards_department.png"), full_page=True)
        assert problems == []


async def test_without_the_library_the_tables_show_and_nothing_fails(server, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    monkeypatch.setattr(dashboards_page, "VENDOR_FILES", {"chart.umd.js": tmp_path / "missing.js"})
    async with chromium() as browser:
        page, problems = await _open(browser, server, "supervisor", f"/ui/panolar?{MARCH_QUERY}")
        await expect(page.locator("html")).to_have_attribute("data-grafik", "yok")
        await expect(page.locator("#grafik-durumu")).to_contain_text(
            "Grafik kitaplığı bu sunucuda kurulu değil"
        )
        await expect(page.locator("#giris-kanal table")).to_be_visible()
        await expect(page.locator("#giris-kanal .chart-box")).to_be_hidden()
        assert problems == []
