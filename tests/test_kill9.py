"""kill -9 in the middle of 1,000 concurrent submissions to a real hub process
(``run_hub.py serve``), then a restart on the same port. The client does what a client
does: what got no answer is sent again with the same external_id. Afterwards every
submission is stored exactly once, and every outbox item is done with exactly one
Delivery row (the department's webhook may see a key twice when the kill fell between
the send and its bookkeeping: that is at-least-once at the wire, made safe by the
Idempotency-Key the retry carries)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from tests.hub_procs import (
    HubProc,
    Outcome,
    Receiver,
    add_api_key,
    hub_env,
    store_report,
    submit,
    write_rules,
)

N = 1_000
KILL_AFTER = 400  # answers
PREFIX = "k9-"


def _body(i: int) -> dict:
    return {
        "text": f"Çöp konteyneri taşıyor, {i}. başvuru; Kocasinan Mimarsinan.",
        "external_id": f"{PREFIX}{i}",
    }


def _outbox_open(url: str) -> int:
    from hub.db import make_engine

    engine = make_engine(url, immediate=False)
    try:
        with engine.connect() as c:
            return c.execute(text("SELECT count(*) FROM outbox WHERE status <> 'done'")).scalar_one()
    finally:
        engine.dispose()


async def test_kill9_mid_submissions_loses_nothing_and_doubles_nothing(database_url, tmp_path) -> None:  # noqa: ANN001
    rec = Receiver()
    hook = await rec.start()
    rules = write_rules(tmp_path / "rules.yaml", hook)
    add_api_key(database_url)
    # A short lease: rows the killed process had claimed are claimable again soon after the restart.
    env = hub_env(database_url, tmp_path / "data", rules, worker_lease_seconds=3)
    hub = HubProc("hub", env, tmp_path)
    out = Outcome()
    first_answer: dict[int, int] = {}
    killed: dict[str, float] = {}
    back: list[asyncio.Task] = []

    def on_answer(i: int, status: int) -> None:
        first_answer.setdefault(i, status)
        if len(first_answer) == KILL_AFTER and not killed:
            killed["at"] = time.monotonic()
            hub.kill9()
            hub.start(same_port=True)  # the client keeps going: refused connections wait for it
            back.append(asyncio.get_running_loop().create_task(up_again()))

    async def up_again() -> None:
        await hub.wait_ready()
        killed["back"] = time.monotonic()

    try:
        t0 = time.monotonic()
        hub.start()
        await hub.wait_ready()
        await submit(
            [hub.url], range(N), _body, concurrency=20, outcome=out, on_answer=on_answer, wait_refused=90
        )
        assert killed, "the hub was never killed"
        await asyncio.gather(*back)
        answered_before_retry = set(out.ok)
        no_answer = set(out.no_answer)
        cut = set(out.cut)
        # What got no answer goes again, with the same external_id.
        for _ in range(5):
            if not out.no_answer:
                break
            await submit(
                [hub.url], sorted(out.no_answer), _body, concurrency=20, outcome=out, wait_refused=30
            )
        assert not out.no_answer, f"{len(out.no_answer)} submissions never answered"
        assert set(out.status) == set(range(N))
        bad = {i: s for i, s in out.status.items() if s not in (200, 201)}
        assert not bad, f"not 2xx: {dict(list(bad.items())[:10])}"
        # A client that resends what was already answered gets the same request, not a new one.
        again = Outcome()
        resent = sorted(answered_before_retry)[:50]
        await submit([hub.url], resent, _body, concurrency=10, outcome=again)
        assert {again.status[i] for i in resent} == {200}

        deadline = time.monotonic() + 60
        while (left := await asyncio.to_thread(_outbox_open, database_url)) > 0:
            assert time.monotonic() < deadline, f"{left} outbox items still open 60 s after the restart"
            await asyncio.sleep(0.3)
        total = time.monotonic() - t0
    finally:
        hub.stop()
        await rec.close()

    rep = store_report(database_url, PREFIX)
    assert len(rep["per_external_id"]) == N, "every submission is stored"
    doubles = {e: n for e, n in rep["per_external_id"].items() if n != 1}
    assert not doubles, f"stored more than once: {doubles}"
    stored_by_retry = {i for i in no_answer if out.status.get(i) == 200}
    forwards = [r for r in rep["outbox"] if r["kind"] == "forward"]
    assert len(forwards) == N
    assert dict(rep["outbox_status"]) == {"done": len(rep["outbox"])}
    assert not rep["delivered_twice"] and not rep["not_delivered"], "one Delivery row per outbox item"
    assert set(rec.keys) == {r["idempotency_key"] for r in forwards}, "every forward reached the webhook"
    wire_twice = sorted(k for k, n in rec.keys.items() if n > 1)
    # One process delivers one batch at a time: only the rows in hand at the kill may go twice.
    assert len(wire_twice) <= 20, f"{len(wire_twice)} keys sent twice"
    assert rep["events_doubled"] == {}
    assert rep["event_kinds"].get("request.created") == N
    print(f"\nkill -9 after {KILL_AFTER} of {N}: {len(answered_before_retry)} answered before the retry round, "
          f"{len(no_answer)} without an answer ({len(cut)} cut in flight, of which {len(stored_by_retry & cut)} "
          f"had been stored: the retry got 200), {out.refused} refused connections while down; "
          f"{len(wire_twice)} webhook keys sent twice (same key); down {killed['back'] - killed['at']:.1f} s; "
          f"total {total:.1f} s")  # fmt: skip
