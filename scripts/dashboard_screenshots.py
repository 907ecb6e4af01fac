"""Screenshots of the dashboards (/ui/panolar) for docs/ui.md, from the demo data.

    .venv/bin/python scripts/dashboard_screenshots.py [OUT_DIR]   (default docs/img)

Seeds a throw-away hub (SQLite in a temporary folder) with the demo (hub/demo.py), then lets
the demo agent review the requests waiting in the review queue the way an agent would, through
the actions layer: the topic the text is really about, and the mahalle the text names when the
classifier found none (the demo has no corrections of its own, and the classifier accuracy
chart reads them). Serves the hub on a free loopback port and photographs each part of the
page with Debian's Chromium, as a supervisor and as the KASKİ department user."""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the demo texts' subject (hub.demo.TEXTS keys) as taxonomy topics
TRUE_TOPIC = {
    "su": "su-kanalizasyon", "yol": "yol-altyapi", "temizlik": "temizlik", "park": "park-bahce",
    "zabita": "zabita", "ulasim": "ulasim", "veteriner": "veteriner", "sosyal": "sosyal-yardim",
    "aydinlatma": "aydinlatma", "imar": "imar",
}  # fmt: skip
SHOTS = [  # (file, selector of the part, user)
    ("dashboards-intake.png", "main > .pano-filtre, main > #ozet, main > section:nth-of-type(2)", "supervisor"),
    ("dashboards-deadlines.png", "section[aria-labelledby=baslik-sure]", "supervisor"),
    ("dashboards-mahalle.png", "section[aria-labelledby=baslik-mahalle]", "supervisor"),
    ("dashboards-quality.png", "section[aria-labelledby=baslik-personel], section[aria-labelledby=baslik-kalite]",
     "supervisor"),
    ("dashboards-department.png", "main > .pano-filtre, main > #ozet, section[aria-labelledby=baslik-sure]", "kaski"),
]  # fmt: skip


def _templates() -> list[tuple[str, re.Pattern[str]]]:
    from hub.demo import TEXTS

    out = []
    for key, texts in TEXTS.items():
        for text in texts:
            pattern = (
                re.escape(text).replace(re.escape("{mah}"), "(?P<mah>.+?)").replace(re.escape("{sok}"), ".+?")
            )
            out.append((key, re.compile("^" + pattern)))
    return out


def review_queue_work(hub: Any) -> int:
    """The demo agent reviews the requests flagged for review; returns how many changed."""
    from sqlmodel import select

    from classifier.locator import Locator
    from hub.actions import requests as ra
    from hub.auth import Actor
    from hub.models import Request, User

    templates = _templates()
    places: dict[str, str] = {}
    for p in Locator.default().places:
        places.setdefault(p.mahalle, p.ilce)
    changed = 0
    with hub.db.session() as session:
        agent = session.exec(select(User).where(User.username == "agent")).one()
        actor = Actor(f"user:{agent.id}", "agent", user_id=agent.id)
        flagged = session.exec(
            select(Request).where(Request.needs_review.is_(True)).order_by(Request.id)
        ).all()
        for req in flagged[:60]:
            match = next(((k, m) for k, rx in templates if (m := rx.match(req.text))), None)
            if match is None:
                continue
            key, m = match
            changes: dict[str, Any] = {}
            if TRUE_TOPIC.get(key) and req.topic != TRUE_TOPIC[key]:
                changes["topic"] = TRUE_TOPIC[key]
            mah = m.groupdict().get("mah")
            if mah and not req.mahalle and mah in places:
                changes.update(ilce=places[mah], mahalle=mah)
            if changes:
                ra.update(session, actor, req, changes)
                changed += 1
    return changed


async def shoot(base: str, out: Path) -> None:
    from playwright.async_api import async_playwright

    from tests.browser_support import ARGS, CHROMIUM

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            pages: dict[str, Any] = {}
            for name, selector, user in SHOTS:
                if user not in pages:
                    ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="tr-TR")
                    page = await ctx.new_page()
                    await page.goto(f"{base}/ui/giris")
                    await page.fill("#kullanici", user)
                    await page.fill("#parola", f"{user}-demo")
                    await page.click("button[type=submit]")
                    await page.wait_for_url("**/ui/**")
                    await page.goto(f"{base}/ui/panolar")
                    await page.wait_for_selector("html[data-grafik=hazir]")
                    pages[user] = page
                page = pages[user]
                boxes = [await el.bounding_box() for el in await page.query_selector_all(selector)]
                top = min(b["y"] for b in boxes)
                bottom = max(b["y"] + b["height"] for b in boxes)
                clip = {"x": 0, "y": max(0, top - 8), "width": 1280, "height": bottom - top + 16}
                await page.screenshot(path=str(out / name), clip=clip, full_page=True)
                print(f"{out / name}  ({int(clip['height'])} px high)")
        finally:
            await browser.close()


async def main(out: Path) -> None:
    from aiohttp import web

    from hub import demo
    from hub.context import Hub
    from hub.settings import Settings

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(Settings(data_dir=Path(tmp), demo=True, rules_file=ROOT / "routing_rules.yaml"))
        demo.seed(hub)
        print(f"reviewed {review_queue_work(hub)} flagged requests")
        runner = web.AppRunner(hub.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            await shoot(f"http://127.0.0.1:{port}", out)
        finally:
            await runner.cleanup()
            hub.db.dispose()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img"))
