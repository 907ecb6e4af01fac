"""Call-back tasks: a phone request's answer that no SMS could carry is read to the citizen
by an agent. One row per attempt; "not reached" closes the attempt and opens the next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.models import UTCDateTime, utcnow

CALLBACK_OUTCOMES = ("reached", "not_reached", "wrong_number")


class Callback(SQLModel, table=True):
    __table_args__ = (Index("ix_callback_status_due", "status", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    status: str = "open"  # open | done | cancelled
    reason: str = ""  # why no SMS carried the answer (English note, labelled in the UI)
    attempt: int = 1
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    message_id: int | None = Field(default=None, foreign_key="message.id")  # the answer to read out
    resume_status: str | None = None  # the request's status once the citizen was told
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: str | None = None
    outcome: str | None = None  # reached | not_reached | wrong_number
    note: str | None = None
