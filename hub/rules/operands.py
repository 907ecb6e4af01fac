"""Validation and normalisation of the constants a condition compares field values with."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .context import CompileContext, suggest
from .loader import Path
from .text import name_key
from .vocab import CHANNELS, CONTACT_KINDS, PRIORITIES, REQUEST_TYPES, WEEKDAYS

# Turkish names of the fields whose values come from a fixed list ("bilinmeyen kanal: faks").
_FIELD_NOUNS = {
    "channel": "kanal",
    "request_type": "başvuru türü",
    "contact_kind": "başvuran türü",
    "priority": "öncelik",
    "topic": "konu",
}


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
            ctx.issue(
                path, f"bilinmeyen ilçe: {val}", suggestion=suggest(val, set(ctx.ilce_index().values()))
            )
        return
    elif fld == "mahalle" and ctx.known_mahalle:
        _check_mahalle_name(val, path, ctx)
        return
    if choices is not None and val not in choices:
        ctx.issue(path, f"bilinmeyen {_FIELD_NOUNS.get(fld, fld)}: {val}", suggestion=suggest(val, choices))


def _check_mahalle_name(val: str, path: Path, ctx: CompileContext) -> None:
    idx = ctx.mahalle_index()
    if "/" in val:
        ilce, mah = (s.strip() for s in val.split("/", 1))
        full = {name_key(x): x for names in idx.values() for x in names}
        if name_key(f"{ilce}/{mah}") not in full:
            ctx.issue(path, f"bilinmeyen mahalle: {val}", suggestion=suggest(val, full.values()))
    elif name_key(val) not in idx:
        ctx.issue(
            path,
            f"bilinmeyen mahalle: {val}",
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


def norm_const(fld: str, kind: str, val: Any, path: Path, ctx: CompileContext) -> tuple[bool, Any]:
    """Validate and normalise a constant for comparison with field values; (ok, normalised)."""
    if kind == "weekday":
        d = _as_weekday(val)
        if d is None:
            ctx.issue(path, f"geçersiz gün: {val!r}", suggestion=suggest(str(val), WEEKDAYS))
            return False, None
        return True, d
    if kind == "clock":
        m = _as_minutes(val)
        if m is None:
            ctx.issue(path, f'geçersiz saat: {val!r}; tırnak içinde "SS:DD" biçiminde yazın')
            return False, None
        return True, m
    if kind == "bool":
        if not isinstance(val, bool):
            ctx.issue(path, f"'{fld}' true ya da false olmalı; yazılan: {val!r}")
            return False, None
        return True, val
    if kind == "number":
        if isinstance(val, bool) or not isinstance(val, int | float):
            ctx.issue(path, f"'{fld}' bir sayı ister; yazılan: {val!r}")
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
        ctx.issue(path, f"'{fld}' bir tarih ya da tarih-saat ister; yazılan: {val!r}")
        return False, None
    if kind == "generic":
        if isinstance(val, list | dict):
            ctx.issue(path, f"'{fld}' tek bir değerle karşılaştırılır; yazılan: {val!r}")
            return False, None
        return True, val
    if not isinstance(val, str):
        ctx.issue(path, f"'{fld}' bir metin değeri ister; yazılan: {val!r}")
        return False, None
    if kind in ("enum", "place"):
        _check_enum_value(fld, val, path, ctx)
    return True, val
