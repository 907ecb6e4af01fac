"""`rules check`: validate a rule file without activating it."""

from __future__ import annotations

from pathlib import Path

from .engine import RuleSet
from .errors import RulesError


def check_file(
    path: str | Path,
    *,
    known_topics: set[str] | None = None,
    known_mahalle: set[tuple[str, str]] | None = None,
) -> tuple[int, str]:
    """(0, summary) when the file is valid, (2, one error per line) when it is not."""
    p = Path(path)
    try:
        rules = RuleSet.from_file(p, source=str(p), known_topics=known_topics, known_mahalle=known_mahalle)
    except RulesError as exc:
        n = len(exc.errors)
        return 2, exc.format() + f"\n{n} error{'s' if n != 1 else ''}; the rules were not activated."
    return 0, rules.summary()
