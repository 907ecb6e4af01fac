"""Scale-out proof: three real hub processes (``run_hub.py serve``) on one PostgreSQL share web
intake, outbox delivery and the singleton jobs. Thousands of requests go in through all three
HTTP APIs at once; each is stored once, every outbox item is delivered once to the
department's webhook, and no event is written twice.

N defaults to 5,000 (``HUB_SCALEOUT_N`` overrides; ``HUB_SOAK=1`` makes it 20,000).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import socket
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import text

from tests.conftest import using_postgres
from tests.hub_procs import (
    ONCE_PER_REQUEST,
    HubProc,
    Receiver,
    add_api_key,
    hub_env,
    lock_holders,
    start_all,
    stop_all,
    store_report,
    submit,
    write_rules,
)

pytestmark = pytest.mark.skipif(
    not using_postgres(),
    reason="several hub processes share one database only on PostgreSQL (HUB_TEST_DB=postgres)",
)

N = int(os.environ.get("HUB_SCALEOUT_N") or (20_000 if os.environ.get("HUB_SOAK") == "1" else 5_000))
PROCS = 3
N_OVERDUE = 60  # received 40 days ago: past the 30-day deadline, the SLA watcher must flag each once
N_AT_RISK = 60  # received 26 days ago: past 80 % of the time, one reminder each
PREFIX = "so-"
WEB_LIMIT = 30  # web forms per address and hour, shared by the processes
WEB_TRIES = 36
# The singleton jobs of these processes (hub.workers.runner, the file-drop connectors).
SINGLETONS = ("sla-watcher", "connector:cimer-import", "connector:mbs-import", "connector:alo153-calllog")


def _kind(i: int) -> str:
    if i < N_OVERDUE:
        return "overdue"
    return "at_risk" if i < N_OVERDUE + N_AT_RISK else "fresh"


def _phone(i: int) -> bool:
    """Every fifth request, and half of the SLA ones, comes by phone: to the queue-only department."""
    return i % 2 == 1 if i < N_OVERDUE + N_AT_RISK else i % 5 == 0


def _body(i: int) -> dict:
    body = {"text": f"Sokak lambası yanmıyor, {i}. başvuru; Melikgazi Gesi mahallesi.", "external_id": f"{PREFIX}{i}",
            "channel": "phone" if _phone(i) else "api"}  # fmt: skip
    age = {"overdue": 40, "at_risk": 26}.get(_kind(i))
    if age:
        body["received_at"] = (datetime.now(UTC) - timedelta(days=age)).isoformat()
    return body


async def _web_forms(bases: list[str]) -> dict[int, int]:
    """Citizens' web forms from one address, each fetched from one process and sent to the next:
    the signing key and the per-address limit are the same in every process."""
    status: dict[int, int] = {}
    async with aiohttp.ClientSession() as http:
        for i in range(WEB_TRIES):
            async with http.get(bases[i % len(bases)] + "/basvuru") as r:
                token = html.unescape(
                    re.search(r'name="form_token" value="([^"]+)"', await r.text()).group(1)
                )
            fields = {"form_token": token, "tur": "sikayet", "aciklama": f"Parktaki bank kırık, {i}. form.",
                      "ilce": "Talas", "mahalle": "Mevlana", "ad_soyad": "Deneme Vatandaş",
                      "telefon": f"0532 {i:03d} 22 33", "kvkk_onay": "1", "web_sitesi": ""}  # fmt: skip
            async with http.post(bases[(i + 1) % len(bases)] + "/basvuru", data=fields) as r:
                await r.read()
                status[i] = r.status
    return status


def _progress(url: str) -> tuple[int, int, int]:
    """(outbox rows, of which not done, requests the SLA watcher has flagged)."""
    from hub.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            total, open_ = c.execute(
                text("SELECT count(*), count(*) FILTER (WHERE status <> 'done') FROM outbox")
            ).one()
            flagged = c.execute(
                text(
                    "SELECT count(*) FROM request WHERE sla_breached_at IS NOT NULL OR sla_warned_at IS NOT NULL"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return total, open_, flagged


async def test_three_processes_share_intake_delivery_and_singletons(database_url, tmp_path) -> None:  # noqa: ANN001
    rec = Receiver()
    hook = await rec.start()
    rules = write_rules(tmp_path / "rules.yaml", hook)
    add_api_key(database_url)
    env = hub_env(database_url, tmp_path / "data", rules, sla_check_seconds=0.5, worker_lease_seconds=60,
                  webform_rate_per_hour=WEB_LIMIT)  # fmt: skip
    procs = [HubProc(f"hub{n}", env, tmp_path) for n in range(PROCS)]
    timings: dict[str, float] = {}
    try:
        t0 = time.monotonic()
        await start_all(procs)
        timings["start"] = time.monotonic() - t0
        t0 = time.monotonic()
        out = await submit([p.url for p in procs], range(N), _body, concurrency=40)
        timings["intake"] = time.monotonic() - t0
        assert not out.no_answer, f"{len(out.no_answer)} submissions got no answer"
        bad = {i: s for i, s in out.status.items() if s != 201}
        assert not bad, f"not 201: {dict(list(bad.items())[:10])}"
        assert min(out.served_by.values()) > N / PROCS / 2, f"intake not shared: {out.served_by}"

        web_status = await _web_forms([p.url for p in procs])
        assert sorted(web_status.values()).count(200) == WEB_LIMIT, f"one shared form limit: {web_status}"
        assert set(web_status.values()) == {200, 429}

        # Wait until every outbox item is done and the SLA watcher has flagged every old request;
        # meanwhile each singleton's lock must be held by exactly one of the three processes.
        ours = {f"{socket.gethostname()}:{p.pid}" for p in procs}
        holders: dict[str, set[str]] = {job: set() for job in SINGLETONS}
        wait = 240 * max(1.0, N / 5_000)  # HUB_SOAK's larger N needs longer
        deadline = time.monotonic() + wait
        while True:
            for job in SINGLETONS:
                now_held = await asyncio.to_thread(lock_holders, database_url, job)
                assert len(now_held) == 1 and now_held[0] in ours, f"{job} held by {now_held}, ours {ours}"
                holders[job] |= set(now_held)
            total, open_items, flagged = await asyncio.to_thread(_progress, database_url)
            if total and open_items == 0 and flagged >= N_OVERDUE + N_AT_RISK:
                break
            assert time.monotonic() < deadline, (
                f"{open_items} outbox items open, {flagged} SLA flags after {wait:.0f} s"
            )
            await asyncio.sleep(0.5)
        timings["drained"] = time.monotonic() - t0
        await asyncio.sleep(2.0)  # several more SLA rounds in every process: nothing more may appear
    finally:
        stop_all(procs)
        await rec.close()
    codes = [p.proc.returncode for p in procs if p.proc is not None]
    problems = sum((p.problems() for p in procs), Counter())
    if problems:
        print(
            "\nwarnings and errors in the hub logs:\n"
            + "\n".join(f"{n:6} {line}" for line, n in problems.most_common(15))
        )

    rep = store_report(database_url, PREFIX)
    # Stored once each.
    assert len(rep["per_external_id"]) == N
    assert {n for n in rep["per_external_id"].values()} == {1}
    # Every outbox item delivered once: one Delivery row each, every row done.
    n_web = sum(1 for i in range(N) if not _phone(i)) + WEB_LIMIT
    n_alerts = sum(1 for i in range(N_OVERDUE + N_AT_RISK) if not _phone(i))
    forwards = [r for r in rep["outbox"] if r["kind"] == "forward"]
    assert len(forwards) == n_web + n_alerts, "one forward per web/API request, one alert per flagged one"
    assert dict(rep["outbox_status"]) == {"done": len(rep["outbox"])}
    assert not rep["delivered_twice"] and not rep["not_delivered"]
    # The receiver saw each forward's idempotency key exactly once.
    assert set(rec.keys) == {r["idempotency_key"] for r in forwards}
    twice = {k: n for k, n in rec.keys.items() if n > 1}
    assert not twice, f"{len(twice)} keys reached the webhook more than once"
    # All three processes delivered.
    by_proc = {p.name: sum(1 for d in rep["deliveries"] if f":{p.pid}:" in d["worker"]) for p in procs}
    assert all(by_proc.values()), f"outbox delivery not shared: {by_proc}"
    # No event written twice; the singletons' events once per flagged request.
    assert rep["events_doubled"] == {}, f"events written twice: {rep['events_doubled']}"
    kinds = rep["event_kinds"]
    assert kinds.get("request.created") == N + WEB_LIMIT
    assert kinds.get("sla.breached") == N_OVERDUE and kinds.get("request.escalated") == N_OVERDUE
    assert kinds.get("sla.at_risk") == N_AT_RISK
    assert kinds.get("outbox.forward.delivered") == len(forwards)
    assert set(ONCE_PER_REQUEST) <= set(kinds)
    assert all(len(h) == 1 for h in holders.values()), f"a singleton moved between processes: {holders}"
    print(f"\nscale-out: {PROCS} processes, {N} requests: start {timings['start']:.1f} s, intake "
          f"{timings['intake']:.1f} s ({N / timings['intake']:.0f}/s), all delivered after {timings['drained']:.1f} s; "
          f"served {dict(out.served_by)}, delivered {by_proc}, stop codes {codes}; singletons {holders}")  # fmt: skip
