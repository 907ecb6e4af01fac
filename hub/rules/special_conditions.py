"""Named conditions that are not plain field tests: mahalle_in, low_confidence, holiday."""

from __future__ import annotations

from typing import Any

from .compiled import ALWAYS, Condition, trace_value
from .context import CompileContext, Group, suggest
from .loader import Path
from .view import View


def mahalle_in(value: Any, path: Path, ctx: CompileContext) -> Condition:
    names = value if isinstance(value, list) else [value]
    groups: list[Group] = []
    for i, n in enumerate(names):
        p = (*path, i) if isinstance(value, list) else path
        if not isinstance(n, str) or n not in ctx.groups:
            ctx.issue(p, f"bilinmeyen mahalle grubu: {n}", suggestion=suggest(str(n), ctx.groups))
            continue
        groups.append(ctx.groups[n])

    def test(v: View) -> bool:
        ik = v.key_of("ilce") or ""
        mk = v.key_of("mahalle")
        for g in groups:
            if ik in g.ilce_keys or (mk is not None and (ik, mk) in g.pair_keys):
                return True
        return False

    def explain(v: View) -> dict:
        return {
            "cond": "mahalle_in",
            "expected": trace_value(value),
            "actual": {"ilce": v.get("ilce"), "mahalle": v.get("mahalle")},
            "held": test(v),
        }

    return Condition(test, explain, {"mahalle_in": value})


def low_confidence(value: Any, path: Path, ctx: CompileContext) -> Condition:
    if not isinstance(value, bool):
        ctx.issue(path, "'low_confidence' true ya da false alır")
        return ALWAYS
    threshold = ctx.review_threshold

    def is_low(v: View) -> bool:
        conf = v.get("topic_confidence")
        return conf is None or isinstance(conf, bool) or conf < threshold

    def test(v: View) -> bool:
        return is_low(v) is value

    def explain(v: View) -> dict:
        return {
            "cond": "low_confidence",
            "expected": value,
            "threshold": threshold,
            "actual": v.get("topic_confidence"),
            "held": test(v),
        }

    return Condition(test, explain, {"low_confidence": value})


def holiday(value: Any, path: Path, ctx: CompileContext) -> Condition:
    if not isinstance(value, bool):
        ctx.issue(path, "'holiday' true ya da false alır")
        return ALWAYS
    from hub.sla import WorkCalendar  # local import: sla imports this module too

    cal = WorkCalendar()

    def test(v: View) -> bool:
        loc = v.local()
        if loc is None:
            return False
        return cal.is_public_holiday(loc.date()) is value

    def explain(v: View) -> dict:
        loc = v.local()
        return {
            "cond": "holiday",
            "expected": value,
            "actual": trace_value(loc.date() if loc else None),
            "held": test(v),
        }

    return Condition(test, explain, {"holiday": value})
