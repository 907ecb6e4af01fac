"""Readable Turkish sentences for a rule's condition and actions (the rule builder's list)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.ui import labels  # plain dictionaries of Turkish labels; nothing web-related is imported

_FIELD = {
    "topic": "konu",
    "request_type": "talep türü",
    "channel": "kanal",
    "contact_kind": "başvuran",
    "priority": "öncelik",
    "ilce": "ilçe",
    "mahalle": "mahalle",
    "text": "metin",
    "subject": "konu satırı",
    "body": "mesaj gövdesi",
    "topic_confidence": "sınıflandırıcı güveni",
    "hour": "saat",
    "weekday": "gün",
    "local_time": "saat",
    "tags": "etiketler",
    "department": "birim",
    "status": "durum",
    "received_at": "geliş zamanı",
}
_FLAGS = {
    "out_of_scope": ("kapsam dışı", "kapsam içinde"),
    "is_duplicate": ("mükerrer", "mükerrer değil"),
    "has_attachments": ("eki var", "eki yok"),
    "holiday": ("resmî tatil günü", "resmî tatil değil"),
    "low_confidence": ("sınıflandırıcı emin değil (güven eşiğin altında)", "sınıflandırıcı emin"),
}
_OPS = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "contains": "şunu içeriyor:",
    "regex": "şu kalıba uyuyor:",
}
DAYS = {1: "pazartesi", 2: "salı", 3: "çarşamba", 4: "perşembe", 5: "cuma", 6: "cumartesi", 7: "pazar"}


@dataclass
class Names:
    """Display names for codes; the builder fills them from the taxonomy and the rule file."""

    topics: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)

    def value(self, fld: str, v: Any) -> str:
        if isinstance(v, bool):
            return "evet" if v else "hayır"
        table = {
            "topic": self.topics,
            "channel": labels.CHANNEL,
            "request_type": labels.REQUEST_TYPE,
            "contact_kind": labels.CONTACT_KIND,
            "priority": labels.PRIORITY,
            "department": self.departments,
        }.get(fld)
        if table is not None:
            return table.get(str(v), str(v))
        if fld == "local_time" and isinstance(v, int):  # YAML 1.1 read an unquoted 18:00 as minutes
            return f"{v // 60:02d}:{v % 60:02d}"
        return str(v)


def _words(v: Any) -> str:
    items = v if isinstance(v, list) else [v]
    return ", ".join(f"«{w}»" for w in items)


def _values(fld: str, v: Any, names: Names) -> str:
    items = v if isinstance(v, list) else [v]
    return ", ".join(names.value(fld, x) for x in items)


def condition_text(node: Any, names: Names | None = None) -> str:
    """One line of Turkish for a `when:` condition; no condition means every request."""
    names = names or Names()
    if node is None or node == {} or node == []:
        return "her talep"
    return _node(node, names, top=True)


def _node(node: Any, names: Names, *, top: bool = False) -> str:
    if isinstance(node, list):
        parts = [_node(n, names) for n in node]
        return " ve ".join(parts) if top else "(" + " ve ".join(parts) + ")"
    if not isinstance(node, Mapping):
        return str(node)
    parts = [_key(k, v, names) for k, v in node.items()]
    if len(parts) == 1:
        return parts[0]
    joined = " ve ".join(parts)
    return joined if top else f"({joined})"


def _key(key: str, value: Any, names: Names) -> str:
    if key in ("all", "any") and isinstance(value, list):
        sep = " ve " if key == "all" else " ya da "
        return "(" + sep.join(_node(n, names) for n in value) + ")"
    if key == "not":
        inner = _node(value, names, top=True)
        return f"değil ({inner})"
    if key == "always":
        return "her talep" if value else "hiçbir talep"
    if key in _FLAGS and isinstance(value, bool):
        return _FLAGS[key][0 if value else 1]
    if key == "text_contains_any":
        return f"metinde {_words(value)} sözcüklerinden biri geçiyor"
    if key == "text_contains_all":
        return f"metinde {_words(value)} sözcüklerinin hepsi geçiyor"
    if key == "text_regex":
        return f"metin şu kalıba uyuyor: {value}"
    if key == "mahalle_in":
        return f"mahalle grubu: {_values('', value, names)}"
    label = _FIELD.get(key, key)
    if isinstance(value, Mapping):
        return " ve ".join(_op(key, label, op, arg, names) for op, arg in value.items())
    if isinstance(value, list):
        return f"{label}: {_values(key, value, names)} (biri)"
    return f"{label}: {names.value(key, value)}"


def _op(fld: str, label: str, op: str, arg: Any, names: Names) -> str:
    if fld == "weekday" and isinstance(arg, list | int | str) and op in ("in", "eq"):
        return f"gün: {_days(arg)}"
    if op == "in":
        return f"{label}: {_values(fld, arg, names)} (biri)"
    if op == "not_in":
        return f"{label}: {_values(fld, arg, names)} dışında"
    if op == "between" and isinstance(arg, list) and len(arg) == 2:
        lo, hi = (names.value(fld, a) for a in arg)
        return f"{label} {lo}–{hi} arası"
    if op in ("contains_any", "contains_all"):
        which = "biri" if op == "contains_any" else "hepsi"
        return f"{label} içinde {_words(arg)} ({which})"
    if op == "exists":
        return f"{label} {'var' if arg else 'yok'}"
    if fld == "topic_confidence" and op == "lt":
        return f"sınıflandırıcı güveni {arg} altında"
    return f"{label} {_OPS.get(op, op)} {names.value(fld, arg)}"


def _days(arg: Any) -> str:
    from .operands import _as_weekday

    items = arg if isinstance(arg, list) else [arg]
    return ", ".join(DAYS.get(_as_weekday(d) or 0, str(d)) for d in items)


def actions_text(then: Mapping, cont: bool, names: Names | None = None) -> str:
    """The rule's actions in Turkish, in the order the file lists them, then whether it stops."""
    names = names or Names()
    parts: list[str] = []
    for key, arg in (then or {}).items():
        if key == "department":
            parts.append(f"birim: {names.value('department', arg)}")
        elif key == "co_departments":
            parts.append(f"ortak birimler: {_values('department', arg, names)}")
        elif key == "priority":
            parts.append(f"öncelik: {names.value('priority', arg)}")
        elif key == "raise_priority":
            parts.append(f"öncelik en az: {names.value('priority', arg)}")
        elif key == "sla" and isinstance(arg, Mapping):
            unit = "iş günü" if arg.get("business_days") else "gün"
            parts.append(f"cevap süresi: {arg.get('days')} {unit}")
        elif key == "tags":
            parts.append(f"etiketler: {', '.join(map(str, arg or []))}")
        elif key == "needs_review":
            parts.append("incelemeye alınır" if arg else "incelemeye alınmaz")
        elif key == "auto_reply":
            tpl = arg.get("template") if isinstance(arg, Mapping) else None
            parts.append(f"otomatik cevap: {tpl}" if tpl else "otomatik cevap: kendi metni")
        elif key == "notify_citizen":
            parts.append("vatandaş bilgilendirilir" if arg else "vatandaşa bildirim gitmez")
        elif key == "escalate_to":
            parts.append(f"üst birime bildir: {names.value('department', arg)}")
        else:
            parts.append(f"{labels.ACTION.get(key, key)}: {arg}")
    parts.append("sonraki kurallar da denenir" if cont else "karar verir, durur")
    return "; ".join(parts)
