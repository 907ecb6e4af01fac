"""Sliding-window rate limits per client address.

``SlidingWindowLimiter`` keeps its state in the process: a restart forgets it. That is the
embedded (SQLite, one process) default. With PostgreSQL several hub processes serve the same
citizens, so ``SharedWindowLimiter`` counts in the database, where they all see the same hits.
Either way it stops a script hammering the form; it is not an accounting tool.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import deque
from collections.abc import Callable
from typing import Any

WINDOW_SECONDS = 3600.0
MAX_KEYS = 100_000  # beyond this the oldest-idle keys are dropped, so memory stays bounded


class SlidingWindowLimiter:
    """At most ``limit`` hits per key within ``window`` seconds."""

    def __init__(self, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, limit: int) -> float | None:
        """Count one hit. Returns None when allowed, else seconds until the next hit is allowed.

        A refused hit is not counted, so a client that waits gets in again on time.
        """
        now = self.clock()
        q = self._hits.get(key)
        if q is None:
            if len(self._hits) >= MAX_KEYS:
                self._prune(now)
            q = self._hits[key] = deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if limit <= 0:
            return self.window
        if len(q) >= limit:
            return max(1.0, q[0] + self.window - now)
        q.append(now)
        return None

    def check(self, key: str, limit: int) -> float | None:
        """Like ``hit`` but counts nothing: would one more hit be allowed now?"""
        if limit <= 0:
            return self.window
        now = self.clock()
        recent = [t for t in self._hits.get(key) or () if t > now - self.window]
        if len(recent) >= limit:
            return max(1.0, recent[0] + self.window - now)
        return None

    # The same awaitable interface as SharedWindowLimiter, so callers need not know which.
    async def ahit(self, key: str, limit: int) -> float | None:
        return self.hit(key, limit)

    async def acheck(self, key: str, limit: int) -> float | None:
        return self.check(key, limit)

    def remaining(self, key: str, limit: int) -> int:
        now = self.clock()
        q = self._hits.get(key) or deque()
        return max(0, limit - sum(1 for t in q if t > now - self.window))

    def _prune(self, now: float) -> None:
        for key in [k for k, q in self._hits.items() if not q or q[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= MAX_KEYS:
            # Still full of active keys: drop the half that was idle longest.
            by_last = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in by_last[: len(by_last) // 2]:
                del self._hits[key]


class SharedWindowLimiter:
    """The same rule, counted in the ``ratehit`` table so all hub processes share it. Client
    addresses are stored as a keyed hash (the UI key every process shares), never in clear."""

    def __init__(self, db: Any, bucket: str, secret: bytes, window: float = WINDOW_SECONDS) -> None:
        self.db = db
        self.bucket = bucket
        self.secret = secret
        self.window = window

    def _key(self, key: str) -> str:
        return hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest()[:32]

    def _run(self, key: str, limit: int, count: bool) -> float | None:
        from hub.actions import ratelimit

        with self.db.session() as session:
            return ratelimit.hit(session, self.bucket, self._key(key), limit, self.window, count=count)

    async def ahit(self, key: str, limit: int) -> float | None:
        return await self.db.run(self._run, key, limit, True)

    async def acheck(self, key: str, limit: int) -> float | None:
        return await self.db.run(self._run, key, limit, False)

