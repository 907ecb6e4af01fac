"""Compile-time state: mahalle groups, known names, collected issues and typo suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from rapidfuzz import process

from .errors import RuleIssue
from .fields import ISTANBUL
from .loader import Marked, Path, format_path
from .text import name_key


@dataclass
class Group:
    """A mahalle group: whole districts plus explicit (ilce, mahalle) pairs, stored as folded keys."""

    name: str
    ilce_keys: set[str] = field(default_factory=set)
    pair_keys: set[tuple[str, str]] = field(default_factory=set)

    def contains(self, ilce: str | None, mahalle: str | None) -> bool:
        ik = name_key(ilce) if ilce else ""
        if ik in self.ilce_keys:
            return True
        return bool(mahalle) and (ik, name_key(mahalle)) in self.pair_keys


@dataclass
class CompileContext:
    where: str = "filter"  # rule | sla | filter
    groups: dict[str, Group] = field(default_factory=dict)
    review_threshold: float = 0.55
    tz: ZoneInfo = ISTANBUL
    known_topics: set[str] | None = None
    known_mahalle: set[tuple[str, str]] | None = None
    issues: list[RuleIssue] = field(default_factory=list)
    doc: Marked | None = None
    _mahalle_index: dict[str, list[str]] | None = None  # mahalle key -> display names "Ilce/Mahalle"
    _ilce_index: dict[str, str] | None = None

    def issue(self, path: Path, message: str, *, key: bool = False, suggestion: str | None = None) -> None:
        line = col = None
        if self.doc is not None:
            line, col = self.doc.pos(path, key=key)
        self.issues.append(RuleIssue(message, line, col, format_path(path), suggestion))

    def ilce_index(self) -> dict[str, str]:
        if self._ilce_index is None:
            self._ilce_index = {name_key(i): i for i, _ in self.known_mahalle or ()}
        return self._ilce_index

    def mahalle_index(self) -> dict[str, list[str]]:
        if self._mahalle_index is None:
            idx: dict[str, list[str]] = {}
            for ilce, mah in self.known_mahalle or ():
                idx.setdefault(name_key(mah), []).append(f"{ilce}/{mah}")
            self._mahalle_index = idx
        return self._mahalle_index


def suggest(word: str, choices) -> str | None:
    """Closest known name for a typo, or None if nothing is reasonably close."""
    choices = list(choices)
    if not choices or not isinstance(word, str):
        return None
    best = process.extractOne(word, choices, processor=name_key, score_cutoff=60)
    return best[0] if best else None
