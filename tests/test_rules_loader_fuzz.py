"""Hypothesis: whatever text reaches the rules loader (random text and bytes, YAML-looking token soup,
alias bombs, deep nesting, odd scalars, random structures in a rule file's shape), the answer is a RuleSet
or a RulesError with positions, never another exception, and never slow."""

from __future__ import annotations

import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.rules import RulesError, RuleSet
from hub.rules.yaml_limits import MAX_DEPTH

ROOT = Path(__file__).resolve().parent.parent
RULES = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")


def _baseline() -> float:
    t0 = time.thread_time()
    RuleSet.from_yaml_text(RULES, source="routing_rules.yaml")
    return time.thread_time() - t0


# A bound relative to loading the shipped file on this machine, in this thread's CPU time: a bomb
# or backtracking burns seconds to minutes of it, while a loaded CI machine only stretches the
# wall clock (it failed a wall-clock bound: 3.07 s waiting for a CPU, not working).
SLOW = max(2.0, 6 * _baseline())

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
WHOLE_FILE = settings(FUZZ, max_examples=40)  # each example validates the 24 kB shipped file


def _load(text: str) -> float:
    t0 = time.thread_time()
    try:
        RuleSet.from_yaml_text(text, source="fuzz.yaml")
    except RulesError as exc:
        assert exc.errors, "a RulesError always says what is wrong"
        assert all(isinstance(e.message, str) and e.message for e in exc.errors)
        exc.format()
    return time.thread_time() - t0


def load_cleanly(text: str) -> None:
    first = _load(text)
    if first < SLOW:
        return
    # The first use of some parts is paid once (a holiday calendar built for a year range, a
    # pattern compiled); CI saw one such load take 3 s. A hostile text is slow every time.
    again = _load(text)
    assert again < SLOW, f"{first:.2f} s, then {again:.2f} s of CPU for {text[:200]!r}"


@FUZZ
@given(st.text(max_size=3_000))
def test_random_text(text: str) -> None:
    load_cleanly(text)


@FUZZ
@given(st.binary(max_size=3_000), st.sampled_from(["latin-1", "utf-8", "utf-16"]))
def test_random_bytes(raw: bytes, encoding: str) -> None:
    load_cleanly(raw.decode(encoding, errors="replace" if encoding != "latin-1" else "strict"))


TOKENS = [
    "&a ", "&b ", "*a", "*b", "[", "]", "{", "}", ", ", ": ", "- ", "? ", "\n", "  ", "    ", "\t", "|", ">-",
    "'", '"', "\\", "#", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "!!binary ", "!!set ",
    "!!omap ", "!!python/object/apply:os.system ", "!x ", "!!timestamp ", "!!float ", "!!int ", "<<: ",
    "0x", "0o", "0b", "1:2:3", "1_000", ".inf", "-.inf", ".nan", "~", "null", "yes", "No", "on", "2026-11-18",
    "2026-11-18T10:30:00+03:00", "1e999", "9" * 60, "rules", "when", "then", "departments", "defaults",
    "text_regex", "'(a+)+$'", "'(a)\\1'", "topic", "not", "all", "any", "id", "x", "ç", "İ", "\x00", "\x07",
    "\x85", "\u2028", "\ufeff", "\ud800", "\U0001f600",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=200))
def test_yaml_token_soup(tokens: list[str]) -> None:
    load_cleanly("".join(tokens))


@WHOLE_FILE
@given(st.lists(st.sampled_from(TOKENS), max_size=60), st.integers(0, len(RULES)))
def test_token_soup_inside_the_shipped_rules(tokens: list[str], at: int) -> None:
    load_cleanly(RULES[:at] + "".join(tokens) + RULES[at:])


@FUZZ
@given(st.integers(1, 12), st.integers(2, 12), st.booleans())
def test_alias_bombs(levels: int, width: int, flow: bool) -> None:
    lines = ["a0: &a0 [" + ",".join(["lol"] * width) + "]"]
    for i in range(1, levels + 1):
        refs = [f"*a{i - 1}"] * width
        lines.append(f"a{i}: &a{i} [" + ",".join(refs) + "]" if flow else f"a{i}: &a{i}\n" + "".join(f"  - {r}\n" for r in refs))
    load_cleanly("\n".join(lines) + "\n")


@FUZZ
@given(st.integers(MAX_DEPTH - 3, 20_000), st.sampled_from(["[]", "{}", "block", "dash"]))
def test_deep_nesting(depth: int, shape: str) -> None:
    if shape == "[]":
        text = "[" * depth + "]" * depth
    elif shape == "{}":
        text = "{a: " * depth + "1" + "}" * depth
    elif shape == "block":
        text = "".join(f"{' ' * i}k:\n" for i in range(min(depth, 3_000))) + "x\n"
    else:
        text = "- " * depth + "x\n"
    load_cleanly(text)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.dates(), st.sampled_from(["(a+)+$", "(?<=x)y", "\\1", "[", "İ", "ç"]),
)  # fmt: skip
structures = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=40,
)  # fmt: skip
rule_keys = st.sampled_from(["id", "when", "then", "continue", "enabled", "description", "topic", "department",
                             "tags", "priority", "all", "any", "not", "text_regex", "sla_days", "mahalle_in"])  # fmt: skip


@WHOLE_FILE
@given(st.lists(st.dictionaries(rule_keys, structures, max_size=5), max_size=4), structures)
def test_random_structures_in_a_rule_file(rules: list[dict], extra: object) -> None:
    text = RULES + "\n" + yaml.safe_dump({"fuzz_extra": extra}, allow_unicode=True)
    load_cleanly(text)
    head, _, _ = RULES.partition("\nrules:\n")
    load_cleanly(head + "\n" + yaml.safe_dump({"rules": rules}, allow_unicode=True))
