"""Round-trip editing of the `rules:` list of a rule file: text in, text out, no web.

Only the rule an operation touches is rewritten; every other line of the file (comments, blank lines,
quoting, the other sections) is copied byte for byte. The rule list is cut into bodies (one per rule)
and gaps (the blank and comment lines between them). Gaps stay at their place in the list, so a section
heading such as "routing rules" stays where it is while rules move past it; a comment written inside a
rule (indented deeper than its dash) belongs to the rule and moves with it.

A touched rule goes through ruamel.yaml's round-trip loader and dumper, so its own untouched keys and
comments survive too. After every operation the new text is parsed with the hub's own loader and must
hold exactly the data the operation intended; otherwise nothing is returned (EditError).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .edit_yaml import RULE_KEYS, EditError, dump_item, indent_of, load_body, merge, new_item
from .loader import load_marked

__all__ = ["EditError", "RuleEntry", "add_rule", "delete_rule", "get_rule", "list_rules", "move_down",
           "move_rule", "move_up", "read", "replace_rule", "set_enabled"]  # fmt: skip


@dataclass(frozen=True)
class RuleEntry:
    index: int
    id: str
    description: str
    enabled: bool
    cont: bool
    when: Any
    then: dict
    data: dict  # the rule as plain data
    line: int | None  # 1-based line of the rule in the text


@dataclass
class _Layout:
    """The text cut into: head lines, then gap[0] body[0] gap[1] body[1] ... body[n-1] gap[n], then tail."""

    head: list[str]
    gaps: list[list[str]]
    bodies: list[list[str]]
    dash_cols: list[int]
    tail: list[str]

    def text(self) -> str:
        out = list(self.head)
        for i, body in enumerate(self.bodies):
            out += self.gaps[i] + body
        out += self.gaps[len(self.bodies)] + self.tail
        return "".join(out)


# -- reading ------------------------------------------------------------------------------------------------


def _load(text: str) -> tuple[dict, Any]:
    """Plain data and the loader's positions; the hub's loader enforces its limits (size, aliases, tags)."""
    doc = load_marked(text, "<taslak>")
    data = doc.data
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise EditError("Dosyada «rules:» listesi yok; kurallar düzenlenemiyor.")
    for i, rule in enumerate(data["rules"]):
        if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str):
            raise EditError(
                f"{i + 1}. kural bir eşleme değil ya da «id» alanı yok; önce YAML görünümünde düzeltin."
            )
    return data, doc


def list_rules(text: str) -> list[RuleEntry]:
    """The rules in order, as plain data with their line numbers."""
    return read(text)[0]


def read(text: str) -> tuple[list[RuleEntry], dict]:
    """The rules in order and the whole document as plain data, from one parse."""
    data, doc = _load(_with_newline(text))
    out = []
    for i, rule in enumerate(data["rules"]):
        then = rule.get("then")
        out.append(
            RuleEntry(
                index=i,
                id=rule["id"],
                description=str(rule.get("description") or ""),
                enabled=rule.get("enabled", True) is not False,
                cont=rule.get("continue", False) is True,
                when=rule.get("when"),
                then=dict(then) if isinstance(then, Mapping) else {},
                data=dict(rule),
                line=doc.marks.get(("rules", i), (None, None))[0],
            )
        )
    return out, data


def get_rule(text: str, rule_id: str) -> dict:
    data, _ = _load(_with_newline(text))
    return copy.deepcopy(data["rules"][_index(data, rule_id)])


def _with_newline(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # a browser posts form text with CRLF
    return text if text.endswith("\n") or not text else text + "\n"


def _index(data: Mapping, rule_id: str) -> int:
    for i, rule in enumerate(data["rules"]):
        if rule.get("id") == rule_id:
            return i
    raise EditError(f"«{rule_id}» kimlikli kural taslakta yok; sayfayı yenileyip yeniden deneyin.")


def _is_filler(line: str) -> bool:
    s = line.strip()
    return not s or s.startswith("#")


def _layout(text: str, data: Mapping, doc: Any) -> _Layout:
    lines = text.splitlines(keepends=True)
    n = len(data["rules"])
    key_line = doc.key_marks[("rules",)][0] - 1
    if n == 0:
        raise EditError("Kural listesi boş; ilk kuralı YAML görünümünde yazın.")
    starts: list[int] = []
    dash_cols: list[int] = []
    for i in range(n):
        line, col = doc.marks[("rules", i)]
        line, col = line - 1, col - 1
        before = lines[line][:col].rstrip()
        if not before.endswith("-"):  # "-" alone on a line, the rule's keys below it
            line -= 1
            while line > key_line and _is_filler(lines[line]):
                line -= 1
            before = lines[line].rstrip()
        if not before.endswith("-") or before[:-1].strip() not in ("", "-"):
            raise EditError("Kurallar listesi blok biçiminde yazılmalı (her kural «- id: ...» ile başlar).")
        starts.append(line)
        dash_cols.append(len(before) - 1)
    if starts[0] <= key_line:
        raise EditError("Kurallar listesi blok biçiminde yazılmalı (her kural «- id: ...» ile başlar).")
    # The list ends at the next line written at the indentation of `rules:` or less.
    key_indent = indent_of(lines[key_line])
    end = len(lines)
    for j in range(starts[-1] + 1, len(lines)):
        if not _is_filler(lines[j]) and (
            indent_of(lines[j]) <= key_indent or lines[j].startswith(("---", "..."))
        ):
            end = j
            break
    bounds = [*starts, end]
    gaps: list[list[str]] = [lines[key_line + 1 : starts[0]]]
    bodies: list[list[str]] = []
    for i in range(n):
        lo, hi = bounds[i], bounds[i + 1]
        last = hi - 1
        while last > lo and _is_filler(lines[last]):
            last -= 1
        stop = last + 1
        # comment lines right below the rule and deeper than its dash are the rule's own
        while stop < hi and lines[stop].strip().startswith("#") and indent_of(lines[stop]) > dash_cols[i]:
            stop += 1
        bodies.append(lines[lo:stop])
        gaps.append(lines[stop:hi])
    return _Layout(lines[: key_line + 1], gaps, bodies, dash_cols, lines[end:])


# -- operations ---------------------------------------------------------------------------------------------


def _start(text: str) -> tuple[str, dict, _Layout]:
    text = _with_newline(text)
    data, doc = _load(text)
    return text, data, _layout(text, data, doc)


def _finish(layout: _Layout, data: dict, rules: list) -> str:
    out = layout.text()
    expected = {**data, "rules": rules}
    try:
        got = load_marked(out, "<taslak>").data
    except Exception:  # noqa: BLE001  (any failure means the edit is refused, below)
        got = None
    if got != expected:
        raise EditError("Bu değişiklik dosyaya güvenle yazılamadı; kuralı YAML görünümünde düzenleyin.")
    return out


def _plain_rule(rule: Mapping) -> dict:
    if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str) or not rule["id"]:
        raise EditError("Kuralın bir kimliği (id) olmalıdır.")
    bad = [k for k in rule if k not in RULE_KEYS]
    if bad:
        raise EditError(f"Kuralda bilinmeyen alan: {', '.join(map(str, bad))}")
    return copy.deepcopy(dict(rule))


def _blank_gap(layout: _Layout) -> list[str]:
    """The separator the file uses between rules: one blank line unless the rules are packed."""
    inner = [g for g in layout.gaps[1:-1] if all(not s.strip() for s in g)]
    if inner and all(not g for g in inner):
        return []
    return ["\n"]


def _indent_like(layout: _Layout) -> tuple[int, tuple[int, int, int]]:
    dash = layout.dash_cols[0]
    _, indent = load_body(layout.bodies[0], dash)
    return dash, indent


def add_rule(text: str, rule: Mapping, position: int | None = None) -> str:
    """Insert rule before the rule now at position (None or len: at the end)."""
    text, data, layout = _start(text)
    new = _plain_rule(rule)
    rules = list(data["rules"])
    if any(r.get("id") == new["id"] for r in rules):
        raise EditError(f"«{new['id']}» kimlikli bir kural zaten var; başka bir kimlik seçin.")
    n = len(rules)
    pos = n if position is None else max(0, min(int(position), n))
    dash, indent = _indent_like(layout)
    body = dump_item(new_item(new), indent, dash)
    layout.bodies.insert(pos, body)
    layout.dash_cols.insert(pos, dash)
    # the gap above the old rule at pos stays above the new one; a fresh separator goes between them
    layout.gaps.insert(pos + 1 if pos < n else n, _blank_gap(layout))
    rules.insert(pos, new)
    return _finish(layout, data, rules)


def replace_rule(text: str, rule_id: str, rule: Mapping) -> str:
    """Rewrite one rule; its keys that keep their value keep their text and comments."""
    return _replace(*_start(text), rule_id, lambda old: rule)


def _replace(text: str, data: dict, layout: _Layout, rule_id: str, make: Any) -> str:
    i = _index(data, rule_id)
    rules = list(data["rules"])
    new = _plain_rule(make(copy.deepcopy(rules[i])))
    if new["id"] != rule_id and any(r.get("id") == new["id"] for r in rules):
        raise EditError(f"«{new['id']}» kimlikli bir kural zaten var; başka bir kimlik seçin.")
    node, indent = load_body(layout.bodies[i], layout.dash_cols[i])
    merge(node, rules[i], new)
    layout.bodies[i] = dump_item(node, indent, layout.dash_cols[i])
    rules[i] = new
    return _finish(layout, data, rules)


def set_enabled(text: str, rule_id: str, enabled: bool) -> str:
    """Disable (enabled: false) or enable (the key is removed: rules are enabled by default)."""

    def switch(rule: dict) -> dict:
        if enabled:
            rule.pop("enabled", None)
        else:
            rule["enabled"] = False
        return rule

    return _replace(*_start(text), rule_id, switch)


def move_rule(text: str, rule_id: str, to_index: int) -> str:
    """Move a rule to position to_index (0 = first); the gaps between rules stay where they are."""
    return _move(text, rule_id, lambda i: int(to_index))


def _move(text: str, rule_id: str, where: Any) -> str:
    text, data, layout = _start(text)
    i = _index(data, rule_id)
    rules = list(data["rules"])
    j = max(0, min(where(i), len(rules) - 1))
    if i == j:
        return text
    for seq in (layout.bodies, layout.dash_cols, rules):
        seq.insert(j, seq.pop(i))
    return _finish(layout, data, rules)


def move_up(text: str, rule_id: str) -> str:
    return _move(text, rule_id, lambda i: i - 1)


def move_down(text: str, rule_id: str) -> str:
    return _move(text, rule_id, lambda i: i + 1)


def delete_rule(text: str, rule_id: str) -> str:
    """Remove a rule; the comments around it stay (the two gaps beside it become one)."""
    text, data, layout = _start(text)
    i = _index(data, rule_id)
    rules = list(data["rules"])
    if len(rules) == 1:
        raise EditError("Son kural silinemez; dosyada en az bir kural kalmalıdır.")
    before, after = layout.gaps[i], layout.gaps[i + 1]
    if not any(s.strip() for s in after):
        merged = before
    elif not any(s.strip() for s in before):
        merged = after
    else:
        merged = before + [s for s in after if s.strip()]
    layout.gaps[i : i + 2] = [merged]
    del layout.bodies[i], layout.dash_cols[i], rules[i]
    return _finish(layout, data, rules)
