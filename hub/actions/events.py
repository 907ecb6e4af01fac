from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session

from hub.actions import publish
from hub.auth import Actor
from hub.models import Event

_PLAIN = (str, int, float, bool, type(None))


_EXACT = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """JSON columns take only plain types; events carry datetimes and enums."""
    t = type(value)
    if t in _EXACT:  # the common case first: intake converts every request's classification
        return value
    if t is dict:
        return {k if type(k) is str else str(k): jsonable(v) for k, v in value.items()}
    if t is list:
        return [jsonable(v) for v in value]
    if isinstance(value, _PLAIN) and not isinstance(value, Enum):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def record(session: Session, actor: Actor, kind: str, request_id: int | None = None, **data: Any) -> Event:
    ev = Event(request_id=request_id, actor=actor.id, kind=kind, data=jsonable(data))
    session.add(ev)
    publish.mark(session)  # the live queue hears of it when this transaction commits
    return ev


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {"before": jsonable(before.get(k)), "after": jsonable(after.get(k))}
        for k in after
        if before.get(k) != after.get(k)
    }
