"""The model page in a real browser (Debian's chromium; Playwright never downloads one): a
supervisor reads the metrics, retrains, sees the new candidate appear when the training ends
(the page reloads itself meanwhile), compares it per topic, activates it and rolls back, with no
console errors under the hub's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from hub.actions import model as model_actions
from hub.learning import registry
from tests.browser_support import DESKTOP, SHOTS, chromium, hub_server, log_in, needs_chromium, page_errors
from tests.model_support import base_registry, model_hub

pytestmark = needs_chromium
WAIT_MS = 120_000  # generous: the training runs on a shared CI machine


@pytest.fixture
def mhub(settings_factory, tmp_path: Path):  # noqa: ANN001, ANN201
    h = model_hub(settings_factory, base_registry(tmp_path / "base"), tmp_path)
    yield h
    h.db.dispose()


@pytest_asyncio.fixture
async def server(mhub) -> AsyncIterator[TestClient]:  # noqa: ANN001
    """The demo staff on the model test hub, no API key; a training still running is awaited at the end."""
    async with hub_server(mhub, admin_key=False) as client:
        yield client
        await model_actions.wait_for_training(mhub)


async def test_supervisor_retrains_activates_and_rolls_back(server, mhub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    reg = registry(mhub)
    first = reg.active_version()
    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        problems = page_errors(page)
        await log_in(page, server, "supervisor")
        await page.click("nav >> text=Model")
        await expect(page.locator("h1")).to_have_text("Sınıflandırma modeli")
        await expect(page.locator("#etkin-surum")).to_have_text(first)
        await expect(page.locator("#etkin-f1")).to_contain_text("%")
        await expect(page.locator("#sinif-f1 tbody tr", has_text="Aydınlatma")).to_have_count(1)

        await page.click("#yeniden-egit")
        await expect(page.locator(".alert.ok")).to_contain_text("Eğitim başladı")
        # The page reloads itself while the training runs; the candidate row appears when it ends.
        candidate_row = page.locator("#modeller tbody tr", has_text="Aday")
        await expect(candidate_row).to_have_count(1, timeout=WAIT_MS)
        await expect(candidate_row).to_contain_text("Geçti")
        await expect(page.locator("#karsilastirma h2")).to_contain_text("Etkin model ile aday")
        row = page.locator("#sinif-f1 tbody tr", has_text="Temizlik")
        await expect(row.locator("td").nth(0)).to_contain_text("%")
        await expect(row.locator("td").nth(1)).to_contain_text("%")
        await expect(page.locator("#kapsam tbody tr")).to_have_count(8)
        candidate = await candidate_row.get_attribute("data-surum")
        await page.screenshot(path=str(SHOTS / "model-page.png"), full_page=True)

        await candidate_row.locator("input[name=not]").fill("düzeltmeler öğrenildi")
        await candidate_row.locator("button", has_text="Etkinleştir").click()
        await expect(page.locator(".alert.ok")).to_contain_text("etkinleştirildi")
        await expect(page.locator("#etkin-surum")).to_have_text(candidate)
        assert mhub.classifier.version == candidate
        await expect(page.locator("#model-olaylari tbody tr").first).to_contain_text(
            "düzeltmeler öğrenildi"
        )

        await page.click("#geri-al button")
        await expect(page.locator(".alert.ok")).to_contain_text("Önceki modele dönüldü")
        await expect(page.locator("#etkin-surum")).to_have_text(first)
        # Rolled back, it is a candidate again, and may be activated again later.
        back = page.locator("#modeller tbody tr", has_text=candidate)
        await expect(back).to_contain_text("Aday")
        await expect(back.locator("button", has_text="Etkinleştir")).to_have_count(1)
        assert mhub.classifier.version == first and reg.active_version() == first
    assert not problems, problems
