"""Routing rules: a small, validated YAML language that decides where each request goes.

Public interface (see docs/rules.md):
  RuleSet.from_yaml_text / RuleSet.from_file -> RuleSet; RuleSet.route(RoutingInput) -> Decision
  compile_condition / matches   the condition language, also used for SLA policies and queue filters
  backtest(current, candidate, records) -> BacktestReport;  check_file(path) -> (exit code, text)
"""

from hub.reply_templates import render

from .backtest import BacktestReport, backtest
from .check import check_file
from .conditions import Condition, compile_condition, matches
from .engine import Decision, Defaults, Department, RoutingInput, Rule, RuleSet, Target, reload_or_keep
from .errors import RuleIssue, RulesError
from .templates import PLACEHOLDERS
from .vocab import CHANNELS, CONTACT_KINDS, DEFAULT_TOPICS, PRIORITIES, REQUEST_TYPES

__all__ = [
    "CHANNELS",
    "CONTACT_KINDS",
    "DEFAULT_TOPICS",
    "PLACEHOLDERS",
    "PRIORITIES",
    "REQUEST_TYPES",
    "BacktestReport",
    "Condition",
    "Decision",
    "Defaults",
    "Department",
    "RoutingInput",
    "Rule",
    "RuleIssue",
    "RuleSet",
    "RulesError",
    "Target",
    "backtest",
    "check_file",
    "compile_condition",
    "matches",
    "reload_or_keep",
    "render",
]
