"""Limits every rule text meets before and while it is parsed, so that a hostile document costs nothing.

- No anchors or aliases: a ~500-byte alias bomb expands to billions of nodes, and rule files never need
  them. They are refused when the parser reaches them, before anything is expanded.
- Nesting depth: the composer and the validator recurse, so depth is bounded while composing.
- Size: a document above MAX_DOCUMENT_BYTES is refused before parsing; a file is not even read past it.
- Tags: only the plain ones (!!str, !!int, ...); !!timestamp, !!binary, !!set and custom tags are refused.
- Numbers: PyYAML turns digit strings into int/float with quadratic cost (and Python refuses decimals
  longer than 4,300 digits), so numbers longer than MAX_NUMBER_CHARS are refused.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent

MAX_DOCUMENT_BYTES = 1_000_000  # 1 MB; the shipped routing_rules.yaml is about 24 kB
MAX_DEPTH = 32  # nested mappings/lists; the shipped file needs 7
MAX_NUMBER_CHARS = 100


_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")}


class LimitExceeded(yaml.MarkedYAMLError):
    """A rule text breaks one of the limits above; carries the position of the offending node."""


class RulesYamlLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases, explicit tags and deep nesting as it composes (where aliases
    would be resolved), deep flow nesting as it scans, and long numbers as it constructs."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise LimitExceeded(
                problem=f"YAML takma adları (alias *{event.anchor}) ve çapaları (anchor) kural dosyalarında "
                "kullanılamaz; değeri açıkça yazın",
                problem_mark=event.start_mark,
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise LimitExceeded(
                problem=f"YAML çapaları (anchor &{event.anchor}) ve takma adları (alias) kural dosyalarında "
                "kullanılamaz; değeri açıkça yazın",
                problem_mark=event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _PLAIN_TAGS:
            raise LimitExceeded(
                problem=f"YAML etiketi {tag} kural dosyalarında kullanılamaz; kural değerleri düz metin, sayı, "
                "true/false, liste ve eşlemelerdir",
                problem_mark=event.start_mark,
            )
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitExceeded(
                problem=f"{MAX_DEPTH} düzeyden derin iç içe yapı; kural dosyalarında buna izin verilmez",
                problem_mark=event.start_mark,
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:  # noqa: N803 (PyYAML's name)
        # The scanner looks ahead over pending flow keys, which costs O(depth) per token: stop '[[[[...'
        # here, before the composer would see it.
        if self.flow_level >= MAX_DEPTH:
            raise LimitExceeded(
                problem=f"{MAX_DEPTH} düzeyden derin iç içe yapı; kural dosyalarında buna izin verilmez",
                problem_mark=self.get_mark(),
            )
        super().fetch_flow_collection_start(TokenClass)

    def construct_short_number(self, node: yaml.ScalarNode) -> Any:
        if len(node.value) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                problem=f"{MAX_NUMBER_CHARS} karakterden uzun sayı; bir metinse tırnak içine alın",
                problem_mark=node.start_mark,
            )
        if node.tag.endswith(":int"):
            return self.construct_yaml_int(node)
        return self.construct_yaml_float(node)


RulesYamlLoader.add_constructor("tag:yaml.org,2002:int", RulesYamlLoader.construct_short_number)
RulesYamlLoader.add_constructor("tag:yaml.org,2002:float", RulesYamlLoader.construct_short_number)


def size_problem(text: str) -> str | None:
    """Why text is too large to parse, or None. Cheap: never encodes more than the limit allows."""
    if len(text) > MAX_DOCUMENT_BYTES:
        size = len(text)
    else:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size <= MAX_DOCUMENT_BYTES:
            return None
    return f"kural metni 1 MB'tan büyük ({size} > {MAX_DOCUMENT_BYTES} bayt); okunmadı"
