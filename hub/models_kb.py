"""Knowledge base entries and canned replies (issue 12B).

Both are written by supervisors through hub.actions.knowledge. Entries carry a folded
``search_text`` (hub.search_text) so that search ignores Turkish case and letters the same
way the request search does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hub.models import UTCDateTime, utcnow


def _stamp() -> Any:
    # hub.models converts its DateTime columns to UTCDateTime before this module loads: do it here
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class KbEntry(SQLModel, table=True):
    """An answer agents give while the caller waits (bus times, Kayseri Kart, documents needed)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str
    body: str
    topic: str | None = Field(default=None, index=True)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    valid_until: date | None = None  # after this day it is no longer suggested
    active: bool = True
    search_text: str = ""
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    updated_by: str | None = None

    def valid_on(self, day: date) -> bool:
        return self.active and (self.valid_until is None or self.valid_until >= day)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "body": self.body, "topic": self.topic, "tags": self.tags or [],
                "valid_until": self.valid_until.isoformat() if self.valid_until else None, "active": self.active}  # fmt: skip


class CannedReply(SQLModel, table=True):
    """A reply text with placeholders ({ad}, {takip_kodu}, {birim}, {mahalle}), chosen with '/'."""

    id: int | None = Field(default=None, primary_key=True)
    shortcut: str = Field(unique=True)  # what the agent types after '/'
    title: str
    body: str
    topic: str | None = Field(default=None, index=True)  # None: offered for every topic
    active: bool = True
    updated_at: datetime = _stamp()
    updated_by: str | None = None
