"""The staff login throttle: per account with growing delays, per address against spraying.

**Per account** (the real protection): the first ``ACCOUNT_FREE_FAILURES`` wrong passwords
cost nothing; after that each further attempt must wait 2, 4, 8 … seconds after the last
failure, up to ``ACCOUNT_MAX_WAIT``, whatever address it comes from. While the account waits
every attempt gets the same 429 and Retry-After, a right password too, and the password is not
even checked, so the answer says nothing about it. A successful login resets the count;
failures older than ``ACCOUNT_MEMORY`` are forgotten. The account is the name as typed
(lower-cased), so unknown names are throttled exactly like real ones and the throttle does not
reveal which accounts exist.

**Per address**: one address may fail logins for at most ``ADDRESS_ACCOUNTS`` different
account names per ``ADDRESS_WINDOW``. It counts names, not failures, so one person behind a
municipality's NAT who mistypes their own password ten times slows down only their own
account, not the whole office; a script trying one password on many names is stopped. An IPv6
address counts by its /64, which one client can pick addresses from at will
(``ratelimit.client_network``).

Both counters live in the ``ratehit`` table (``hub.actions.ratelimit``), shared by every hub
process on the database, with names and addresses only as keyed hashes. Every attempt is
counted *before* its password is checked (a right password then removes it), under a lock, so
parallel requests cannot slip past the limit together.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hub.actions import ratelimit
from hub.models import utcnow

ACCOUNT_BUCKET = "login-account"
ADDRESS_BUCKET = "login-address"
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_MAX_WAIT = 900.0  # 15 minutes
ACCOUNT_MEMORY = 24 * 3600.0
ADDRESS_ACCOUNTS = 20
ADDRESS_WINDOW = 900.0
_SWEEP_CHANCE = 0.02


@dataclass(frozen=True, slots=True)
class Refusal:
    wait: float  # seconds until an attempt is allowed
    scope: str  # "account" | "address"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a failed attempt did to the counters: the events worth auditing."""

    account_failures: int
    account_wait: float | None  # the delay the next attempt on this account must wait
    address_accounts: int
    address_wait: float | None


def account_delay(failures: int) -> float | None:
    """How long after the last of ``failures`` failures the next attempt must wait."""
    if failures < ACCOUNT_FREE_FAILURES:
        return None
    return min(ACCOUNT_MAX_WAIT, 2.0 ** (failures - ACCOUNT_FREE_FAILURES + 1))


def _account_wait(stamps: list[datetime], now: datetime) -> float | None:
    delay = account_delay(len(stamps))
    if delay is None:
        return None
    left = (ratelimit.aware(stamps[-1]) + timedelta(seconds=delay) - now).total_seconds()
    return left if left > 0 else None


def _address_wait(last_hits: list[datetime], now: datetime) -> float | None:
    """``last_hits``: each failed name's latest failure from this address, oldest first. The
    address is free again once enough names have left the window."""
    return ratelimit.distinct_wait(last_hits, now, ADDRESS_ACCOUNTS, ADDRESS_WINDOW)


class LoginThrottle:
    def __init__(self, db: Any, secret: bytes) -> None:
        self.db = db
        self.secret = secret

    def _hash(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"login-{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, ip: str, username: str) -> tuple[str, str]:
        account = self._hash("account", username.strip().lower())
        return account, self._hash("address", ratelimit.client_network(ip)) + ":"

    def begin(self, ip: str, username: str) -> Refusal | None:
        """Refuse the attempt, or count it as a failure until ``succeeded`` says otherwise."""
        account, address = self._keys(ip, username)
        now = utcnow()
        with self.db.session() as session:
            ratelimit.lock(session, ACCOUNT_BUCKET, account)
            ratelimit.lock(session, ADDRESS_BUCKET, address)
            stamps = ratelimit.stamps(session, ACCOUNT_BUCKET, account, now - timedelta(seconds=ACCOUNT_MEMORY))
            wait = _account_wait(stamps, now)
            if wait is not None:
                return Refusal(wait, "account")
            names = ratelimit.keys_since(session, ADDRESS_BUCKET, address, now - timedelta(seconds=ADDRESS_WINDOW))
            wait = _address_wait([at for _, at in names], now)
            if wait is not None:
                return Refusal(wait, "address")
            ratelimit.add(session, ACCOUNT_BUCKET, account, now=now, keep=ACCOUNT_MEMORY)
            ratelimit.add(session, ADDRESS_BUCKET, address + account, now=now, keep=ADDRESS_WINDOW)
            if random.random() < _SWEEP_CHANCE:  # names and addresses that never came back
                ratelimit.sweep(session, ACCOUNT_BUCKET, now - timedelta(seconds=ACCOUNT_MEMORY))
                ratelimit.sweep(session, ADDRESS_BUCKET, now - timedelta(seconds=ADDRESS_WINDOW))
        return None

    def outcome(self, ip: str, username: str) -> Outcome:
        """After a failed attempt: where the account and the address now stand."""
        account, address = self._keys(ip, username)
        now = utcnow()
        with self.db.reader() as session:
            stamps = ratelimit.stamps(session, ACCOUNT_BUCKET, account, now - timedelta(seconds=ACCOUNT_MEMORY))
            names = ratelimit.keys_since(session, ADDRESS_BUCKET, address, now - timedelta(seconds=ADDRESS_WINDOW))
        return Outcome(
            account_failures=len(stamps), account_wait=account_delay(len(stamps)),
            address_accounts=len(names), address_wait=_address_wait([at for _, at in names], now),
        )  # fmt: skip

    def succeeded(self, session: Any, ip: str, username: str) -> None:
        """A right password: the account's count starts again, and this address no longer
        counts the name (in the caller's transaction, with the login's audit event)."""
        account, address = self._keys(ip, username)
        ratelimit.clear(session, ACCOUNT_BUCKET, account)
        ratelimit.clear(session, ADDRESS_BUCKET, address + account)
