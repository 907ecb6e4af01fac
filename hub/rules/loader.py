"""YAML loading that remembers where every value came from (line/column) for error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import RuleIssue, RulesError

Path = tuple[str | int, ...]


@dataclass
class Marked:
    """Plain Python data plus a map from path to (line, column), both 1-based."""

    data: Any
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def pos(self, path: Path, *, key: bool = False) -> tuple[int | None, int | None]:
        """Closest known position for path; falls back to the nearest ancestor."""
        table = self.key_marks if key else self.marks
        p = tuple(path)
        while True:
            if p in table:
                return table[p]
            if key and p in self.marks:
                return self.marks[p]
            if not p:
                return None, None
            p = p[:-1]


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def issue_at(doc: Marked, path: Path, message: str, *, key: bool = False, suggestion: str | None = None):
    line, col = doc.pos(path, key=key)
    return RuleIssue(message, line, col, format_path(path), suggestion)


def load_marked(text: str, source: str = "<string>") -> Marked:
    """Parse one YAML document; syntax errors and duplicate keys become RulesError with positions."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            msg = f"YAML syntax error: {exc.problem or exc.context}"
            line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
            raise RulesError([RuleIssue(msg, line, col)], source) from None
        except yaml.YAMLError as exc:
            raise RulesError([RuleIssue(f"YAML error: {exc}")], source) from None
        doc = Marked(None)
        issues: list[RuleIssue] = []
        if node is None:
            doc.data = {}
            return doc
        doc.data = _convert(loader, node, (), doc, issues)
        if issues:
            raise RulesError(issues, source)
        return doc
    finally:
        loader.dispose()


def _convert(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path, doc: Marked, issues: list[RuleIssue]
) -> Any:
    doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(
                    RuleIssue(
                        "mapping keys must be plain names",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                )
                continue
            key = loader.construct_object(key_node)
            if key == "<<":
                issues.append(
                    RuleIssue(
                        "YAML merge keys ('<<') are not supported in rule files",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                )
                continue
            key = str(key)
            sub = (*path, key)
            if key in out:
                issues.append(
                    RuleIssue(
                        f"duplicate key '{key}'",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        format_path(sub),
                    )
                )
                continue
            doc.key_marks[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _convert(loader, value_node, sub, doc, issues)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*path, i), doc, issues) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node)
    except yaml.YAMLError as exc:
        issues.append(
            RuleIssue(
                f"bad value: {exc}", node.start_mark.line + 1, node.start_mark.column + 1, format_path(path)
            )
        )
        return None
