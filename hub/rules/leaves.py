"""Leaf conditions: one field tested with one operator (eq, in, gt, contains_any, regex, ...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .compiled import ALWAYS, MISSING, Condition, Test, trace_value
from .context import CompileContext
from .fields import field_kind
from .loader import Path
from .operands import norm_const
from .patterns import PatternError, RulePattern
from .text import ascii_fold, name_key
from .view import View


def getter(fld: str, kind: str) -> Callable[[View], Any]:
    if fld in ("hour", "weekday", "local_time"):

        def local_part(v: View) -> int | None:
            loc = v.local()
            if loc is None:
                return None
            if fld == "hour":
                return loc.hour
            if fld == "weekday":
                return loc.isoweekday()
            return loc.hour * 60 + loc.minute

        return local_part
    if fld == "received_at":
        return lambda v: v.local()
    if kind == "text":
        return lambda v: v.text_of(fld)
    return lambda v: v.get(fld)


def _keyword_regex(words: list[str]) -> re.Pattern[str]:
    # Built only from escaped literal words, so Python's engine is safe here (no nested quantifiers);
    # author-written patterns go through RulePattern (RE2).
    alts = sorted(
        {r"\s+".join(re.escape(p) for p in ascii_fold(w).split()) for w in words}, key=len, reverse=True
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + ")")


def leaf(
    fld: str, op: str, arg: Any, path: Path, ctx: CompileContext, *, label: str | None = None
) -> Condition:
    kind = field_kind(fld, ctx)
    name = label or fld
    get = getter(fld, kind)
    describe: dict[str, Any] = {"field": fld, "op": op, "expected": trace_value(arg)}
    if label:
        describe = {"cond": label, "expected": trace_value(arg)}

    cost = 10 if op in ("contains_any", "contains_all", "regex", "contains") else 1

    def make(test: Test, actual: Callable[[View], Any]) -> Condition:
        def explain(v: View) -> dict:
            return {**describe, "actual": trace_value(actual(v)), "held": bool(test(v))}

        return Condition(test, explain, {name: arg}, cost=cost)

    # -- text-like operators ------------------------------------------------------------------------------
    if op in ("contains_any", "contains_all") and kind in ("text", "string", "generic", "enum", "place"):
        words = arg if isinstance(arg, list) else [arg]
        if not words or not all(isinstance(w, str) and w.strip() for w in words):
            ctx.issue(path, f"'{name}' boş olmayan bir kelime listesi ister")
            return ALWAYS
        if op == "contains_any":
            rx = _keyword_regex(words)
            memo = ("rx", rx.pattern, fld)  # same keyword list in another rule set: search once

            def test(v: View) -> bool:
                c = v._cache
                hit = c.get(memo)
                if hit is None:
                    hit = rx.search(v.ascii_text(fld)) is not None
                    if not v._overlaid(fld):
                        c[memo] = hit
                return hit

            def actual(v: View) -> Any:
                return {"matched": sorted(set(rx.findall(v.ascii_text(fld))))}

        else:
            rxs = [_keyword_regex([w]) for w in words]

            def test(v: View) -> bool:
                folded = v.ascii_text(fld)
                return all(r.search(folded) for r in rxs)

            def actual(v: View) -> Any:
                folded = v.ascii_text(fld)
                return {"matched": [w for w, r in zip(words, rxs, strict=True) if r.search(folded)]}

        if kind in ("text", "string", "enum", "place"):
            return make(test, actual)
        # generic field: list (tags-like) or text
        return _list_or_text(fld, op, words, get, make, test, actual)

    if op == "regex":
        if kind not in ("text", "string", "generic", "enum", "place"):
            ctx.issue(path, f"'regex' işleci '{fld}' alanında kullanılamaz")
            return ALWAYS
        if not isinstance(arg, str):
            ctx.issue(path, "regex tırnak içinde bir metin olmalı")
            return ALWAYS
        try:
            pattern = RulePattern(arg)
        except PatternError as exc:
            ctx.issue(path, f"geçersiz regex: {exc}")
            return ALWAYS

        def test(v: View) -> bool:
            return pattern.search(*v.folded(fld)) is not None

        def actual(v: View) -> Any:
            m = pattern.search(*v.folded(fld))
            return {"match": m.group(0) if m else None}

        return make(test, actual)

    if op == "exists":
        if not isinstance(arg, bool):
            ctx.issue(path, "'exists' true ya da false alır")
            return ALWAYS

        def test(v: View) -> bool:
            val = get(v)
            present = val is not None and val != "" and val != []
            return present is arg

        return make(test, lambda v: get(v) if kind != "text" else bool(get(v)))

    # -- list fields (tags) -------------------------------------------------------------------------------
    if kind == "list":
        values = arg if isinstance(arg, list) else [arg]
        if not all(isinstance(x, str) for x in values):
            ctx.issue(path, f"'{fld}' etiket adlarıyla karşılaştırılır")
            return ALWAYS
        keys = {name_key(x) for x in values}

        def tagkeys(v: View) -> set[str]:
            return {name_key(str(t)) for t in (get(v) or ())}

        if op in ("eq", "in", "contains", "contains_any"):
            return make(lambda v: bool(tagkeys(v) & keys), get)
        if op == "contains_all":
            return make(lambda v: keys <= tagkeys(v), get)
        if op in ("ne", "not_in"):
            return make(lambda v: not (tagkeys(v) & keys), get)
        ctx.issue(path, f"'{op}' işleci '{fld}' alanında kullanılamaz")
        return ALWAYS

    # -- comparisons -------------------------------------------------------------------------------------
    if op in ("in", "not_in"):
        if not isinstance(arg, list) or not arg:
            ctx.issue(path, f"'{op}' boş olmayan bir liste ister")
            return ALWAYS
        consts = []
        for i, a in enumerate(arg):
            ok, c = norm_const(fld, kind, a, (*path, i) if isinstance(path[-1], str) else path, ctx)
            if ok:
                consts.append(c)
        eq_test = _equality(fld, kind, consts, get)
        if op == "in":
            return make(eq_test, get if kind not in ("weekday", "clock") else getter(fld, kind))
        return make(lambda v: not eq_test(v), get)
    if op in ("eq", "ne"):
        ok, c = norm_const(fld, kind, arg, path, ctx)
        if not ok:
            return ALWAYS
        eq_test = _equality(fld, kind, [c], get)
        if op == "eq":
            return make(eq_test, get)
        return make(lambda v: not eq_test(v), get)
    if op in ("gt", "gte", "lt", "lte", "between"):
        if kind in ("text", "enum", "place", "bool", "list"):
            ctx.issue(path, f"'{op}' işleci '{fld}' alanında kullanılamaz")
            return ALWAYS
        if op == "between":
            if not isinstance(arg, list) or len(arg) != 2:
                ctx.issue(path, "'between' [alt, üst] biçiminde iki değer ister")
                return ALWAYS
            ok1, lo = norm_const(fld, kind, arg[0], path, ctx)
            ok2, hi = norm_const(fld, kind, arg[1], path, ctx)
            if not (ok1 and ok2):
                return ALWAYS
            wraps = (
                kind in ("clock", "weekday", "number")
                and fld in ("local_time", "weekday", "hour")
                and lo > hi
            )

            def test(v: View) -> bool:
                x = get(v)
                if x is None or isinstance(x, bool):
                    return False
                try:
                    if wraps:  # e.g. 18:00..08:00 spans midnight
                        return x >= lo or x <= hi
                    return lo <= x <= hi
                except TypeError:
                    return False

            return make(test, get)
        ok, c = norm_const(fld, kind, arg, path, ctx)
        if not ok:
            return ALWAYS
        cmp = {
            "gt": lambda x: x > c,
            "gte": lambda x: x >= c,
            "lt": lambda x: x < c,
            "lte": lambda x: x <= c,
        }[op]

        def test(v: View) -> bool:
            x = get(v)
            if x is None or isinstance(x, bool):
                return False
            try:
                return cmp(x)
            except TypeError:
                return False

        return make(test, get)
    if op == "contains":
        if not isinstance(arg, str):
            ctx.issue(path, "'contains' bir metin değeri ister")
            return ALWAYS
        needle = ascii_fold(arg)

        def test(v: View) -> bool:
            val = get(v)
            if isinstance(val, list | tuple | set):
                return name_key(arg) in {name_key(str(x)) for x in val}
            return needle in ascii_fold(str(val)) if val is not None else False

        return make(test, get)
    ctx.issue(path, f"'{op}' işleci '{fld}' alanında kullanılamaz")
    return ALWAYS


def _list_or_text(fld, op, words, get, make, text_test, text_actual) -> Condition:
    keys = {name_key(w) for w in words}

    def test(v: View) -> bool:
        val = get(v)
        if isinstance(val, list | tuple | set):
            have = {name_key(str(x)) for x in val}
            return bool(have & keys) if op == "contains_any" else keys <= have
        return text_test(v)

    return make(test, lambda v: get(v) if isinstance(get(v), list | tuple | set) else text_actual(v))


def _equality(fld: str, kind: str, consts: list[Any], get: Callable[[View], Any]) -> Test:
    if kind == "mahalle" or fld == "mahalle":
        pairs = set()
        bare = set()
        for c in consts:
            if isinstance(c, str) and "/" in c:
                ilce, mah = c.split("/", 1)
                pairs.add((name_key(ilce), name_key(mah)))
            else:
                bare.add(name_key(str(c)))

        def test(v: View) -> bool:
            mk = v.key_of("mahalle")
            if mk is None:
                return False
            return mk in bare or (v.key_of("ilce") or "", mk) in pairs

        return test
    if all(isinstance(c, str) for c in consts) and kind not in ("weekday", "clock"):
        keys = frozenset(name_key(c) for c in consts)
        ck = ("k", fld)

        def test(v: View) -> bool:
            ov = v._overlay
            if ov is None or fld not in ov:
                k = v._cache.get(ck, MISSING)
                if k is not MISSING:
                    return k in keys
            return v.key_of(fld) in keys

        return test

    def test(v: View) -> bool:
        x = get(v)
        # bool is an int in Python; keep True from equalling 1
        return any(isinstance(c, bool) == isinstance(x, bool) and x == c for c in consts)

    return test
