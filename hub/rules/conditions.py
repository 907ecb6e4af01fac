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
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from rapidfuzz import process

from .errors import RuleIssue, RulesError
from .loader import Marked, Path, format_path, load_marked
from .text import ascii_fold, name_key, tr_lower
from .vocab import CHANNELS, CONTACT_KINDS, DEFAULT_TOPICS, PRIORITIES, REQUEST_TYPES, WEEKDAYS

ISTANBUL = ZoneInfo("Europe/Istanbul")

# Fields of RoutingInput plus pseudo-fields computed from received_at.
ROUTING_FIELDS = {
    "text": "text",  # subject and body together
    "body": "text",
    "subject": "text",
    "channel": "enum",
    "request_type": "enum",
    "topic": "enum",
    "topic_confidence": "number",
    "out_of_scope": "bool",
    "ilce": "place",
    "mahalle": "place",
    "contact_kind": "enum",
    "has_attachments": "bool",
    "received_at": "datetime",
    "is_duplicate": "bool",
    "tags": "list",
    "priority": "enum",
    "status": "string",
    "department": "string",
    "hour": "number",
    "weekday": "weekday",
    "local_time": "clock",
}
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+)*$")
_OPS = {
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "contains_any",
    "contains_all",
    "regex",
    "exists",
}
_SPECIAL = {
    "all",
    "any",
    "not",
    "always",
    "text_contains_any",
    "text_contains_all",
    "text_regex",
    "mahalle_in",
    "low_confidence",
    "holiday",
}


@dataclass
class Group:
    """A mahalle group: whole districts plus explicit (ilce, mahalle) pairs, stored as folded keys."""

    name: str
    ilce_keys: set[str] = field(default_factory=set)
    pair_keys: set[tuple[str, str]] = field(default_factory=set)

    def contains(self, ilce: str | None, mahalle: str | None) -> bool:
        ik = name_key(ilce) if ilce else ""
        if ik in self.ilce_keys:
            return True
        return bool(mahalle) and (ik, name_key(mahalle)) in self.pair_keys


@dataclass
class CompileContext:
    where: str = "filter"  # rule | sla | filter
    groups: dict[str, Group] = field(default_factory=dict)
    review_threshold: float = 0.55
    tz: ZoneInfo = ISTANBUL
    known_topics: set[str] | None = None
    known_mahalle: set[tuple[str, str]] | None = None
    issues: list[RuleIssue] = field(default_factory=list)
    doc: Marked | None = None
    _mahalle_index: dict[str, list[str]] | None = None  # mahalle key -> display names "Ilce/Mahalle"
    _ilce_index: dict[str, str] | None = None

    def issue(self, path: Path, message: str, *, key: bool = False, suggestion: str | None = None) -> None:
        line = col = None
        if self.doc is not None:
            line, col = self.doc.pos(path, key=key)
        self.issues.append(RuleIssue(message, line, col, format_path(path), suggestion))

    def ilce_index(self) -> dict[str, str]:
        if self._ilce_index is None:
            self._ilce_index = {name_key(i): i for i, _ in self.known_mahalle or ()}
        return self._ilce_index

    def mahalle_index(self) -> dict[str, list[str]]:
        if self._mahalle_index is None:
            idx: dict[str, list[str]] = {}
            for ilce, mah in self.known_mahalle or ():
                idx.setdefault(name_key(mah), []).append(f"{ilce}/{mah}")
            self._mahalle_index = idx
        return self._mahalle_index


def suggest(word: str, choices) -> str | None:
    """Closest known name for a typo, or None if nothing is reasonably close."""
    choices = list(choices)
    if not choices or not isinstance(word, str):
        return None
    best = process.extractOne(word, choices, processor=name_key, score_cutoff=60)
    return best[0] if best else None


class View:
    """Read-only accessor over a RoutingInput or a mapping, caching folded text and local time.

    The cache holds only values derived from the record itself, so one cache may be shared by the views
    of several rule sets over the same record (backtests). Values set by rules live in the overlay and
    are never cached.
    """

    __slots__ = ("rec", "is_map", "tz", "_cache", "_overlay")

    def __init__(self, rec: Any, tz: ZoneInfo = ISTANBUL, cache: dict | None = None) -> None:
        self.rec = rec
        self.is_map = isinstance(rec, Mapping)
        self.tz = tz
        self._cache: dict[Any, Any] = {} if cache is None else cache
        self._overlay: dict[str, Any] | None = None

    def set(self, name: str, value: Any) -> None:
        """Let later conditions see a value decided by an earlier rule (priority, department, tags)."""
        if self._overlay is None:
            self._overlay = {name: value}
        else:
            self._overlay[name] = value

    def _overlaid(self, name: str) -> bool:
        return self._overlay is not None and name in self._overlay

    def get(self, name: str) -> Any:
        if self._overlay is not None and name in self._overlay:
            return self._overlay[name]
        if self.is_map:
            if name in self.rec:
                return self.rec[name]
            if "." not in name:
                return None
            cur: Any = self.rec
        else:
            if "." not in name:
                return getattr(self.rec, name, None)
            cur = self.rec
        for part in name.split("."):
            if isinstance(cur, Mapping):
                cur = cur.get(part)
            else:
                cur = getattr(cur, part, None)
            if cur is None:
                return None
        return cur

    def full_text(self) -> str:
        c = self._cache
        if "text" not in c:
            subject = self.get("subject") or ""
            body = self.get("text") or ""
            c["text"] = f"{subject}\n{body}" if subject else str(body)
        return c["text"]

    def text_of(self, name: str) -> str:
        if name == "text":
            return self.full_text()
        value = self.get("text" if name == "body" else name)
        return "" if value is None else str(value)

    def folded(self, name: str) -> tuple[str, str]:
        """(Turkish lower-case, ascii-folded) views of a text field."""
        if self._overlaid(name):
            lower = tr_lower(self.text_of(name))
            return lower, ascii_fold(lower)
        key = ("f", name)
        c = self._cache
        if key not in c:
            lower = tr_lower(self.text_of(name))
            c[key] = (lower, ascii_fold(lower))
        return c[key]

    def ascii_text(self, name: str) -> str:
        """Only the ascii-folded view: what keyword conditions need."""
        if self._overlaid(name):
            return ascii_fold(self.text_of(name))
        key = ("a", name)
        c = self._cache
        if key not in c:
            f = c.get(("f", name))
            c[key] = f[1] if f is not None else ascii_fold(self.text_of(name))
        return c[key]

    def key_of(self, name: str) -> str | None:
        if self._overlay is not None and name in self._overlay:
            v = self._overlay[name]
            return None if v is None else name_key(str(v))
        key = ("k", name)
        c = self._cache
        if key not in c:
            v = self.get(name)
            c[key] = None if v is None else name_key(str(v))
        return c[key]

    def local(self) -> dt.datetime | None:
        c = self._cache
        key = ("local", self.tz)
        if key not in c:
            v = self.get("received_at")
            if isinstance(v, str):
                try:
                    v = dt.datetime.fromisoformat(v)
                except ValueError:
                    v = None
            if isinstance(v, dt.datetime):
                if v.tzinfo is None:  # naive timestamps are taken as UTC, the storage convention
                    v = v.replace(tzinfo=dt.UTC)
                v = v.astimezone(self.tz)
            else:
                v = None
            c[key] = v
        return c[key]


_MISSING = object()
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
    cond = _compile(node, (), ctx) if node not in (None, {}) else ALWAYS
    if context is None and len(ctx.issues) > before:
        raise RulesError(ctx.issues, "<condition>")
    return Condition(cond.test, cond.explain, node, ctx.tz)


def _json(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, set | frozenset | tuple):
        return [_json(x) for x in v]
    if isinstance(v, list):
        return [_json(x) for x in v]
    if isinstance(v, str) and len(v) > 120:
        return v[:117] + "..."
    return v


def _compile(node: Any, path: Path, ctx: CompileContext) -> Condition:
    if isinstance(node, list):
        return _combine("all", [_compile(n, (*path, i), ctx) for i, n in enumerate(node)])
    if not isinstance(node, Mapping):
        ctx.issue(path, f"a condition must be a mapping like '{{topic: su-kanalizasyon}}', got {node!r}")
        return ALWAYS
    if not node:
        ctx.issue(path, "empty condition; write 'always: true' to match everything")
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
            ctx.issue(path, f"'{key}' needs a non-empty list of conditions")
            return ALWAYS
        return _combine(key, [_compile(n, (*path, i), ctx) for i, n in enumerate(value)])
    if key == "not":
        inner = _compile(value, path, ctx)
        it, ie = inner.test, inner.explain

        def explain_not(v: View) -> dict:
            sub = ie(v)
            return {"not": sub, "held": not sub["held"]}

        return Condition(lambda v: not it(v), explain_not, None, cost=inner.cost)
    if key == "always":
        if not isinstance(value, bool):
            ctx.issue(path, "'always' takes true or false")
            return ALWAYS
        return Condition(lambda v: value, lambda v: {"always": value, "held": value}, None)
    if key in ("text_contains_any", "text_contains_all", "text_regex"):
        op = key[len("text_") :]
        return _leaf("text", op, value, path, ctx, label=key)
    if key == "mahalle_in":
        return _mahalle_in(value, path, ctx)
    if key == "low_confidence":
        return _low_confidence(value, path, ctx)
    if key == "holiday":
        return _holiday(value, path, ctx)
    if ctx.where in ("rule", "sla") and key not in ROUTING_FIELDS and not key.startswith("extra."):
        ctx.issue(
            path,
            f"unknown condition '{key}'",
            key=True,
            suggestion=suggest(key, [*ROUTING_FIELDS, *_SPECIAL]),
        )
        return ALWAYS
    if not isinstance(key, str) or not _FIELD_NAME.match(key):
        ctx.issue(path, f"bad field name '{key}'", key=True)
        return ALWAYS
    if isinstance(value, Mapping):
        if not value:
            ctx.issue(path, f"no operator given for '{key}'")
            return ALWAYS
        parts = []
        for op, arg in value.items():
            if op not in _OPS:
                ctx.issue((*path, op), f"unknown operator '{op}'", key=True, suggestion=suggest(op, _OPS))
                continue
            parts.append(_leaf(key, op, arg, (*path, op), ctx))
        if not parts:
            return ALWAYS
        return parts[0] if len(parts) == 1 else _combine("all", parts)
    if isinstance(value, list):
        return _leaf(key, "in", value, path, ctx)
    return _leaf(key, "eq", value, path, ctx)


# --- value validation -------------------------------------------------------------------------------------


def _check_enum_value(fld: str, val: Any, path: Path, ctx: CompileContext) -> None:
    if not isinstance(val, str):
        return
    choices: set[str] | frozenset[str] | None = None
    if fld == "channel":
        choices = CHANNELS
    elif fld == "request_type":
        choices = REQUEST_TYPES
    elif fld == "contact_kind":
        choices = CONTACT_KINDS
    elif fld == "priority":
        choices = frozenset(PRIORITIES)
    elif fld == "topic":
        choices = ctx.known_topics
    elif fld == "ilce" and ctx.known_mahalle:
        if name_key(val) not in ctx.ilce_index():
            ctx.issue(path, f"unknown ilçe '{val}'", suggestion=suggest(val, set(ctx.ilce_index().values())))
        return
    elif fld == "mahalle" and ctx.known_mahalle:
        _check_mahalle_name(val, path, ctx)
        return
    if choices is not None and val not in choices:
        ctx.issue(path, f"unknown {fld} '{val}'", suggestion=suggest(val, choices))


def _check_mahalle_name(val: str, path: Path, ctx: CompileContext) -> None:
    idx = ctx.mahalle_index()
    if "/" in val:
        ilce, mah = (s.strip() for s in val.split("/", 1))
        full = {name_key(x): x for names in idx.values() for x in names}
        if name_key(f"{ilce}/{mah}") not in full:
            ctx.issue(path, f"unknown mahalle '{val}'", suggestion=suggest(val, full.values()))
    elif name_key(val) not in idx:
        ctx.issue(
            path,
            f"unknown mahalle '{val}'",
            suggestion=suggest(val, {n.split("/", 1)[1] for names in idx.values() for n in names}),
        )


def _as_weekday(val: Any) -> int | None:
    if isinstance(val, int) and not isinstance(val, bool) and 1 <= val <= 7:
        return val
    if isinstance(val, str):
        return WEEKDAYS.get(name_key(val))
    return None


def _as_minutes(val: Any) -> int | None:
    if isinstance(val, int) and not isinstance(val, bool):
        # YAML 1.1 reads an unquoted 18:00 as the sexagesimal number 1080, i.e. minutes since midnight
        return val if 0 <= val < 24 * 60 else None
    if isinstance(val, str):
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", val.strip())
        if m and int(m[1]) < 24 and int(m[2]) < 60:
            return int(m[1]) * 60 + int(m[2])
    return None


def _norm_const(fld: str, kind: str, val: Any, path: Path, ctx: CompileContext) -> tuple[bool, Any]:
    """Validate and normalise a constant for comparison with field values; (ok, normalised)."""
    if kind == "weekday":
        d = _as_weekday(val)
        if d is None:
            ctx.issue(path, f"bad weekday {val!r}", suggestion=suggest(str(val), WEEKDAYS))
            return False, None
        return True, d
    if kind == "clock":
        m = _as_minutes(val)
        if m is None:
            ctx.issue(path, f'bad time of day {val!r}; write it quoted as "HH:MM"')
            return False, None
        return True, m
    if kind == "bool":
        if not isinstance(val, bool):
            ctx.issue(path, f"'{fld}' is true or false, got {val!r}")
            return False, None
        return True, val
    if kind == "number":
        if isinstance(val, bool) or not isinstance(val, int | float):
            ctx.issue(path, f"'{fld}' needs a number, got {val!r}")
            return False, None
        return True, val
    if kind == "datetime":
        if isinstance(val, dt.datetime):
            return True, val if val.tzinfo else val.replace(tzinfo=ctx.tz)
        if isinstance(val, dt.date):
            return True, dt.datetime.combine(val, dt.time(), ctx.tz)
        if isinstance(val, str):
            try:
                parsed = dt.datetime.fromisoformat(val)
            except ValueError:
                pass
            else:
                return True, parsed if parsed.tzinfo else parsed.replace(tzinfo=ctx.tz)
        ctx.issue(path, f"'{fld}' needs a date or date-time, got {val!r}")
        return False, None
    if kind == "generic":
        if isinstance(val, list | dict):
            ctx.issue(path, f"'{fld}' compares with a single value, got {val!r}")
            return False, None
        return True, val
    if not isinstance(val, str):
        ctx.issue(path, f"'{fld}' needs a text value, got {val!r}")
        return False, None
    if kind in ("enum", "place"):
        _check_enum_value(fld, val, path, ctx)
    return True, val


def _field_kind(fld: str, ctx: CompileContext) -> str:
    kind = ROUTING_FIELDS.get(fld)
    if kind is None:
        return "generic"
    return kind


# --- leaves -----------------------------------------------------------------------------------------------


def _getter(fld: str, kind: str) -> Callable[[View], Any]:
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
    alts = sorted(
        {r"\s+".join(re.escape(p) for p in ascii_fold(w).split()) for w in words}, key=len, reverse=True
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + ")")


def _leaf(
    fld: str, op: str, arg: Any, path: Path, ctx: CompileContext, *, label: str | None = None
) -> Condition:
    kind = _field_kind(fld, ctx)
    name = label or fld
    get = _getter(fld, kind)
    describe: dict[str, Any] = {"field": fld, "op": op, "expected": _json(arg)}
    if label:
        describe = {"cond": label, "expected": _json(arg)}

    cost = 10 if op in ("contains_any", "contains_all", "regex", "contains") else 1

    def make(test: Test, actual: Callable[[View], Any]) -> Condition:
        def explain(v: View) -> dict:
            return {**describe, "actual": _json(actual(v)), "held": bool(test(v))}

        return Condition(test, explain, {name: arg}, cost=cost)

    # -- text-like operators ------------------------------------------------------------------------------
    if op in ("contains_any", "contains_all") and kind in ("text", "string", "generic", "enum", "place"):
        words = arg if isinstance(arg, list) else [arg]
        if not words or not all(isinstance(w, str) and w.strip() for w in words):
            ctx.issue(path, f"'{name}' needs a non-empty list of words")
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
            ctx.issue(path, f"'regex' does not apply to '{fld}'")
            return ALWAYS
        if not isinstance(arg, str):
            ctx.issue(path, "a regex must be a quoted text")
            return ALWAYS
        try:
            rx = re.compile(arg, re.IGNORECASE)
        except re.error as exc:
            ctx.issue(path, f"bad regex: {exc.msg} at position {exc.pos}")
            return ALWAYS

        def test(v: View) -> bool:
            lower, folded = v.folded(fld)
            return rx.search(lower) is not None or rx.search(folded) is not None

        def actual(v: View) -> Any:
            lower, folded = v.folded(fld)
            m = rx.search(lower) or rx.search(folded)
            return {"match": m.group(0) if m else None}

        return make(test, actual)

    if op == "exists":
        if not isinstance(arg, bool):
            ctx.issue(path, "'exists' takes true or false")
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
            ctx.issue(path, f"'{fld}' compares with tag names")
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
        ctx.issue(path, f"operator '{op}' does not apply to '{fld}'")
        return ALWAYS

    # -- comparisons -------------------------------------------------------------------------------------
    if op in ("in", "not_in"):
        if not isinstance(arg, list) or not arg:
            ctx.issue(path, f"'{op}' needs a non-empty list")
            return ALWAYS
        consts = []
        for i, a in enumerate(arg):
            ok, c = _norm_const(fld, kind, a, (*path, i) if isinstance(path[-1], str) else path, ctx)
            if ok:
                consts.append(c)
        eq_test = _equality(fld, kind, consts, get)
        if op == "in":
            return make(eq_test, get if kind not in ("weekday", "clock") else _getter(fld, kind))
        return make(lambda v: not eq_test(v), get)
    if op in ("eq", "ne"):
        ok, c = _norm_const(fld, kind, arg, path, ctx)
        if not ok:
            return ALWAYS
        eq_test = _equality(fld, kind, [c], get)
        if op == "eq":
            return make(eq_test, get)
        return make(lambda v: not eq_test(v), get)
    if op in ("gt", "gte", "lt", "lte", "between"):
        if kind in ("text", "enum", "place", "bool", "list"):
            ctx.issue(path, f"'{op}' does not apply to '{fld}'")
            return ALWAYS
        if op == "between":
            if not isinstance(arg, list) or len(arg) != 2:
                ctx.issue(path, "'between' needs [low, high]")
                return ALWAYS
            ok1, lo = _norm_const(fld, kind, arg[0], path, ctx)
            ok2, hi = _norm_const(fld, kind, arg[1], path, ctx)
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
        ok, c = _norm_const(fld, kind, arg, path, ctx)
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
            ctx.issue(path, "'contains' needs a text value")
            return ALWAYS
        needle = ascii_fold(arg)

        def test(v: View) -> bool:
            val = get(v)
            if isinstance(val, list | tuple | set):
                return name_key(arg) in {name_key(str(x)) for x in val}
            return needle in ascii_fold(str(val)) if val is not None else False

        return make(test, get)
    ctx.issue(path, f"operator '{op}' does not apply to '{fld}'")
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
                k = v._cache.get(ck, _MISSING)
                if k is not _MISSING:
                    return k in keys
            return v.key_of(fld) in keys

        return test

    def test(v: View) -> bool:
        x = get(v)
        # bool is an int in Python; keep True from equalling 1
        return any(isinstance(c, bool) == isinstance(x, bool) and x == c for c in consts)

    return test


def _mahalle_in(value: Any, path: Path, ctx: CompileContext) -> Condition:
    names = value if isinstance(value, list) else [value]
    groups: list[Group] = []
    for i, n in enumerate(names):
        p = (*path, i) if isinstance(value, list) else path
        if not isinstance(n, str) or n not in ctx.groups:
            ctx.issue(p, f"unknown mahalle group '{n}'", suggestion=suggest(str(n), ctx.groups))
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
            "expected": _json(value),
            "actual": {"ilce": v.get("ilce"), "mahalle": v.get("mahalle")},
            "held": test(v),
        }

    return Condition(test, explain, {"mahalle_in": value})


def _low_confidence(value: Any, path: Path, ctx: CompileContext) -> Condition:
    if not isinstance(value, bool):
        ctx.issue(path, "'low_confidence' takes true or false")
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


def _holiday(value: Any, path: Path, ctx: CompileContext) -> Condition:
    if not isinstance(value, bool):
        ctx.issue(path, "'holiday' takes true or false")
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
            "actual": _json(loc.date() if loc else None),
            "held": test(v),
        }

    return Condition(test, explain, {"holiday": value})


def dump_node(node: Any) -> str:
    """Canonical text of a condition node, used to spot rules that repeat an earlier rule's condition."""
    return yaml.safe_dump(node, sort_keys=True, allow_unicode=True, default_flow_style=True).strip()
