"""Scripts run as separate OS processes by the multi-process tests."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from sqlmodel import select

from hub.models import Outbox


def claimer(url: str, out: str, name: str) -> None:
    """Claim outbox rows in small batches until none are left; write what we got.

    Both processes start claiming together: each says it is ready, then waits
    for the test's go signal, so neither can finish the work before the other starts.
    """
    from hub.actions import outbox
    from hub.db import Database

    db = Database(url)
    with db.reader() as s:  # connect before signalling
        s.exec(select(Outbox.id).limit(1)).all()
    Path(out + ".ready").write_text("1")
    go = Path(out).parent / "go"
    deadline = time.time() + 60
    while not go.exists() and time.time() < deadline:
        time.sleep(0.01)
    got: list[int] = []
    idle = 0
    while idle < 3:
        with db.session() as s:
            rows = outbox.claim(s, name, n=5, lease_seconds=600)
            ids = [r.id for r in rows]
        if not ids:
            idle += 1
            time.sleep(0.05)
            continue
        idle = 0
        time.sleep(0.002)  # hold the work a moment, like a real delivery
        with db.session() as s:
            for i in ids:
                outbox.mark_done(s, i, name)
        got += ids
    Path(out).write_text(json.dumps(got))


def crash_after_commit(settings_json: str) -> None:
    """Create a forwarded request, commit, then die before any worker runs."""
    from connectors.base import RawMessage, Sender
    from hub.context import Hub
    from hub.settings import Settings

    hub = Hub(Settings(**json.loads(settings_json)))
    hub.intake.ingest(RawMessage(channel="phone", external_id="crash-1", sender=Sender(phone="05321234567"),
                                 text="Talas Mevlana Mahallesi ana boru patladı, su yok."))
    os._exit(17)  # no cleanup, no delivery: the outbox rows must survive in the database


def deliver(settings_json: str, crash_after_send: str) -> None:
    """Run the outbox worker; optionally die right after the first webhook send."""
    import asyncio

    from hub.context import Hub
    from hub.settings import Settings
    from hub.workers.outbox import OutboxWorker

    hub = Hub(Settings(**json.loads(settings_json)))
    worker = OutboxWorker(hub)
    if crash_after_send == "1":
        original = worker.transports._forward

        async def forward_then_die(row):  # noqa: ANN001, ANN202
            await original(row)
            os._exit(18)  # the send happened; the "done" mark never does

        worker.transports._forward = forward_then_die

    async def main() -> None:
        for _ in range(50):
            await worker.run_once()
            await asyncio.sleep(0.05)

    asyncio.run(main())


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
