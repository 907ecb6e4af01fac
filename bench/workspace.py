"""The live workspace's two numbers, on the demo data (``run_hub.py --demo``: 500 requests):

- **queue page**: ``GET /ui/`` as a signed-in agent (50 rows, total, counters per status and
  saved filter, tag choices), and the same with ``?status=forwarded&sort=due`` and ``?tag=…``;
  p50 / p95 over ``--n`` loads. Target: p95 < 100 ms.
- **live update**: a queue page's event stream (``/ui/canli``) is open; a request is created
  through the API; the time from the API's answer (the request is committed) to the stream
  message that carries its row. p50 / p95 / max over ``--updates`` requests. Target: < 2 s.

Prints one JSON object. SQLite in a temporary data directory unless ``--database-url`` names a
PostgreSQL database (it must be empty; the hub migrates it).

    python bench/workspace.py [--n 100] [--updates 20] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from hub.context import Hub  # noqa: E402
from hub.settings import Settings  # noqa: E402

API_KEY = "bench-workspace-admin"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(pct(ms, 0.95), 1),
            "max_ms": round(max(ms), 1)}  # fmt: skip


async def login(http: aiohttp.ClientSession, base: str) -> None:
    import re

    page = await (await http.get(base + "/ui/giris")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = await http.post(base + "/ui/giris", data={"csrf": token, "kullanici": "agent", "parola": "agent-demo"},
                        allow_redirects=False)  # fmt: skip
    assert r.status == 303, await r.text()


async def page_times(http: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    for _ in range(3):  # warm the caches and the template
        await (await http.get(url)).read()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = await http.get(url)
        await r.read()
        assert r.status == 200, r.status
        out.append((time.perf_counter() - t) * 1000)
    return out


async def live_times(base: str, http: aiohttp.ClientSession, updates: int) -> list[float]:
    resp = await http.get(base + "/ui/canli", timeout=aiohttp.ClientTimeout(total=None, sock_read=30))
    assert resp.status == 200
    seen: dict[int, float] = {}

    async def read() -> None:
        event, data = "", ""
        async for raw in resp.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
            elif line == "":
                if event == "degisiklik" and data:
                    now = time.perf_counter()
                    for row in json.loads(data)["rows"]:
                        seen.setdefault(row["id"], now)
                event, data = "", ""

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.5)
    out = []
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with aiohttp.ClientSession(headers=headers) as api:
        for i in range(updates):
            body = {"channel": "phone", "text": f"Talas Mevlana mahallesinde sokak lambası yanmıyor ({i}).",
                    "contact": {"name": "Deneme Kişi", "phone": f"0532 000 {i:02d} 00"}}  # fmt: skip
            r = await api.post(base + "/api/v1/requests", json=body)
            committed = time.perf_counter()
            rid = (await r.json())["id"]
            deadline = committed + 10
            while rid not in seen and time.perf_counter() < deadline:
                await asyncio.sleep(0.005)
            out.append(((seen.get(rid, float("inf"))) - committed) * 1000)
            await asyncio.sleep(0.2)
    reader.cancel()
    resp.close()
    return out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="page loads per address")
    ap.add_argument("--updates", type=int, default=20, help="requests created for the live-update latency")
    ap.add_argument("--demo-count", type=int, default=500)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        st = Settings(data_dir=Path(tmp), database_url=args.database_url, rules_file=ROOT / "routing_rules.yaml",
                      bootstrap_admin_key=API_KEY, log_level="WARNING")  # fmt: skip
        t0 = time.perf_counter()
        hub = Hub(st)
        from hub import demo
        from hub.cli import _bootstrap_key

        demo.seed(hub, n=args.demo_count)
        _bootstrap_key(hub)
        seeded = time.perf_counter() - t0
        runner = web.AppRunner(hub.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                await login(http, base)
                pages = {
                    "/ui/": summary(await page_times(http, base + "/ui/", args.n)),
                    "/ui/?status=forwarded&sort=due": summary(
                        await page_times(http, base + "/ui/?status=forwarded&sort=due", args.n)),
                    "/ui/?tag=mukerrer": summary(await page_times(http, base + "/ui/?tag=mukerrer", args.n)),
                }
                live = summary(await live_times(base, http, args.updates))
        finally:
            await runner.cleanup()
    out = {
        "bench": "workspace",
        "database": "postgresql" if args.database_url else "sqlite",
        "demo_requests": args.demo_count,
        "seed_seconds": round(seeded, 1),
        "queue_page": pages,
        "queue_page_target_p95_ms": 100,
        "queue_page_ok": all(v["p95_ms"] < 100 for v in pages.values()),
        "live_update": live,
        "live_update_target_ms": 2000,
        "live_update_ok": live["max_ms"] < 2000,
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
