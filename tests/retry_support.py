"""Retrying a delivery in the test process, the way the outbox worker retries it across polls.

The hub itself never sleeps between attempts: the outbox worker stores the attempt count and
``next_attempt_at`` from ``RetryPolicy.delay_after`` (hub/workers/outbox.py). These tests drive a
transport through the same policy without a database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hub.delivery.backoff import RetryPolicy

T = TypeVar("T")


async def run_with_retries(
    attempt_fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_failure: Callable[[int, BaseException, float | None], object] | None = None,
) -> T:
    """Call ``attempt_fn`` until it succeeds, the policy calls the error permanent, or attempts
    run out (the last error is re-raised). ``on_failure(attempt, error, delay)`` sees each failure;
    ``sleep`` lets a test act between attempts (e.g. bring a server up)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await attempt_fn()
        except Exception as exc:
            delay = policy.delay_after(attempt, exc)
            if on_failure is not None:
                on_failure(attempt, exc, delay)
            if delay is None:
                raise
            await sleep(delay)
