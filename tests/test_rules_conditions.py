"""The condition language: every operator, nesting, Turkish folding, time conditions, errors."""

import datetime as dt

import pytest

from hub.rules import RoutingInput, RulesError, compile_condition, matches

IST = dt.timezone(dt.timedelta(hours=3))


def req(**kw) -> RoutingInput:
    base = {
        "text": "Mahallemizdeki çöp konteynerleri günlerdir boşaltılmıyor.",
        "channel": "webform",
        "topic": "temizlik",
        "topic_confidence": 0.82,
        "ilce": "Melikgazi",
        "mahalle": "Gesi",
        "received_at": dt.datetime(2026, 11, 18, 10, 30, tzinfo=IST),  # Wednesday
    }
    base.update(kw)
    return RoutingInput.from_mapping(base)


def ok(cond, record) -> bool:
    return matches(compile_condition(cond, where="rule"), record)


def test_scalar_means_equality_and_list_means_membership():
    assert ok({"topic": "temizlik"}, req())
    assert not ok({"topic": "zabita"}, req())
    assert ok({"channel": ["email", "webform"]}, req())
    assert not ok({"channel": ["email", "x"]}, req())


def test_comparison_operators():
    r = req(topic_confidence=0.7)
    assert ok({"topic_confidence": {"gte": 0.7}}, r)
    assert not ok({"topic_confidence": {"gt": 0.7}}, r)
    assert ok({"topic_confidence": {"lt": 0.71}}, r)
    assert ok({"topic_confidence": {"lte": 0.7}}, r)
    assert ok({"topic_confidence": {"between": [0.5, 0.8]}}, r)
    assert ok({"channel": {"ne": "email"}}, r)
    assert ok({"channel": {"not_in": ["email", "x"]}}, r)
    assert ok({"topic_confidence": {"gte": 0.5, "lte": 0.9}}, r)  # several ops on one field = all
    # a missing value never satisfies a comparison
    assert not ok({"topic_confidence": {"gte": 0.1}}, req(topic_confidence=None))


def test_all_any_not_nesting():
    cond = {
        "all": [
            {"topic": "temizlik"},
            {"any": [{"channel": "email"}, {"not": {"ilce": "Talas"}}]},
        ]
    }
    assert ok(cond, req())
    assert not ok(cond, req(ilce="Talas"))
    assert ok(cond, req(ilce="Talas", channel="email"))
    # a mapping with several keys is an implicit all
    assert ok({"topic": "temizlik", "ilce": "Melikgazi"}, req())
    assert not ok({"topic": "temizlik", "ilce": "Talas"}, req())


def test_keywords_match_folded_turkish_at_word_start():
    assert ok({"text_contains_any": ["çöp"]}, req())
    assert ok({"text_contains_any": ["cop"]}, req())  # ascii typing
    assert ok({"text_contains_any": ["ÇÖP KONTEYNER"]}, req())  # multi-word, any case
    assert ok({"text_contains_any": ["cop"]}, req(text="COPLER TOPLANMADI"))
    assert not ok({"text_contains_any": ["op"]}, req())  # not in the middle of a word
    assert ok({"text_contains_all": ["çöp", "boşaltıl"]}, req())
    assert not ok({"text_contains_all": ["çöp", "köpek"]}, req())
    # dotted and dotless i are folded the Turkish way
    assert ok({"text_contains_any": ["ışık"]}, req(text="SOKAKTA IŞIK YANMIYOR"))
    assert ok({"text_contains_any": ["istasyon"]}, req(text="İSTASYON önü"))
    # subject is searched too
    assert ok({"text_contains_any": ["acil"]}, req(subject="ACİL durum"))


def test_regex_on_text():
    assert ok({"text_regex": r"gün(ler)?dir"}, req())
    assert ok({"text": {"regex": r"\bcop\b"}}, req())  # also tried on the ascii-folded view
    assert not ok({"text_regex": r"^köpek"}, req())


def test_boolean_enum_and_tag_fields():
    r = req(has_attachments=True, is_duplicate=False, tags=["muhtar", "tekrar"], contact_kind="muhtar")
    assert ok({"has_attachments": True}, r)
    assert ok({"is_duplicate": False}, r)
    assert ok({"tags": "muhtar"}, r)
    assert ok({"tags": {"contains_all": ["muhtar", "tekrar"]}}, r)
    assert not ok({"tags": {"not_in": ["tekrar"]}}, r)
    assert ok({"contact_kind": "muhtar"}, r)
    assert ok({"request_type": {"exists": False}}, r)
    assert ok({"mahalle": {"exists": True}}, r)


def test_place_names_compare_without_case_or_accents():
    assert ok({"ilce": "melikgazi"}, req())
    assert ok({"mahalle": "GESİ"}, req())
    assert ok({"mahalle": "Melikgazi/Gesi"}, req())
    assert not ok({"mahalle": "Talas/Gesi"}, req())


def test_time_of_day_and_weekday_in_istanbul():
    # 21:30 UTC on a Friday is 00:30 on Saturday in Istanbul
    late = req(received_at=dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC))
    assert ok({"weekday": "cumartesi"}, late)
    assert ok({"weekday": {"in": ["sat", "pazar"]}}, late)
    assert ok({"hour": 0}, late)
    assert ok({"local_time": {"between": ["17:30", "08:30"]}}, late)  # wraps midnight
    assert not ok({"local_time": {"between": ["17:30", "08:30"]}}, req())
    assert ok({"local_time": {"between": ["09:00", "12:00"]}}, req())
    assert ok({"weekday": {"between": ["pazartesi", "cuma"]}}, req())


def test_holiday_condition_uses_turkish_public_holidays():
    assert ok({"holiday": True}, req(received_at=dt.datetime(2026, 10, 29, 9, 0, tzinfo=IST)))
    assert ok({"holiday": False}, req())


def test_explanation_records_actual_values():
    cond = compile_condition({"all": [{"topic": "temizlik"}, {"text_contains_any": ["çöp", "köpek"]}]})
    held, exp = cond(req())
    assert held is True
    leaf, words = exp["all"]
    assert leaf == {"field": "topic", "op": "eq", "expected": "temizlik", "actual": "temizlik", "held": True}
    assert words["actual"] == {"matched": ["cop"]}
    held, exp = cond(req(topic="zabita"))
    assert held is False and exp["all"][0]["actual"] == "zabita" and exp["all"][0]["held"] is False


def test_filters_run_on_plain_mappings_with_any_field():
    # saved queue filters look at stored request rows, including fields routing never sees
    f = compile_condition({"status": {"in": ["new", "assigned"]}, "sla_state": "at_risk"})
    assert matches(f, {"status": "new", "sla_state": "at_risk"})
    assert not matches(f, {"status": "closed", "sla_state": "at_risk"})
    assert matches(compile_condition("{extra.kaynak: cimer}"), {"extra": {"kaynak": "cimer"}})
    # from YAML text
    assert matches(compile_condition("department: kaski"), {"department": "kaski"})


def test_bad_conditions_are_rejected_with_suggestions():
    with pytest.raises(RulesError) as exc:
        compile_condition({"topik": "temizlik"}, where="rule")
    assert exc.value.errors[0].suggestion == "topic"
    with pytest.raises(RulesError) as exc:
        compile_condition({"topic": {"gte_": 1}})
    assert "bilinmeyen işleç: gte_" in exc.value.format()
    with pytest.raises(RulesError) as exc:
        compile_condition({"text_regex": "(çöp"})
    assert "geçersiz regex" in exc.value.format()
    with pytest.raises(RulesError) as exc:
        compile_condition({"channel": "emial"}, where="rule")
    assert "bilinmeyen kanal: emial; bunu mu demek istediniz: 'email'" in exc.value.format()
    with pytest.raises(RulesError):
        compile_condition({"topic_confidence": {"gte": "high"}})
    with pytest.raises(RulesError):
        compile_condition({"weekday": "funday"})
    with pytest.raises(RulesError) as exc:
        compile_condition("topic: [unclosed")
    assert exc.value.errors[0].line == 1


def test_contains_on_text_and_tags():
    r = req(subject="ACİL: Su borusu", tags=["Muhtar"])
    assert ok({"subject": {"contains": "acil"}}, r)
    assert ok({"subject": {"contains": "su bor"}}, r)  # plain substring, not word-start
    assert ok({"tags": {"contains": "muhtar"}}, r)
    assert not ok({"subject": {"contains": "kanal"}}, r)


def test_not_explains_its_inner_condition():
    held, exp = compile_condition({"not": {"channel": "x"}})(req())
    assert held is True
    assert exp == {
        "not": {"field": "channel", "op": "eq", "expected": "x", "actual": "webform", "held": False},
        "held": True,
    }


def test_unquoted_yaml_times_still_mean_clock_times():
    cond = compile_condition("local_time: {between: [09:00, 12:00]}")  # YAML 1.1 sexagesimal ints
    assert matches(cond, req())
    assert not matches(cond, req(received_at=dt.datetime(2026, 11, 18, 13, 0, tzinfo=IST)))
