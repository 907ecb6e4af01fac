"""In-memory sliding-window rate limits per client address.

State lives in the process: a restart forgets it and several hub processes each count on
their own. That is enough to stop a script hammering the form; it is not an accounting tool.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

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
