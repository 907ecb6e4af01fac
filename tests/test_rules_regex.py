"""Rule patterns run on RE2 (issue 10, finding 6): linear time whatever the pattern and the text, patterns
RE2 cannot run are refused at check time with their line, and the Turkish-aware case-insensitive matching
of the old engine is kept."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.rules import RoutingInput, RulesError, RuleSet, compile_condition, matches
from tests.conftest import add_key

ROOT = Path(__file__).resolve().parent.parent
RULES = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")

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
    when: {text_regex: 'PATTERN'}
    then: {department: kaski}
"""


def ok(pattern: str, text: str, field: str = "text") -> bool:
    cond = {"text_regex": pattern} if field == "text" else {field: {"regex": pattern}}
    return matches(compile_condition(cond, where="rule"), RoutingInput.from_mapping({field: text}))


_EVIL_SCRIPT = """
import sys, time
from hub.rules import RoutingInput, compile_condition, matches
cond = compile_condition({"any": [{"text_regex": "(a+)+$"}, {"subject": {"regex": "(x|x)*y"}}]}, where="rule")
n = int(sys.argv[1])
rec = RoutingInput.from_mapping({"text": "a" * n + "!", "subject": "x" * n})
t0 = time.monotonic()
held = matches(cond, rec)
print(held, round((time.monotonic() - t0) * 1000, 3))
"""


@pytest.mark.parametrize(("n", "limit_ms"), [(24, 50), (50_000, 500)])
def test_catastrophic_patterns_run_in_linear_time(n: int, limit_ms: float) -> None:
    try:  # in a child process: the old engine needed seconds for n=24 and forever for n=50,000
        r = subprocess.run([sys.executable, "-c", _EVIL_SCRIPT, str(n)], cwd=ROOT, capture_output=True, text=True,
                           timeout=30)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"(a+)+$ on {n} a + '!' did not finish in 30 s: a backtracking engine")
    assert r.returncode == 0, r.stderr[-2000:]
    held, ms = r.stdout.split()
    assert held == "False" and float(ms) < limit_ms, r.stdout


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"(boru)\1", "geri başvuru"),
        (r"(?<=ana )boru", "geri bakış"),
        (r"(?<!ana )boru", "geri bakış"),
        (r"boru(?= patla)", "ileri bakış"),
        (r"boru(?! patla)", "ileri bakış"),
        (r"(?P<x>su)(?P=x)", "geri başvuru"),
        (r"(?x)boru", "desteklenmez: (?x"),
        (r"[\W]", "[...] içinde kullanılamaz"),
        (r"(boru", "kapanmayan parantez: (boru"),
    ],
)
def test_patterns_re2_cannot_run_are_refused_with_their_line(pattern: str, problem: str) -> None:
    with pytest.raises(RulesError) as exc:
        RuleSet.from_yaml_text(GOOD.replace("PATTERN", pattern), source="routing_rules.yaml")
    (err,) = exc.value.errors
    assert (err.line, err.column) == (12, 24), err.format()
    assert err.message.startswith("geçersiz regex") and problem in err.message, err.message


def test_too_long_pattern_is_refused() -> None:
    with pytest.raises(RulesError) as exc:
        compile_condition({"text_regex": "a" * 5_000}, where="rule")
    assert "geçersiz regex: desen 1000 karakterden uzun" in exc.value.format()
    with pytest.raises(RulesError) as exc:  # compiles to more than RE2's memory budget
        compile_condition({"text_regex": "((a{100}){100}){100}"}, where="rule")
    assert "geçersiz regex" in exc.value.format()


@pytest.mark.parametrize(
    ("pattern", "text", "held"),
    [
        (r"gün(ler)?dir", "Çöpler günlerdir alınmıyor", True),
        (r"\bcop\b", "Çöp kutusu", True),  # on the accent-free form
        (r"\bçöp\b", "ÇÖP KUTUSU taştı", True),  # Turkish letters are word characters
        (r"^köpek", "Sokak köpekleri", False),
        (r"IŞIK", "sokak ışıkları yanmıyor", True),  # Turkish dotless ı
        (r"İSKİ", "iski borusu", True),  # Turkish dotted İ
        (r"ısık", "SOKAK IŞIKLARI", True),  # the text is lower-cased the Turkish way
        (r"\w+ları\b", "ışıkları", True),
        (r"^\w+$", "ağaç", True),
        (r"\d{3}", "Daire ٣٤٥", True),  # Unicode digits, as Python's \d
        (r"su\skesik", "su\u00a0kesik", True),  # Unicode spaces, as Python's \s
        (r"[\w-]+ mah", "ali-çavuş mah.", True),
        (r"(?i)Boru", "BORU", True),
        (r"[a-z]+ı\b", "kırmızı", True),
        (r"\W", "ağaç", False),
        (r"patladı\Z", "ana boru patladı", True),
        (r"^(boru|su) patladı$", "BORU PATLADI", True),
        (r"[^ç]öp", "çöp", False),
    ],
)
def test_turkish_case_insensitive_semantics_are_kept(pattern: str, text: str, held: bool) -> None:
    assert ok(pattern, text) is held
    assert ok(pattern, text, field="subject") is held


def test_match_is_shown_in_the_trace() -> None:
    rs = RuleSet.from_yaml_text(GOOD.replace("PATTERN", r"boru\w*"))
    d = rs.route({"text": "Ana BORUSU patladı"})
    assert d.department == "kaski"
    assert "borusu" in str(d.trace)


async def test_api_request_with_catastrophic_rule_is_answered_fast(client, hub) -> None:  # noqa: ANN001
    add_key(hub, "sup-key", "supervisor")
    evil = RULES.replace("rules:\n", "rules:\n  - id: evil\n    when: {text_regex: '(a+)+$'}\n"
                                     "    then: {tags: [evil]}\n    continue: true\n", 1)  # fmt: skip
    r = await client.put("/api/v1/rules", json={"text": evil}, headers={"Authorization": "Bearer sup-key"})
    assert r.status == 200, await r.text()
    t0 = time.monotonic()
    r = await client.post("/api/v1/requests", json={"text": "a" * 22 + "!", "channel": "webform"})
    assert r.status in (200, 201), await r.text()
    assert time.monotonic() - t0 < 2
