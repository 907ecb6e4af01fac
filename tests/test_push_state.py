"""POST /ui/uygulama/abonelik/durum: the phone app's settings page asks whether this browser's
push endpoint is registered for the user signed in, and says notifications are on only then.
A browser keeps its subscription after a sign-out removed it on the hub, or after another user
took the endpoint over; the answer follows the hub, never the browser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aiohttp import ClientSession, CookieJar

from tests.test_push_logout import sign_out, turn_on_push
from tests.test_ui import csrf_of, login

STATE = "/ui/uygulama/abonelik/durum"
SHARED = "https://push.example.test/ortak-telefon"


@pytest_asyncio.fixture
async def other_phone(ui) -> AsyncIterator[ClientSession]:  # noqa: ANN001
    async with ClientSession(base_url=ui.make_url("/"), cookie_jar=CookieJar(unsafe=True)) as s:
        yield s


async def state_of(browser: Any, endpoint: str) -> bool:  # noqa: ANN401
    page = await (await browser.get("/ui/uygulama/ayarlar")).text()
    r = await browser.post(STATE, data={"csrf": csrf_of(page), "endpoint": endpoint},
                           headers={"Accept": "application/json"})  # fmt: skip
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store", await r.text()
    body = await r.json()
    assert body["ok"] is True
    return body["kayitli"]


async def test_registered_only_for_the_user_who_turned_it_on(ui, other_phone) -> None:  # noqa: ANN001
    await login(ui, "kaski")
    assert await state_of(ui, SHARED) is False
    await turn_on_push(ui, SHARED)
    assert await state_of(ui, SHARED) is True
    assert await state_of(ui, "https://push.example.test/baska-telefon") is False
    assert await state_of(ui, "") is False
    # another user, whatever endpoint the browser shows: not theirs
    await login(other_phone, "agent")
    assert await state_of(other_phone, SHARED) is False

    # signed out and in again on the same phone: the sign-out removed it, the browser still has it
    await sign_out(ui, "/ui/uygulama/ayarlar")
    await login(ui, "agent")
    assert await state_of(ui, SHARED) is False
    # the next user turns notices on for the same browser: now theirs, and no longer kaski's
    await turn_on_push(ui, SHARED)
    assert await state_of(ui, SHARED) is True
    await sign_out(ui, "/ui/")
    await login(ui, "kaski")
    assert await state_of(ui, SHARED) is False


async def test_asking_needs_the_session_and_its_csrf_token(ui) -> None:  # noqa: ANN001
    r = await ui.post(STATE, data={"endpoint": SHARED}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].startswith("/ui/giris")
    await login(ui, "kaski")
    r = await ui.post(STATE, data={"endpoint": SHARED, "csrf": "yanlis"}, allow_redirects=False)
    assert r.status == 403
    assert "Traceback" not in await r.text()
