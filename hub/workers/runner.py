"""Start the background workers of one hub process."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.workers import retention, sla
from hub.workers.outbox import OutboxWorker


def start_workers(hub: Any) -> list[asyncio.Task]:
    tasks = [
        asyncio.create_task(OutboxWorker(hub).run(), name="outbox-worker"),
        asyncio.create_task(sla.run(hub), name="sla-watcher"),
    ]
    if hub.settings.retention_days:
        tasks.append(asyncio.create_task(retention.run(hub), name="retention-purge"))
    return tasks
