"""Counting a hit against a rate limit that all hub processes share (PostgreSQL).

No audit event: these are throttling counters, not records anyone answers for, and they
are deleted once they leave the window."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import delete
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
