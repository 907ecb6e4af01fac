"""What the Playwright browser tests (tests/test_browser_*.py) share: Debian's chromium, the hub's
own HTTP server on loopback, signing in through the staff login form, and the list of a page's errors.

Debian's chromium is used (scripts/ensure-chromium.sh installs it); Playwright never downloads a
browser of its own here.

The ``server`` fixture reaches the test modules through ``pytest_plugins = ["tests.browser_support"]``
in tests/conftest.py: one line in one place. Importing the fixture into each test module instead
would need a ``# noqa`` on the import (it looks unused, F401) and on every test taking ``server``
(the argument shadows the import, F811). A module that needs another server (seeded data, no API
key, another hub) defines its own ``server`` fixture with :func:`hub_server`; pytest prefers it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import ADMIN_KEY, add_key

if TYPE_CHECKING:
    from playwright.async_api import Browser, ConsoleMessage, Page

    from hub.context import Hub

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SHOTS = Path(os.environ.get("HUB_SCREENSHOT_DIR", "/tmp"))
DESKTOP = {"width": 1440, "height": 1000}  # the viewport of a staff member's desktop screen

# Skipped on a developer's machine without chromium; in CI (CI=true) a missing browser is a
# failure, never a silent skip (scripts/test.sh installs it).
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="chromium is not installed: run scripts/ensure-chromium.sh (needs apt)",
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's chromium, headless, through Playwright; closed on the way out, whatever happened."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def hub_server(
    hub: Hub, *, users: bool = True, seed: Callable[[Hub], object] | None = None, admin_key: bool = True
) -> AsyncIterator[TestClient]:
    """The hub's own HTTP server on 127.0.0.1 (workers running) and a client for it.

    ``users``: the demo staff (agent, supervisor, kaski, ...; password ``<name>-demo``) are added.
    ``admin_key``: an admin API key is added and the client sends it with every request.
    ``seed``: called with the hub after those, before the server starts.
    """
    from hub.demo import _users

    if users:
        _users(hub)
    headers = None
    if admin_key:
        add_key(hub, ADMIN_KEY, "admin")
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    if seed is not None:
        seed(hub)
    client = TestClient(TestServer(hub.app(), host="127.0.0.1"), headers=headers)
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture
async def server(hub: Hub) -> AsyncIterator[TestClient]:
    """The hub's own HTTP server with the demo staff; the client calls the API as admin."""
    async with hub_server(hub) as client:
        yield client


async def submit_login(page: Page, username: str) -> None:
    """Fill the staff login form on the current page with ``username`` and its demo password, and send it."""
    await page.fill("#kullanici", username)
    await page.fill("#parola", f"{username}-demo")
    await page.click("button[type=submit]")


async def log_in(
    page: Page,
    server: TestClient | str,
    username: str,
    *,
    path: str = "/ui/giris",
    wait_url: str | None = "**/ui/**",
) -> None:
    """Open ``path`` (a staff page shows the login form to a stranger), sign ``username`` in there and,
    unless ``wait_url`` is None, wait until the browser is at ``wait_url``.

    ``server`` is the test server's client or the base URL of a hub process.
    """
    await page.goto(server + path if isinstance(server, str) else str(server.make_url(path)))
    await submit_login(page, username)
    if wait_url is not None:
        await page.wait_for_url(wait_url)


def is_favicon_request(msg: ConsoleMessage) -> bool:
    """The browser's own request for /favicon.ico (the hub has no icon): not the page's doing."""
    return msg.location.get("url", "").endswith("/favicon.ico")


def page_errors(page: Page, *, ignore: Callable[[ConsoleMessage], bool] = is_favicon_request) -> list[str]:
    """A list that collects, from now on, the page's uncaught exceptions and its console errors but
    those ``ignore`` accepts; a test asserts it empty."""
    problems: list[str] = []

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not ignore(msg):
            problems.append(f"console error: {msg.text} {msg.location}")

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    return problems
