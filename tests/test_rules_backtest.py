"""Backtest: replaying stored requests counts exactly what a candidate rule file would change."""

import json

from hub.rules import RuleSet, backtest

CURRENT = """
defaults:
  fallback_department: masa
departments:
  masa: {name: Beyaz Masa, targets: [{queue_only: true}]}
  fen: {name: Fen İşleri, targets: [{queue_only: true}]}
  kir: {name: Kırsal Hizmetler, targets: [{queue_only: true}]}
  su: {name: KASKİ, targets: [{queue_only: true}]}
sla:
  - id: cimer
    when: {channel: cimer}
    days: 15
rules:
  - id: su
    when: {topic: su-kanalizasyon}
    then: {department: su}
  - id: yol
    when: {topic: yol-altyapi}
    then: {department: fen}
"""

# The candidate sends roads in Sarız to Kırsal Hizmetler, makes water urgent and adds a 7-day SLA for x.
CANDIDATE = (
    CURRENT.replace(
        """  - id: yol
""",
        """  - id: yol-kirsal
    when: {topic: yol-altyapi, ilce: Sarız}
    then: {department: kir}
  - id: yol
""",
    ).replace("then: {department: su}", "then: {department: su, priority: urgent}")
    + """  - id: sosyal
    when: {channel: x}
    then: {department: masa, sla: {days: 7}}
"""
)


def records():
    out = []
    for i in range(10):
        out.append(
            {"id": f"r{i}", "text": "yol", "topic": "yol-altyapi", "ilce": "Sarız" if i < 3 else "Talas"}
        )
    for i in range(5):
        out.append(
            {"tracking_code": f"KBB-{i}", "text": "su", "topic": "su-kanalizasyon", "channel": "cimer"}
        )
    for i in range(4):
        out.append({"id": f"x{i}", "text": "merhaba", "channel": "x"})
    return out


def test_backtest_counts_changes_per_aspect_and_rule():
    cur = RuleSet.from_yaml_text(CURRENT)
    cand = RuleSet.from_yaml_text(CANDIDATE)
    rep = backtest(cur, cand, records(), max_examples=2)
    assert rep.total == 19 and rep.errors == 0
    assert rep.changed["department"] == 3  # the Sarız roads
    assert rep.changed["priority"] == 5  # water now urgent
    assert rep.changed["sla"] == 4  # x: 30 days -> 7 days (the cimer water requests keep 15)
    assert rep.changed["needs_review"] == 4  # x requests were fallback (review) and are now claimed
    assert rep.changed_any == 12
    assert rep.department_moves == {"fen -> kir": 3}
    assert (rep.current_fallback, rep.candidate_fallback) == (4, 0)
    d = rep.to_dict()
    assert d["per_rule"]["yol"] == {"current": 10, "candidate": 7, "delta": -3}
    assert d["per_rule"]["yol-kirsal"] == {"current": 0, "candidate": 3, "delta": 3}
    assert d["per_rule"]["sosyal"]["candidate"] == 4
    ex = d["examples"]["department"]
    assert len(ex) == 2 and ex[0] == {
        "id": "r0",
        "before": "fen",
        "after": "kir",
        "rules_before": ["yol"],
        "rules_after": ["yol-kirsal"],
    }
    assert d["examples"]["priority"][0]["id"] == "KBB-0"
    assert d["examples"]["sla"][0]["before"] == "30 gün" and d["examples"]["sla"][0]["after"] == "7 gün"
    json.dumps(d, ensure_ascii=False)
    assert "fen -> kir: 3" in rep.format()


def test_identical_rules_change_nothing_and_bad_records_are_counted():
    cur = RuleSet.from_yaml_text(CURRENT)
    recs = [*records(), {"text": "x", "topic_confidence": object()}, "not a mapping"]
    rep = backtest(cur, cur, recs)
    assert rep.changed_any == 0 and rep.total == 21
    assert rep.errors == 1  # the string; the odd confidence value is read as unknown
    assert rep.error_examples[0]["id"] == "#20"


def test_identical_conditions_over_different_groups_are_not_confused():
    """Backtests share results of identical rules between rule sets; a changed group must still count."""
    base = """
defaults: {fallback_department: masa}
departments:
  masa: {name: Beyaz Masa, targets: [{queue_only: true}]}
  kir: {name: Kırsal Hizmetler, targets: [{queue_only: true}]}
mahalle_groups:
  kirsal: {ilce: [Sarız]}
rules:
  - id: kirsal
    when: {mahalle_in: kirsal}
    then: {department: kir}
"""
    wider = base.replace("ilce: [Sarız]", "ilce: [Sarız, Develi]")
    recs = [
        {"id": "a", "ilce": "Develi", "mahalle": "Fevzi Çakmak"},
        {"id": "b", "ilce": "Sarız", "mahalle": "X"},
    ]
    rep = backtest(RuleSet.from_yaml_text(base), RuleSet.from_yaml_text(wider), recs)
    assert rep.changed["department"] == 1
    assert rep.department_moves == {"masa -> kir": 1}
