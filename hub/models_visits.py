"""Field and mayor's-visit intake: a visit record, and which requests were taken at it."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from hub.models import UTCDateTime, utcnow

VISIT_KINDS = ("baskanla_bas_basa", "seffaf_oda", "mahalle_ziyareti", "diger")


class Visit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # VISIT_KINDS
    held_on: date = Field(index=True)
    place: str
    ilce: str | None = None
    mahalle: str | None = None
    attendees: str = ""  # who attended, as the staff member wrote it
    notes: str | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class VisitRequest(SQLModel, table=True):
    """A request taken at a visit; a request belongs to one visit at most."""

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    request_id: int = Field(foreign_key="request.id", unique=True)
    added_by: str
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
