"""ruamel.yaml's side of hub.rules.edit: one rule's lines read as a round-trip mapping and written back,
and new values written in the shipped file's style. Used only through hub.rules.edit."""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

RULE_KEYS = ("id", "description", "enabled", "when", "then", "continue")  # order of keys in a new rule
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 6, 2), (4, 4, 0), (3, 5, 2))  # (mapping, sequence, offset)


class EditError(ValueError):
    """An edit that cannot be made; the message is Turkish, for the supervisor."""


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _yaml(indent: tuple[int, int, int]) -> YAML:
    y = YAML()  # round-trip mode: keeps comments, key order, flow/block style and quotes
    y.preserve_quotes = True
    y.width = 4096  # never fold a long description or keyword list over several lines
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


def dump_item(item: CommentedMap, indent: tuple[int, int, int], dash_col: int) -> list[str]:
    buf = io.StringIO()
    _yaml(indent).dump(CommentedMap([("rules", CommentedSeq([item]))]), buf)
    lines = buf.getvalue().splitlines(keepends=True)[1:]  # without the "rules:" line
    shift = dash_col - indent_of(lines[0])
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif shift >= 0:
            out.append(" " * shift + line)
        else:
            out.append(line[-shift:])
    while out and not out[-1].strip():  # the gap after the rule holds the blank lines
        out.pop()
    return out


def load_body(body: list[str], dash_col: int) -> tuple[CommentedMap, tuple[int, int, int]]:
    """A rule's lines as a round-trip mapping, and the indentation that writes them back unchanged."""
    src = "rules:\n" + "".join(body)
    try:
        item = _yaml(INDENTS[0]).load(src)["rules"][0]
    except (RuamelError, KeyError, IndexError, TypeError) as exc:
        raise EditError(f"Kural okunamadı: {exc}") from None
    for indent in INDENTS:
        try:
            again = dump_item(copy.deepcopy(item), indent, dash_col)
        except RuamelError:
            continue
        if again == body:
            return item, indent
    return item, INDENTS[0]


def _needs_quotes(s: str) -> bool:
    """True when the hub's YAML 1.1 loader would not read the plain word back as this text
    (yes/no/on/off, numbers, 17:30 as a sexagesimal number, dates...)."""
    try:
        return yaml.safe_load(s) != s
    except yaml.YAMLError:
        return True


def _styled(value: Any, *, flow_ok: bool = True) -> Any:
    """Plain data as ruamel nodes in the shipped file's style: short scalar lists and small scalar mappings
    in flow style ([a, b], {days: 1}), everything else in block style."""
    if isinstance(value, str):
        if "\n" in value.strip("\n") and value == value.strip():  # a reply of several lines: a | block
            return LiteralScalarString(value)
        return DoubleQuotedScalarString(value) if _needs_quotes(value) else value
    if isinstance(value, Mapping):
        cm = CommentedMap((k, _styled(v, flow_ok=not isinstance(v, list))) for k, v in value.items())
        scalars = all(not isinstance(v, Mapping | list) for v in value.values())
        short = len(str(dict(value))) <= 50 and len(value) <= 2
        if flow_ok and scalars and short:
            cm.fa.set_flow_style()
        else:
            cm.fa.set_block_style()
        return cm
    if isinstance(value, list):
        cs = CommentedSeq(_styled(v, flow_ok=False) for v in value)
        if all(not isinstance(v, Mapping | list) for v in value) and len(", ".join(map(str, value))) <= 70:
            cs.fa.set_flow_style()
        else:
            cs.fa.set_block_style()
        return cs
    return value


def merge(node: CommentedMap, old: Mapping, new: Mapping) -> None:
    """Make node hold new: keys whose value did not change are left alone (with their comments and
    style), changed values are rewritten, removed keys dropped, new keys added in RULE_KEYS order."""
    for key in [k for k in node if k not in new]:
        del node[key]
    for key, value in new.items():
        if key in node and key in old and old[key] == value:
            continue
        if (
            key in node
            and isinstance(node[key], CommentedMap)
            and isinstance(old.get(key), Mapping)
            and isinstance(value, Mapping)
        ):
            merge(node[key], old[key], value)
            continue
        styled = _styled(value, flow_ok=key not in ("then",))
        if key in node:
            node[key] = styled
        else:
            node.insert(_insert_at(node, key), key, styled)


def _insert_at(node: CommentedMap, key: str) -> int:
    if key not in RULE_KEYS:
        return len(node)
    rank = RULE_KEYS.index(key)
    pos = 0
    for i, k in enumerate(node):
        if k in RULE_KEYS and RULE_KEYS.index(k) < rank:
            pos = i + 1
    return pos


def new_item(rule: Mapping) -> CommentedMap:
    ordered = {k: rule[k] for k in RULE_KEYS if k in rule}
    ordered.update({k: v for k, v in rule.items() if k not in ordered})
    node = CommentedMap()
    merge(node, {}, ordered)
    return node
