"""Start the background workers of one hub process.

The outbox worker runs in every process (processes share it by claiming rows);
the SLA watcher and the retention purge are singletons: one process runs each
(``hub.workers.leader``)."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.workers import retention, sla
from hub.workers.leader import run_singleton
from hub.workers.outbox import OutboxWorker
from hub.workers.periodic import keep_running

SLA_JOB = "sla-watcher"
RETENTION_JOB = "retention-purge"


def start_workers(hub: Any) -> list[asyncio.Task]:
    worker = OutboxWorker(hub)
    tasks = [
        asyncio.create_task(keep_running("outbox worker", worker.run), name="outbox-worker"),
        asyncio.create_task(
            run_singleton(hub.leadership, SLA_JOB, lambda: keep_running("SLA watcher", lambda: sla.run(hub))),
            name=SLA_JOB,
        ),
    ]
    if hub.settings.retention_days:
        tasks.append(asyncio.create_task(
            run_singleton(hub.leadership, RETENTION_JOB,
                          lambda: keep_running("retention purge", lambda: retention.run(hub))),
            name=RETENTION_JOB,
        ))  # fmt: skip
    return tasks
