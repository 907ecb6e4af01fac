"""What an actor may see: department staff see only their own department's requests, in the
queue, the API, the reports and the saved filters. The one place that says so in SQL
(``Actor.can_see_department`` says it for a single row)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import false
from sqlmodel import Session, select

from hub.auth import Actor
from hub.models import ApiKey, Request, SavedFilter, User

Stmt = TypeVar("Stmt")


def department_scoped(actor: Actor | None) -> bool:
    """True when the actor sees one department only (None: a system caller, sees everything)."""
    return actor is not None and actor.role == "department"


def visible_requests(stmt: Stmt, actor: Actor | None) -> Stmt:
    """Narrow a statement over ``Request`` to the rows the actor may see."""
    if actor is not None and actor.role == "muhtar":  # his own mahalle only, whatever the department
        if not (actor.ilce and actor.mahalle):
            return stmt.where(false())  # type: ignore[attr-defined]
        return stmt.where(Request.ilce == actor.ilce, Request.mahalle == actor.mahalle)  # type: ignore[attr-defined]
    if not department_scoped(actor):
        return stmt
    assert actor is not None
    if not actor.department:  # a department role without a department sees nothing, not the unrouted
        return stmt.where(false())  # type: ignore[attr-defined]
    return stmt.where(Request.department == actor.department)  # type: ignore[attr-defined]


def visible_filters(session: Session, actor: Actor) -> Any:
    """``select(SavedFilter)`` narrowed to the filters the actor may list and apply: for
    department staff, those saved by people and keys of their own department."""
    stmt = select(SavedFilter)
    if not department_scoped(actor):
        return stmt
    owners = {actor.id}
    if actor.department:
        owners |= {f"user:{i}" for i in session.exec(select(User.id).where(User.department_code == actor.department))}
        owners |= {f"apikey:{i}" for i in session.exec(select(ApiKey.id).where(ApiKey.department_code == actor.department))}
    return stmt.where(SavedFilter.owner.in_(sorted(owners)))  # type: ignore[attr-defined]
