"""hub.rules.edit: round-trip editing of the rules list keeps every untouched line byte for byte."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from hub.rules import RoutingInput, RulesError, RuleSet, edit

SHIPPED = (Path(__file__).resolve().parent.parent / "routing_rules.yaml").read_text(encoding="utf-8")

ASANSOR = {
    "id": "asansor",
    "description": "Asansör arızaları Fen İşlerine.",
    "when": {"text_contains_any": ["asansör", "yürüyen merdiven"]},
    "then": {"department": "fen-isleri", "tags": ["asansor"], "sla": {"days": 3, "business_days": True}},
}

SMALL = """\
# Küçük bir kural dosyası
version: 1
defaults:
  fallback_department: masa
departments:
  masa: {name: Masa, targets: [{queue_only: true}]}
  fen: {name: Fen, targets: [{queue_only: true}]}
rules:
  # --- işaretleyen kurallar
  - id: isaret
    description: Herkese etiket
    then:
      tags: [hepsi]   # satır sonu yorumu
    continue: true

  # --- yönlendiren kurallar
  - id: yol
    when: {topic: yol-altyapi}
    then:
      department: fen
      # kuralın içindeki yorum
  - id: su
    when:
      topic: su-kanalizasyon
    then:
      department: masa

  # dosyanın sonundaki yorum
"""


def _diff(a: str, b: str) -> list[str]:
    return [line for line in difflib.unified_diff(a.splitlines(True), b.splitlines(True), n=0)][2:]


def _comments(text: str) -> list[str]:
    return sorted(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def _ids(text: str) -> list[str]:
    return [r.id for r in edit.list_rules(text)]


def test_listing_reads_the_shipped_rules_in_order() -> None:
    rules = edit.list_rules(SHIPPED)
    parsed = RuleSet.from_yaml_text(SHIPPED)
    assert [r.id for r in rules] == [r.id for r in parsed.rules]
    assert [r.enabled for r in rules] == [r.enabled for r in parsed.rules]
    assert [r.cont for r in rules] == [r.cont for r in parsed.rules]
    assert [r.line for r in rules] == [r.line for r in parsed.rules]
    assert all(r.description for r in rules)


def test_no_op_edits_give_back_the_same_bytes() -> None:
    for entry in edit.list_rules(SHIPPED):
        assert edit.replace_rule(SHIPPED, entry.id, entry.data) == SHIPPED, entry.id
    assert edit.move_rule(SHIPPED, entry.id, entry.index) == SHIPPED
    assert edit.replace_rule(SMALL, "yol", edit.get_rule(SMALL, "yol")) == SMALL


@pytest.mark.parametrize("where", ["first", "middle", "last", "end"])
def test_adding_a_rule_to_the_shipped_file_only_adds_lines(where: str) -> None:
    n = len(edit.list_rules(SHIPPED))
    position = {"first": 0, "middle": n // 2, "last": n - 1, "end": None}[where]
    out = edit.add_rule(SHIPPED, ASANSOR, position)
    diff = _diff(SHIPPED, out)
    assert diff and all(line.startswith(("+", "@@")) for line in diff), "".join(diff)
    added = [line for line in diff if line.startswith("+")]
    assert (
        "+  - id: asansor\n" in added and "+      text_contains_any: [asansör, yürüyen merdiven]\n" in added
    )
    ids = _ids(out)
    assert ids.index("asansor") == (n if position is None else position)
    rules = RuleSet.from_yaml_text(out)  # the hub's loader accepts the result
    assert rules.rules[ids.index("asansor")].description == ASANSOR["description"]


def test_a_new_rule_routes_requests() -> None:
    out = edit.add_rule(SHIPPED, ASANSOR, 0)
    decision = RuleSet.from_yaml_text(out).route(
        RoutingInput.from_mapping(
            {"text": "Binamızın asansörü iki gündür çalışmıyor.", "topic": "yol-altyapi"}
        )
    )
    assert decision.department == "fen-isleri"
    assert "asansor" in decision.tags


def test_disable_is_one_added_line_and_enable_restores_the_text() -> None:
    victim = edit.list_rules(SHIPPED)[10].id
    off = edit.set_enabled(SHIPPED, victim, False)
    diff = _diff(SHIPPED, off)
    assert [line for line in diff if not line.startswith("@@")] == ["+    enabled: false\n"]
    assert not next(r for r in RuleSet.from_yaml_text(off).rules if r.id == victim).enabled
    assert edit.set_enabled(off, victim, True) == SHIPPED


def test_moving_keeps_every_comment_and_only_reorders() -> None:
    rules = edit.list_rules(SHIPPED)
    rid = rules[5].id
    down = edit.move_down(SHIPPED, rid)
    assert _ids(down)[6] == rid and _ids(down)[5] == rules[6].id
    assert _comments(down) == _comments(SHIPPED)
    assert sorted(down.splitlines()) == sorted(SHIPPED.splitlines())  # same lines, another order
    assert edit.move_up(down, rid) == SHIPPED
    far = edit.move_rule(SHIPPED, rules[0].id, len(rules) - 1)
    assert _ids(far)[-1] == rules[0].id and _comments(far) == _comments(SHIPPED)
    RuleSet.from_yaml_text(far)


def test_gaps_stay_in_place_and_a_rules_own_comment_moves_with_it() -> None:
    out = edit.move_up(SMALL, "yol")
    assert _ids(out) == ["yol", "isaret", "su"]
    lines = out.splitlines()
    # the section comments stay where they were; the comment inside 'yol' travels with it
    assert lines.index("  # --- işaretleyen kurallar") < lines.index("  - id: yol")
    assert lines.index("  - id: yol") < lines.index("      # kuralın içindeki yorum")
    assert lines.index("      # kuralın içindeki yorum") < lines.index("  # --- yönlendiren kurallar")
    assert (
        lines.index("  # --- yönlendiren kurallar")
        < lines.index("  - id: isaret")
        < lines.index("  - id: su")
    )
    assert _comments(out) == _comments(SMALL)


def test_delete_keeps_the_comments_around_the_rule() -> None:
    out = edit.delete_rule(SMALL, "su")
    assert _ids(out) == ["isaret", "yol"]
    assert "  # dosyanın sonundaki yorum" in out.splitlines()
    assert all(line.startswith(("-", "@@")) for line in _diff(SMALL, out))
    out = edit.delete_rule(SMALL, "yol")
    assert _comments(out) == sorted(c for c in _comments(SMALL) if c != "# kuralın içindeki yorum")
    last = edit.list_rules(SHIPPED)[-1].id
    trimmed = edit.delete_rule(SHIPPED, last)
    assert all(line.startswith(("-", "@@")) for line in _diff(SHIPPED, trimmed))
    RuleSet.from_yaml_text(trimmed)


def test_replace_rewrites_only_the_changed_keys() -> None:
    rule = edit.get_rule(SMALL, "isaret")
    rule["description"] = "Her başvuruya etiket"
    out = edit.replace_rule(SMALL, "isaret", rule)
    assert _diff(SMALL, out) == [
        "@@ -11 +11 @@\n",
        "-    description: Herkese etiket\n",
        "+    description: Her başvuruya etiket\n",
    ]
    rule = edit.get_rule(SMALL, "yol")
    rule["then"]["department"] = "masa"
    rule["then"]["tags"] = ["yol"]
    out = edit.replace_rule(SMALL, "yol", rule)
    assert "      # kuralın içindeki yorum\n" in out and "      tags: [yol]\n" in out
    assert edit.get_rule(out, "yol") == rule


def test_values_the_hubs_yaml_would_misread_are_quoted() -> None:
    rule = {
        "id": "mesai",
        "when": {"local_time": {"between": ["17:30", "08:30"]}, "channel": "phone"},
        "then": {"tags": ["yes", "on", "12", "no"]},
        "continue": True,
    }
    out = edit.add_rule(SMALL, rule, 1)
    assert edit.get_rule(out, "mesai") == rule
    assert '"17:30"' in out


def test_refusals_are_turkish_edit_errors() -> None:
    with pytest.raises(edit.EditError, match="zaten var"):
        edit.add_rule(SMALL, {"id": "yol", "then": {"department": "fen"}})
    with pytest.raises(edit.EditError, match="taslakta yok"):
        edit.move_up(SMALL, "yok-boyle")
    with pytest.raises(edit.EditError, match="bilinmeyen alan"):
        edit.add_rule(SMALL, {"id": "x", "then": {"department": "fen"}, "sonra": 1})
    flow = SMALL.split("rules:")[0] + "rules: [{id: a, then: {department: fen}}]\n"
    with pytest.raises(edit.EditError, match="blok biçiminde"):
        edit.move_up(flow, "a")
    with pytest.raises(RulesError):  # the hub's loader limits apply before anything is edited
        edit.list_rules(SMALL + "x: &a [1]\ny: *a\n")


def test_crlf_text_is_read_as_lf() -> None:
    out = edit.move_down(SMALL.replace("\n", "\r\n"), "isaret")
    assert "\r" not in out and _ids(out) == ["yol", "isaret", "su"]


def test_a_reply_of_several_lines_is_written_as_a_block() -> None:
    reply = "Sayın {citizen_name|vatandaşımız},\nbaşvurunuz alındı.\n\nTeşekkür ederiz."
    rule = {"id": "ozel-cevap", "then": {"auto_reply": reply}, "continue": True}
    out = edit.add_rule(SHIPPED, rule, 1)
    assert "      auto_reply: |-\n        Sayın {citizen_name|vatandaşımız},\n" in out
    assert edit.get_rule(out, "ozel-cevap") == rule
    RuleSet.from_yaml_text(out)
