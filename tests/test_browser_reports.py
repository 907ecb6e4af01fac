"""Reports in a real browser (Debian's chromium): a KASKİ user opens every report and sees only
KASKİ's figures, also after putting another department into the address; a supervisor sees
both departments, pages the mahalle needs and downloads the XLSX from the page's own link."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp.test_utils import TestClient
from openpyxl import load_workbook

from hub.reports import catalog
from tests.browser_support import DESKTOP, SHOTS, chromium, hub_server, log_in, needs_chromium, page_errors
from tests.reports_support import RANGE, seed

pytestmark = needs_chromium
KASKI = "KASKİ Genel Müdürlüğü"
FEN = "Fen İşleri Daire Başkanlığı"


@pytest_asyncio.fixture
async def server(hub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    """The demo staff and the reports' seeded requests; the pages are read as staff, no API key."""
    async with hub_server(hub, seed=seed, admin_key=False) as client:
        yield client


async def test_department_user_sees_only_their_department_in_reports(server) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    query = "baslangic={baslangic}&bitis={bitis}".format(**RANGE)
    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        errors = page_errors(page)
        await log_in(page, server, "kaski")
        await page.goto(str(server.make_url("/ui/raporlar")))
        await expect(page.locator("h1")).to_have_text("Raporlar")
        await expect(page.locator(".report-list section")).to_have_count(len(catalog.REPORTS))
        await page.click("#rapor-performans h2 a")
        await page.wait_for_url("**/ui/raporlar/performans*")
        for slug in catalog.REPORTS:
            await page.goto(str(server.make_url(f"/ui/raporlar/{slug}?{query}&birim=fen-isleri")))
            tables = page.locator("table.report")
            await expect(tables.first).to_be_visible()
            text = " ".join(await tables.all_inner_texts())
            assert FEN not in text and "Mevlana" not in text, slug
            birim = page.locator("#f-birim")
            await expect(birim).to_be_disabled()
            await expect(birim.locator("option")).to_have_count(1)
            await expect(birim.locator("option")).to_have_text(KASKI)
        await page.goto(str(server.make_url(f"/ui/raporlar/performans?{query}")))
        row = page.locator("#t-birimler tbody tr").first
        await expect(row.locator("td").first).to_have_text(KASKI)
        await page.screenshot(
            path=str(SHOTS / "reports_department_performance_kaski.png"), full_page=True
        )

        # a supervisor sees both, and the page's own XLSX link holds the same table
        await page.context.clear_cookies()
        await log_in(page, server, "supervisor")
        await page.goto(str(server.make_url(f"/ui/raporlar/muhtar?{query}")))
        birim = page.locator("#t-birim")
        await expect(birim).to_contain_text(KASKI)
        await expect(birim).to_contain_text(FEN)
        await page.screenshot(path=str(SHOTS / "reports_muhtar_quarterly.png"), full_page=True)
        async with page.expect_download() as info:
            await page.click("#indir a.button")
        wb = load_workbook(io.BytesIO(open(await (await info.value).path(), "rb").read()))  # noqa: ASYNC230, SIM115
        assert wb.sheetnames == ["Özet", "İlçe", "Mahalle", "Birim", "Tür", "Filtre"]
        assert wb["Özet"]["A2"].value == "2026Q1" and wb["Özet"].freeze_panes == "A2"
        await page.goto(str(server.make_url(f"/ui/raporlar/mahalle?{query}")))
        await page.click("a[rel=next]")
        await expect(page.locator("#t-mahalleler tbody tr").first.locator("td").first).to_have_text("51")
        await page.screenshot(path=str(SHOTS / "reports_mahalle_needs_page2.png"), full_page=True)
        assert errors == []
