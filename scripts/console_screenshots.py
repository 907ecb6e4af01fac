"""Screenshots of the supervisors' console for docs/ui.md, from the demo data: the rules page
with a check error, the backtest before activation, the rule builder, the model page and the
reports. (The dashboards have their own script: scripts/dashboard_screenshots.py.)

    .venv/bin/python scripts/console_screenshots.py [OUT_DIR]   (default docs/img)

Seeds a throw-away hub with the demo (SQLite in a temporary folder, with its own copy of the
rules file, since activation writes the file), serves it on a free loopback port and drives
Debian's Chromium as the demo supervisor."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


async def _part(page: Any, selector: str, path: Path) -> None:
    """Photograph the elements matching ``selector`` (their common box, full width)."""
    boxes = [await el.bounding_box() for el in await page.query_selector_all(selector)]
    boxes = [b for b in boxes if b]
    if not boxes:
        raise SystemExit(f"nothing matches {selector!r} on {page.url}")
    top = min(b["y"] for b in boxes)
    bottom = max(b["y"] + b["height"] for b in boxes)
    clip = {"x": 0, "y": max(0, top - 8), "width": 1280, "height": min(bottom - top + 16, 1800)}
    await page.screenshot(path=str(path), clip=clip, full_page=True)
    print(f"{path}  ({int(clip['height'])} px high)")


async def shoot(base: str, out: Path, rules_text: str) -> None:
    from playwright.async_api import async_playwright

    from tests.browser_support import ARGS, CHROMIUM

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="tr-TR")
            page = await ctx.new_page()
            await page.goto(f"{base}/ui/giris")
            await page.fill("#kullanici", "supervisor")
            await page.fill("#parola", "supervisor-demo")
            await page.click("button[type=submit]")
            await page.wait_for_url("**/ui/**")

            # a typo in a department code: the error at its line, the line selected
            await page.goto(f"{base}/ui/kurallar")
            await page.fill("#metin", rules_text.replace("department: kaski\n", "department: kaskii\n", 1))
            await page.click("#kontrol-et")
            await page.wait_for_selector("#kural-hatalari")
            await page.click("#kural-hatalari a.satira-git >> nth=0")
            await _part(page, "#kontrol-sonucu, #kural-formu", out / "console-rules-error.png")

            # a real change: the backtest's moves, then the activation form with its comment
            await page.goto(f"{base}/ui/kurallar")
            await page.fill(
                "#metin", rules_text.replace("department: kaski\n", "department: fen-isleri\n", 1)
            )
            await page.click("#dene")
            await page.wait_for_selector("#deneme-sonucu")
            await page.fill(
                "#aciklama", "Su arızaları bu hafta Fen İşleri ekiplerine gidiyor (KASKİ ile anlaşıldı)."
            )
            await _part(page, "#deneme-sonucu, #etkinlestirme", out / "console-rules-review.png")

            await page.goto(f"{base}/ui/kurallar/duzenleyici")
            await page.wait_for_selector("#kural-listesi")
            await _part(page, "main h1, #taslak-formu", out / "console-builder-list.png")
            await page.click("#yeni-kural")
            await page.wait_for_selector("#kural-formu")
            await _part(page, "#kural-formu", out / "console-builder-form.png")

            await page.goto(f"{base}/ui/model")
            await page.click("#yeniden-egit")
            await page.wait_for_selector("#son-egitim", timeout=180_000)
            await page.goto(f"{base}/ui/model")
            await _part(page, "main", out / "console-model.png")

            for slug in ("muhtar", "performans", "mahalle"):
                await page.goto(f"{base}/ui/raporlar/{slug}?gun=365")
                await _part(page, "main", out / f"console-report-{slug}.png")
        finally:
            await browser.close()


async def main(out: Path) -> None:
    from aiohttp import web
    from dashboard_screenshots import review_queue_work

    from hub import demo
    from hub.context import Hub
    from hub.settings import Settings

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "routing_rules.yaml"
        shutil.copyfile(ROOT / "routing_rules.yaml", rules)
        hub = Hub(Settings(data_dir=Path(tmp) / "data", demo=True, rules_file=rules))
        demo.seed(hub)
        review_queue_work(hub)  # corrections for the model page's waiting count
        runner = web.AppRunner(hub.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            await shoot(f"http://127.0.0.1:{port}", out, rules.read_text(encoding="utf-8"))
        finally:
            await runner.cleanup()
            hub.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"))
