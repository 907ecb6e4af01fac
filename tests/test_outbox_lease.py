"""A worker's claim on a batch must outlive the batch: while a slow endpoint keeps the
first worker busy with its batch, another worker (another hub process) must not take
over the rows still waiting in it and send them a second time."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import select

from connectors.base import RawMessage
from hub.context import Hub
from hub.models import Delivery, Outbox
from hub.workers.outbox import OutboxWorker
from tests.hub_procs import Receiver, write_rules

BATCH = 20
LEASE = 3.0
SEND_SECONDS = 0.25  # the whole batch (5 s) outlasts the lease; one item stays well inside half of it


async def test_slow_batch_is_not_taken_over_while_in_hand(settings_factory, tmp_path) -> None:  # noqa: ANN001
    rec = Receiver(delay=SEND_SECONDS)
    url = await rec.start()
    hub = Hub(settings_factory(rules_file=write_rules(tmp_path / "rules.yaml", url), classifier_enabled=False,
                               worker_batch=BATCH, worker_lease_seconds=LEASE))  # fmt: skip
    try:
        for i in range(BATCH):
            hub.intake.ingest(RawMessage(channel="api", external_id=f"lease-{i}", text=f"Su kesintisi {i}"))
        first, second = OutboxWorker(hub, name="first"), OutboxWorker(hub, name="second")
        busy = asyncio.create_task(first.run_once())
        await asyncio.sleep(0.1)
        started = time.monotonic()
        while not busy.done():  # the other process polls all the while
            await second.run_once()
            await asyncio.sleep(0.1)
        assert await busy == BATCH
        assert time.monotonic() - started > LEASE, "the batch should have outlasted one lease"
        await second.run_once()
    finally:
        await rec.close()
        hub.db.dispose()
    twice = {k: n for k, n in rec.keys.items() if n > 1}
    assert len(rec.keys) == BATCH and not twice, f"sent twice: {twice}"
    with hub.db.reader() as s:
        assert {r.status for r in s.exec(select(Outbox))} == {"done"}
        assert len(s.exec(select(Delivery)).all()) == BATCH
