"""One syntax and one renderer for texts staff write: the rules' auto-replies and the canned replies
(hub.reply_templates): ``{name}``, ``{name|yedek}``, ``{{``/``}}``, rendered in Jinja2's sandbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import hub.rules
import hub.rules.engine
from hub import reply_templates
from hub.delivery.canned import PLACEHOLDERS as CANNED
from hub.delivery.canned import placeholder_errors, request_context
from hub.reply_templates import render, template_errors, to_jinja
from hub.rules import PLACEHOLDERS as RULES
from hub.rules import RoutingInput, RuleSet

ROOT = Path(__file__).resolve().parents[1]
IST = dt.timezone(dt.timedelta(hours=3))


def test_one_function_renders_rule_and_canned_templates_with_fallbacks() -> None:
    assert hub.rules.render is render and hub.rules.engine.render is render
    rule = "Sayın {citizen_name|vatandaşımız}, takip numaranız: {tracking_code|ayrıca bildirilecektir}."
    assert not template_errors(rule, RULES)
    assert render(rule, {"citizen_name": None}) == (
        "Sayın vatandaşımız, takip numaranız: ayrıca bildirilecektir."
    )
    assert (
        render(rule, {"citizen_name": "Ayşe", "tracking_code": "KAY-1"})
        == "Sayın Ayşe, takip numaranız: KAY-1."
    )
    canned = (
        "Sayın {ad|vatandaşımız}, {takip_kodu} numaralı talebiniz {birim} birimine iletildi ({mahalle|-})."
    )
    assert not template_errors(canned, CANNED) and not placeholder_errors(canned)
    req = type("Req", (), {"tracking_code": "KAY-2026-000001", "department": "fen", "mahalle": ""})()
    assert render(canned, request_context(req, None, "Fen İşleri")) == (
        "Sayın vatandaşımız, KAY-2026-000001 numaralı talebiniz Fen İşleri birimine iletildi (-)."
    )
    # each text is checked against its own vocabulary
    assert template_errors("{ad}", RULES)[0][:2] == ("unknown placeholder '{ad}'", "ad")
    assert template_errors("{citizen_name}", CANNED)[0][1] == "citizen_name"


def test_shipped_rules_file_still_renders_its_fallbacks() -> None:
    rules = RuleSet.from_file(ROOT / "routing_rules.yaml")
    inp = RoutingInput.from_mapping({"text": "Kaldırım bozuk, lütfen tamir edin", "channel": "webform",
                                     "topic": "yol-altyapi", "topic_confidence": 0.9, "ilce": "Melikgazi",
                                     "mahalle": "Gesi", "received_at": dt.datetime(2026, 11, 18, 10, 0, tzinfo=IST)})  # fmt: skip
    d = rules.route(inp)
    assert d.auto_reply and d.auto_reply.startswith("Sayın vatandaşımız, ")
    assert "18.11.2026 tarihli" in d.auto_reply and "{" not in d.auto_reply


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 7*7 }}", "{ 7*7 }"),
        ("{{7*7}}", "{7*7}"),
        ("{{ config }}{{ cycler.__init__.__globals__ }}", "{ config }{ cycler.__init__.__globals__ }"),
        ("{% for x in range(3) %}x{% endfor %}", "{% for x in range(3) %}x{% endfor %}"),
        ("{# yorum #}", "{# yorum #}"),
        ("{ad.__class__}", "{ad.__class__}"),
        ("{ad.__class__.__mro__}", "{ad.__class__.__mro__}"),
        ("{ad[0]}", "{ad[0]}"),
        ("{ad|{{ 7*7 }}}", "{ad|{ 7*7 }}"),
        ("{ad|x }}{{ 7*7 }}", "Ayşe}{ 7*7 }"),
        ("{ad|{% raw %}}", "{ad|{% raw %}}"),
    ],
)
def test_template_text_never_reaches_jinja(template: str, expected: str) -> None:
    assert render(template, {"ad": "Ayşe"}) == expected
    assert render(template, {"ad": "Ayşe"}) == expected  # cached compile gives the same


def test_jinja_like_and_attribute_input_is_refused_when_checked() -> None:
    for text in ("{ 7*7 }", "{ad.__class__}", "{ad[0]}", "{% if 1 %}x{% endif %}", "{# x #}", "{ad()}"):
        problems = template_errors(text, CANNED)
        assert problems and problems[0][0].startswith(("bad placeholder", "unbalanced")), text
        assert placeholder_errors(text), text


def test_compiled_source_holds_no_author_jinja_syntax() -> None:
    source, names = to_jinja("{{ 7*7 }} {ad} {mahalle|merkez}")
    assert names == ("ad", "mahalle")
    assert "7*7 }}" not in source.replace('"}" }}', "")  # the author's braces are string literals
    assert 'values["ad"]' in source


def test_braces_are_escaped_as_before() -> None:
    assert render("{{ad}} {{{ad}}} }}{{", {"ad": "Ayşe"}) == "{ad} {Ayşe} }{"
    assert not template_errors("{{ad}} {{{ad}}}", CANNED)
    assert template_errors("Sayın {ad", CANNED) == [
        ("unbalanced '{' in template; write '{{' for a literal brace", None, 6)
    ]
    assert template_errors("a } b", RULES) == [
        ("unbalanced '}' in template; write '}}' for a literal brace", None, 2)
    ]
    # stray braces print as they are, rendering never raises; "{ ve }" is the placeholder "ve"
    assert render("tek { ve", {}) == "tek { ve" and render("ve } tek", {}) == "ve } tek"
    assert render("tek { ve }", {}) == "tek "


def test_missing_empty_odd_values_and_dates() -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    t = "[{a|yok}] [{b}] [{c|boş}] [{d|bozuk}] [{e}] [{f}] [{g}]"
    ctx = {"b": None, "c": "", "d": Broken(), "e": dt.date(2026, 12, 9),
           "f": dt.datetime(2026, 1, 2, 23, 30, tzinfo=IST), "g": 0}  # fmt: skip
    assert render(t, ctx) == "[yok] [] [boş] [bozuk] [09.12.2026] [02.01.2026] [0]"
    # names that are also dict methods or Jinja keywords are plain names, nothing more
    assert render("[{items}] [{keys|k}] [{none|n}] [{self}] [{loop}]", {}) == "[] [k] [n] [] []"
    # plain text: no HTML escaping, newlines and spacing kept, fallback spacing kept
    assert render("<b>&{ad}</b>\n{ad| yok }\n", {"ad": "A & B"}) == "<b>&A & B</b>\nA & B\n"
    assert render("{ad| yok }", {}) == " yok "


def test_rendering_is_cached_per_template() -> None:
    reply_templates._compiled.cache_clear()
    for _ in range(3):
        render("Sayın {ad}", {"ad": "x"})
    info = reply_templates._compiled.cache_info()
    assert info.misses == 1 and info.hits == 2


async def test_canned_reply_form_takes_fallbacks_and_explains_a_lone_brace(ui, hub) -> None:  # noqa: ANN001
    from tests.test_ui import csrf_of, login

    await login(ui, "admin")
    page = await (await ui.get("/ui/hazir-cevaplar")).text()
    assert "{ad|vatandaşımız}" in page
    form = {"csrf": csrf_of(page), "shortcut": "yedekli", "title": "Yedekli", "topic": "", "active": "1"}
    r = await ui.post("/ui/hazir-cevaplar", data={**form, "body": "Sayın {ad"}, allow_redirects=False)
    assert r.status == 400 and "süslü parantez için {{ ya da }} yazın" in await r.text()
    r = await ui.post("/ui/hazir-cevaplar", data={**form, "body": "Sayın {ad|vatandaşımız}, {{not}}"},
                      allow_redirects=False)  # fmt: skip
    assert r.status == 303, await r.text()
