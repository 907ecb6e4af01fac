"""The Jinja2 environment for hub/templates/notify. Autoescape is on for everything except ``*.txt.j2``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "notify"


def _autoescape(name: str | None) -> bool:
    # Plain-text templates must not turn "&" into "&amp;"; every other template (and strings) escapes.
    return not (name or "").endswith(".txt.j2")


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
