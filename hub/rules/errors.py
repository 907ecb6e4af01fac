"""Error types for rule files: every problem carries a position so editors can jump to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleIssue:
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    path: str = ""  # e.g. "rules[3].when.topic"
    suggestion: str | None = None

    def format(self, source: str = "<string>") -> str:
        pos = source
        if self.line is not None:
            pos += f":{self.line}"
            if self.column is not None:
                pos += f":{self.column}"
        text = f"{pos}: {self.message}"
        if self.suggestion:
            text += f"; bunu mu demek istediniz: '{self.suggestion}'?"
        if self.line is None and self.path:  # no position known: say where in the structure instead
            text += f" (yer: {self.path})"
        return text


class RulesError(Exception):
    """Raised when a rule text cannot become a RuleSet. Nothing half-built is ever returned."""

    def __init__(self, errors: list[RuleIssue], source: str = "<string>") -> None:
        self.errors = sorted(errors, key=lambda e: (e.line or 0, e.column or 0, e.message))
        self.source = source
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(issue.format(self.source) for issue in self.errors)
