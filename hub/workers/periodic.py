"""Background jobs that run every few seconds in a hub process (SLA watcher, retention purge),
and the guard that keeps any background loop alive."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0


async def every(hub: Any, job: Any, seconds: float, name: str) -> None:
    """Run ``job(hub)`` in a thread every ``seconds``; a failure is logged and retried,
    sooner than ``seconds`` at first (a database outage usually ends in seconds)."""
    failures = 0
    while True:
        try:
            counts = await hub.db.run(job, hub)
            failures = 0
            if counts and any(counts.values()):
                log.info("%s: %s", name, counts)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            log.error("%s failed (%d in a row): %s: %s; will retry", name, failures, type(exc).__name__, exc,
                      exc_info=failures == 1)  # fmt: skip
        delay = seconds if failures == 0 else min(seconds, 2.0 ** min(failures, 6))
        await asyncio.sleep(delay)


async def keep_running(name: str, factory: Callable[[], Awaitable[Any]]) -> None:
    """Run a loop that should never end; if it does end or raise (a bug, an exception in
    its own error handling), log it and start it again after a short, growing pause."""
    pause = 1.0
    while True:
        try:
            await factory()
            log.error("%s ended by itself; starting it again", name)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s died; starting it again in %.0f s", name, pause)
        await asyncio.sleep(pause)
        pause = min(pause * 2, MAX_BACKOFF)
