"""hub.ui.rule_form: rules <-> the builder's form fields, without a browser."""

from __future__ import annotations

from pathlib import Path

from multidict import MultiDict

from hub.rules import edit
from hub.ui import rule_actions as ra
from hub.ui import rule_form as rf

SHIPPED = (Path(__file__).resolve().parent.parent / "routing_rules.yaml").read_text(encoding="utf-8")


def test_every_shipped_rule_survives_the_form_unchanged() -> None:
    for entry in edit.list_rules(SHIPPED):
        errors: list[str] = []
        when = rf.when_from_tree(rf.tree_from_when(entry.when), errors)
        rule = ra.rule_from_fields(ra.fields_from_rule(entry.data), when, errors, old_then=entry.then)
        assert errors == [] and rule == entry.data, entry.id


def test_posted_fields_build_nested_groups() -> None:
    form = MultiDict(
        [
            ("k_0_tur", "ve"),
            ("k_0-0_tur", "kosul"), ("k_0-0_alan", "text"), ("k_0-0_islec", "biri"),
            ("k_0-0_deger", "asansör, yürüyen merdiven"),
            ("k_0-3_tur", "veya"),
            ("k_0-3-0_tur", "kosul"), ("k_0-3-0_alan", "channel"), ("k_0-3-0_islec", "biri"),
            ("k_0-3-0_deger", "phone"), ("k_0-3-0_deger", "webform"),
            ("k_0-3-1_tur", "kosul"), ("k_0-3-1_alan", "time"), ("k_0-3-1_deger", "17:30"), ("k_0-3-1_deger", "08:30"),
            ("k_0-5_tur", "degil"),
            ("k_0-5-0_tur", "kosul"), ("k_0-5-0_alan", "mahalle_in"), ("k_0-5-0_islec", "biri"), ("k_0-5-0_deger", "kirsal"),
            ("k_0-5-1_tur", "kosul"), ("k_0-5-1_alan", "holiday"), ("k_0-5-1_islec", "evet"),
        ]
    )  # fmt: skip
    errors: list[str] = []
    when = rf.when_from_tree(rf.tree_from_form(form, form.getall), errors)
    assert errors == []
    assert when == {
        "text_contains_any": ["asansör", "yürüyen merdiven"],
        "any": [{"channel": ["phone", "webform"]}, {"local_time": {"between": ["17:30", "08:30"]}}],
        "not": {"mahalle_in": "kirsal", "holiday": True},
    }
    assert rf.when_from_tree(rf.tree_from_when(when), errors) == when


def test_form_problems_are_said_in_turkish() -> None:
    errors: list[str] = []
    tree = rf.Node("ve", [rf.new_node("text"), rf.new_node("time"), rf.new_node("topic")]).numbered()
    assert rf.when_from_tree(tree, errors) is None
    rule = ra.rule_from_fields(ra.RuleFields(id="Asansör"), None, errors)
    assert rule["id"] == "Asansör"
    joined = " ".join(errors)
    assert "sözcük yazın" in joined and "SS:DD" in joined and "en az bir değer" in joined
    assert "Kural kimliği" in joined and "birim seçmelidir" in joined


def test_suggested_ids_fold_turkish_letters() -> None:
    assert ra.suggest_id("Asansör arızaları Fen İşlerine", set()) == "asansor-arizalari-fen-islerine"
    assert ra.suggest_id("Asansör", {"asansor"}) == "asansor-2"
