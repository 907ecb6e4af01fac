"""Background jobs that run every few seconds in a hub process (SLA watcher, retention purge)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def every(hub: Any, job: Any, seconds: float, name: str) -> None:
    """Run ``job(hub)`` in a thread every ``seconds``; a failure is logged and retried next time."""
    while True:
        try:
            counts = await hub.db.run(job, hub)
            if any(counts.values()):
                log.info("%s: %s", name, counts)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; will retry", name)
        await asyncio.sleep(seconds)
