"""Canned replies: supervisors write ``{ad}``, ``{takip_kodu}``, ``{birim}``, ``{mahalle}``;
the hub renders them with Jinja2 like its other citizen texts (hub.delivery.templating).

The supervisors' short placeholders are converted to Jinja2 expressions and every other
brace is made literal, so a reply text cannot reach Jinja2 syntax; rendering is sandboxed
all the same. A value the request lacks renders as nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined
from jinja2.sandbox import SandboxedEnvironment

PLACEHOLDERS = {
    "ad": "başvuranın adı",
    "takip_kodu": "takip numarası",
    "birim": "yönlendirilen birimin adı",
    "mahalle": "mahalle",
}
_TOKEN = re.compile(r"\{([a-z_]+)\}|[{}]")


def placeholder_errors(body: str) -> list[str]:
    return [f"unknown placeholder {{{m.group(1)}}}; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
            for m in _TOKEN.finditer(body) if m.group(1) and m.group(1) not in PLACEHOLDERS]  # fmt: skip


def to_jinja(body: str) -> str:
    """``Sayın {ad}, {x}`` -> ``Sayın {{ ad }}, {{ "{" }}x{{ "}" }}``."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) in PLACEHOLDERS:
            return "{{ " + m.group(1) + " }}"
        return "".join('{{ "' + c + '" }}' for c in m.group(0))

    return _TOKEN.sub(one, body)


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    # plain text (the reply box and SMS): no HTML escaping; a missing value is empty
    return SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=True)


def render_canned(body: str, context: dict[str, Any]) -> str:
    values = {k: ("" if context.get(k) is None else str(context[k])) for k in PLACEHOLDERS}
    return _env().from_string(to_jinja(body)).render(**values)


def request_context(req: Any, contact: Any, department_name: str | None) -> dict[str, Any]:
    return {"ad": getattr(contact, "name", None), "takip_kodu": req.tracking_code,
            "birim": department_name or req.department, "mahalle": req.mahalle}  # fmt: skip
