"""Compiled conditions (test and explain closures) and how traces render the values they saw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from .fields import ISTANBUL
from .view import View

MISSING = object()
Test = Callable[[View], bool]
Explain = Callable[[View], dict]


class Condition:
    """A compiled condition. Calling it returns (held, explanation)."""

    __slots__ = ("test", "explain", "node", "tz", "cost")

    def __init__(
        self, test: Test, explain: Explain, node: Any, tz: ZoneInfo = ISTANBUL, cost: int = 1
    ) -> None:
        self.test = test
        self.explain = explain
        self.node = node
        self.tz = tz
        self.cost = cost  # rough relative price; cheap branches are tested first

    def __call__(self, record: Any) -> tuple[bool, dict]:
        view = record if isinstance(record, View) else View(record, self.tz)
        exp = self.explain(view)
        return exp["held"], exp


ALWAYS = Condition(lambda v: True, lambda v: {"always": True, "held": True}, None)


def matches(cond: Condition, record: Any) -> bool:
    view = record if isinstance(record, View) else View(record, cond.tz)
    return cond.test(view)


def trace_value(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, set | frozenset | tuple):
        return [trace_value(x) for x in v]
    if isinstance(v, list):
        return [trace_value(x) for x in v]
    if isinstance(v, str) and len(v) > 120:
        return v[:117] + "..."
    return v
