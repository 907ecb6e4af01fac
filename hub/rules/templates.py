"""Citizen-facing reply templates: ``{placeholder}`` and ``{placeholder|yedek metin}``, rendered safely.

Only plain names are allowed (no attribute access or indexing, unlike str.format), ``{{``/``}}`` give literal
braces, and a value that is missing at render time becomes the fallback text after ``|`` (or nothing).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDERS = {
    "tracking_code": "takip numarası",
    "department_name": "yönlendirilen birimin adı",
    "department": "birim kodu",
    "due_date": "son cevap tarihi (GG.AA.YYYY)",
    "sla_days": "cevap süresi (gün)",
    "sla_unit": "'gün' ya da 'iş günü'",
    "received_date": "başvuru tarihi (GG.AA.YYYY)",
    "topic": "konu kodu",
    "ilce": "ilçe",
    "mahalle": "mahalle",
    "channel": "başvuru kanalı",
    "citizen_name": "başvuranın adı (varsa)",
}
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(?:\|(.*))?$", re.DOTALL)


def template_errors(template: str) -> list[tuple[str, str | None, int]]:
    """Problems in a template as (message, offending name or None, character offset)."""
    problems: list[tuple[str, str | None, int]] = []
    for m in _TOKEN.finditer(template):
        tok = m.group(0)
        if tok in ("{{", "}}"):
            continue
        if tok in ("{", "}"):
            problems.append(
                (f"unbalanced '{tok}' in template; write '{tok}{tok}' for a literal brace", None, m.start())
            )
            continue
        inner = _NAME.match(m.group(1))
        if not inner:
            problems.append((f"bad placeholder '{tok}'", None, m.start()))
        elif inner.group(1) not in PLACEHOLDERS:
            problems.append((f"unknown placeholder '{{{inner.group(1)}}}'", inner.group(1), m.start()))
    return problems


def _fmt(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill placeholders from context; never raises on missing or odd values."""

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        if m.group(1) is None:
            return tok
        inner = _NAME.match(m.group(1))
        if not inner:
            return tok
        value = context.get(inner.group(1))
        if value is None or value == "":
            return inner.group(2) or ""
        try:
            return _fmt(value)
        except Exception:  # a broken __str__ must not stop a reply
            return inner.group(2) or ""

    return _TOKEN.sub(sub, template)
