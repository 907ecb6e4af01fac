"""The rule builder's condition form: a rule's `when:` as a tree of groups and condition rows, and the
conversions both ways (condition data <-> posted form fields). No web code here; the action fields are
in rule_actions.

Form field names: ``k_<path>_<part>`` for the condition tree, where path is "0" for the root group and
"0-2-1" for the second child of the third child of the root; part is tur (ve, veya, degil, kosul), alan
(the condition kind, see FIELDS), islec, deger (repeatable) and deger2.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from hub.rules.describe import DAYS
from hub.rules.errors import RulesError
from hub.rules.loader import load_marked
from hub.rules.operands import _as_minutes, _as_weekday

GROUPS = {"ve": "VE (hepsi tutmalı)", "veya": "VEYA (biri tutmalı)", "degil": "DEĞİL (tutmamalı)"}
# condition kind -> (Turkish label, widget); the widget decides the operators and the value inputs
FIELDS: dict[str, tuple[str, str]] = {
    "topic": ("Konu", "secim"),
    "request_type": ("Talep türü", "secim"),
    "channel": ("Kanal", "secim"),
    "contact_kind": ("Başvuran türü", "secim"),
    "priority": ("Öncelik (önceki kuralların verdiği)", "secim"),
    "ilce": ("İlçe", "secim"),
    "mahalle": ("Mahalle", "liste"),
    "mahalle_in": ("Mahalle grubu", "secim"),
    "text": ("Metin şu sözcükleri içeriyor", "sozcuk"),
    "confidence": ("Sınıflandırıcı güveni şunun altında", "sayi"),
    "low_confidence": ("Sınıflandırıcı emin değil (eşiğin altında)", "evet"),
    "time": ("Saat aralığı", "saat"),
    "weekday": ("Haftanın günü", "secim"),
    "holiday": ("Resmî tatil günü", "evet"),
    "out_of_scope": ("Kapsam dışı", "evet"),
    "is_duplicate": ("Mükerrer başvuru", "evet"),
    "has_attachments": ("Eki var", "evet"),
    "yaml": ("Diğer koşul (YAML)", "yaml"),
}
OPERATORS = {
    "secim": {"biri": "şunlardan biri", "hicbiri": "şunlardan hiçbiri"},
    "liste": {"biri": "şunlardan biri", "hicbiri": "şunlardan hiçbiri"},
    "sozcuk": {"biri": "sözcüklerden biri", "hepsi": "sözcüklerin hepsi", "hicbiri": "sözcüklerin hiçbiri"},
    "evet": {"evet": "evet", "hayir": "hayır"},
}
_CHOICE_FIELDS = ("topic", "request_type", "channel", "contact_kind", "priority", "ilce", "mahalle")
_FLAG_FIELDS = ("low_confidence", "holiday", "out_of_scope", "is_duplicate", "has_attachments")
WEEKDAY_CODES = {
    "pazartesi": 1,
    "sali": 2,
    "carsamba": 3,
    "persembe": 4,
    "cuma": 5,
    "cumartesi": 6,
    "pazar": 7,
}
_NAME = re.compile(r"^k_([0-9]+(?:-[0-9]+)*)_(tur|alan|islec|deger|deger2)$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")


@dataclass
class Node:
    """A group (tur ve/veya/degil, with children) or a condition row (tur kosul)."""

    tur: str = "ve"
    children: list[Node] = field(default_factory=list)
    alan: str = ""
    islec: str = ""
    deger: list[str] = field(default_factory=list)
    deger2: str = ""
    path: str = "0"

    @property
    def widget(self) -> str:
        return FIELDS.get(self.alan, ("", "yaml"))[1]

    def numbered(self, path: str = "0") -> Node:
        """Give every node its path (children 0, 1, 2...); returns self."""
        self.path = path
        for i, child in enumerate(self.children):
            child.numbered(f"{path}-{i}")
        return self

    def find(self, path: str) -> Node | None:
        if self.path == path:
            return self
        for child in self.children:
            hit = child.find(path)
            if hit is not None:
                return hit
        return None

    def remove(self, path: str) -> bool:
        for i, child in enumerate(self.children):
            if child.path == path:
                del self.children[i]
                return True
            if child.remove(path):
                return True
        return False


def new_node(kind: str) -> Node:
    """An empty group (ve, veya, degil) or condition row of the given condition kind."""
    if kind in GROUPS:
        return Node(tur=kind)
    if kind not in FIELDS:
        kind = "topic"
    ops = OPERATORS.get(FIELDS[kind][1])
    return Node(tur="kosul", alan=kind, islec=next(iter(ops)) if ops else "")


# -- rule data -> form ------------------------------------------------------------------------------------


def tree_from_when(when: Any) -> Node:
    """The root group for a rule's condition (no condition: an empty VE group)."""
    if when is None or when == {} or when == []:
        return Node("ve").numbered()
    root = _group_of(when)
    if root.tur == "kosul" or root.tur == "degil":
        root = Node("ve", [root])
    return root.numbered()


def _group_of(node: Any) -> Node:
    if isinstance(node, list):
        return Node("ve", [_group_of(n) for n in node])
    if isinstance(node, Mapping) and len(node) == 1:
        ((key, value),) = node.items()
        if key in ("all", "any") and isinstance(value, list) and value:
            return Node("ve" if key == "all" else "veya", [_group_of(n) for n in value])
        if key == "not":
            inner = _group_of(value)
            return Node("degil", inner.children if inner.tur == "ve" else [inner])
        return _leaf(key, value)
    if isinstance(node, Mapping) and node:
        return Node("ve", [_group_of({k: v}) for k, v in node.items()])
    return _raw({"always": True} if node in (None, {}) else node)


def _raw(node: Any) -> Node:
    text = yaml.safe_dump(node, allow_unicode=True, default_flow_style=True, sort_keys=False, width=4096)
    return Node("kosul", alan="yaml", deger2=text.strip())


def _strs(value: Any) -> list[str] | None:
    items = value if isinstance(value, list) else [value]
    return [str(x) for x in items] if items and all(isinstance(x, str) for x in items) else None


def _leaf(key: str, value: Any) -> Node:
    whole = {key: value}
    if key in _CHOICE_FIELDS or key == "mahalle_in":
        if isinstance(value, Mapping) and len(value) == 1 and key != "mahalle_in":
            ((op, arg),) = value.items()
            if op in ("eq", "in", "ne", "not_in") and (vals := _strs(arg)) is not None:
                if op in ("in", "not_in") and not isinstance(arg, list):
                    return _raw(whole)
                return Node("kosul", alan=key, islec="biri" if op in ("eq", "in") else "hicbiri", deger=vals)
        elif (vals := _strs(value)) is not None:
            return Node("kosul", alan=key, islec="biri", deger=vals)
        return _raw(whole)
    if key in ("text_contains_any", "text_contains_all") and (vals := _strs(value)) is not None:
        return Node("kosul", alan="text", islec="biri" if key.endswith("any") else "hepsi", deger=vals)
    if key in _FLAG_FIELDS and isinstance(value, bool):
        return Node("kosul", alan=key, islec="evet" if value else "hayir")
    if key == "topic_confidence" and isinstance(value, Mapping) and set(value) == {"lt"}:
        if isinstance(value["lt"], int | float) and not isinstance(value["lt"], bool):
            return Node("kosul", alan="confidence", deger2=str(value["lt"]))
    if key == "local_time" and isinstance(value, Mapping) and set(value) == {"between"}:
        pair = value["between"]
        if isinstance(pair, list) and len(pair) == 2:
            mins = [_as_minutes(x) for x in pair]
            if None not in mins:
                return Node("kosul", alan="time", deger=[f"{m // 60:02d}:{m % 60:02d}" for m in mins])
    if key == "weekday":
        op, arg = (
            ("in", value) if not isinstance(value, Mapping) else (next(iter(value)), value[next(iter(value))])
        )
        if not isinstance(value, Mapping) or len(value) == 1:
            days = [_as_weekday(d) for d in (arg if isinstance(arg, list) else [arg])]
            if op in ("in", "eq", "not_in", "ne") and days and None not in days:
                codes = {v: k for k, v in WEEKDAY_CODES.items()}
                return Node("kosul", alan="weekday", islec="biri" if op in ("in", "eq") else "hicbiri",
                            deger=[codes[d] for d in days])  # fmt: skip
    return _raw(whole)


# -- form -> rule data ------------------------------------------------------------------------------------


def tree_from_form(form: Mapping[str, Any], getall: Any) -> Node:
    """The condition tree from posted fields; getall(name) returns every value of a repeated field."""
    nodes: dict[tuple[int, ...], Node] = {}
    for name in form:
        m = _NAME.match(str(name))
        if not m:
            continue
        key = tuple(int(p) for p in m[1].split("-"))
        node = nodes.setdefault(key, Node())
        part = m[2]
        if part == "deger":
            node.deger = [str(v).strip() for v in getall(name) if str(v).strip()]
        else:
            setattr(node, part, str(form.get(name, "")).strip())
    root = nodes.get((0,), Node("ve"))
    if root.tur not in GROUPS:
        root.tur = "ve"
    for key in sorted(k for k in nodes if len(k) > 1):
        parent = nodes.get(key[:-1])
        if parent is not None and parent.tur in GROUPS:
            parent.children.append(nodes[key])
    return root.numbered()


def _words(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [w.strip() for w in v.split(",") if w.strip()]
    return out


def when_from_tree(root: Node, errors: list[str]) -> Any:
    """The `when:` data of a tree (None when it has no condition); problems are appended to errors."""
    return _cond(root, errors)


def _cond(node: Node, errors: list[str]) -> Any:
    if node.tur in ("ve", "degil"):
        parts = [p for p in (_cond(c, errors) for c in node.children) if p is not None]
        inner: Any
        if not parts:
            inner = None
        elif len(parts) == 1:
            inner = parts[0]
        elif all(isinstance(p, Mapping) for p in parts) and len({k for p in parts for k in p}) == sum(
            len(p) for p in parts
        ):
            inner = {k: v for p in parts for k, v in p.items()}  # one mapping, as the shipped file writes it
        else:
            inner = {"all": parts}
        if node.tur == "degil":
            return None if inner is None else {"not": inner}
        return inner
    if node.tur == "veya":
        parts = [p for p in (_cond(c, errors) for c in node.children) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"any": parts}
    return _leaf_cond(node, errors)


def _leaf_cond(node: Node, errors: list[str]) -> Any:
    label = FIELDS.get(node.alan, ("Koşul", ""))[0]
    widget = node.widget
    if widget in ("secim", "liste"):
        values = _words(node.deger) if widget == "liste" else node.deger
        if not values:
            errors.append(f"«{label}» koşulu için en az bir değer seçin.")
            return None
        negative = node.islec == "hicbiri"
        if node.alan == "mahalle_in":
            cond: Any = {"mahalle_in": values[0] if len(values) == 1 else values}
            return {"not": cond} if negative else cond
        if node.alan == "weekday":
            return {"weekday": {"not_in" if negative else "in": values}}
        if negative:
            return {node.alan: {"ne": values[0]} if len(values) == 1 else {"not_in": values}}
        return {node.alan: values[0] if len(values) == 1 else values}
    if widget == "sozcuk":
        words = _words(node.deger)
        if not words:
            errors.append("«Metin şu sözcükleri içeriyor» koşulu için en az bir sözcük yazın.")
            return None
        if node.islec == "hepsi":
            return {"text_contains_all": words}
        cond = {"text_contains_any": words}
        return {"not": cond} if node.islec == "hicbiri" else cond
    if widget == "evet":
        return {node.alan: node.islec != "hayir"}
    if widget == "sayi":
        try:
            value = float(node.deger2.replace(",", "."))
        except ValueError:
            value = -1.0
        if not 0 < value <= 1:
            errors.append("Sınıflandırıcı güveni 0 ile 1 arasında bir sayı olmalıdır (ör. 0,6).")
            return None
        return {"topic_confidence": {"lt": value}}
    if widget == "saat":
        times = (node.deger + ["", ""])[:2]
        if not all(_CLOCK.match(t) for t in times):
            errors.append("Saat aralığını SS:DD biçiminde yazın (ör. 17:30 ve 08:30).")
            return None
        return {"local_time": {"between": [t.zfill(5) for t in times]}}
    return _yaml_cond(node.deger2, errors)


def _yaml_cond(text: str, errors: list[str]) -> Any:
    if not text.strip():
        errors.append("«Diğer koşul (YAML)» satırı boş; koşulu yazın ya da satırı kaldırın.")
        return None
    try:
        data = load_marked(text, "<koşul>").data  # the hub's own loader and its limits
    except RulesError as exc:
        errors.append("YAML koşulu okunamadı: " + "; ".join(e.message for e in exc.errors))
        return None
    if not isinstance(data, Mapping | list) or not data:
        errors.append("YAML koşulu bir eşleme olmalıdır, ör. {is_duplicate: true}.")
        return None
    return data


def day_label(code: str) -> str:
    return DAYS.get(WEEKDAY_CODES.get(code, 0), code)
