"""The form-based rule builder (/ui/kurallar/duzenleyici): list, add, edit, reorder, disable and delete rules.

The builder works on a draft: the candidate rule text travels in the hidden form field `metin`, starting
from the active text, so several edits accumulate. Each edit goes through hub.rules.edit (only the touched
rule is rewritten) and the result must pass the hub's own rule loader. "Kontrol et ve dene" posts the draft
to /ui/kurallar (islem=dene), the rules page that shows the check, the backtest and the activation step.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from hub.auth import require
from hub.rules import CHANNELS, CONTACT_KINDS, PRIORITIES, REQUEST_TYPES, RulesError, edit
from hub.rules.describe import Names, actions_text, condition_text
from hub.ui import labels
from hub.ui import rule_actions as ra
from hub.ui import rule_form as rf
from hub.ui.render import actor_of, render

URL = "/ui/kurallar/duzenleyici"
_LIST_OPS = {"yukari", "asagi", "tasi", "kapat", "ac", "sil"}


def _draft(form: Mapping[str, Any], hub: Any) -> str:
    text = str(form.get("metin", ""))
    if not text.strip():
        return hub.rules.status()["source"]
    return text.replace("\r\n", "\n").replace("\r", "\n")  # a browser posts form text with CRLF


def _vocab() -> dict[str, Any]:
    from hub.routing import known_vocab

    return known_vocab()


def _choices(data: Mapping) -> dict[str, list[tuple[str, str]]]:
    """Dropdown choices (code, Turkish label) from the draft, the taxonomy and the gazetteer."""
    from classifier.taxonomy import default_taxonomy

    deps = data.get("departments") if isinstance(data.get("departments"), Mapping) else {}
    groups = data.get("mahalle_groups") if isinstance(data.get("mahalle_groups"), Mapping) else {}
    replies = data.get("auto_replies") if isinstance(data.get("auto_replies"), Mapping) else {}
    places = _vocab().get("known_mahalle") or set()
    ilce = sorted({i for i, _ in places}, key=_tr_key)
    return {
        "department": [(c, str(s.get("name", c)) if isinstance(s, Mapping) else c) for c, s in deps.items()],
        "topic": [(c, t.name) for c, t in default_taxonomy().topics.items()],
        "request_type": [(c, labels.REQUEST_TYPE.get(c, c)) for c in sorted(REQUEST_TYPES)],
        "channel": sorted(((c, labels.CHANNEL.get(c, c)) for c in CHANNELS), key=lambda x: _tr_key(x[1])),
        "contact_kind": [(c, labels.CONTACT_KIND.get(c, c)) for c in sorted(CONTACT_KINDS)],
        "priority": [(p, labels.PRIORITY.get(p, p)) for p in PRIORITIES],
        "ilce": [(i, i) for i in ilce],
        "mahalle": [
            (f"{i}/{m}", f"{i}/{m}") for i, m in sorted(places, key=lambda p: (_tr_key(p[0]), _tr_key(p[1])))
        ],
        "mahalle_in": [
            (g, str(s.get("description") or g) if isinstance(s, Mapping) else g) for g, s in groups.items()
        ],
        "weekday": [(c, rf.day_label(c)) for c in rf.WEEKDAY_CODES],
        "template": [(t, t) for t in replies],
    }


_TR_ORDER = str.maketrans({"ç": "c~", "ğ": "g~", "ı": "h~", "i": "i", "ö": "o~", "ş": "s~", "ü": "u~"})


def _tr_key(text: str) -> str:
    """Sort key in Turkish alphabetical order (ç after c, ı before i...)."""
    return text.replace("I", "ı").replace("İ", "i").lower().translate(_TR_ORDER)


def _names(data: Mapping, choices: Mapping) -> Names:
    """Names for the list's summaries: a department's short name where the file gives one."""
    deps = data.get("departments") if isinstance(data.get("departments"), Mapping) else {}
    short = {
        c: str(s["short_name"]) for c, s in deps.items() if isinstance(s, Mapping) and s.get("short_name")
    }
    return Names(topics=dict(choices["topic"]), departments={**dict(choices["department"]), **short})


def _issue_text(exc: RulesError, text: str) -> list[str]:
    """The loader's problems, each placed at its rule ("3. kural (yangin): ...") where it has one."""
    try:
        rules = edit.list_rules(text)
    except (RulesError, edit.EditError):
        rules = []
    out = []
    for e in exc.errors:
        where = ""
        path = getattr(e, "path", "") or ""
        if path.startswith("rules[") and "]" in path:
            idx = path[6 : path.index("]")]
            if idx.isdigit() and int(idx) < len(rules):
                where = f"{int(idx) + 1}. kural ({rules[int(idx)].id}): "
        elif e.line:
            where = f"satır {e.line}: "
        hint = f" (öneri: {e.suggestion})" if getattr(e, "suggestion", None) else ""
        out.append(f"{where}{e.message}{hint}")
    return out


async def _valid(text: str) -> list[str]:
    """Problems the hub's rule loader finds in a draft (empty when it would be accepted)."""
    from hub.routing import off_loop, parse_candidate

    try:
        await parse_candidate(text, source="taslak")
    except RulesError as exc:
        return await off_loop(_issue_text, exc, text)
    return []


# -- the list ---------------------------------------------------------------------------------------------


def _list_context(draft: str, active: str) -> dict[str, Any]:
    """The list page's rows (rules with Turkish summaries) and the draft's difference from the active text."""
    out: dict[str, Any] = {}
    try:
        entries, data = edit.read(draft)
    except (RulesError, edit.EditError):
        draft, (entries, data) = active, edit.read(active)
        out = {"error": "Taslak okunamadı; etkin kurallarla yeniden başlandı.", "status": 422}
    names = _names(data, _choices(data))
    rows = [
        {"e": e, "when": condition_text(e.when, names), "then": actions_text(e.then, e.cont, names)}
        for e in entries
    ]
    diff = "".join(
        difflib.unified_diff(active.splitlines(True), draft.splitlines(True), "etkin", "taslak", n=2)
    )
    return {"draft": draft, "rows": rows, "diff": diff, **out}


async def _list_page(request: web.Request, draft: str, *, status: int = 200, flash: str | None = None,
                     error: str | None = None, problems: list[str] | None = None) -> web.Response:  # fmt: skip
    from hub.routing import off_loop  # rule texts are parsed in worker threads, never on the event loop

    active = request.app["hub"].rules.status()["source"]
    ctx = await off_loop(_list_context, draft, active)
    status = ctx.pop("status", status)
    error = ctx.pop("error", error)
    return render(request, "rule_builder.html", status=status, page_title="Kural düzenleyici", flash=flash,
                  error=error, problems=problems or [], can_edit=actor_of(request).can("rules.edit"), **ctx)  # fmt: skip


async def page(request: web.Request) -> web.StreamResponse:
    require(actor_of(request), "rules.check")
    return await _list_page(request, request.app["hub"].rules.status()["source"])


def _list_op(draft: str, op: str, arg: str) -> tuple[str, str]:
    """Apply one list operation; (new draft, Turkish note)."""
    if op == "yukari":
        return edit.move_up(draft, arg), f"«{arg}» bir üste taşındı."
    if op == "asagi":
        return edit.move_down(draft, arg), f"«{arg}» bir alta taşındı."
    if op == "tasi":
        rid, _, to = arg.rpartition(":")
        if not to.isdigit():
            raise edit.EditError("Taşınacak yer anlaşılamadı.")
        return edit.move_rule(draft, rid, int(to)), f"«{rid}» {int(to) + 1}. sıraya taşındı."
    if op == "kapat":
        return edit.set_enabled(draft, arg, False), f"«{arg}» devre dışı bırakıldı."
    if op == "ac":
        return edit.set_enabled(draft, arg, True), f"«{arg}» yeniden etkin."
    return edit.delete_rule(draft, arg), f"«{arg}» silindi."


async def submit(request: web.Request) -> web.StreamResponse:
    from hub.routing import off_loop

    require(actor_of(request), "rules.check")
    hub = request.app["hub"]
    form = await request.post()
    draft = _draft(form, hub)
    op, _, arg = str(form.get("islem", "")).partition(":")
    if op == "sifirla":
        return await _list_page(request, hub.rules.status()["source"], flash="Taslak etkin kurallara döndü.")
    if op in _LIST_OPS:
        try:
            new, note = await off_loop(_list_op, draft, op, arg)
        except (edit.EditError, RulesError) as exc:
            return await _list_page(request, draft, status=422, error=_edit_message(exc))
        problems = await _valid(new)
        if problems:
            return await _list_page(request, draft, status=422, problems=problems,
                                    error="Bu değişiklik kuralları geçersiz kılar; taslak değişmedi.")  # fmt: skip
        return await _list_page(request, new, flash=note + _TAIL)
    if op == "yeni":
        return await _form_page(request, draft, ra.RuleFields(), _starter_tree(), old_id="")
    if op == "duzenle":
        try:
            rule = await off_loop(edit.get_rule, draft, arg)
        except (edit.EditError, RulesError) as exc:
            return await _list_page(request, draft, status=422, error=_edit_message(exc))
        return await _form_page(request, draft, ra.fields_from_rule(rule), rf.tree_from_when(rule.get("when")),
                                old_id=arg)  # fmt: skip
    if op in ("ekle", "kaldir", "kaydet"):
        return await _form_submit(request, form, draft, op, arg)
    return await _list_page(request, draft)


_TAIL = " Değişiklik taslaktadır; etkinleştirmek için «Kontrol et ve dene»."


def _edit_message(exc: Exception) -> str:
    if isinstance(exc, RulesError):
        return "Taslak okunamadı: " + "; ".join(e.message for e in exc.errors)
    return str(exc)


# -- the rule form ----------------------------------------------------------------------------------------


def _starter_tree() -> rf.Node:
    return rf.Node("ve", [rf.new_node("text")]).numbered()


def _form_context(draft: str) -> dict[str, Any]:
    entries, data = edit.read(draft)
    return {"entries": entries, "choices": _choices(data)}


async def _form_page(request: web.Request, draft: str, fields: ra.RuleFields, tree: rf.Node, *, old_id: str,
                     position: str = "", status: int = 200, problems: list[str] | None = None) -> web.Response:  # fmt: skip
    from hub.routing import off_loop

    try:
        ctx = await off_loop(_form_context, draft)
    except (RulesError, edit.EditError) as exc:
        return await _list_page(request, draft, status=422, error=_edit_message(exc))
    entries = ctx["entries"]
    templates = {kind: rf.new_node(kind).numbered("__P__") for kind in [*rf.FIELDS, *rf.GROUPS]}
    title = f"Kuralı düzenle: {old_id}" if old_id else "Yeni kural"
    return render(request, "rule_builder_form.html", status=status, page_title=title, title=title, draft=draft,
                  f=fields, tree=tree, old_id=old_id, entries=entries, position=position or str(len(entries)),
                  choices=ctx["choices"], fields=rf.FIELDS, groups=rf.GROUPS, operators=rf.OPERATORS,
                  templates=templates, problems=problems or [],
                  error="Kural kaydedilemedi; aşağıdaki sorunları düzeltin." if problems else None)  # fmt: skip


async def _form_submit(request: web.Request, form: Any, draft: str, op: str, arg: str) -> web.Response:
    fields = ra.fields_from_form(form, form.getall)
    tree = rf.tree_from_form(form, form.getall)
    old_id = str(form.get("eski_id", "")).strip()
    position = str(form.get("konum", "")).strip()
    if op == "ekle":  # the page without JavaScript adds rows and groups through the server
        parent = tree.find(arg)
        if parent is not None and parent.tur in rf.GROUPS:
            parent.children.append(rf.new_node(str(form.get(f"yeni_{arg}", "text"))))
        return await _form_page(request, draft, fields, tree.numbered(), old_id=old_id, position=position)
    if op == "kaldir":
        tree.remove(arg)
        return await _form_page(request, draft, fields, tree.numbered(), old_id=old_id, position=position)
    from hub.routing import off_loop

    try:
        new, rule, problems = await off_loop(_save, draft, fields, tree, old_id, position)
    except (RulesError, edit.EditError) as exc:
        return await _list_page(request, draft, status=422, error=_edit_message(exc))
    if not problems:
        problems = await _valid(new)
    if problems:
        return await _form_page(request, draft, fields, tree, old_id=old_id, position=position, status=422,
                                problems=problems)  # fmt: skip
    note = f"«{rule['id']}» kuralı {'güncellendi' if old_id else 'taslağa eklendi'}."
    return await _list_page(request, new, flash=note + _TAIL)


def _save(
    draft: str, fields: ra.RuleFields, tree: rf.Node, old_id: str, position: str
) -> tuple[str, dict, list[str]]:
    """The draft with the form's rule added or replaced: (new draft, the rule, problems in Turkish)."""
    problems: list[str] = []
    if not fields.id and fields.description:  # an empty id is made from the description
        fields.id = ra.suggest_id(fields.description, {e.id for e in edit.list_rules(draft)})
    when = rf.when_from_tree(tree, problems)
    old = edit.get_rule(draft, old_id) if old_id else {}
    old_then = old.get("then") if isinstance(old.get("then"), Mapping) else None
    rule = ra.rule_from_fields(fields, when, problems, old_then=old_then)
    if problems:
        return draft, rule, problems
    try:
        if old_id:
            return edit.replace_rule(draft, old_id, rule), rule, problems
        return edit.add_rule(draft, rule, int(position) if position.isdigit() else None), rule, problems
    except edit.EditError as exc:
        return draft, rule, [str(exc)]
