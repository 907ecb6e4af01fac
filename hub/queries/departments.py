"""Departments as plain values, safe to keep between sessions.

An ORM row must never outlive its session: when the transaction that loaded it rolls
back, the row is expired and detached, and the next reader gets DetachedInstanceError.
Caches (intake keeps the departments per rules version) hold these values instead."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from hub.models import Department


@dataclass(frozen=True)
class DepartmentInfo:
    code: str
    name: str
    targets: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, row: Department) -> DepartmentInfo:
        # deep copies: a caller editing a target dict must not change the cached value
        return cls(row.code, row.name, tuple(copy.deepcopy(t) for t in row.targets or []))


def active_departments(session: Session) -> dict[str, DepartmentInfo]:
    rows = session.exec(select(Department).where(Department.active == True)).all()  # noqa: E712
    return {d.code: DepartmentInfo.of(d) for d in rows}
