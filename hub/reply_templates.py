"""Templates that staff and supervisors write: ``{name}``, ``{name|yedek metin}``, ``{{``/``}}`` for braces.

One syntax and one renderer for every such text: the routing rules' auto-replies (vocabulary
``hub.rules.templates.PLACEHOLDERS``) and the canned replies (``hub.delivery.canned.PLACEHOLDERS``).

* ``template_errors(template, vocabulary)`` lists the problems as (message, name or None, offset);
  a text is checked against its vocabulary when it is saved (canned reply) or loaded (rules file).
* ``render(template, context)`` compiles the user syntax into a Jinja2 template and renders it in
  Jinja2's sandbox, as plain text. Only plain names are placeholders (no attribute access, indexing,
  filters or expressions); everything else the author wrote is literal text, so the author never
  reaches Jinja2 syntax. A missing, None or empty value renders the fallback after ``|`` (or nothing);
  dates print as GG.AA.YYYY. Rendering never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import Template, Undefined
from jinja2.sandbox import SandboxedEnvironment

# ``{{`` / ``}}`` (literal brace), ``{...}`` (placeholder) or a stray brace; the text between tokens has no braces
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(?:\|(.*))?$", re.DOTALL)
_BRACE = {"{": '{{ "{" }}', "}": '{{ "}" }}'}

Problem = tuple[str, str | None, int]


def template_errors(template: str, vocabulary: Collection[str]) -> list[Problem]:
    """Problems in a template as (message, offending name or None, character offset)."""
    problems: list[Problem] = []
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
        elif inner.group(1) not in vocabulary:
            problems.append((f"unknown placeholder '{{{inner.group(1)}}}'", inner.group(1), m.start()))
    return problems


def placeholder_text(value: Any) -> str:
    """How a placeholder's value prints: '' for missing/None, GG.AA.YYYY for dates, str() otherwise."""
    if value is None or isinstance(value, Undefined):
        return ""
    try:
        if isinstance(value, dt.date):  # datetime is a date too
            # as strftime("%d.%m.%Y") prints it, without strftime's cost (a time-zone lookup per call)
            return f"{value.day:02d}.{value.month:02d}.{value.year}"
        return str(value)
    except Exception:  # a broken __str__ must not stop a reply; the fallback is used instead
        return ""


@lru_cache(maxsize=1)
def _env() -> SandboxedEnvironment:
    # plain text (reply box, SMS, e-mail body): no HTML escaping
    env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
    env.filters["placeholder_text"] = placeholder_text
    return env


def to_jinja(template: str) -> tuple[str, tuple[str, ...]]:
    """The Jinja2 source for a template and the placeholder names it reads.

    Text between tokens holds no brace, so it is copied as it is; literal braces become ``{{ "{" }}``;
    a malformed ``{...}`` or a stray brace is kept literally (the validator reports it). Each
    placeholder reads ``values["name"]``: render() fills exactly these keys, so a name never falls
    through to an attribute of the mapping.
    """
    out: list[str] = []
    names: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(template):
        out.append(template[pos : m.start()])
        pos = m.end()
        tok = m.group(0)
        inner = _NAME.match(m.group(1)) if m.group(1) is not None else None
        if tok in ("{{", "}}"):
            out.append(_BRACE[tok[0]])
        elif inner is None:  # stray brace or malformed placeholder: literal
            out.append("".join(_BRACE.get(c, c) for c in tok))
        else:
            name, fallback = inner.group(1), inner.group(2)
            names.append(name)
            value = f'values["{name}"]|placeholder_text'
            if fallback:  # brace-free text, safe as template data
                out.append(
                    f"{{% with v = {value} %}}{{% if v %}}{{{{ v }}}}{{% else %}}{fallback}{{% endif %}}{{% endwith %}}"
                )
            else:
                out.append(f"{{{{ {value} }}}}")
    out.append(template[pos:])
    return "".join(out), tuple(dict.fromkeys(names))


@lru_cache(maxsize=512)
def _compiled(template: str) -> tuple[Template, tuple[str, ...]]:
    source, names = to_jinja(template)
    return _env().from_string(source), names


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill a template's placeholders from context; never raises on missing or odd values."""
    compiled, names = _compiled(template)
    return compiled.render(values={name: context.get(name) for name in names})
