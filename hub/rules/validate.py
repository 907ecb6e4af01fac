"""Turn a parsed rule file into RuleSet parts, collecting every problem with its line and column.

Checks: schema (unknown keys, wrong types), references (departments, topics, mahalle, groups, templates),
reachability (duplicate ids, rules after an unconditional terminal rule or repeating an earlier terminal
rule's condition), the fallback department, and that every terminal rule routes somewhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from classifier.pii import normalize_phone_tr
from hub.email_address import is_email
from hub.reply_templates import template_errors
from hub.sla import SlaPolicy, WorkCalendar

from . import schema
from .compiled import ALWAYS
from .conditions import compile_node, dump_node
from .context import CompileContext, Group, suggest
from .engine import Defaults, Department, Rule, Target
from .loader import Marked, Path
from .messages_tr import template_problem_tr
from .templates import PLACEHOLDERS
from .text import name_key
from .vocab import DEFAULT_TOPICS, PRIORITIES

_CODE = re.compile(r"^[a-z][a-z0-9_-]*$")
_ENV = re.compile(r"^[A-Z][A-Z0-9_]*$")


def build(
    doc: Marked, *, known_topics: set[str] | None = None, known_mahalle: set[tuple[str, str]] | None = None
) -> dict[str, Any]:
    ctx = CompileContext(
        where="rule",
        doc=doc,
        known_topics=set(known_topics) if known_topics is not None else set(DEFAULT_TOPICS),
        known_mahalle=set(known_mahalle) if known_mahalle else None,
    )
    top = schema.check_mapping(
        doc.data, (), schema.TOP, ctx, required=schema.REQUIRED_TOP, what="kural dosyası"
    )
    raw = doc.data if isinstance(doc.data, Mapping) else {}
    departments = _departments(top.get("departments", {}), ctx, present="departments" in raw)
    defaults = _defaults(top.get("defaults", {}), departments, ctx, present="defaults" in raw)
    try:
        ctx.tz = ZoneInfo(defaults.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        ctx.issue(("defaults", "timezone"), f"bilinmeyen saat dilimi: {defaults.timezone}")
        defaults = Defaults(**{**defaults.__dict__, "timezone": "Europe/Istanbul"})
    ctx.review_threshold = defaults.review_threshold
    groups, mahalle_groups = _groups(top.get("mahalle_groups", {}), ctx)
    ctx.groups = groups
    replies = _auto_replies(top.get("auto_replies", {}), ctx)
    sla_policies = _sla_policies(top.get("sla", []), ctx)
    rules = _rules(top.get("rules", []), departments, replies, ctx)
    version = top.get("version", 1)
    return {
        "issues": ctx.issues,
        "departments": departments,
        "defaults": defaults,
        "groups": groups,
        "mahalle_groups": mahalle_groups,
        "auto_replies": replies,
        "sla_policies": sla_policies,
        "rules": rules,
        "version": version,
    }


# -- departments ----------------------------------------------------------------------------------------


def _calendar(value: Any, path: Path, ctx: CompileContext) -> WorkCalendar:
    if value is None:
        return WorkCalendar()
    if isinstance(value, str):
        if value not in schema.CALENDAR_SHORTHANDS:
            ctx.issue(
                path, f"bilinmeyen takvim: {value}", suggestion=suggest(value, schema.CALENDAR_SHORTHANDS)
            )
            return WorkCalendar()
        kind, arife = schema.CALENDAR_SHORTHANDS[value]
        return WorkCalendar(kind=kind, arife=arife)
    spec = schema.check_mapping(value, path, schema.CALENDAR, ctx, what="takvim")
    kind = spec.get("kind", "business")
    arife = spec.get("arife", "work")
    if kind not in ("business", "all_days"):
        ctx.issue(
            (*path, "kind"),
            f"bilinmeyen takvim türü: {kind}",
            suggestion=suggest(kind, ["business", "all_days"]),
        )
        kind = "business"
    if arife not in ("work", "off"):
        ctx.issue((*path, "arife"), f"arife 'work' ya da 'off' olmalı; yazılan: {arife}")
        arife = "work"
    return WorkCalendar(kind=kind, arife=arife)


def _targets(value: list, path: Path, ctx: CompileContext) -> list[Target]:
    out: list[Target] = []
    if not value:
        ctx.issue(path, "bir birimin en az bir hedefi olmalı (email, webhook, sms ya da queue_only: true)")
    for i, t in enumerate(value):
        p = (*path, i)
        if not isinstance(t, Mapping) or len(t) != 1:
            ctx.issue(
                p,
                "her hedef şunlardan biri olmalı: 'email: ...', 'webhook: {url, secret_env}', 'sms: ...', "
                "'queue_only: true'",
            )
            continue
        ((kind, arg),) = t.items()
        if kind not in schema.TARGET_KINDS:
            ctx.issue(
                (*p, kind),
                f"bilinmeyen hedef: {kind}",
                key=True,
                suggestion=suggest(kind, schema.TARGET_KINDS),
            )
            continue
        if kind == "email":
            if not isinstance(arg, str) or not is_email(arg, placeholder_ok=True):
                ctx.issue((*p, kind), f"geçersiz e-posta adresi: {arg!r}")
                continue
            out.append(Target("email", address=arg))
        elif kind == "webhook":
            spec = schema.check_mapping(
                arg, (*p, kind), schema.WEBHOOK, ctx, required={"url"}, what="webhook"
            )
            url = spec.get("url", "")
            if url and not url.startswith(("https://", "http://")):
                ctx.issue((*p, kind, "url"), "webhook adresi (url) https:// ya da http:// ile başlamalı")
                continue
            env = spec.get("secret_env")
            if env is not None and not _ENV.match(env):
                ctx.issue(
                    (*p, kind, "secret_env"),
                    "secret_env bir ortam değişkeninin adıdır (büyük harf, rakam ve '_'), örneğin KASKI_WEBHOOK_SECRET",
                )
                continue
            if url:
                out.append(Target("webhook", url=url, secret_env=env))
        elif kind == "sms":
            out += _sms_targets(arg, (*p, kind), ctx)
        else:
            if arg is not True:
                ctx.issue((*p, kind), "'queue_only: true' yazın (ya da bu hedefi kaldırın)")
                continue
            out.append(Target("queue_only"))
    return out


def _sms_targets(arg: Any, path: Path, ctx: CompileContext) -> list[Target]:
    """``sms: "+90 532 123 45 67"`` or a list of numbers: one target (so one outbox row, one
    gateway idempotency key) per number, stored in E.164."""
    numbers = arg if isinstance(arg, list) else [arg]
    if not numbers:
        ctx.issue(path, 'sms için bir telefon numarası gerekli, örneğin sms: "+90 532 123 45 67"')
        return []
    out: list[Target] = []
    seen: set[str] = set()
    for j, number in enumerate(numbers):
        p = (*path, j) if isinstance(arg, list) else path
        if not isinstance(number, str):  # YAML reads an unquoted 05321234567 as a number
            ctx.issue(
                p, f'sms numarasını tırnak içinde yazın, örneğin sms: "0532 123 45 67" (yazılan: {number!r})'
            )
            continue
        e164 = normalize_phone_tr(number)
        if e164 is None:
            ctx.issue(
                p,
                f'sms için geçersiz telefon numarası {number!r}: "+90 532 123 45 67" ya da '
                '"0532 123 45 67" gibi bir cep telefonu numarası yazın',
            )
            continue
        if not e164.startswith("+905"):  # a landline (0352 ...) cannot receive an SMS
            ctx.issue(
                p, f"{number!r} bir cep telefonu numarası değil: sms için 05xx ile başlayan numara gerekli"
            )
            continue
        if e164 not in seen:  # the same phone written twice would get the SMS twice
            seen.add(e164)
            out.append(Target("sms", phone=e164))
    return out


def _departments(value: Mapping, ctx: CompileContext, *, present: bool = True) -> dict[str, Department]:
    out: dict[str, Department] = {}
    if not value and present:
        ctx.issue(("departments",), "en az bir birim tanımlanmalı")
    for code, spec_raw in value.items():
        path = ("departments", code)
        if not _CODE.match(code):
            ctx.issue(
                path,
                f"birim kodu '{code}' küçük harfle (a-z) başlamalı ve yalnız a-z, rakam, '-' ya da '_' "
                "içermeli",
                key=True,
            )
            continue
        spec = schema.check_mapping(
            spec_raw,
            path,
            schema.DEPARTMENT,
            ctx,
            required=schema.REQUIRED_DEPARTMENT,
            what=f"'{code}' birimi",
        )
        out[code] = Department(
            code=code,
            name=spec.get("name", code),
            targets=_targets(spec.get("targets", []), (*path, "targets"), ctx),
            calendar=_calendar(spec.get("calendar"), (*path, "calendar"), ctx),
            short_name=spec.get("short_name"),
            description=spec.get("description"),
        )
    return out


def check_department(
    code: Any, path: Path, departments: Mapping[str, Department], ctx: CompileContext
) -> bool:
    if isinstance(code, str) and code in departments:
        return True
    ctx.issue(path, f"bilinmeyen birim: {code}", suggestion=suggest(str(code), departments))
    return False


def _defaults(
    value: Mapping, departments: dict[str, Department], ctx: CompileContext, *, present: bool = True
) -> Defaults:
    path = ("defaults",)
    required = schema.REQUIRED_DEFAULTS if present else set()  # a missing section is reported once
    spec = schema.check_mapping(value, path, schema.DEFAULTS, ctx, required=required, what="defaults bölümü")
    fallback = spec.get("fallback_department", "")
    if "fallback_department" in spec:
        check_department(fallback, (*path, "fallback_department"), departments, ctx)
    threshold = spec.get("review_threshold", 0.55)
    if not 0 <= threshold <= 1:
        ctx.issue((*path, "review_threshold"), "review_threshold 0 ile 1 arasında olmalı")
    warn = spec.get("sla_warn_fraction", 0.8)
    if not 0 < warn < 1:
        ctx.issue((*path, "sla_warn_fraction"), "sla_warn_fraction 0 ile 1 arasında olmalı (örneğin 0.8)")
    priority = spec.get("priority", "normal")
    if priority not in PRIORITIES:
        ctx.issue(
            (*path, "priority"), f"bilinmeyen öncelik: {priority}", suggestion=suggest(priority, PRIORITIES)
        )
        priority = "normal"
    days, bd = _sla_spec(spec.get("sla", {"days": 30}), (*path, "sla"), ctx) or (30, False)
    return Defaults(
        fallback_department=fallback,
        timezone=spec.get("timezone", "Europe/Istanbul"),
        review_threshold=float(threshold),
        priority=priority,
        notify_citizen=spec.get("notify_citizen", True),
        sla_days=days,
        sla_business_days=bd,
        sla_warn_fraction=float(warn),
    )


def _sla_spec(value: Any, path: Path, ctx: CompileContext) -> tuple[int, bool] | None:
    spec = schema.check_mapping(value, path, schema.SLA_SPEC, ctx, required={"days"}, what="süre (sla)")
    if "days" not in spec:
        return None
    if not 0 <= spec["days"] <= 365:
        ctx.issue((*path, "days"), "süre (days) 0 ile 365 gün arasında olmalı")
        return None
    return spec["days"], spec.get("business_days", False)


# -- groups, replies, policies ---------------------------------------------------------------------------


def _groups(value: Mapping, ctx: CompileContext) -> tuple[dict[str, Group], dict[str, set[tuple[str, str]]]]:
    groups: dict[str, Group] = {}
    display: dict[str, set[tuple[str, str]]] = {}
    ilce_names = ctx.ilce_index() if ctx.known_mahalle else {}
    for name, spec_raw in value.items():
        path = ("mahalle_groups", name)
        spec = schema.check_mapping(spec_raw, path, schema.GROUP, ctx, what=f"'{name}' mahalle grubu")
        g = Group(name)
        shown: set[tuple[str, str]] = set()
        for i, ilce in enumerate(spec.get("ilce", [])):
            if not isinstance(ilce, str):
                ctx.issue(("mahalle_groups", name, "ilce", i), "ilçe adları metin olmalı")
                continue
            if ctx.known_mahalle and name_key(ilce) not in ilce_names:
                ctx.issue(
                    ("mahalle_groups", name, "ilce", i),
                    f"bilinmeyen ilçe: {ilce}",
                    suggestion=suggest(ilce, set(ilce_names.values())),
                )
                continue
            g.ilce_keys.add(name_key(ilce))
            if ctx.known_mahalle:
                shown |= {(i2, m) for i2, m in ctx.known_mahalle if name_key(i2) == name_key(ilce)}
            else:
                shown.add((ilce, "*"))
        full = {name_key(f"{i}/{m}"): (i, m) for i, m in ctx.known_mahalle or ()}
        for i, entry in enumerate(spec.get("mahalle", [])):
            p = ("mahalle_groups", name, "mahalle", i)
            if not isinstance(entry, str) or "/" not in entry:
                ctx.issue(p, f"grup üyelerini 'İlçe/Mahalle' biçiminde yazın; yazılan: {entry!r}")
                continue
            ilce, mah = (s.strip() for s in entry.split("/", 1))
            key = name_key(f"{ilce}/{mah}")
            if ctx.known_mahalle and key not in full:
                ctx.issue(
                    p,
                    f"bilinmeyen mahalle: {entry}",
                    suggestion=suggest(entry, [f"{a}/{b}" for a, b in full.values()]),
                )
                continue
            g.pair_keys.add((name_key(ilce), name_key(mah)))
            shown.add(full.get(key, (ilce, mah)))
        groups[name] = g
        display[name] = shown
    return groups, display


def _auto_replies(value: Mapping, ctx: CompileContext) -> dict[str, str]:
    out = {}
    for name, text in value.items():
        path = ("auto_replies", name)
        if not isinstance(text, str):
            ctx.issue(path, "otomatik yanıt bir metin olmalı")
            continue
        _check_template(text, path, ctx)
        out[name] = text
    return out


def _check_template(text: str, path: Path, ctx: CompileContext) -> None:
    for message, bad_name, _offset in template_errors(text, PLACEHOLDERS):
        ctx.issue(
            path,
            template_problem_tr(message),
            suggestion=suggest(bad_name, PLACEHOLDERS) if bad_name else None,
        )


def _condition(node: Any, path: Path, ctx: CompileContext):
    if node is None:
        return ALWAYS
    return compile_node(node, path, ctx)


def _sla_policies(value: list, ctx: CompileContext) -> list[SlaPolicy]:
    out: list[SlaPolicy] = []
    seen: set[str] = set()
    old_where = ctx.where
    ctx.where = "sla"
    for i, raw in enumerate(value):
        path = ("sla", i)
        spec = schema.check_mapping(
            raw, path, schema.SLA_POLICY, ctx, required=schema.REQUIRED_SLA_POLICY, what="süre politikası"
        )
        pid = spec.get("id", f"sla-{i}")
        if pid in seen:
            ctx.issue((*path, "id"), f"süre politikası kimliği iki kez kullanılmış: {pid}")
        seen.add(pid)
        cond = _condition(spec.get("when"), (*path, "when"), ctx)
        days = spec.get("days", 30)
        if not 0 <= days <= 365:
            ctx.issue((*path, "days"), "süre (days) 0 ile 365 gün arasında olmalı")
        out.append(
            SlaPolicy(
                id=pid,
                condition=cond,
                days=days,
                business_days=spec.get("business_days", False),
                description=spec.get("description", ""),
                law=spec.get("law"),
            )
        )
    ctx.where = old_where
    return out


# -- rules ----------------------------------------------------------------------------------------------


def _actions(
    value: Mapping,
    path: Path,
    departments: dict[str, Department],
    replies: dict[str, str],
    ctx: CompileContext,
) -> list[tuple[str, Any]]:
    spec = schema.check_mapping(value, path, schema.ACTIONS, ctx, what="then bölümü")
    acts: list[tuple[str, Any]] = []
    for name, arg in spec.items():
        p = (*path, name)
        if name in ("department", "escalate_to"):
            if check_department(arg, p, departments, ctx):
                acts.append((name, arg))
        elif name == "co_departments":
            good = []
            for i, c in enumerate(arg):
                if check_department(c, (*p, i), departments, ctx):
                    good.append(c)
            acts.append((name, tuple(good)))
        elif name in ("priority", "raise_priority"):
            if arg not in PRIORITIES:
                ctx.issue(p, f"bilinmeyen öncelik: {arg}", suggestion=suggest(arg, PRIORITIES))
            else:
                acts.append((name, arg))
        elif name == "sla":
            got = _sla_spec(arg, p, ctx)
            if got:
                acts.append((name, got))
        elif name == "tags":
            if not all(isinstance(t, str) and t.strip() for t in arg):
                ctx.issue(p, "etiketler boş olmayan metinler olmalı")
            else:
                acts.append((name, tuple(t.strip() for t in arg)))
        elif name == "auto_reply":
            if isinstance(arg, Mapping):
                if set(arg) != {"template"} or not isinstance(arg["template"], str):
                    ctx.issue(p, "'auto_reply: {template: ad}' yazın ya da yanıt metnini doğrudan verin")
                elif arg["template"] not in replies:
                    ctx.issue(
                        (*p, "template"),
                        f"bilinmeyen otomatik yanıt şablonu: {arg['template']}",
                        suggestion=suggest(arg["template"], replies),
                    )
                else:
                    acts.append((name, replies[arg["template"]]))
            elif isinstance(arg, str):
                _check_template(arg, p, ctx)
                acts.append((name, arg))
            else:
                ctx.issue(p, "auto_reply bir metin ya da {template: ad} olmalı")
        else:  # needs_review, notify_citizen: bools already type-checked
            acts.append((name, arg))
    return acts


def _rules(
    value: list, departments: dict[str, Department], replies: dict[str, str], ctx: CompileContext
) -> list[Rule]:
    out: list[Rule] = []
    ids: dict[str, int] = {}
    terminal_conditions: dict[str, str] = {}  # canonical condition text -> id of the terminal rule
    catch_all: str | None = None
    if not value:
        ctx.issue(("rules",), "hiç kural yok: her talep varsayılan birime düşerdi")
    for i, raw in enumerate(value):
        path = ("rules", i)
        spec = schema.check_mapping(raw, path, schema.RULE, ctx, required=schema.REQUIRED_RULE, what="kural")
        rid = spec.get("id", f"#{i + 1}")
        line = ctx.doc.pos(path)[0] if ctx.doc else None
        if "id" in spec:
            if not _CODE.match(rid):
                ctx.issue(
                    (*path, "id"),
                    f"kural kimliği '{rid}' küçük harfle (a-z) başlamalı ve yalnız a-z, rakam, "
                    "'-' ya da '_' içermeli",
                )
            if rid in ids:
                ctx.issue(
                    (*path, "id"), f"kural kimliği iki kez kullanılmış: {rid} (ilki {ids[rid]}. satırda)"
                )
            ids.setdefault(rid, line or 0)
        enabled = spec.get("enabled", True)
        cont = spec.get("continue", False)
        when = spec.get("when")
        cond = _condition(when, (*path, "when"), ctx)
        acts = _actions(spec.get("then", {}), (*path, "then"), departments, replies, ctx)
        sets_department = any(name == "department" for name, _ in acts)
        if enabled and catch_all is not None:
            ctx.issue(
                path,
                f"'{rid}' kuralına hiç sıra gelmez: yukarıdaki '{catch_all}' kuralı her talebe uyar ve durur",
            )
        elif enabled and not cont and when is not None:
            canon = dump_node(when)
            if canon in terminal_conditions:
                ctx.issue(
                    (*path, "when"),
                    f"'{rid}' kuralına hiç sıra gelmez: '{terminal_conditions[canon]}' kuralının koşulu aynı "
                    "ve o kural durur",
                )
            terminal_conditions.setdefault(canon, rid)
        if isinstance(spec.get("then"), Mapping) and not cont and "department" not in spec["then"]:
            ctx.issue(
                (*path, "then"),
                f"'{rid}' kuralı değerlendirmeyi durduruyor ama birim belirlemiyor; 'department:' ya da "
                "'continue: true' ekleyin",
            )
        if enabled and not cont and _unconditional(when):
            catch_all = catch_all or rid
        out.append(
            Rule(
                memo_key=_memo_key(when, ctx),
                id=rid,
                description=spec.get("description", ""),
                condition=cond,
                actions=tuple(acts),
                cont=cont,
                enabled=enabled,
                line=line,
                sets_department=sets_department,
                adds_tags=any(name == "tags" for name, _ in acts),
            )
        )
    return out


def _unconditional(when: Any) -> bool:
    return when is None or when == {"always": True} or when == {} or when == []


_DECIDED_FIELDS = {"priority", "department", "tags"}


def _mentions(node: Any, names: set[str]) -> bool:
    if isinstance(node, Mapping):
        return any(k in names or _mentions(v, names) for k, v in node.items())
    if isinstance(node, list):
        return any(_mentions(n, names) for n in node)
    return False


def _memo_key(when: Any, ctx: CompileContext) -> tuple | None:
    """Key under which a rule's result may be shared between rule sets evaluating the same record.

    Only conditions that look at the record alone qualify (not at priority/department/tags, which earlier
    rules change). The key includes everything else a condition depends on: groups, threshold, time zone.
    """
    if when is None or _mentions(when, _DECIDED_FIELDS):
        return None
    groups = tuple(sorted((n, frozenset(g.ilce_keys), frozenset(g.pair_keys)) for n, g in ctx.groups.items()))
    return ("memo", dump_node(when), hash(groups), ctx.review_threshold, str(ctx.tz))
