"""Counting the SQL a call sends, for the tests that hold a page or an API call to a fixed
number of statements (a future N+1 shows as a failing count, not as a slower page)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(hub: Any, *, skip: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """Every statement sent meanwhile, whitespace folded (both engines on SQLite), not
    transaction control nor those containing a ``skip`` text."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        flat = " ".join(statement.split())
        if not flat.upper().startswith(TRANSACTION) and not any(s in flat for s in skip):
            seen.append(flat)

    engines = {id(e): e for e in (hub.db.engine, hub.db.read_engine)}.values()
    for e in engines:
        event.listen(e, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        for e in engines:
            event.remove(e, "before_cursor_execute", note)


def writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
