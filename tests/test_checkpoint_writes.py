"""Checkpoint rows (a polled channel's position and health) are written only by
hub/actions/checkpoints.py, like every other table (hub/actions/__init__.py).

The connector runtime used to build and change Checkpoint rows itself. This scans hub/ and
connectors/ (hub/actions/ excepted) for a Checkpoint being constructed, a row taken from the
Checkpoint table being changed, added or deleted, Core insert/update/delete on it, raw SQL
writing the table, or, in a module that names the class, a Checkpoint-only column being assigned. Reading stays free."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ROOT / "hub" / "actions"
# Columns only a Checkpoint has; assigning them anywhere but on ``self`` is a write.
ONLY_CHECKPOINT = {"last_success_at", "last_error", "last_error_at", "backlog"}
SESSION_WRITES = {"add", "add_all", "merge", "delete"}
CORE_WRITES = {"insert", "update", "delete"}
RAW_SQL = re.compile(r"\b(insert\s+into|update|delete\s+from)\s+\"?checkpoint\b", re.IGNORECASE)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_checkpoint(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Checkpoint") or (
        isinstance(node, ast.Attribute) and node.attr == "Checkpoint"
    )


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
        return [node.target]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    return []


def _flat(target: ast.AST) -> list[ast.AST]:
    if isinstance(target, ast.Tuple | ast.List):
        return [t for e in target.elts for t in _flat(e)]
    if isinstance(target, ast.Starred):
        return _flat(target.value)
    return [target]


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def checkpoint_writes(source: str, filename: str = "<source>") -> list[str]:
    """Each place in ``source`` that writes a Checkpoint, as "line: what"."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    # A module that never names the class can only change rows handed to it; such a module's own
    # objects may well have a ``last_error`` (hub/routing.py's runtime does).
    mentions = any(_is_checkpoint(n) for n in ast.walk(tree))
    # Names bound to something built from the Checkpoint class: rows of the table.
    rows: set[str] = set()
    for node in ast.walk(tree):
        value = getattr(node, "value", None) if not isinstance(node, ast.comprehension) else node.iter
        if value is None or not isinstance(value, ast.AST) or not any(_is_checkpoint(n) for n in ast.walk(value)):
            continue
        for target in _targets(node):
            rows |= {t.id for t in _flat(target) if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if _is_checkpoint(func):
                found.append(f"{node.lineno}: constructs a Checkpoint")
            elif name in CORE_WRITES and node.args and _is_checkpoint(node.args[0]):
                found.append(f"{node.lineno}: {name}(Checkpoint)")
            elif name in SESSION_WRITES and isinstance(func, ast.Attribute) and any(
                _names(a) & rows for a in node.args
            ):  # fmt: skip
                found.append(f"{node.lineno}: session.{name} of a Checkpoint row")
            elif name == "setattr" and node.args and _root_name(node.args[0]) in rows:
                found.append(f"{node.lineno}: setattr on a Checkpoint row")
        for target in _targets(node):
            for t in _flat(target):
                if not isinstance(t, ast.Attribute):
                    continue
                owner = _root_name(t)
                if owner in rows:
                    found.append(f"{t.lineno}: assigns {owner}.{t.attr}")
                elif mentions and t.attr in ONLY_CHECKPOINT and owner != "self":
                    found.append(f"{t.lineno}: assigns .{t.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_SQL.search(node.value):
            found.append(f"{node.lineno}: raw SQL writes the checkpoint table")
    return sorted(set(found), key=lambda f: int(f.split(":")[0]))


def _modules() -> list[Path]:
    files = [*(ROOT / "hub").rglob("*.py"), *(ROOT / "connectors").rglob("*.py")]
    return sorted(p for p in files if ACTIONS not in p.parents)


def test_only_the_actions_layer_writes_checkpoints() -> None:
    offenders = {
        str(p.relative_to(ROOT)): hits
        for p in _modules()
        if (hits := checkpoint_writes(p.read_text(encoding="utf-8"), str(p)))
    }
    assert offenders == {}, "write Checkpoint rows through hub.actions.checkpoints"


def test_the_actions_module_is_where_they_are_written() -> None:
    """The scan is not vacuous: it finds the writes where they belong."""
    assert checkpoint_writes((ACTIONS / "checkpoints.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "snippet",
    [
        "row = Checkpoint(connector='x')",
        "s.add(models.Checkpoint(connector='x'))",
        "row = session.get(Checkpoint, n) or None\nrow.value = '1'",
        "row = session.get(Checkpoint, n)\nrow.last_error, row.last_error_at = e, now",
        "for cp in session.exec(select(Checkpoint)):\n    cp.backlog += 1",
        "rows = {n: r for n in names if (r := session.get(Checkpoint, n))}\nsession.delete(r)",
        "cp = session.get(Checkpoint, n)\nsetattr(cp, 'value', None)",
        "session.execute(update(Checkpoint).values(value=None))",
        "session.execute(sa.delete(Checkpoint))",
        "session.execute(text('UPDATE checkpoint SET value = NULL'))",
        "from hub.models import Checkpoint\n\ndef f(row: Checkpoint):\n    row.last_success_at = now",
    ],
)
def test_the_scan_sees_a_write(snippet: str) -> None:
    assert checkpoint_writes(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "row = session.get(Checkpoint, n)\nvalue = row.value if row else None",
        "rows = {n: r for n in names if (r := session.get(Checkpoint, n)) is not None}",
        "def health(rows: dict[str, Checkpoint]) -> None:\n    x = rows['a'].last_error",
        "class PollHealth:\n    def failed(self, e):\n        self.last_error, self.last_error_at = e, 1",
        "checkpoints.advance(session, name, value, backlog=None)",
        "runtime = RulesRuntime(hub)\nruntime.last_error = 'broken file'",
    ],
)
def test_the_scan_lets_reads_pass(snippet: str) -> None:
    assert checkpoint_writes(snippet) == [], snippet
