"""The locator's answer (LocateResult), a matched name span (Mention) and cue strength levels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from classifier.plain import as_dict

CONFIDENT = 0.8

CUE_STRONG, CUE_DISTRICT, CUE_WEAK, CUE_NONE = 4, 3, 2, 1
BASE_CONF = {CUE_STRONG: 0.95, CUE_DISTRICT: 0.9, CUE_WEAK: 0.85, CUE_NONE: 0.8}


@dataclass
class LocateResult:
    mahalle: str | None = None
    ilce: str | None = None
    confidence: float = 0.0
    ambiguous: bool = False
    candidates: list[dict[str, Any]] = field(default_factory=list)
    # Why this answer, in a few English words ("suffix -da on a distinctive name", "district in text").
    reason: str | None = None

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT

    def to_dict(self) -> dict[str, Any]:
        return as_dict(self)  # asdict's result, faster (classifier/plain.py)


@dataclass
class Mention:
    start: int
    end: int  # exclusive token index
    places: list[tuple[int, int]]  # (place index, edit distance)
    cue: int  # CUE_STRONG, CUE_DISTRICT, CUE_WEAK or CUE_NONE
    fuzzy: bool
    ending: str | None = None  # case ending after the name ("da" in "Hunatta" / "Hunat'ta")
    why: str = ""  # what made it a mention: "cue word", "district in text", "form label"...
    cap: float | None = None  # highest confidence this mention may give
