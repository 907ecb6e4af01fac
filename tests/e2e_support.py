"""Helpers shared by the end-to-end channel tests (tests/test_e2e_*.py).

The tests run the whole hub: its HTTP server, its connector runtime (poll loops,
webhooks) and its outbox worker. Nothing here asserts on speed; ``wait_for`` only
gives up after a generous deadline so a broken hub fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.models import Event, Outbox, Quarantine, Request
from tests.fakes._server import LoopbackServer

GIVE_UP_AFTER = 45.0  # seconds; a safety net against hangs, never a speed assertion


async def wait_for(probe: Callable[[], Any], what: str, timeout: float = GIVE_UP_AFTER) -> Any:
    """Poll ``probe`` (sync or async) until it returns something truthy; return that."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while True:
        last = probe()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what} (last seen: {last!r})")
        await asyncio.sleep(0.05)


async def api(client: Any, method: str, path: str, expect: int | tuple[int, ...] = 200, **kw: Any) -> Any:
    """Call the hub's API and check the status; the body is JSON."""
    resp = await client.request(method, path, **kw)
    body = await resp.json()
    wanted = (expect,) if isinstance(expect, int) else expect
    assert resp.status in wanted, f"{method} {path} -> {resp.status}: {body}"
    return body


async def requests_on(client: Any, channel: str) -> list[dict]:
    body = await api(client, "GET", f"/api/v1/requests?channel={channel}&limit=200")
    return body["items"]


async def wait_requests(client: Any, channel: str, n: int = 1) -> list[dict]:
    """Wait until the hub holds at least ``n`` requests from ``channel``; oldest first."""

    async def probe() -> list[dict] | None:
        items = await requests_on(client, channel)
        return items if len(items) >= n else None

    items = await wait_for(probe, f"{n} request(s) on {channel}")
    return sorted(items, key=lambda r: r["id"])


async def detail(client: Any, request_id: int) -> dict:
    return await api(client, "GET", f"/api/v1/requests/{request_id}")


async def answer(client: Any, request_id: int, text: str, **extra: Any) -> dict:
    """An agent answers the citizen through the API."""
    return await api(client, "POST", f"/api/v1/requests/{request_id}/reply", json={"text": text, **extra})


def outbox_rows(hub: Any, request_id: int, kind: str | None = None) -> list[Outbox]:
    with hub.db.reader() as s:
        stmt = select(Outbox).where(Outbox.request_id == request_id).order_by(Outbox.id)
        if kind:
            stmt = stmt.where(Outbox.kind == kind)
        return list(s.exec(stmt))


async def wait_outbox_settled(
    hub: Any, request_id: int, kind: str, n: int = 1, timeout: float = GIVE_UP_AFTER
) -> list[Outbox]:
    """Wait until ``n`` outbox rows of ``kind`` exist for the request and none is still pending."""

    def probe() -> list[Outbox] | None:
        rows = outbox_rows(hub, request_id, kind)
        if len(rows) >= n and all(r.status in ("done", "dead") for r in rows):
            return rows
        return None

    return await wait_for(probe, f"{kind} outbox rows of request {request_id} to be delivered", timeout)


def events_of(hub: Any, request_id: int, kind: str | None = None) -> list[Event]:
    with hub.db.reader() as s:
        stmt = select(Event).where(Event.request_id == request_id).order_by(Event.id)
        if kind:
            stmt = stmt.where(Event.kind == kind)
        return list(s.exec(stmt))


def request_count(hub: Any, channel: str | None = None) -> int:
    with hub.db.reader() as s:
        stmt = select(Request)
        if channel:
            stmt = stmt.where(Request.channel == channel)
        return len(list(s.exec(stmt)))


def quarantine_count(hub: Any) -> int:
    with hub.db.reader() as s:
        return len(list(s.exec(select(Quarantine))))


async def connector_health(client: Any) -> dict[str, dict]:
    body = await api(client, "GET", "/api/v1/connectors")
    return {item["name"]: item for item in body["items"]}


def drop_file(folder: Path, name: str, data: bytes) -> Path:
    """Put a file into a watched folder as a finished copy: written, then backdated past
    the folder's "still being copied" guard so the next poll takes it."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    old = time.time() - 60
    os.utime(tmp, (old, old))
    path = folder / name
    tmp.rename(path)
    return path


class BrokenService(LoopbackServer):
    """An upstream that is down: every request gets HTTP 500."""

    def __init__(self) -> None:
        super().__init__()
        self.hits = 0
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._fail)

    async def _fail(self, request: web.Request) -> web.Response:
        self.hits += 1
        return web.json_response(
            {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500
        )


def hub_log_text(caplog: Any) -> str:
    """Everything the hub logged. aiohttp's access log is left out: the test server writes one,
    the hub's own server runs with ``access_log=None`` (hub/cli.py)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
