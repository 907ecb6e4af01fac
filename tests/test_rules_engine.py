"""Rule evaluation: order, continue, actions, trace, fallback, replies and SLA selection."""

import datetime as dt
import json

import pytest

from hub.rules import Decision, RoutingInput, RuleSet

IST = dt.timezone(dt.timedelta(hours=3))

RULES = """
defaults:
  fallback_department: masa
  review_threshold: 0.6
  sla: {days: 30}
departments:
  masa: {name: Beyaz Masa, targets: [{queue_only: true}]}
  su: {name: KASKİ Genel Müdürlüğü, targets: [{email: su@example.invalid}], calendar: 7x24}
  yol: {name: Fen İşleri Daire Başkanlığı, targets: [{email: yol@example.invalid}]}
  kir: {name: Kırsal Hizmetler Daire Başkanlığı, targets: [{queue_only: true}]}
mahalle_groups:
  kirsal:
    ilce: [Sarız]
    mahalle: [Talas/Ardıç]
auto_replies:
  alindi: "Başvurunuz {tracking_code|} numarasıyla {department_name} birimine iletildi; son tarih {due_date}. {citizen_name|}"
sla:
  - id: cimer
    when: {channel: cimer}
    days: 15
  - id: acil
    when: {priority: urgent}
    days: 1
rules:
  - id: isaretle
    when: {low_confidence: true}
    then: {needs_review: true, tags: [inceleme]}
    continue: true
  - id: acil-kelime
    when: {text_contains_any: [patladı]}
    then: {raise_priority: urgent, tags: [acil]}
    continue: true
  - id: acil-gorunur
    when: {priority: urgent}
    then: {tags: [acil-goruldu], escalate_to: masa}
    continue: true
  - id: su
    when: {topic: su-kanalizasyon}
    then:
      department: su
      co_departments: [yol, su]
      auto_reply: {template: alindi}
  - id: yol-kirsal
    when: {topic: yol-altyapi, mahalle_in: kirsal}
    then: {department: kir, sla: {days: 10, business_days: true}}
  - id: yol
    when: {topic: yol-altyapi}
    then: {department: yol, priority: high}
  - id: kapali
    enabled: false
    when: {topic: zabita}
    then: {department: yol}
"""


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_yaml_text(RULES, source="test.yaml")


def req(**kw) -> RoutingInput:
    base = {
        "text": "Sokakta su borusu",
        "channel": "webform",
        "topic": "su-kanalizasyon",
        "topic_confidence": 0.9,
        "ilce": "Melikgazi",
        "mahalle": "Gesi",
        "received_at": dt.datetime(2026, 11, 18, 10, 0, tzinfo=IST),
    }
    base.update(kw)
    return RoutingInput.from_mapping(base)


def test_first_terminal_match_wins_and_continue_rules_accumulate(rules):
    d = rules.route(req(text="Ana boru patladı", topic_confidence=0.3))
    assert d.department == "su"
    assert d.matched_rules == ["isaretle", "acil-kelime", "acil-gorunur", "su"]
    assert d.needs_review is True
    assert d.priority == "urgent"
    assert d.tags == ["inceleme", "acil", "acil-goruldu"]  # a later rule saw the priority set above
    assert d.escalate_to == "masa"
    assert d.co_departments == ["yol"]  # the department itself is not copied to itself
    assert d.fallback is False


def test_rules_are_tried_in_order(rules):
    assert rules.route(req(topic="yol-altyapi", ilce="Sarız", mahalle="Kayabeli")).department == "kir"
    assert rules.route(req(topic="yol-altyapi", ilce="Talas", mahalle="Ardıç")).department == "kir"
    central = rules.route(req(topic="yol-altyapi", ilce="Talas", mahalle="Mevlana"))
    assert central.department == "yol" and central.priority == "high"


def test_disabled_rules_are_skipped(rules):
    d = rules.route(req(topic="zabita"))
    assert d.fallback is True and "kapali" not in d.matched_rules


def test_unclaimed_request_goes_to_fallback_and_trace_says_why(rules):
    d = rules.route(req(topic="zabita"))
    assert d.department == "masa"
    assert d.fallback is True
    assert d.needs_review is True
    assert d.trace["fallback"] == {
        "applied": True,
        "department": "masa",
        "reason": "no rule set a department",
    }
    assert [r["rule"] for r in d.trace["rules"]] == [
        "isaretle",
        "acil-kelime",
        "acil-gorunur",
        "su",
        "yol-kirsal",
        "yol",
    ]


def test_trace_records_conditions_values_and_actions(rules):
    d = rules.route(req(topic="yol-altyapi", ilce="Talas", mahalle="Mevlana", topic_confidence=0.95))
    trace = json.loads(json.dumps(d.trace))  # JSON-serialisable
    by_id = {r["rule"]: r for r in trace["rules"]}
    assert by_id["isaretle"]["matched"] is False
    assert by_id["isaretle"]["condition"]["actual"] == 0.95
    su = by_id["su"]["condition"]
    assert su == {
        "field": "topic",
        "op": "eq",
        "expected": "su-kanalizasyon",
        "actual": "yol-altyapi",
        "held": False,
    }
    kir = by_id["yol-kirsal"]["condition"]["all"]
    assert kir[1]["cond"] == "mahalle_in" and kir[1]["held"] is False
    assert kir[1]["actual"] == {"ilce": "Talas", "mahalle": "Mevlana"}
    assert by_id["yol"]["actions"] == [
        {"action": "department", "value": "yol"},
        {"action": "priority", "value": "high"},
    ]
    assert trace["stopped_by"] == "yol"
    assert trace["not_tried"] == 0  # the disabled rule is not counted
    assert trace["sla"]["policy"] == "default"


def test_sla_policies_and_rule_override(rules):
    assert rules.sla_for(req(channel="cimer"), rules.route(req(channel="cimer")))[:3] == (15, False, "cimer")
    urgent = req(text="boru patladı")
    assert rules.sla_for(urgent, rules.route(urgent)) == (1, False, "acil")  # policies see decided priority
    rural = req(topic="yol-altyapi", ilce="Sarız", mahalle="Kayabeli", channel="cimer")
    d = rules.route(rural)
    assert (d.sla_days, d.sla_business_days) == (10, True)  # the rule's own SLA beats the cimer policy
    assert rules.sla_for(rural, d) == (10, True, "rule:yol-kirsal")
    plain = rules.route(req(topic="zabita"))
    assert plain.sla_days is None
    assert rules.sla_for(req(topic="zabita"), plain) == (30, False, "default")


def test_auto_reply_is_rendered_and_missing_placeholders_do_not_break_it(rules):
    d = rules.route(req(extra={"tracking_code": "KBB-2026-000123"}))
    assert d.auto_reply == (
        "Başvurunuz KBB-2026-000123 numarasıyla KASKİ Genel Müdürlüğü birimine iletildi; son tarih 18.12.2026. "
    )
    no_code = rules.route(req())
    assert no_code.auto_reply.startswith("Başvurunuz  numarasıyla KASKİ")
    assert "{" not in no_code.auto_reply
    # the integrator re-renders once the tracking code exists
    again = rules.render_reply(no_code.auto_reply_template, req(), no_code, {"tracking_code": "KBB-9"})
    assert "KBB-9 numarasıyla" in again


def test_due_date_uses_department_calendar(rules):
    # 30 calendar days from Wed 18.11.2026 is Fri 18.12.2026 for every calendar
    assert rules.route(req()).due_at == dt.datetime(2026, 12, 18, 10, 0, tzinfo=IST)
    d = rules.route(req(topic="yol-altyapi", ilce="Sarız", mahalle="Kayabeli"))
    assert d.due_at.date() == dt.date(2026, 12, 2)  # 10 business days


def test_decision_to_dict_is_json(rules):
    d = rules.route(req())
    assert isinstance(d, Decision)
    data = json.loads(json.dumps(d.to_dict(), ensure_ascii=False))
    assert data["department"] == "su" and data["department_name"] == "KASKİ Genel Müdürlüğü"
    assert data["due_at"].startswith("2026-12-18")


def test_from_mapping_is_tolerant():
    r = RoutingInput.from_mapping(
        {"text": "x", "tags": "a, b", "topic_confidence": "0.4", "out_of_scope": "true", "id": 7}
    )
    assert r.tags == ["a", "b"] and r.topic_confidence == 0.4 and r.out_of_scope is True
    assert r.ilce is None and r.has_attachments is False and r.received_at.tzinfo is not None
    assert r.extra["id"] == 7


def test_ruleset_is_immutable_and_has_a_digest(rules):
    with pytest.raises(AttributeError):
        rules.defaults = None
    assert len(rules.digest) == 64
    assert rules.mahalle_groups["kirsal"] == {("Sarız", "*"), ("Talas", "Ardıç")}
    assert "yol-kirsal" in rules.summary()
