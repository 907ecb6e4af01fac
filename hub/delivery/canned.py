"""Canned replies: supervisors write ``{ad}``, ``{takip_kodu}``, ``{birim}``, ``{mahalle}``
(``{ad|vatandaşımız}`` gives a fallback, ``{{``/``}}`` literal braces).

The syntax, its checks and the sandboxed Jinja2 rendering are ``hub.reply_templates``, shared with
the routing rules' auto-replies; this module holds the canned replies' vocabulary and their values
(``hub.queries.knowledge.rendered_canned`` renders them with ``hub.reply_templates.render``).
"""

from __future__ import annotations

from typing import Any

from hub.reply_templates import template_errors

PLACEHOLDERS = {
    "ad": "başvuranın adı",
    "takip_kodu": "takip numarası",
    "birim": "yönlendirilen birimin adı",
    "mahalle": "mahalle",
}


def placeholder_errors(body: str) -> list[str]:
    """A canned reply's template problems as messages naming the allowed placeholders."""
    allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    return [f"{message}; use {allowed}" if name else message
            for message, name, _offset in template_errors(body, PLACEHOLDERS)]  # fmt: skip


def request_context(req: Any, contact: Any, department_name: str | None) -> dict[str, Any]:
    return {"ad": getattr(contact, "name", None), "takip_kodu": req.tracking_code,
            "birim": department_name or req.department, "mahalle": req.mahalle}  # fmt: skip
