"""The API key cache of one hub process (``Hub.key_cache``): a key's hash -> (when the entry
expires, on ``time.monotonic``; the key's actor, or None for a wrong key).

It is bounded: past ``MAX_KEYS`` entries the least recently used goes. Wrong keys are cached
too (a job retrying a stale key costs no lookup), so without a bound a flood of different wrong
keys, spread over addresses so that the API key throttle does not stop it, would grow the
process's memory without end. Evicting only costs the evicted key one more database lookup; a
deployment's real keys are few and in use, so they stay. Used on the event loop only.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

MAX_KEYS = 10_000  # about 3.5 MB when full (tracemalloc); far more than a municipality's keys


class KeyCache(OrderedDict[str, tuple[float, Any]]):
    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        super().__init__()
        self.max_keys = max_keys

    def get(self, digest: str, default: Any = None) -> Any:  # type: ignore[override]
        if digest not in self:
            return default
        self.move_to_end(digest)
        return self[digest]

    def __setitem__(self, digest: str, entry: tuple[float, Any]) -> None:
        super().__setitem__(digest, entry)
        self.move_to_end(digest)
        while len(self) > self.max_keys:
            self.popitem(last=False)
