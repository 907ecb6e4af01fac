"""Backtest: replay stored requests through the current and a candidate rule set and count what changes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .engine import Decision, RoutingInput, RuleSet

ASPECTS = ("department", "priority", "sla", "needs_review")


@dataclass
class BacktestReport:
    current_digest: str
    candidate_digest: str
    total: int = 0
    errors: int = 0  # records that could not be read; they are counted, never dropped silently
    changed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ASPECTS, 0))
    changed_any: int = 0
    department_moves: Counter = field(default_factory=Counter)  # "a -> b" -> count
    move_examples: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (a, b) -> requests
    department_names: dict[str, str] = field(default_factory=dict)  # code -> name, from both rule sets
    current_rule_hits: Counter = field(default_factory=Counter)
    candidate_rule_hits: Counter = field(default_factory=Counter)
    current_fallback: int = 0
    candidate_fallback: int = 0
    examples: dict[str, list[dict]] = field(default_factory=lambda: {a: [] for a in ASPECTS})
    error_examples: list[dict] = field(default_factory=list)
    seconds: float = 0.0  # wall clock
    cpu_seconds: float = 0.0  # this process only; steadier on a busy machine
    max_examples: int = 5

    @property
    def per_second(self) -> float:
        return self.total / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict:
        rules = sorted(set(self.current_rule_hits) | set(self.candidate_rule_hits))
        return {
            "current_digest": self.current_digest,
            "candidate_digest": self.candidate_digest,
            "total": self.total,
            "errors": self.errors,
            "changed": dict(self.changed),
            "changed_any": self.changed_any,
            "department_moves": dict(self.department_moves.most_common()),
            "moves": self.moves(),
            "department_names": dict(self.department_names),
            "fallback": {"current": self.current_fallback, "candidate": self.candidate_fallback},
            "per_rule": {
                r: {
                    "current": self.current_rule_hits.get(r, 0),
                    "candidate": self.candidate_rule_hits.get(r, 0),
                    "delta": self.candidate_rule_hits.get(r, 0) - self.current_rule_hits.get(r, 0),
                }
                for r in rules
            },
            "examples": self.examples,
            "error_examples": self.error_examples,
            "seconds": round(self.seconds, 4),
            "cpu_seconds": round(self.cpu_seconds, 4),
            "requests_per_second": round(self.per_second, 1),
        }

    def moves(self) -> list[dict]:
        """Department moves, largest first, each with up to max_examples of the requests that move."""
        out = []
        for move, n in self.department_moves.most_common():
            before, after = move.split(" -> ", 1)
            out.append({"from": before, "to": after, "count": n,
                        "examples": self.move_examples.get((before, after), [])})  # fmt: skip
        return out

    def format(self) -> str:
        lines = [
            f"Backtest: {self.total} requests, current {self.current_digest[:12]} -> candidate "
            f"{self.candidate_digest[:12]} ({self.per_second:,.0f} requests/s)",
            f"  changed: {self.changed_any} requests "
            + ", ".join(f"{k} {v}" for k, v in self.changed.items()),
            f"  fallback: {self.current_fallback} -> {self.candidate_fallback}",
        ]
        if self.errors:
            lines.append(f"  unreadable records: {self.errors}")
        if self.department_moves:
            lines.append("  department moves:")
            lines += [f"    {move}: {n}" for move, n in self.department_moves.most_common(20)]
        lines.append("  per rule (current -> candidate):")
        for r, row in self.to_dict()["per_rule"].items():
            mark = "" if row["delta"] == 0 else f"  ({row['delta']:+d})"
            lines.append(f"    {r:<30} {row['current']:>7} -> {row['candidate']:<7}{mark}")
        for aspect, exs in self.examples.items():
            if exs:
                lines.append(f"  examples ({aspect}):")
                for ex in exs:
                    lines.append(f"    {ex['id']}: {ex['before']} -> {ex['after']}")
        return "\n".join(lines)


def _record_id(rec: Mapping, n: int) -> str:
    for key in ("tracking_code", "id"):
        if rec.get(key) not in (None, ""):
            return str(rec[key])
    return f"#{n}"


def _add_move_example(report: BacktestReport, rec: Any, n: int, before: str, after: str) -> None:
    bucket = report.move_examples.setdefault((before, after), [])
    if len(bucket) >= report.max_examples:
        return
    if isinstance(rec, Mapping):  # stored requests carry their id (for a link) and tracking code
        bucket.append({"id": rec.get("id"), "tracking_code": rec.get("tracking_code") or _record_id(rec, n)})
    else:
        bucket.append({"id": None, "tracking_code": f"#{n}"})


def _value(d: Decision, aspect: str) -> Any:
    if aspect == "sla":
        unit = "iş günü" if d.effective_sla_business_days else "gün"
        return f"{d.effective_sla_days} {unit}"
    return getattr(d, aspect)


def backtest(
    current: RuleSet, candidate: RuleSet, records: Iterable[Mapping], *, max_examples: int = 5
) -> BacktestReport:
    report = BacktestReport(current.digest, candidate.digest, max_examples=max_examples)
    report.department_names = {
        code: d.name for rs in (current, candidate) for code, d in rs.departments.items()
    }
    started = time.perf_counter()
    cpu_started = time.process_time()
    for n, rec in enumerate(records):
        report.total += 1
        try:
            inp = rec if isinstance(rec, RoutingInput) else RoutingInput.from_mapping(rec)
            shared: dict = {}  # folded text and place keys are computed once for both rule sets
            a = current.route(inp, explain=False, finish=False, _cache=shared)
            b = candidate.route(inp, explain=False, finish=False, _cache=shared)
        except Exception as exc:  # one bad record must not sink the whole replay
            report.errors += 1
            if len(report.error_examples) < max_examples:
                rid = _record_id(rec, n) if isinstance(rec, Mapping) else f"#{n}"
                report.error_examples.append({"id": rid, "error": type(exc).__name__})
            continue
        report.current_rule_hits.update(a.matched_rules)
        report.candidate_rule_hits.update(b.matched_rules)
        report.current_fallback += a.fallback
        report.candidate_fallback += b.fallback
        any_change = False
        for aspect in ASPECTS:
            before, after = _value(a, aspect), _value(b, aspect)
            if before != after:
                any_change = True
                report.changed[aspect] += 1
                if aspect == "department":
                    report.department_moves[f"{before} -> {after}"] += 1
                    _add_move_example(report, rec, n, before, after)
                bucket = report.examples[aspect]
                if len(bucket) < max_examples:
                    rid = _record_id(rec, n) if isinstance(rec, Mapping) else f"#{n}"
                    bucket.append(
                        {
                            "id": rid,
                            "before": before,
                            "after": after,
                            "rules_before": a.matched_rules,
                            "rules_after": b.matched_rules,
                        }
                    )
        report.changed_any += any_change
    report.seconds = time.perf_counter() - started
    report.cpu_seconds = time.process_time() - cpu_started
    return report
