"""Which department the rules chose for a request, read back from its stored routing trace
(the last matched rule that set one wins, as in the engine; else the fallback)."""

from __future__ import annotations

from typing import Any


def rules_department(trace: dict[str, Any] | None) -> str | None:
    trace = trace or {}
    chosen = None
    for rule in trace.get("rules") or []:
        if not rule.get("matched"):
            continue
        for action in rule.get("actions") or []:
            if action.get("action") == "department" and action.get("value"):
                chosen = str(action["value"])
    fallback = trace.get("fallback") or {}
    if chosen is None and fallback.get("applied"):
        chosen = fallback.get("department")
    return chosen


def proposed_department(detail: dict[str, Any]) -> str | None:
    """What "İlet" preselects: the rules' choice, unless that department sent the request back
    ("bizim değil"); then the agent must choose."""
    chosen = rules_department((detail.get("routing") or {}).get("trace"))
    refused = {e["data"].get("department") for e in detail.get("events") or [] if e["kind"] == "request.sent_back"}
    if chosen in refused:
        return None
    return chosen or detail.get("department")
