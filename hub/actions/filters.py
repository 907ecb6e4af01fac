"""Saved queue filters, written in the rules' condition language."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from hub.actions import events
from hub.actions.errors import ActionError
from hub.auth import Actor
from hub.models import SavedFilter


def save(session: Session, actor: Actor, name: str, condition: Any) -> SavedFilter:
    from hub.rules import RulesError, compile_condition

    try:
        compile_condition(condition, where="filter")
    except RulesError as exc:
        raise ActionError(f"condition is invalid: {exc.format()}", field="condition") from None
    row = SavedFilter(name=name, owner=actor.id, condition=condition)
    session.add(row)
    session.flush()
    events.record(session, actor, "filter.saved", None, filter_id=row.id, name=name)
    return row
