"""Retry policy and the error types every transport raises.

The outbox worker owns the attempt counter and the schedule; transports only say
whether a failure is worth retrying (``DeliveryError.retryable``) and, when the
remote side told us, how long to wait (``retry_after``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# A remote Retry-After beyond this is treated as this; a misconfigured server must not park a row for weeks.
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0


class DeliveryError(Exception):
    """A delivery attempt failed. ``retryable`` tells the worker whether to schedule another attempt."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({str(self)!r}, retryable={self.retryable}, "
            f"retry_after={self.retry_after}, status={self.status})"
        )


class PermanentDeliveryError(DeliveryError):
    """A failure that another attempt will not fix (bad address, 4xx, rejected content)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, retryable=False, retry_after=None, status=status)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with proportional jitter.

    ``attempt`` is the number of the attempt that just failed, starting at 1.
    The delay before attempt ``n + 1`` is ``base * factor ** (n - 1)`` capped at
    ``max_delay_seconds``, multiplied by a random factor in ``[1 - jitter, 1 + jitter]``
    and capped again, so no delay ever exceeds the cap.
    """

    base_seconds: float = 5.0
    factor: float = 2.0
    max_delay_seconds: float = 3600.0
    max_attempts: int = 8
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.max_delay_seconds < 0:
            raise ValueError("base_seconds and max_delay_seconds must not be negative")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    def base_delay(self, attempt: int) -> float:
        """The delay without jitter."""
        if attempt < 1:
            raise ValueError("attempt starts at 1")
        if self.base_seconds == 0:
            return 0.0
        # Compare in logs first so attempt 100_000 cannot overflow; compute exactly below the cap.
        if self.max_delay_seconds == 0:
            return 0.0
        log_delay = math.log(self.base_seconds) + (attempt - 1) * math.log(self.factor)
        if log_delay > math.log(self.max_delay_seconds) + 1:
            return self.max_delay_seconds
        return min(self.base_seconds * self.factor ** (attempt - 1), self.max_delay_seconds)

    def next_delay(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based) before trying again."""
        delay = self.base_delay(attempt)
        if self.jitter:
            spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
            delay *= spread
        return max(0.0, min(delay, self.max_delay_seconds))

    def should_give_up(self, attempt: int) -> bool:
        """True once ``attempt`` attempts have been made and none succeeded."""
        return attempt >= self.max_attempts

    def delay_after(
        self, attempt: int, error: BaseException, *, rng: random.Random | None = None
    ) -> float | None:
        """What the worker should do after failed attempt ``attempt``.

        Returns the delay in seconds before the next attempt, or ``None`` when the
        row should be marked failed (permanent error or attempts exhausted). A
        remote ``Retry-After`` is honoured: the delay is never shorter than it.
        Anything that is not a ``DeliveryError`` counts as retryable (a bug in a
        transport should not silently drop a message) but still runs out of attempts.
        """
        if isinstance(error, DeliveryError) and not error.retryable:
            return None
        if self.should_give_up(attempt):
            return None
        delay = self.next_delay(attempt, rng=rng)
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER_SECONDS))
        return delay


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse an HTTP ``Retry-After`` header (delta-seconds or HTTP-date) into seconds; ``None`` if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
