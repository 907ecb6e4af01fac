"""The two seams of the pipeline: classification and routing.

The pipeline depends on these small protocols, not on ``classifier`` or the rule
engine directly, so either can be swapped (or be a no-op, as in benchmarks).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol


class ClassifierPort(Protocol):
    def classify(
        self, text: str, *, subject: str | None = None, known_location: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """topic, confidence, type, out_of_scope, needs_review, location{mahalle, ilce, ...}, model_version."""
        ...

    # Optional: classify_many(items: list[(text, subject, known_location)]) -> list[dict], used for
    # batches when present (the pipeline checks with getattr).


class RouterPort(Protocol):
    version: str | None

    def route(self, inp: dict[str, Any]) -> dict[str, Any]:
        """A Decision as a dict: department, co_departments, priority, tags, needs_review, trace, ..."""
        ...

    # Optional: route_stored(inp) -> the same decision with the trace in the compact form intake
    # stores (hub.rules.stored_trace); the pipeline uses it when present (getattr), else route().

    def due(self, inp: dict[str, Any], decision: dict[str, Any], received_at: datetime) -> tuple[datetime, dict]:
        """(due_at, {days, business_days, policy})."""
        ...


class NoopClassifier:
    def classify(
        self, text: str, *, subject: str | None = None, known_location: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        loc = dict(known_location or {})
        if loc:
            loc["source"] = "known"
        return {
            "topic": None, "confidence": None, "type": None, "out_of_scope": False,
            "needs_review": False, "location": loc, "model_version": None,
        }  # fmt: skip

    def classify_many(self, items: list[tuple[str, str | None, dict[str, Any] | None]]) -> list[dict[str, Any]]:
        return [self.classify(t, subject=s, known_location=k) for t, s, k in items]


class NoopRouter:
    """Sends everything to the fallback triage queue with a 30-day (law 3071) deadline."""

    version: str | None = None

    def __init__(self, fallback: str = "beyaz-masa") -> None:
        self.fallback = fallback

    def route(self, inp: dict[str, Any]) -> dict[str, Any]:
        return {
            "department": self.fallback, "co_departments": [], "priority": "normal", "tags": [],
            "needs_review": False, "auto_reply": None, "notify_citizen": True, "escalate_to": None,
            "matched_rules": [], "fallback": True,
            "trace": {"fallback": True, "reason": "no rule engine configured"},
        }  # fmt: skip

    def due(self, inp: dict[str, Any], decision: dict[str, Any], received_at: datetime) -> tuple[datetime, dict]:
        return received_at + timedelta(days=30), {"days": 30, "business_days": False, "policy": "default"}
