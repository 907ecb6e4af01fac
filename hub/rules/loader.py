"""YAML loading that remembers where every value came from (line/column) for error messages.

load_marked is the one entry point for rule texts (API, UI, file watcher, CLI all reach it through
RuleSet.from_yaml_text); it applies the limits of yaml_limits before and while parsing.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import RuleIssue, RulesError
from .messages_tr import construct_problem_tr, yaml_problem_tr
from .text import normalize_newlines
from .yaml_limits import MAX_DOCUMENT_BYTES, LimitExceeded, RulesYamlLoader, size_problem

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


def read_rules_file(path: str | pathlib.Path) -> str:
    """The text of a rule file; a file above the size limit is refused without being read past it."""
    p = pathlib.Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise RulesError([RuleIssue(f"kural dosyası okunamadı: {exc.strerror or exc}")], str(p)) from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        msg = f"kural dosyası 1 MB'tan büyük ({MAX_DOCUMENT_BYTES} bayttan fazla); okunmadı"
        raise RulesError([RuleIssue(msg)], str(p))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"kural dosyası okunamadı: 0x{raw[exc.start]:02x} baytı UTF-8 değil"
        raise RulesError([RuleIssue(msg, raw.count(b"\n", 0, exc.start) + 1)], str(p)) from None
    return normalize_newlines(text)  # as reading in text mode did


def load_marked(text: str, source: str = "<string>") -> Marked:
    """Parse one YAML document within the limits of yaml_limits; syntax errors, broken limits, control
    characters and duplicate keys become RulesError with positions. Nothing else escapes."""
    too_big = size_problem(text)
    if too_big:
        raise RulesError([RuleIssue(too_big)], source)
    try:
        loader = RulesYamlLoader(text)  # checks for unprintable characters here
    except yaml.reader.ReaderError as exc:
        raise RulesError([_character_issue(text, exc)], source) from None
    try:
        try:
            node = loader.get_single_node()
        except LimitExceeded as exc:
            line, col = _position(exc)
            raise RulesError([RuleIssue(str(exc.problem), line, col)], source) from None
        except yaml.MarkedYAMLError as exc:
            line, col = _position(exc)
            raise RulesError([RuleIssue(yaml_problem_tr(exc), line, col)], source) from None
        except yaml.YAMLError:
            raise RulesError([RuleIssue("YAML metni okunamadı")], source) from None
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


def _position(exc: yaml.MarkedYAMLError) -> tuple[int | None, int | None]:
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (None, None)


def _character_issue(text: str, exc: yaml.reader.ReaderError) -> RuleIssue:
    pos = exc.position
    line = text.count("\n", 0, pos) + 1
    col = pos - text.rfind("\n", 0, pos)
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    msg = f"U+{code:04X} karakteri kural dosyasında kullanılamaz (denetim karakterleri gösterilemez ve saklanamaz)"
    return RuleIssue(msg, line, col)


_UNPRINTABLE = yaml.reader.Reader.NON_PRINTABLE  # what the reader refuses in the text itself


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> tuple[Any, str | None]:
    """(value, None) or (None, why the scalar is not a valid value)."""
    try:
        return loader.construct_object(node), None
    except yaml.MarkedYAMLError as exc:
        return None, construct_problem_tr(node, exc)
    except (yaml.YAMLError, ValueError, OverflowError, LookupError, AttributeError, TypeError) as exc:
        # PyYAML's constructors raise these on odd scalars: a date like 2026-13-45, `!!bool maybe`
        return None, construct_problem_tr(node, exc)


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
                        "anahtarlar düz ad olmalı (liste ya da eşleme olamaz)",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                )
                continue
            key, problem = _construct(loader, key_node)
            if problem is not None:
                issues.append(RuleIssue(f"geçersiz anahtar: {problem}", key_node.start_mark.line + 1,
                                        key_node.start_mark.column + 1))  # fmt: skip
                continue
            if key == "<<":
                issues.append(
                    RuleIssue(
                        "YAML birleştirme anahtarları ('<<') kural dosyalarında kullanılamaz",
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
                        f"'{key}' anahtarı iki kez yazılmış",
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
    value, problem = _construct(loader, node)
    if isinstance(value, str) and (bad := _UNPRINTABLE.search(value)):  # e.g. "\0" or "\ud800" escapes
        problem = f"U+{ord(bad.group()):04X} karakteri kural dosyasında kullanılamaz"
        value = None
    if problem is not None:
        issues.append(
            RuleIssue(
                f"geçersiz değer: {problem}",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                format_path(path),
            )
        )
    return value
