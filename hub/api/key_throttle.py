"""The API key throttle: an address that keeps sending wrong keys waits.

One client address may send at most ``FAILED_KEYS`` different wrong API keys per ``WINDOW``.
After that, until enough of them have left the window, requests from it that carry a key get
429 with Retry-After and the key is *not looked up*: a right key waits too, so the answer never
tells a guessed key from a wrong one (and whoever shares the guesser's address, behind the same
NAT, waits with them). The address is the one the staff login throttles: the client named by a
trusted proxy (hub.forwarded), else the peer; an IPv6 address counts by its /64, which one client
can pick addresses from at will (``ratelimit.client_network``). Keys sent to /api/ (and to any
path, in the headers) and the ``api_key`` of Open311 (hub/web/open311.py) count together.

**What counts**: a key that is unknown, revoked, or whose owner's account is closed. It counts
different keys, not failures, as the login counts names per address: one job with a stale key
in its configuration, retrying every few seconds, does not lock out the integrations that share
its address, while a script guessing keys is stopped. **Not counted**: requests without a key
(their 401 stays as it was, from a waiting address too: they test no key, and counting them
would let a browser or a monitor probing /api/ lock an office's integrations out) and requests
that send two different keys (refused before any lookup). A right key resets nothing, so a
caller holding one key cannot clear its count while guessing others.

**Where it is kept**: the count is rows of the ``ratehit`` table (``hub.actions.ratelimit``, no
audit event), shared by every hub process on the database, with the address and the key only as
keyed hashes. Each process also remembers in memory which addresses it has seen made to wait,
and refuses those without touching the database. A key that is not in the process's key cache
is looked up in the database anyway; the address's count is read in that same visit. So a
successful call costs nothing extra when its key is cached, and one more small read every
``_KEY_TTL`` (hub/api/app.py) when it is not; only failures write. The one thing let through: a
key this process already holds as valid, from an address that other processes made to wait and
this one has not seen fail since. That reveals nothing a guesser could use (they would need the
key), and the next unknown key from the address meets the count.

Check and count are apart (counting before the lookup, as the login does, would cost every call
a write), so wrong keys from one address that are in flight together when it reaches the limit
are all looked up: the limit can be passed by that many. The failure that makes the address
wait is audited as ``auth.throttled`` (scope ``api_key``), once, not per refused request. If the
count cannot be written because the database is away, the 401 is answered anyway. The limits
are constants, as the login's are.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import random
import threading
import weakref
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlmodel import Session

from hub.actions import ratelimit
from hub.db_errors import database_unavailable
from hub.models import utcnow

log = logging.getLogger(__name__)

BUCKET = "apikey-address"
FAILED_KEYS = 20
WINDOW = 300.0  # 5 minutes
# A wrong key sent again counts from its latest use; that time is written at most this often,
# so a stale key retried every second does not cost a write per request.
REFRESH = 30.0
MAX_REMEMBERED = 100_000  # waiting addresses kept in memory; expired ones are dropped first
_SWEEP_CHANCE = 0.02


def _wait(latest: list[datetime], now: datetime) -> float | None:
    """``latest``: each wrong key's latest use from the address, oldest first. The address may try
    again once enough keys have left the window."""
    return ratelimit.distinct_wait(latest, now, FAILED_KEYS, WINDOW)


class ApiKeyThrottle:
    def __init__(self, db: Any, secret: bytes) -> None:
        self.db = db
        self.secret = secret
        # client_network(address) -> when it may try again, as this process saw
        self._waiting: dict[str, datetime] = {}
        self._lock = threading.Lock()  # written from database threads, read on the event loop

    def _hash(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"apikey-{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _address(self, ip: str) -> str:
        return self._hash("address", ratelimit.client_network(ip)) + ":"

    def _learn(self, ip: str, wait: float, now: datetime) -> None:
        net = ratelimit.client_network(ip)
        with self._lock:
            if net not in self._waiting and len(self._waiting) >= MAX_REMEMBERED:
                for old in [a for a, until in self._waiting.items() if until <= now]:
                    del self._waiting[old]
                if len(self._waiting) >= MAX_REMEMBERED:  # still full: forget the soonest to expire
                    for old in sorted(self._waiting, key=self._waiting.__getitem__)[: MAX_REMEMBERED // 2]:
                        del self._waiting[old]
            self._waiting[net] = now + timedelta(seconds=wait)

    def remembered(self, ip: str) -> float | None:
        """Seconds the address must still wait, as far as this process knows; no database."""
        net = ratelimit.client_network(ip)
        until = self._waiting.get(net)
        if until is None:
            return None
        left = (until - utcnow()).total_seconds()
        if left > 0:
            return left
        with self._lock:
            if self._waiting.get(net) == until:
                del self._waiting[net]
        return None

    def wait_in(self, session: Session, ip: str) -> float | None:
        """Seconds the address must still wait, from the shared count (read in ``session``)."""
        now = utcnow()
        keys = ratelimit.keys_since(session, BUCKET, self._address(ip), now - timedelta(seconds=WINDOW))
        wait = _wait([at for _, at in keys], now)
        if wait is not None:
            self._learn(ip, wait, now)
        return wait

    def failed(self, ip: str, key: str) -> None:
        """Count a wrong key from ``ip``; audit the failure that makes the address wait."""
        from hub.actions import users

        address = self._address(ip)
        wrong = address + self._hash("key", key)
        now = utcnow()
        with self.db.session() as session:
            ratelimit.lock(session, BUCKET, address)
            since = now - timedelta(seconds=WINDOW)
            seen = {k: ratelimit.aware(at) for k, at in ratelimit.keys_since(session, BUCKET, address, since)}
            wait = _wait(sorted(seen.values()), now)
            if wait is not None:  # already waiting (another process, or a request in flight, made it so)
                self._learn(ip, wait, now)
                return
            last = seen.get(wrong)
            if last is not None and last > now - timedelta(seconds=REFRESH):
                return  # the same wrong key, counted a moment ago
            ratelimit.clear(session, BUCKET, wrong)  # one row per key: its latest use
            ratelimit.add(session, BUCKET, wrong, now=now, keep=WINDOW)
            if random.random() < _SWEEP_CHANCE:  # addresses that never came back
                ratelimit.sweep(session, BUCKET, now - timedelta(seconds=WINDOW))
            seen[wrong] = now
            wait = _wait(sorted(seen.values()), now)
            if last is not None or wait is None:  # no new key, or not yet enough of them
                return
            users.record_throttled(session, ip, None, scope="api_key", failures=FAILED_KEYS, wait_seconds=wait)
        self._learn(ip, wait, now)
        log.warning("API keys from %s throttled: %d wrong keys within %d s", ip, FAILED_KEYS, WINDOW)


_throttles: weakref.WeakKeyDictionary[Any, ApiKeyThrottle] = weakref.WeakKeyDictionary()


def for_hub(hub: Any) -> ApiKeyThrottle:
    throttle = _throttles.get(hub)
    if throttle is None:
        from hub.ui.session import ui_state  # the key every hub process shares

        throttle = _throttles[hub] = ApiKeyThrottle(hub.db, ui_state(hub).key)
    return throttle


def too_many(wait: float) -> web.Response:
    from hub.api.errors import error_response

    seconds = max(1, math.ceil(wait))
    resp = error_response(
        429, "too_many_attempts", f"too many wrong API keys from this address; retry in {seconds} seconds"
    )
    resp.headers["Retry-After"] = str(seconds)
    return resp


async def count_failure(hub: Any, ip: str, key: str) -> None:
    try:
        await hub.db.run(for_hub(hub).failed, ip, key)
    except Exception as exc:  # the caller answers 401 whether or not the failure could be counted
        if not database_unavailable(exc):
            raise
        log.warning("API key failure from %s not counted: database unavailable (%s)", ip, type(exc).__name__)
