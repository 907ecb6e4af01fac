"""A rule file is fully checked before it can become active; errors point at line and column."""

import pytest

from hub.rules import RulesError, RuleSet, check_file

KNOWN_MAHALLE = {("Talas", "Mevlana"), ("Talas", "Ardıç"), ("Sarız", "Kayabeli"), ("Melikgazi", "Gesi")}

GOOD = """\
defaults:
  fallback_department: beyaz-masa
departments:
  beyaz-masa:
    name: Beyaz Masa
    targets: [{queue_only: true}]
  kaski:
    name: KASKİ
    targets: [{email: kaski@example.invalid}]
rules:
  - id: su
    when: {topic: su-kanalizasyon}
    then: {department: kaski}
"""


def errors_of(text: str, **kw) -> list:
    with pytest.raises(RulesError) as exc:
        RuleSet.from_yaml_text(text, source="routing_rules.yaml", known_mahalle=KNOWN_MAHALLE, **kw)
    return exc.value.errors


def one(text: str, **kw):
    errs = errors_of(text, **kw)
    assert len(errs) == 1, [e.format() for e in errs]
    return errs[0]


def test_good_file_loads():
    rs = RuleSet.from_yaml_text(GOOD, known_mahalle=KNOWN_MAHALLE)
    assert list(rs.departments) == ["beyaz-masa", "kaski"]


def test_unknown_department_names_line_column_and_suggestion():
    e = one(GOOD.replace("then: {department: kaski}", "then: {department: KASKI}"))
    assert (e.line, e.column) == (13, 24)
    assert e.suggestion == "kaski"
    text = RulesError([e], "routing_rules.yaml").format()
    assert text.startswith(
        "routing_rules.yaml:13:24: bilinmeyen birim: KASKI; bunu mu demek istediniz: 'kaski'?"
    )


def test_unknown_key_and_wrong_type():
    e = one(
        GOOD.replace("    when:", "    wehn:").replace(
            "then: {department: kaski}", "then: {department: kaski}"
        )
    )
    assert (
        e.message == "kural içinde bilinmeyen anahtar: wehn"
        and e.suggestion == "when"
        and (e.line, e.column) == (12, 5)
    )
    e = one(GOOD.replace("  - id: su\n", "  - id: su\n    continue: evet-ama\n"))
    assert e.message == "'continue' true ya da false olmalı; yazılan: metin" and e.line == 12


def test_unknown_topic_mahalle_and_group_get_suggestions():
    e = one(GOOD.replace("topic: su-kanalizasyon", "topic: su-kanalizasyn"))
    assert e.suggestion == "su-kanalizasyon" and (e.line, e.column) == (12, 19)
    e = one(GOOD.replace("{topic: su-kanalizasyon}", "{mahalle: Talas/Mevlane}"))
    assert e.suggestion == "Talas/Mevlana"
    e = one(
        GOOD.replace("{topic: su-kanalizasyon}", "{mahalle_in: kirsl}").replace(
            "rules:", "mahalle_groups:\n  kirsal: {ilce: [Sarız]}\nrules:"
        )
    )
    assert e.message == "bilinmeyen mahalle grubu: kirsl" and e.suggestion == "kirsal"
    e = one(
        GOOD.replace("rules:", "mahalle_groups:\n  kirsal: {ilce: [Sarz], mahalle: [Talas/Ardıç]}\nrules:")
    )
    assert e.message == "bilinmeyen ilçe: Sarz" and e.suggestion == "Sarız"


def test_bad_regex_is_reported_at_its_line():
    e = one(GOOD.replace("{topic: su-kanalizasyon}", '{text_regex: "boru(patlad"}'))
    assert e.message.startswith("geçersiz regex: kapanmayan parantez") and (e.line, e.column) == (12, 24)


def test_unreachable_rules_and_duplicate_ids():
    text = (
        GOOD
        + """\
  - id: hepsi
    then: {department: beyaz-masa}
  - id: sonra
    when: {topic: imar}
    then: {department: kaski}
  - id: su
    when: {topic: zabita}
    then: {department: kaski}
"""
    )
    errs = errors_of(text)
    msgs = [e.format("f") for e in errs]
    assert any(
        "'sonra' kuralına hiç sıra gelmez: yukarıdaki 'hepsi' kuralı her talebe uyar" in m for m in msgs
    )
    assert any("kural kimliği iki kez kullanılmış: su (ilki 11. satırda)" in m for m in msgs)
    same = (
        GOOD
        + """\
  - id: su-tekrar
    when: {topic: su-kanalizasyon}
    then: {department: beyaz-masa}
"""
    )
    e = one(same)
    assert "kuralının koşulu aynı" in e.message and e.line == 15


def test_terminal_rule_must_route_and_continue_rules_may_not():
    e = one(GOOD.replace("then: {department: kaski}", "then: {priority: high}"))
    assert "birim belirlemiyor" in e.message
    ok = GOOD.replace("then: {department: kaski}", "then: {priority: high}\n    continue: true")
    RuleSet.from_yaml_text(ok)


def test_fallback_department_missing_or_unknown():
    e = one(GOOD.replace("  fallback_department: beyaz-masa\n", "  review_threshold: 0.5\n"))
    assert e.message == "defaults bölümü içinde zorunlu anahtar eksik: fallback_department"
    e = one(GOOD.replace("fallback_department: beyaz-masa", "fallback_department: beyazmasa"))
    assert e.suggestion == "beyaz-masa" and e.line == 2


def test_templates_and_targets_are_checked():
    e = one(
        GOOD.replace("then: {department: kaski}", "then: {department: kaski, auto_reply: 'No: {takip_no}'}")
    )
    assert e.message == "bilinmeyen yer tutucu: {takip_no}"
    e = one(GOOD.replace("email: kaski@example.invalid", "emial: kaski@example.invalid"))
    assert e.suggestion == "email"
    e = one(GOOD.replace("{email: kaski@example.invalid}", "{webhook: {url: 'ftp://x', secret_env: K}}"))
    assert "https://" in e.message


def test_yaml_syntax_and_duplicate_keys():
    e = one(GOOD.replace("    then: {department: kaski}", "    then: {department: kaski"))
    assert e.message.startswith("YAML yazım hatası") and e.line is not None
    e = one(
        GOOD.replace(
            "    then: {department: kaski}",
            "    then: {department: kaski}\n    then: {department: beyaz-masa}",
        )
    )
    assert e.message == "'then' anahtarı iki kez yazılmış" and e.line == 14


def test_all_errors_are_reported_together():
    bad = GOOD.replace("department: kaski}", "department: kaskı, priority: acil}").replace(
        "topic: su-", "topik: su-"
    )
    assert len(errors_of(bad)) == 3


def test_broken_text_never_yields_a_ruleset():
    """Hot reload: the caller keeps its old RuleSet because a broken text only ever raises."""
    active = RuleSet.from_yaml_text(GOOD)
    for broken in (
        "",
        "rules: [",
        "- just a list",
        GOOD.replace("kaski}", "kask}"),
        "defaults: 3\nrules: {}",
    ):
        try:
            candidate = RuleSet.from_yaml_text(broken)
        except RulesError as exc:
            assert exc.errors and exc.format()
        else:  # pragma: no cover - would be a bug
            pytest.fail(f"accepted a broken rule text: {candidate}")
    assert active.route is not None and active.departments["kaski"].name == "KASKİ"


def test_check_file_exit_codes(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    code, text = check_file(good)
    assert code == 0 and "geçerli" in text and "su" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("department: kaski", "department: KASKI"), encoding="utf-8")
    code, text = check_file(bad)
    assert code == 2
    assert f"{bad}:13:24: bilinmeyen birim: KASKI; bunu mu demek istediniz: 'kaski'?" in text
    assert "kurallar etkinleştirilmedi" in text
    code, text = check_file(tmp_path / "missing.yaml")
    assert code == 2 and "okunamadı" in text


def test_reload_or_keep_returns_the_running_rules_on_error():
    from hub.rules import reload_or_keep

    active = RuleSet.from_yaml_text(GOOD)
    kept, err = reload_or_keep(active, GOOD.replace("department: kaski", "department: kaskii"))
    assert kept is active and err is not None and "bunu mu demek istediniz: 'kaski'" in err.format()
    new, err = reload_or_keep(active, GOOD.replace("topic: su-kanalizasyon", "topic: imar"))
    assert err is None and new is not active and new.digest != active.digest


def test_command_line_check(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("department: kaski", "department: KASKI"), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "hub.rules", str(bad)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    assert "13:24: bilinmeyen birim: KASKI; bunu mu demek istediniz: 'kaski'?" in run.stdout
    assert "Traceback" not in run.stderr
