"""Rule versions: every activation stored with author, time and diff."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from hub.db import Database
from hub.models import Department, RulesVersion


def active_version(db: Database) -> RulesVersion | None:
    with db.reader() as session:
        return session.exec(select(RulesVersion).where(RulesVersion.active == True)).first()  # noqa: E712


def store_version(
    db: Database, text: str, digest: str, *, author: str, diff: str, comment: str | None = None
) -> RulesVersion:
    with db.session() as session:
        for row in session.exec(select(RulesVersion).where(RulesVersion.active == True)):  # noqa: E712
            row.active = False
        row = RulesVersion(digest=digest, text=text, author=author, diff=diff, active=True, comment=comment)
        session.add(row)
        from hub.actions import events
        from hub.auth import Actor

        extra = {"comment": comment} if comment else {}
        events.record(session, Actor(author, "system"), "rules.activated", None, digest=digest, **extra)
        return row


def sync_departments(db: Database, departments: dict[str, dict]) -> None:
    """Mirror the rules file's departments into the table the API and UI read.

    Hub processes starting together all sync the same file: if another one inserted a
    department between our read and our insert, the second pass finds it and updates it.
    """
    for attempt in (1, 2):
        try:
            _sync_departments(db, departments)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _sync_departments(db: Database, departments: dict[str, dict]) -> None:
    with db.session() as session:
        seen = set()
        for code, d in departments.items():
            seen.add(code)
            row = session.get(Department, code)
            if row is None:
                session.add(Department(code=code, name=d["name"], targets=d.get("targets", []), active=True))
            else:
                row.name, row.targets, row.active = d["name"], d.get("targets", []), True
        for row in session.exec(select(Department)):
            if row.code not in seen:
                row.active = False
