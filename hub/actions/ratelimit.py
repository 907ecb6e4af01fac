"""Counting a hit against a rate limit that all hub processes share (PostgreSQL).

No audit event: these are throttling counters, not records anyone answers for, and they
are deleted once they leave the window."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from hub.models import RateHit, utcnow

_SWEEP_CHANCE = 0.02  # now and then, also drop stale rows of keys that never came back


def hit(
    session: Session, bucket: str, key: str, limit: int, window: float, *, count: bool = True,
    now: datetime | None = None,
) -> float | None:  # fmt: skip
    """None when allowed (and, with ``count``, counted); else seconds until a hit is allowed.
    A refused hit is not counted, so a client that waits gets in on time."""
    if limit <= 0:
        return window
    now = now or utcnow()
    since = now - timedelta(seconds=window)
    stamps = session.exec(
        select(RateHit.at).where(RateHit.bucket == bucket, RateHit.key == key, col(RateHit.at) > since)
        .order_by(col(RateHit.at)).limit(limit)
    ).all()  # fmt: skip
    if len(stamps) >= limit:
        return max(1.0, (stamps[0] + timedelta(seconds=window) - now).total_seconds())
    if count:
        session.add(RateHit(bucket=bucket, key=key, at=now))
        stale = delete(RateHit).where(RateHit.bucket == bucket, col(RateHit.at) <= since)
        if random.random() >= _SWEEP_CHANCE:
            stale = stale.where(RateHit.key == key)
        session.execute(stale)
    return None


# -- counters read and reset by a caller's own policy (the login and API key throttles) ---------


def client_network(ip: str) -> str:
    """What a client address counts as in a per-address throttle: an IPv6 address by its /64
    ("2001:db8:1:2::/64"), since one subscriber (a home line, a phone, a rented server) is given a
    whole /64 and may take a new address from it for every request; an IPv4 address as it is. An
    IPv4-mapped IPv6 address counts as its IPv4 address, anything else ("unknown") as it is."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv4Address):
        return ip
    if addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(addr) >> 64 << 64, 64)))  # int(): drops a %scope too


def aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def distinct_wait(latest: list[datetime], now: datetime, limit: int, window: float) -> float | None:
    """Seconds until a caller that may use at most ``limit`` different keys per ``window`` may
    try again, or None. ``latest``: each key's latest hit, oldest first (as ``keys_since`` gives
    them); the caller is free again once enough keys have left the window. The login throttle
    counts names per address with it, the API key throttle wrong keys per address."""
    if len(latest) < limit:
        return None
    leaves = aware(latest[len(latest) - limit]) + timedelta(seconds=window)
    left = (leaves - now).total_seconds()
    return left if left > 0 else None


def lock(session: Session, bucket: str, key: str) -> None:
    """Serialise check-then-count on one key until the transaction ends, so parallel requests
    cannot all pass the check before any of them is counted. SQLite's write transactions are
    already exclusive (BEGIN IMMEDIATE); PostgreSQL takes a transaction advisory lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{bucket}\n{key}"})


def stamps(session: Session, bucket: str, key: str, since: datetime) -> list[datetime]:
    """Times of this key's hits after ``since``, oldest first."""
    rows = session.exec(
        select(RateHit.at).where(RateHit.bucket == bucket, RateHit.key == key, col(RateHit.at) > since)
        .order_by(col(RateHit.at))
    )  # fmt: skip
    return list(rows)


def keys_since(session: Session, bucket: str, prefix: str, since: datetime) -> list[tuple[str, datetime]]:
    """Each key of the bucket that starts with ``prefix`` and has hits after ``since``, with its
    latest hit; the key whose latest hit is oldest (the next to leave the window) first."""
    rows = session.exec(
        select(RateHit.key, func.max(RateHit.at))
        .where(RateHit.bucket == bucket, col(RateHit.key).startswith(prefix, autoescape=True), col(RateHit.at) > since)
        .group_by(RateHit.key).order_by(func.max(RateHit.at))
    )  # fmt: skip
    return [(k, at) for k, at in rows]


def add(session: Session, bucket: str, key: str, *, now: datetime, keep: float) -> None:
    """Count one hit; drop this key's hits older than ``keep`` seconds."""
    session.add(RateHit(bucket=bucket, key=key, at=now))
    session.execute(
        delete(RateHit).where(
            RateHit.bucket == bucket, RateHit.key == key, col(RateHit.at) <= now - timedelta(seconds=keep)
        )
    )


def clear(session: Session, bucket: str, key: str) -> None:
    """Forget a key's hits."""
    session.execute(delete(RateHit).where(RateHit.bucket == bucket, RateHit.key == key))


def sweep(session: Session, bucket: str, before: datetime) -> None:
    """Drop the bucket's hits at or before ``before`` (keys that never came back)."""
    session.execute(delete(RateHit).where(RateHit.bucket == bucket, col(RateHit.at) <= before))
