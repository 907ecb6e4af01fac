"""Shape of routing_rules.yaml: allowed keys and value types for every section."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .context import CompileContext, suggest
from .loader import Path

# type names: str, int, number, bool, list, map, cond, any
TOP = {
    "version": "int",
    "defaults": "map",
    "departments": "map",
    "mahalle_groups": "map",
    "auto_replies": "map",
    "sla": "list",
    "rules": "list",
}
REQUIRED_TOP = {"defaults", "departments", "rules"}
DEFAULTS = {
    "timezone": "str",
    "fallback_department": "str",
    "review_threshold": "number",
    "priority": "str",
    "notify_citizen": "bool",
    "sla": "map",
    "sla_warn_fraction": "number",
}
REQUIRED_DEFAULTS = {"fallback_department"}
SLA_SPEC = {"days": "int", "business_days": "bool"}
DEPARTMENT = {
    "name": "str",
    "short_name": "str",
    "description": "str",
    "targets": "list",
    "calendar": "any",
}
REQUIRED_DEPARTMENT = {"name", "targets"}
TARGET_KINDS = {"email", "webhook", "sms", "queue_only"}
WEBHOOK = {"url": "str", "secret_env": "str"}
CALENDAR = {"kind": "str", "arife": "str"}
CALENDAR_SHORTHANDS = {"resmi": ("business", "work"), "7x24": ("all_days", "work")}
GROUP = {"description": "str", "ilce": "list", "mahalle": "list", "heuristic": "str"}
SLA_POLICY = {
    "id": "str",
    "description": "str",
    "law": "str",
    "when": "cond",
    "days": "int",
    "business_days": "bool",
}
REQUIRED_SLA_POLICY = {"id", "days"}
RULE = {
    "id": "str",
    "description": "str",
    "when": "cond",
    "then": "map",
    "continue": "bool",
    "enabled": "bool",
}
REQUIRED_RULE = {"id", "then"}
ACTIONS = {
    "department": "str",
    "co_departments": "list",
    "priority": "str",
    "raise_priority": "str",
    "sla": "map",
    "tags": "list",
    "needs_review": "bool",
    "auto_reply": "any",
    "notify_citizen": "bool",
    "escalate_to": "str",
}

_TYPE_WORDS = {
    "str": "bir metin",
    "int": "bir tam sayı",
    "number": "bir sayı",
    "bool": "true ya da false",
    "list": "bir liste",
    "map": "bir eşleme (anahtar: değer)",
    "cond": "bir koşul eşlemesi",
}
# What a value written in the file turned out to be (Python type name -> Turkish).
_GOT_WORDS = {
    "str": "metin",
    "int": "tam sayı",
    "float": "ondalık sayı",
    "bool": "true/false",
    "list": "liste",
    "dict": "eşleme",
    "NoneType": "boş değer",
}


def type_ok(value: Any, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("map", "cond"):
        return isinstance(value, Mapping) or (kind == "cond" and isinstance(value, list))
    return False


def check_mapping(
    value: Any,
    path: Path,
    spec: dict[str, str],
    ctx: CompileContext,
    *,
    required: set[str] = frozenset(),
    what: str = "bölüm",
) -> dict:
    """Report unknown keys, missing keys and wrong types; returns the keys whose values have the right type."""
    if not isinstance(value, Mapping):
        ctx.issue(path, f"{what} bir eşleme (anahtar: değer) olmalı")
        return {}
    good: dict[str, Any] = {}
    for key, val in value.items():
        if key not in spec:
            ctx.issue(
                (*path, key),
                f"{what} içinde bilinmeyen anahtar: {key}",
                key=True,
                suggestion=suggest(key, spec),
            )
            continue
        kind = spec[key]
        if not type_ok(val, kind):
            ctx.issue(
                (*path, key),
                f"'{key}' {_TYPE_WORDS.get(kind, kind)} olmalı; yazılan: "
                f"{_GOT_WORDS.get(type(val).__name__, type(val).__name__)}",
            )
            continue
        good[key] = val
    for key in sorted(required - set(value)):
        ctx.issue(path, f"{what} içinde zorunlu anahtar eksik: {key}")
    return good
