"""The routing engine: compiled, immutable rule sets and the decisions they make.

A RuleSet is built only from a text that passed every check (see validate.py); a broken text raises
RulesError, so a caller that hot-reloads keeps its previous RuleSet until a good one arrives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hub.reply_templates import render
from hub.sla import WorkCalendar, compute_due

from .compiled import Condition, trace_value
from .errors import RulesError
from .loader import load_marked, read_rules_file
from .templates import PLACEHOLDERS
from .text import normalize_newlines
from .view import View
from .vocab import PRIORITY_RANK

# --------------------------------------------------------------------------------------------------------
# Input and output


def _as_bool(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "evet", "e", "on")
    return bool(v)


def _as_float(v: Any) -> float | None:
    if v is None or v == "" or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _as_str(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _as_datetime(v: Any) -> dt.datetime:
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            v = None
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)  # naive = UTC, the storage convention
    return dt.datetime.now(dt.UTC)


@dataclass
class RoutingInput:
    """Everything a rule may look at; built by the intake pipeline from a request."""

    text: str
    subject: str | None
    channel: str
    request_type: str | None
    topic: str | None
    topic_confidence: float | None
    out_of_scope: bool
    ilce: str | None
    mahalle: str | None
    contact_kind: str | None  # citizen | muhtar | institution
    has_attachments: bool
    received_at: dt.datetime  # tz-aware; rules see it in Europe/Istanbul
    is_duplicate: bool
    tags: list[str]
    priority: str | None = None
    status: str | None = None
    department: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, d: Mapping) -> RoutingInput:
        """Tolerant constructor: missing keys become None/False; unknown keys land in extra."""
        known = _INPUT_FIELDS
        tags = d.get("tags") or []
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.split(",") if t.strip()]
        extra = dict(d.get("extra") or {}) if isinstance(d.get("extra"), Mapping) else {}
        for k, v in d.items():
            if k not in known and k not in extra:
                extra[k] = v
        return cls(
            text=str(d.get("text") or ""),
            subject=_as_str(d.get("subject")),
            channel=_as_str(d.get("channel")) or "api",
            request_type=_as_str(d.get("request_type")),
            topic=_as_str(d.get("topic")),
            topic_confidence=_as_float(d.get("topic_confidence")),
            out_of_scope=_as_bool(d.get("out_of_scope")),
            ilce=_as_str(d.get("ilce")),
            mahalle=_as_str(d.get("mahalle")),
            contact_kind=_as_str(d.get("contact_kind")),
            has_attachments=_as_bool(d.get("has_attachments")),
            received_at=_as_datetime(d.get("received_at") or d.get("created_at")),
            is_duplicate=_as_bool(d.get("is_duplicate")),
            tags=[str(t) for t in tags] if isinstance(tags, list | tuple) else [],
            priority=_as_str(d.get("priority")),
            status=_as_str(d.get("status")),
            department=_as_str(d.get("department")),
            extra=extra,
        )


_INPUT_FIELDS = frozenset(f.name for f in fields(RoutingInput))


@dataclass
class Decision:
    department: str
    co_departments: list[str]  # "bilgi için" copies
    priority: str  # low | normal | high | urgent
    sla_days: int | None  # a rule's override, else None (see RuleSet.sla_for)
    sla_business_days: bool | None
    tags: list[str]  # tags added by rules
    needs_review: bool
    auto_reply: str | None  # rendered Turkish text
    notify_citizen: bool
    escalate_to: str | None
    matched_rules: list[str]
    fallback: bool
    trace: dict  # JSON-serialisable
    # Extras for the integrator:
    department_name: str = ""
    auto_reply_template: str | None = None  # re-render with render_reply() once a tracking code exists
    sla_policy: str | None = None  # which policy/rule gave the effective SLA
    effective_sla_days: int | None = None
    effective_sla_business_days: bool | None = None
    due_at: dt.datetime | None = None

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["due_at"] = self.due_at.isoformat() if self.due_at else None
        return out


@dataclass(frozen=True)
class Target:
    kind: str  # email | webhook | sms | queue_only
    address: str | None = None
    url: str | None = None
    secret_env: str | None = None
    phone: str | None = None  # sms: one E.164 number ("+905321234567") per target

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    targets: list[Target]
    calendar: WorkCalendar
    short_name: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Defaults:
    fallback_department: str
    timezone: str = "Europe/Istanbul"
    review_threshold: float = 0.55
    priority: str = "normal"
    notify_citizen: bool = True
    sla_days: int = 30
    sla_business_days: bool = False
    sla_warn_fraction: float = 0.8


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    condition: Condition
    actions: tuple[tuple[str, Any], ...]
    cont: bool
    enabled: bool
    line: int | None
    sets_department: bool
    adds_tags: bool = False
    memo_key: tuple | None = None  # lets backtests share this rule's result with an identical rule
    test: Any = field(init=False, repr=False, compare=False)  # the compiled fast path, looked up once

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", self.condition.test)


# --------------------------------------------------------------------------------------------------------
# RuleSet


class RuleSet:
    """An immutable, compiled rule file. Build with from_yaml_text / from_file."""

    __slots__ = (
        "departments",
        "defaults",
        "mahalle_groups",
        "groups",
        "rules",
        "sla_policies",
        "auto_replies",
        "source_text",
        "source",
        "digest",
        "tz",
        "version",
        "_active",
        "_frozen",
    )

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError("RuleSet is immutable; build a new one")
        object.__setattr__(self, name, value)

    # -- construction -----------------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | Path, **kw: Any) -> RuleSet:
        p = Path(path)
        text = read_rules_file(p)
        return cls.from_yaml_text(text, source=kw.pop("source", p.name), **kw)

    @classmethod
    def from_yaml_text(
        cls,
        text: str,
        *,
        source: str = "<string>",
        known_topics: set[str] | None = None,
        known_mahalle: set[tuple[str, str]] | None = None,
    ) -> RuleSet:
        from .validate import build  # the checks live there; this keeps engine.py about running rules

        text = normalize_newlines(text)  # every save path (UI, API, CLI, file) gets one digest per content
        doc = load_marked(text, source)
        parts = build(doc, known_topics=known_topics, known_mahalle=known_mahalle)
        if parts["issues"]:
            raise RulesError(parts["issues"], source)
        self = object.__new__(cls)
        self.departments = parts["departments"]
        self.defaults = parts["defaults"]
        self.groups = parts["groups"]
        self.mahalle_groups = parts["mahalle_groups"]
        self.rules = tuple(parts["rules"])
        self._active = tuple(r for r in self.rules if r.enabled)
        self.sla_policies = tuple(parts["sla_policies"])
        self.auto_replies = parts["auto_replies"]
        self.version = parts["version"]
        self.tz = ZoneInfo(self.defaults.timezone)
        self.source_text = text
        self.source = source
        self.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self._frozen = True
        return self

    # -- routing ----------------------------------------------------------------------------------------
    def route(
        self, inp: RoutingInput, *, explain: bool = True, finish: bool = True, _cache: dict | None = None
    ) -> Decision:
        """Run the rules in order. explain=False skips the per-condition trace; finish=False also skips
        the due date and the auto-reply rendering (backtests only need the routing fields)."""
        if isinstance(inp, Mapping):
            inp = RoutingInput.from_mapping(inp)
        view = View(inp, self.tz, _cache)
        memo = _cache  # shared across rule sets only when the caller (backtest) passes one
        view.set("priority", self.defaults.priority)  # rules see the priority being decided, not a stale one
        department: str | None = None
        co: list[str] = []
        priority = self.defaults.priority
        sla_days: int | None = None
        sla_bd: bool | None = None
        sla_rule: str | None = None
        tags: list[str] = []
        needs_review = False
        reply_tpl: str | None = None
        notify = self.defaults.notify_citizen
        escalate: str | None = None
        matched: list[str] = []
        tried: list[dict] = []
        stopped_by: str | None = None

        for rule in self._active:
            if explain:
                exp = rule.condition.explain(view)
                held = exp["held"]
                entry: dict[str, Any] = {
                    "rule": rule.id,
                    "line": rule.line,
                    "matched": held,
                    "condition": exp,
                }
                tried.append(entry)
            elif memo is not None and rule.memo_key is not None:
                held = memo.get(rule.memo_key)
                if held is None:
                    held = memo[rule.memo_key] = rule.test(view)
            else:
                held = rule.test(view)
            if not held:
                continue
            matched.append(rule.id)
            applied = []
            for name, value in rule.actions:
                if name == "department":
                    department = value
                elif name == "co_departments":
                    co.extend(c for c in value if c not in co)
                elif name == "priority":
                    priority = value
                elif name == "raise_priority":
                    if PRIORITY_RANK[value] > PRIORITY_RANK.get(priority, 1):
                        priority = value
                elif name == "sla":
                    sla_days, sla_bd, sla_rule = value[0], value[1], rule.id
                elif name == "tags":
                    tags.extend(t for t in value if t not in tags)
                elif name == "needs_review":
                    needs_review = value
                elif name == "auto_reply":
                    reply_tpl = value
                elif name == "notify_citizen":
                    notify = value
                elif name == "escalate_to":
                    escalate = value
                if explain:
                    applied.append(
                        {"action": name, "value": list(value) if isinstance(value, tuple) else value}
                    )
            # later conditions see what this rule decided
            view.set("priority", priority)
            if department is not None:
                view.set("department", department)
            if tags and rule.adds_tags:
                view.set("tags", list(dict.fromkeys([*(inp.tags or []), *tags])))
            if explain:
                entry["actions"] = applied
                entry["continue"] = rule.cont
            if not rule.cont:
                stopped_by = rule.id
                break

        fallback = department is None
        if fallback:
            department = self.defaults.fallback_department
            needs_review = True  # nobody claimed it: a person must look
            view.set("department", department)
        co = [c for c in co if c != department]
        dept = self.departments[department]
        decision = Decision(
            department=department,
            co_departments=co,
            priority=priority,
            sla_days=sla_days,
            sla_business_days=sla_bd,
            tags=tags,
            needs_review=needs_review,
            auto_reply=None,
            notify_citizen=notify,
            escalate_to=escalate,
            matched_rules=matched,
            fallback=fallback,
            trace={},
            department_name=dept.name,
            auto_reply_template=reply_tpl,
        )
        if sla_days is not None:
            days, bd, policy = sla_days, bool(sla_bd), f"rule:{sla_rule}"
        else:  # the view already carries the decided priority, department and tags
            days, bd, policy = self._policy_sla(view)
        decision.effective_sla_days, decision.effective_sla_business_days, decision.sla_policy = (
            days,
            bd,
            policy,
        )
        received = inp.received_at if isinstance(inp.received_at, dt.datetime) else None
        if received is not None and finish:
            if received.tzinfo is None:
                received = received.replace(tzinfo=dt.UTC)
            decision.due_at = compute_due(received, days=days, business_days=bd, calendar=dept.calendar)
        if reply_tpl is not None and finish:
            decision.auto_reply = self.render_reply(reply_tpl, inp, decision)
        if explain:
            decision.trace = {
                "ruleset": self.digest[:12],
                "rules": tried,
                "not_tried": (len([r for r in self.rules if r.enabled]) - len(tried)),
                "stopped_by": stopped_by,
                "fallback": (
                    {
                        "applied": True,
                        "department": department,
                        "reason": "no rule set a department"
                        if not matched
                        else "matched rules set no department",
                    }
                    if fallback
                    else {"applied": False}
                ),
                "sla": {
                    "days": days,
                    "business_days": bd,
                    "policy": policy,
                    "due_at": trace_value(decision.due_at),
                },
            }
        return decision

    def sla_for(self, inp: RoutingInput, decision: Decision) -> tuple[int, bool, str]:
        """(days, business_days, policy_id). A rule's override wins, then the first matching sla policy,
        then defaults.sla. Policies see the decided department, priority and tags."""
        if decision.sla_days is not None:
            own = decision.sla_policy or ""
            rid = own[5:] if own.startswith("rule:") else "?"
            return decision.sla_days, bool(decision.sla_business_days), f"rule:{rid}"
        view = View(inp, self.tz)
        view.set("priority", decision.priority)
        view.set("department", decision.department)
        view.set("tags", list(dict.fromkeys([*(getattr(inp, "tags", None) or []), *decision.tags])))
        return self._policy_sla(view)

    def _policy_sla(self, view: View) -> tuple[int, bool, str]:
        for policy in self.sla_policies:
            if policy.condition.test(view):
                return policy.days, policy.business_days, policy.id
        return self.defaults.sla_days, self.defaults.sla_business_days, "default"

    def render_reply(
        self, template: str, inp: RoutingInput, decision: Decision, extra: Mapping[str, Any] | None = None
    ) -> str:
        """Render an auto-reply template; extra (e.g. {"tracking_code": ...}) overrides computed values."""
        received = inp.received_at.astimezone(self.tz) if isinstance(inp.received_at, dt.datetime) else None
        ctx: dict[str, Any] = {
            "department": decision.department,
            "department_name": decision.department_name or self.departments[decision.department].name,
            "due_date": decision.due_at.astimezone(self.tz) if decision.due_at else None,
            "sla_days": decision.effective_sla_days,
            "sla_unit": None
            if decision.effective_sla_business_days is None
            else ("iş günü" if decision.effective_sla_business_days else "gün"),
            "received_date": received,
            "topic": inp.topic,
            "ilce": inp.ilce,
            "mahalle": inp.mahalle,
            "channel": inp.channel,
        }
        for key in PLACEHOLDERS:
            if key in (inp.extra or {}) and ctx.get(key) is None:
                ctx[key] = inp.extra[key]
        if extra:
            ctx.update(extra)
        return render(template, ctx)

    # -- reporting --------------------------------------------------------------------------------------
    def summary(self) -> str:
        """The check result a supervisor reads, in Turkish; codes and ids stay as written in the file."""
        d = self.defaults
        disabled = sum(1 for r in self.rules if not r.enabled)
        lines = [
            f"{self.source}: geçerli (sha256 {self.digest[:12]})",
            f"  {len(self.departments)} birim, {len(self.groups)} mahalle grubu, "
            f"{len(self.sla_policies)} süre politikası, {len(self.rules)} kural ({disabled} kapalı)",
            f"  varsayılan birim: {d.fallback_department}; güven {d.review_threshold} altındaysa incelemeye; "
            f"varsayılan süre {d.sla_days} {'iş günü' if d.sla_business_days else 'gün'}",
            "  birimler:",
        ]
        for dep in self.departments.values():
            kinds = ", ".join(t.kind for t in dep.targets)
            calendar = "her gün" if dep.calendar.kind == "all_days" else "iş günleri"
            lines.append(f"    {dep.code:<22} {dep.name} [{kinds}; takvim: {calendar}]")
        lines.append("  mahalle grupları:")
        for name, g in self.groups.items():
            lines.append(f"    {name:<22} {len(g.ilce_keys)} ilçenin tamamı + {len(g.pair_keys)} mahalle")
        lines.append("  süre politikaları (ilk uyan geçerli):")
        for p in self.sla_policies:
            lines.append(f"    {p.id:<22} {p.days} {'iş günü' if p.business_days else 'gün'}")
        lines.append("  kurallar (sırayla):")
        for r in self.rules:
            target = next((v for k, v in r.actions if k == "department"), None)
            flags = " (devam eder)" if r.cont else ""
            flags += " KAPALI" if not r.enabled else ""
            lines.append(f"    {r.line or '?':>4}  {r.id:<28} -> {target or '(birim yok)'}{flags}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<RuleSet {self.source} {self.digest[:12]} rules={len(self.rules)}>"


def reload_or_keep(current: RuleSet | None, text: str, **kw: Any) -> tuple[RuleSet | None, RulesError | None]:
    """Hot-reload helper: (new rule set, None) if text is valid, else (current, the error).

    The running rules are never replaced by a half-checked text, so routing continues on the last good set.
    """
    try:
        return RuleSet.from_yaml_text(text, **kw), None
    except RulesError as exc:
        return current, exc
