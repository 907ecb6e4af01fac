"""Prometheus metrics and log masking.

Metrics live in one registry owned by the hub so tests can start several hubs
in one process without name clashes.
"""

from __future__ import annotations

import logging
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from classifier.text import mask_pii

REGISTRY = CollectorRegistry(auto_describe=True)


class _Labelled:
    """Counter with one ``channel`` label and a short ``inc(channel)``."""

    def __init__(self, name: str, doc: str, label: str = "channel") -> None:
        self._c = Counter(name, doc, [label], registry=REGISTRY)

    def inc(self, value: str, amount: float = 1.0) -> None:
        self._c.labels(value).inc(amount)


class _Metrics:
    def __init__(self) -> None:
        self.intake_total = _Labelled("hub_intake_requests_total", "Messages that opened or joined a request")
        self.intake_duplicate_deliveries = _Labelled(
            "hub_intake_duplicate_deliveries_total", "Messages delivered again and absorbed by idempotency"
        )
        self.intake_latency = Histogram(
            "hub_intake_pipeline_seconds",
            "Time spent in the intake pipeline per message",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=REGISTRY,
        )
        self.outbox_backlog = Gauge(
            "hub_outbox_backlog", "Outbox rows not yet delivered", ["status"], registry=REGISTRY
        )
        self.outbox_delivered = _Labelled("hub_outbox_delivered_total", "Outbox rows delivered", "kind")
        self.outbox_failures = _Labelled("hub_outbox_failures_total", "Failed delivery attempts", "kind")
        self.quarantined = _Labelled("hub_quarantined_total", "Inputs that could not be parsed")
        self.http_errors = _Labelled("hub_http_errors_total", "HTTP responses with 4xx/5xx", "status")


metrics = _Metrics()


def render() -> bytes:
    return generate_latest(REGISTRY)


# --- KVKK: nothing personal in logs --------------------------------------------
_PHONE = re.compile(r"(?<!\d)(?:\+?90[\s\-.]?)?\(?0?5\d{2}\)?[\s\-.]?\d{3}[\s\-.]?\d{2}[\s\-.]?\d{2}(?!\d)")
_TCKN = re.compile(r"(?<!\d)[1-9]\d{10}(?!\d)")
_SECRET = re.compile(r"(?i)(password|passwd|token|secret|api[_-]?key|authorization)(\"?\s*[:=]\s*\"?)([^\s\",}]+)")


def mask_for_log(text: str) -> str:
    """Mask phone numbers, anything shaped like a TC kimlik no, and secrets.

    In logs we mask every 11-digit number, checksum or not: a false positive
    costs nothing there, a miss is a KVKK breach.
    """
    text = mask_pii(text)
    text = _PHONE.sub("[TELEFON]", text)
    text = _TCKN.sub("[TCKN]", text)
    return _SECRET.sub(lambda m: m.group(1) + m.group(2) + "***", text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not kill logging
            message = str(record.msg)
        record.msg = mask_for_log(message)
        record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
