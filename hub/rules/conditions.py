"""The condition language shared by routing rules, SLA policies and saved queue filters.

A condition is YAML/JSON data compiled once into two closures:
  * ``test(view) -> bool``      fast path (backtests, queue filters), short-circuits;
  * ``explain(view) -> dict``   evaluates every branch and records the value it saw (routing traces).

Syntax (see docs/rules.md for the full table):
  {all: [c, ...]}  {any: [c, ...]}  {not: c}      combinators; a mapping with several keys is an implicit all
  {field: value}                                  eq (a list means in)
  {field: {op: value, ...}}                       ops: eq ne in not_in gt gte lt lte between
                                                  contains contains_any contains_all regex exists
  text_contains_any / text_contains_all / text_regex / mahalle_in / low_confidence / holiday / always

This module is the compiler; fields, view, compiled, operands, leaves and special_conditions hold the parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from .compiled import ALWAYS, Condition, matches, trace_value
from .context import CompileContext, Group, suggest
from .errors import RulesError
from .fields import FIELD_NAME, OPERATORS, ROUTING_FIELDS, SPECIAL_CONDITIONS
from .leaves import leaf
from .loader import Path, load_marked
from .special_conditions import holiday, low_confidence, mahalle_in
from .view import View
from .vocab import DEFAULT_TOPICS

__all__ = [
    "ALWAYS",
    "CompileContext",
    "Condition",
    "Group",
    "View",
    "compile_condition",
    "compile_node",
    "dump_node",
    "matches",
    "suggest",
    "trace_value",
]


def compile_condition(
    node: Any, *, where: str = "filter", context: CompileContext | None = None
) -> Condition:
    """Compile condition data (dict/list, or YAML/JSON text) into a Condition; raises RulesError."""
    ctx = context or CompileContext(where=where)
    if context is None and ctx.known_topics is None:
        ctx.known_topics = set(DEFAULT_TOPICS)
    if isinstance(node, str):
        ctx.doc = load_marked(node, "<condition>")
        node = ctx.doc.data
    before = len(ctx.issues)
    cond = compile_node(node, (), ctx) if node not in (None, {}) else ALWAYS
    if context is None and len(ctx.issues) > before:
        raise RulesError(ctx.issues, "<condition>")
    return Condition(cond.test, cond.explain, node, ctx.tz)


def compile_node(node: Any, path: Path, ctx: CompileContext) -> Condition:
    if isinstance(node, list):
        return _combine("all", [compile_node(n, (*path, i), ctx) for i, n in enumerate(node)])
    if not isinstance(node, Mapping):
        ctx.issue(path, f"koşul '{{topic: su-kanalizasyon}}' gibi bir eşleme olmalı; yazılan: {node!r}")
        return ALWAYS
    if not node:
        ctx.issue(path, "boş koşul; her talebe uyması için 'always: true' yazın")
        return ALWAYS
    parts = [_compile_key(k, v, (*path, k), ctx) for k, v in node.items()]
    return parts[0] if len(parts) == 1 else _combine("all", parts)


def _combine(kind: str, parts: list[Condition]) -> Condition:
    # Test cheap field comparisons before text searches; explanations keep the file order.
    tests = [p.test for p in sorted(parts, key=lambda p: p.cost)]
    explains = [p.explain for p in parts]
    cost = sum(p.cost for p in parts)
    if kind == "all":
        if len(tests) == 2:  # the common case; avoids generator overhead in the hot path
            t0, t1 = tests

            def test(v: View) -> bool:
                return t0(v) and t1(v)

        else:

            def test(v: View) -> bool:
                for t in tests:
                    if not t(v):
                        return False
                return True

        def explain(v: View) -> dict:
            subs = [e(v) for e in explains]
            return {"all": subs, "held": all(s["held"] for s in subs)}

    else:

        def test(v: View) -> bool:
            for t in tests:
                if t(v):
                    return True
            return False

        def explain(v: View) -> dict:
            subs = [e(v) for e in explains]
            return {"any": subs, "held": any(s["held"] for s in subs)}

    return Condition(test, explain, None, cost=cost)


def _compile_key(key: str, value: Any, path: Path, ctx: CompileContext) -> Condition:
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            ctx.issue(path, f"'{key}' boş olmayan bir koşul listesi ister")
            return ALWAYS
        return _combine(key, [compile_node(n, (*path, i), ctx) for i, n in enumerate(value)])
    if key == "not":
        inner = compile_node(value, path, ctx)
        it, ie = inner.test, inner.explain

        def explain_not(v: View) -> dict:
            sub = ie(v)
            return {"not": sub, "held": not sub["held"]}

        return Condition(lambda v: not it(v), explain_not, None, cost=inner.cost)
    if key == "always":
        if not isinstance(value, bool):
            ctx.issue(path, "'always' true ya da false alır")
            return ALWAYS
        return Condition(lambda v: value, lambda v: {"always": value, "held": value}, None)
    if key in ("text_contains_any", "text_contains_all", "text_regex"):
        op = key[len("text_") :]
        return leaf("text", op, value, path, ctx, label=key)
    if key == "mahalle_in":
        return mahalle_in(value, path, ctx)
    if key == "low_confidence":
        return low_confidence(value, path, ctx)
    if key == "holiday":
        return holiday(value, path, ctx)
    if ctx.where in ("rule", "sla") and key not in ROUTING_FIELDS and not key.startswith("extra."):
        ctx.issue(
            path,
            f"bilinmeyen koşul: {key}",
            key=True,
            suggestion=suggest(key, [*ROUTING_FIELDS, *SPECIAL_CONDITIONS]),
        )
        return ALWAYS
    if not isinstance(key, str) or not FIELD_NAME.match(key):
        ctx.issue(path, f"geçersiz alan adı: {key}", key=True)
        return ALWAYS
    if isinstance(value, Mapping):
        if not value:
            ctx.issue(path, f"'{key}' için işleç yazılmamış")
            return ALWAYS
        parts = []
        for op, arg in value.items():
            if op not in OPERATORS:
                ctx.issue((*path, op), f"bilinmeyen işleç: {op}", key=True, suggestion=suggest(op, OPERATORS))
                continue
            parts.append(leaf(key, op, arg, (*path, op), ctx))
        if not parts:
            return ALWAYS
        return parts[0] if len(parts) == 1 else _combine("all", parts)
    if isinstance(value, list):
        return leaf(key, "in", value, path, ctx)
    return leaf(key, "eq", value, path, ctx)


def dump_node(node: Any) -> str:
    """Canonical text of a condition node, used to spot rules that repeat an earlier rule's condition."""
    return yaml.safe_dump(node, sort_keys=True, allow_unicode=True, default_flow_style=True).strip()
