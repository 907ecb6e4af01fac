"""Start the background workers of one hub process."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.workers import sla
from hub.workers.outbox import OutboxWorker


def start_workers(hub: Any) -> list[asyncio.Task]:
    return [
        asyncio.create_task(OutboxWorker(hub).run(), name="outbox-worker"),
        asyncio.create_task(sla.run(hub), name="sla-watcher"),
    ]
