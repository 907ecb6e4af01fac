"""The rule builder's action fields (department, co-departments, priority, deadline, tags, reply,
review, notification, escalation, stop or continue) and the rule mapping built from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

RULE_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass
class RuleFields:
    """The flat fields of the rule form (everything except the condition tree)."""

    id: str = ""
    description: str = ""
    enabled: bool = True
    cont: bool = False
    department: str = ""
    co_departments: list[str] = field(default_factory=list)
    priority: str = ""
    raise_priority: str = ""
    sla_days: str = ""
    sla_business: bool = False
    tags: str = ""
    template: str = ""
    reply_text: str = ""
    needs_review: str = ""  # "", "evet", "hayir"
    notify_citizen: str = ""
    escalate_to: str = ""


def _tri(value: Any) -> str:
    return "" if value is None else ("evet" if value else "hayir")


def fields_from_rule(rule: Mapping) -> RuleFields:
    then = rule.get("then") if isinstance(rule.get("then"), Mapping) else {}
    sla = then.get("sla") if isinstance(then.get("sla"), Mapping) else {}
    reply = then.get("auto_reply")
    return RuleFields(
        id=str(rule.get("id", "")),
        description=str(rule.get("description") or ""),
        enabled=rule.get("enabled", True) is not False,
        cont=rule.get("continue", False) is True,
        department=str(then.get("department") or ""),
        co_departments=[str(c) for c in then.get("co_departments") or []],
        priority=str(then.get("priority") or ""),
        raise_priority=str(then.get("raise_priority") or ""),
        sla_days="" if sla.get("days") is None else str(sla["days"]),
        sla_business=sla.get("business_days") is True,
        tags=", ".join(str(t) for t in then.get("tags") or []),
        template=str(reply.get("template", "")) if isinstance(reply, Mapping) else "",
        reply_text=reply if isinstance(reply, str) else "",
        needs_review=_tri(then.get("needs_review")),
        notify_citizen=_tri(then.get("notify_citizen")),
        escalate_to=str(then.get("escalate_to") or ""),
    )


def fields_from_form(form: Mapping[str, Any], getall: Any) -> RuleFields:
    def s(name: str) -> str:
        return str(form.get(name, "")).strip()

    return RuleFields(
        id=s("kimlik"), description=s("aciklama_kural"), enabled=s("etkin") == "1", cont=s("sonra") == "devam",
        department=s("birim"), co_departments=[str(v) for v in getall("ortak_birim", []) if str(v).strip()],
        priority=s("oncelik"), raise_priority=s("oncelik_yukselt"), sla_days=s("sure_gun"),
        sla_business=s("sure_is_gunu") == "1", tags=s("etiketler"), template=s("sablon"),
        reply_text=str(form.get("cevap_metni", "")).replace("\r\n", "\n").strip(),
        needs_review=s("inceleme"), notify_citizen=s("bildir"), escalate_to=s("ust_birim"),
    )  # fmt: skip


def rule_from_fields(f: RuleFields, when: Any, errors: list[str], *, old_then: Mapping | None = None) -> dict:
    """The rule mapping the builder writes. Keys keep the shipped file's order; actions the form does
    not show (none today) are kept from the old rule."""
    if not RULE_ID.match(f.id):
        errors.append(
            "Kural kimliği küçük harf, rakam, «-» ya da «_» içermeli ve harfle başlamalıdır (ör. asansor-ariza)."
        )
    then: dict[str, Any] = {}
    if f.department:
        then["department"] = f.department
    if f.co_departments:
        then["co_departments"] = f.co_departments
    if f.priority:
        then["priority"] = f.priority
    if f.raise_priority:
        then["raise_priority"] = f.raise_priority
    if f.sla_days:
        if not f.sla_days.isdigit() or not 0 <= int(f.sla_days) <= 365:
            errors.append("Cevap süresi 0 ile 365 arasında bir gün sayısı olmalıdır.")
        else:
            then["sla"] = {"days": int(f.sla_days), **({"business_days": True} if f.sla_business else {})}
    tags = [t.strip() for t in f.tags.split(",") if t.strip()]
    if tags:
        then["tags"] = tags
    if f.needs_review:
        then["needs_review"] = f.needs_review == "evet"
    if f.template and f.reply_text:
        errors.append("Otomatik cevap için ya bir şablon seçin ya da metni yazın; ikisi birden olmaz.")
    elif f.template:
        then["auto_reply"] = {"template": f.template}
    elif f.reply_text:
        then["auto_reply"] = f.reply_text
    if f.notify_citizen:
        then["notify_citizen"] = f.notify_citizen == "evet"
    if f.escalate_to:
        then["escalate_to"] = f.escalate_to
    for key, value in (old_then or {}).items():
        if key not in _FORM_ACTIONS:
            then.setdefault(key, value)
    if not f.cont and not f.department:
        errors.append(
            "Karar veren (duran) bir kural bir birim seçmelidir; yoksa «sonraki kurallar da denensin» seçin."
        )
    if not then:
        errors.append("Kural en az bir eylem yapmalıdır (birim, etiket, öncelik...).")
    rule: dict[str, Any] = {"id": f.id}
    if f.description:
        rule["description"] = f.description
    if not f.enabled:
        rule["enabled"] = False
    if when is not None:
        rule["when"] = when
    rule["then"] = then
    if f.cont:
        rule["continue"] = True
    return rule


_FORM_ACTIONS = {
    "department", "co_departments", "priority", "raise_priority", "sla", "tags", "needs_review", "auto_reply",
    "notify_citizen", "escalate_to",
}  # fmt: skip


def suggest_id(description: str, taken: set[str]) -> str:
    """A rule id from a description: Turkish letters folded, words joined by '-'."""
    table = str.maketrans("çğıöşüâîûÇĞİÖŞÜ", "cgiosuaiucgiosu")
    words = re.findall(r"[a-z0-9]+", description.translate(table).lower())
    base = "-".join(words[:4]) or "yeni-kural"
    if not base[0].isalpha():
        base = "kural-" + base
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    return out
