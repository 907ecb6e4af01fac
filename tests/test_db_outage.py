"""The database goes away under load and comes back (issue 10, finding 4).

The test starts its own PostgreSQL (tests/pg_server.py), runs a hub on it with the
real HTTP server, sends new requests from several clients at once, stops PostgreSQL
mid-load and starts it again. While it is away every answer is 503 with Retry-After
(never a 500, never a traceback); afterwards intake works again by itself, and every
request a client was told was stored (2xx) is stored exactly once. Clients then retry
what got 503 with the same external_id: a retry never makes a second request.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from hub.models import Message, Request
from tests.conftest import ADMIN_KEY, add_key, using_postgres
from tests.pg_server import PgServer, require_pg_binaries

OUTAGE_SECONDS = float(os.environ.get("HUB_OUTAGE_SECONDS", "4"))
CLIENTS = 6
TEXT = "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok."

own_postgres = pytest.mark.skipif(
    not using_postgres(), reason="starts its own PostgreSQL server: runs in the PostgreSQL pass (HUB_TEST_DB=postgres)"
)


def _body(ext: str) -> dict:
    return {"text": TEXT, "channel": "phone", "external_id": ext, "contact": {"phone": "0532 123 45 67"}}


async def _post(client: TestClient, ext: str) -> tuple[int, dict[str, str], str]:
    r = await client.post("/api/v1/requests", json=_body(ext))
    return r.status, dict(r.headers), await r.text()


@own_postgres
async def test_postgres_stopped_under_load_gives_503_then_recovers(tmp_path, settings_factory) -> None:  # noqa: ANN001
    require_pg_binaries()
    from hub.context import Hub
    from hub.db import migrate

    pg = PgServer(tmp_path).start()
    try:
        migrate(pg.url)
        hub = Hub(settings_factory(database_url=pg.url))
        add_key(hub, ADMIN_KEY, "admin")
        client = TestClient(TestServer(hub.app(), host="127.0.0.1"), headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        await client.start_server()
        try:
            await _run_outage(client, hub, pg)
        finally:
            await client.close()
            hub.db.dispose()
    finally:
        pg.close()


async def _run_outage(client: TestClient, hub, pg: PgServer) -> None:  # noqa: ANN001
    results: dict[str, tuple[int, dict[str, str], str]] = {}
    stop = asyncio.Event()
    phase = {"now": "before"}
    phases: dict[str, str] = {}

    async def load(k: int) -> None:
        i = 0
        while not stop.is_set():
            ext = f"w{k}-{i}"
            i += 1
            phases[ext] = phase["now"]
            results[ext] = await _post(client, ext)
            await asyncio.sleep(0.02)

    workers = [asyncio.create_task(load(k)) for k in range(CLIENTS)]
    await asyncio.sleep(1.5)
    phase["now"] = "stopping"
    await asyncio.to_thread(pg.stop, "fast")
    phase["now"] = "down"
    down_at = time.monotonic()
    # the citizen pages and the health check say "try again later" as well
    health = await client.get("/healthz")
    status_page = await client.get("/takip/KAY-2026-000001")
    page_text = await status_page.text()
    form = await client.post("/basvuru", data={"metin": "su yok"}, headers={"Origin": str(client.make_url(""))})
    form_text = await form.text()
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
    phase["now"] = "starting"
    await asyncio.to_thread(pg.start)
    phase["now"] = "after"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the hub takes new requests again by itself
        await asyncio.sleep(0.5)
        after = [results[e][0] for e, p in phases.items() if p == "after" and e in results]
        if after.count(201) >= 10:
            break
    stop.set()
    await asyncio.gather(*workers)

    statuses = Counter(s for s, _, _ in results.values())
    print(f"\noutage {OUTAGE_SECONDS:.0f} s: {len(results)} requests, statuses {dict(statuses)}")
    assert set(statuses) <= {200, 201, 503}, statuses
    assert statuses[503] > 0, "the outage was not noticed"
    for ext, (status, headers, text) in results.items():
        if status == 503:
            assert headers.get("Retry-After", "").isdigit(), (ext, headers)
            assert "Traceback" not in text and '"database_unavailable"' in text, text[:300]
    after = [results[e][0] for e, p in phases.items() if p == "after" and e in results]
    assert after.count(201) >= 10, f"intake did not recover: {Counter(after)}"

    assert health.status == 503
    assert status_page.status == 503 and status_page.headers.get("Retry-After", "").isdigit(), page_text[:300]
    assert "tekrar deneyin" in page_text and "Traceback" not in page_text
    assert form.status == 503 and form.headers.get("Retry-After", "").isdigit(), form_text[:300]

    # Clients retry what failed, with the same external_id.
    retried = Counter()
    for ext, (status, _, _) in results.items():
        if status == 503:
            again, _, text = await _post(client, ext)
            assert again in (200, 201), text[:300]
            retried[again] += 1
    print(f"retries after recovery: {dict(retried)} (200: the first attempt had been stored)")

    with hub.db.reader() as s:
        per_ext = Counter(
            s.exec(select(Message.external_id).where(Message.channel == "phone")).all()
        )
        n_requests = s.exec(select(func.count()).select_from(Request)).one()
    assert set(per_ext) == set(results), "every request a client sent is stored once it got a 2xx"
    assert max(per_ext.values()) == 1, [e for e, n in per_ext.items() if n > 1][:5]
    assert n_requests == len(results)


def _refused(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
    raise OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))


async def test_database_errors_map_to_503_with_retry_after_everywhere(client, hub, monkeypatch) -> None:  # noqa: ANN001
    """The mapping itself, on either database: API, citizen form and status page."""
    monkeypatch.setattr(hub.intake, "ingest", _refused)
    r = await client.post("/api/v1/requests", json=_body("x-1"))
    body = await r.json()
    assert r.status == 503 and r.headers["Retry-After"].isdigit(), body
    assert body["error"] == "database_unavailable" and "Traceback" not in await r.text()

    monkeypatch.setattr("hub.web.status_page.load_view", _refused)
    r = await client.get("/takip/KAY-2026-000001")
    assert r.status == 503 and r.headers["Retry-After"].isdigit()
    assert "tekrar deneyin" in await r.text()


async def test_a_bug_is_still_a_500_not_a_503(client, hub, monkeypatch) -> None:  # noqa: ANN001
    def broken(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise OperationalError("SELECT x FROM nope", {}, Exception("no such table: nope"))

    monkeypatch.setattr(hub.intake, "ingest", broken)
    r = await client.post("/api/v1/requests", json=_body("x-2"))
    assert r.status == 500 and "Retry-After" not in r.headers
