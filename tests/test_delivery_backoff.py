"""Retry policy: delays stay in bounds, jitter spreads them, growth is monotone until the cap."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from hub.delivery.backoff import (
    DeliveryError,
    PermanentDeliveryError,
    RetryPolicy,
    parse_retry_after,
)


def test_delays_never_leave_bounds() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    for attempt in range(1, 200):
        for _ in range(20):
            delay = policy.next_delay(attempt, rng=rng)
            assert 0 <= delay <= policy.max_delay_seconds


def test_jitter_spreads_delays_within_the_configured_range() -> None:
    policy = RetryPolicy(base_seconds=10, factor=2, jitter=0.25, max_delay_seconds=3600)
    rng = random.Random(42)
    samples = [policy.next_delay(3, rng=rng) for _ in range(2000)]  # base delay 40 s
    assert min(samples) >= 30 and max(samples) <= 50
    # Jitter actually spreads retries (no thundering herd): both ends of the range are used.
    assert min(samples) < 32 and max(samples) > 48


def test_growth_is_monotone_until_the_cap_then_flat() -> None:
    policy = RetryPolicy(base_seconds=5, factor=2, max_delay_seconds=300, jitter=0)
    delays = [policy.next_delay(n) for n in range(1, 15)]
    assert delays[:3] == [5, 10, 20]
    capped_from = delays.index(300)
    assert all(a < b for a, b in zip(delays[:capped_from], delays[1 : capped_from + 1], strict=True))
    assert all(d == 300 for d in delays[capped_from:])


def test_jittered_ranges_of_consecutive_attempts_do_not_overlap_before_the_cap() -> None:
    policy = RetryPolicy(base_seconds=1, factor=2, max_delay_seconds=10_000, jitter=0.25)
    rng = random.Random(1)
    for attempt in range(1, 10):
        latest_now = max(policy.next_delay(attempt, rng=rng) for _ in range(200))
        earliest_next = min(policy.next_delay(attempt + 1, rng=rng) for _ in range(200))
        assert earliest_next > latest_now


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert RetryPolicy(jitter=0).next_delay(100_000) == 3600


def test_give_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=8)
    assert [policy.should_give_up(n) for n in range(1, 10)] == [False] * 7 + [True, True]


def test_delay_after_honours_retry_after_and_permanent_errors() -> None:
    policy = RetryPolicy(base_seconds=1, jitter=0)
    assert policy.delay_after(1, DeliveryError("busy", retry_after=120)) == 120
    assert policy.delay_after(1, DeliveryError("busy", retry_after=0.1)) == 1  # never shorter than backoff
    assert policy.delay_after(1, PermanentDeliveryError("bad address")) is None
    assert policy.delay_after(policy.max_attempts, DeliveryError("busy")) is None


def test_invalid_policies_and_attempts_are_rejected() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy().next_delay(0)


def test_retry_after_parsing() -> None:
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90
    assert parse_retry_after("yarın") is None
    assert parse_retry_after(None) is None
