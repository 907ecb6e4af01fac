"""Load generator of bench/queue_scale.py: one process outside the hub, N concurrent clients.

    python bench/queue_scale_client.py WORKLOAD.json KIND

Each client is a closed loop (send, read the whole answer, send the next), with an optional
think time between calls (``think_ms``, exponential, mean as given; 0 = back to back). Clients
are spread over the hub processes in ``bases`` round robin. Calls started in the first
``warmup_s`` seconds are not counted; no call starts after ``duration_s`` more, and those in
flight are waited for and counted. Prints one JSON object: latency percentiles over the calls
started in the window, calls/s completed in it, errors.

Kinds:
- ``api_list``: ``GET /api/v1/requests`` filtered by status and department, with mahalle and
  topic each half the time (values of a real row, so the list is never empty by chance),
  ``sort=due``, 50 rows, following ``next_cursor`` up to page 20; every page is one call;
- ``api_search``: ``GET /api/v1/requests?q=…`` (words, names, phones, e-mails, codes);
- ``api_request``: ``GET /api/v1/requests/{id}``;
- ``ui_request``: ``GET /ui/talep/{id}`` signed in as an agent;
- ``ui_queue``: ``GET /ui/`` signed in as an agent;
- ``api_floor``: ``GET /api/v1/filters`` (the saved filters: one tiny query), what any API call
  costs at least.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

MAX_PAGE = 20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else 0.0


async def login(http: aiohttp.ClientSession, base: str, user: str, password: str) -> None:
    page = await (await http.get(base + "/ui/giris")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    r = await http.post(base + "/ui/giris", data={"csrf": token.group(1), "kullanici": user, "parola": password},
                        allow_redirects=False)  # fmt: skip
    assert r.status == 303, f"login failed: {r.status}"


class Run:
    def __init__(self, w: dict[str, Any], kind: str) -> None:
        self.w = w
        self.kind = kind
        self.rng = random.Random(w.get("seed", 153))
        self.lat: list[float] = []
        self.pages: dict[int, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.done_in_window = 0
        self.all_calls = 0  # with the warm-up's: what the hub's CPU time is divided by
        self.t_start = 0.0
        self.t_count = 0.0
        self.t_end = 0.0

    async def call(self, http: aiohttp.ClientSession, url: str, page: int = 0) -> Any:
        t = time.perf_counter()
        try:
            async with http.get(url) as r:
                body = await r.read()
                status = r.status
        except aiohttp.ClientError as exc:
            status, body = type(exc).__name__, b""
        done = time.perf_counter()
        self.all_calls += 1
        if t < self.t_count:  # warm-up
            return body if status == 200 else None
        if status != 200:
            key = str(status)
            self.errors[key] = self.errors.get(key, 0) + 1
        else:  # every call started in the window counts, also one that ends after it
            self.lat.append(done - t)
            if self.t_count <= done <= self.t_end:
                self.done_in_window += 1
            if page:
                self.pages.setdefault(page, []).append(done - t)
        return body if status == 200 else None

    async def think(self) -> None:
        if self.w.get("think_ms"):
            await asyncio.sleep(self.rng.expovariate(1000 / self.w["think_ms"]))

    async def client(self, http: aiohttp.ClientSession, base: str) -> None:
        w = self.w
        while time.perf_counter() < self.t_end:
            if self.kind == "api_list":
                row = self.rng.choice(w["list_rows"])
                q = {"status": row["status"], "sort": "due", "limit": "50"}
                if row["department"]:
                    q["department"] = row["department"]
                if row["mahalle"] and self.rng.random() < 0.5:
                    q["mahalle"] = row["mahalle"]
                if row["topic"] and self.rng.random() < 0.5:
                    q["topic"] = row["topic"]
                cursor = None
                for page in range(1, MAX_PAGE + 1):
                    url = (
                        f"{base}/api/v1/requests?{urlencode({**q, **({'cursor': cursor} if cursor else {})})}"
                    )
                    body = await self.call(http, url, page)
                    if body is None or time.perf_counter() >= self.t_end:
                        break
                    cursor = json.loads(body).get("next_cursor")
                    if not cursor:
                        break
                    await self.think()
            elif self.kind == "api_search":
                await self.call(
                    http, f"{base}/api/v1/requests?{urlencode({'q': self.rng.choice(w['search_terms'])})}"
                )
            elif self.kind == "api_request":
                await self.call(http, f"{base}/api/v1/requests/{self.rng.choice(w['request_ids'])}")
            elif self.kind == "ui_request":
                await self.call(http, f"{base}/ui/talep/{self.rng.choice(w['request_ids'])}")
            elif self.kind == "ui_queue":
                await self.call(http, f"{base}/ui/")
            elif self.kind == "api_floor":  # the floor: a signed call with one tiny query
                await self.call(http, f"{base}/api/v1/filters")
            else:
                raise SystemExit(f"unknown kind {self.kind}")
            await self.think()

    async def main(self) -> dict[str, Any]:
        w = self.w
        sessions = []
        for base in w["bases"]:
            http = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {w['api_key']}"} if self.kind.startswith("api_") else {},
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=120),
            )
            if self.kind.startswith("ui_"):
                await login(http, base, w["ui_user"], w["ui_password"])
            sessions.append((http, base))
        self.t_start = time.perf_counter()
        self.t_count = self.t_start + w["warmup_s"]
        self.t_end = self.t_count + w["duration_s"]
        await asyncio.gather(*(self.client(*sessions[i % len(sessions)]) for i in range(w["clients"])))
        for http, _ in sessions:
            await http.close()
        ms = [x * 1000 for x in self.lat]
        out = {
            "kind": self.kind, "clients": w["clients"], "processes": len(w["bases"]), "think_ms": w.get("think_ms", 0),
            "calls": len(ms), "calls_per_s": round(self.done_in_window / w["duration_s"], 1),
            "p50_ms": round(pct(ms, 0.5), 1), "p95_ms": round(pct(ms, 0.95), 1), "p99_ms": round(pct(ms, 0.99), 1),
            "max_ms": round(max(ms), 1) if ms else None, "errors": self.errors, "calls_with_warmup": self.all_calls,
        }  # fmt: skip
        if self.pages:
            out["p95_ms_by_page"] = {str(p): round(pct([x * 1000 for x in v], 0.95), 1)
                                     for p, v in sorted(self.pages.items()) if p in (1, 2, 5, 10, 20)}  # fmt: skip
            out["calls_by_page"] = {
                str(p): len(v) for p, v in sorted(self.pages.items()) if p in (1, 2, 5, 10, 20)
            }
        return out


def main() -> None:
    workload = json.loads(open(sys.argv[1], encoding="utf-8").read())
    print(json.dumps(asyncio.run(Run(workload, sys.argv[2]).main()), ensure_ascii=False))


if __name__ == "__main__":
    main()
