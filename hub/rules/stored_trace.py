"""The routing trace as stored with a request: compact, rebuilt in full on demand.

A full trace explains every condition of every rule tried (about 5 KB a request) and costs
more to build than routing itself. Intake stores instead what determines it: the rule set's
digest, the routing input apart from the request's own text and subject (which stay on the
request), the indices of the rules that matched and the SLA the request got. The request page
runs the same rule set over the same input with ``explain`` on and gets the very trace intake
would have stored; the matched indices check that it did. Full traces stored by older
versions are shown as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .compiled import trace_value
from .engine import Decision, RoutingInput, RuleSet

KIND = "compact/1"
# RoutingInput fields kept in a compact trace; text and subject are the request's own columns.
_INPUT_FIELDS = (
    "channel", "request_type", "topic", "topic_confidence", "out_of_scope", "ilce", "mahalle", "contact_kind",
    "has_attachments", "is_duplicate", "tags", "priority", "status", "department",
)  # fmt: skip
_positions: dict[str, dict[str, int]] = {}  # digest -> rule id -> index in RuleSet.rules


def is_compact(trace: Any) -> bool:
    return isinstance(trace, Mapping) and trace.get("kind") == KIND


def _index(ruleset: RuleSet) -> dict[str, int]:
    pos = _positions.get(ruleset.digest)
    if pos is None:
        if len(_positions) > 32:  # a few rule sets live at a time; old ones are rebuilt rarely
            _positions.clear()
        pos = _positions[ruleset.digest] = {r.id: i for i, r in enumerate(ruleset.rules)}
    return pos


def compact(ruleset: RuleSet, inp: RoutingInput, decision: Decision) -> dict[str, Any]:
    """What intake stores for a decision made with ``explain=False``."""
    pos = _index(ruleset)
    snapshot: dict[str, Any] = {"received_at": inp.received_at.isoformat()}
    for name in _INPUT_FIELDS:
        value = getattr(inp, name)
        if value not in (None, False, []):
            snapshot[name] = value
    extra = {k: v for k, v in (inp.extra or {}).items() if v is not None}
    if extra:
        snapshot["extra"] = extra
    return {
        "kind": KIND,
        "ruleset": ruleset.digest[:12],
        "digest": ruleset.digest,
        "matched": [pos[rid] for rid in decision.matched_rules],
        "input": snapshot,
        "sla": {
            "days": decision.effective_sla_days,
            "business_days": decision.effective_sla_business_days,
            "policy": decision.sla_policy,
            "due_at": trace_value(decision.due_at),
        },
    }


def expand(
    trace: Mapping[str, Any], *, text: str | None, subject: str | None,
    ruleset_for: Callable[[str], RuleSet | None],
) -> dict[str, Any]:  # fmt: skip
    """The full trace of a stored one (a full trace is returned as it is). ``ruleset_for`` gives
    the compiled rule set of a digest, or None when that version is not stored."""
    if not is_compact(trace):
        return dict(trace)
    ruleset = ruleset_for(trace["digest"])
    if ruleset is None or ruleset.digest != trace["digest"]:
        return _summary(
            trace, None, "Bu talebi yönlendiren kural sürümü bulunamadı; yalnızca uyan kurallar gösteriliyor."
        )
    record = {**trace["input"], "text": text or "", "subject": subject}
    record["received_at"] = dt.datetime.fromisoformat(record["received_at"])
    inp = RoutingInput.from_mapping(record)
    decision = ruleset.route(inp, explain=True, finish=False)  # the due date is the stored one
    pos = _index(ruleset)
    if [pos[rid] for rid in decision.matched_rules] != list(trace["matched"]):
        return _summary(
            trace, ruleset, "Yönlendirme izi yeniden kurulamadı; yalnızca uyan kurallar gösteriliyor."
        )
    full = decision.trace
    full["sla"] = dict(trace["sla"])
    return full


def _summary(trace: Mapping[str, Any], ruleset: RuleSet | None, note: str) -> dict[str, Any]:
    """What the compact trace itself says, when the rules cannot be run again (a version that is
    not stored, or text that was erased): which rules matched and the SLA."""
    rules = []
    for i in trace.get("matched") or []:
        rule = ruleset.rules[i] if ruleset is not None and i < len(ruleset.rules) else None
        entry: dict[str, Any] = {"rule": rule.id if rule else f"#{i}", "line": rule.line if rule else None,
                                 "matched": True}  # fmt: skip
        if rule is not None:
            entry["actions"] = [
                {"action": n, "value": list(v) if isinstance(v, tuple) else v} for n, v in rule.actions
            ]
        rules.append(entry)
    return {
        "ruleset": trace.get("ruleset"),
        "rules": rules,
        "sla": dict(trace.get("sla") or {}),
        "note": note,
    }
