"""Mapping of HTTP outcomes to delivery errors, shared by the webhook and SMS transports."""

from __future__ import annotations

from collections.abc import Mapping

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError, parse_retry_after

# Statuses that mean "not now, maybe later"; everything else outside 2xx is the caller's fault.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def error_for_status(status: int, headers: Mapping[str, str], what: str, detail: str = "") -> DeliveryError:
    """The error to raise for a non-2xx response. ``detail`` must already be scrubbed."""
    suffix = f": {detail}" if detail else ""
    if is_retryable_status(status):
        return DeliveryError(
            f"{what} answered HTTP {status}{suffix}",
            retryable=True,
            retry_after=parse_retry_after(headers.get("Retry-After")),
            status=status,
        )
    return PermanentDeliveryError(f"{what} rejected the request with HTTP {status}{suffix}", status=status)
