"""The live workspace's tables: who holds a request (a claim with a lease) and who has its
page open (presence). Written only by ``hub.actions.claims``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.models import UTCDateTime, utcnow


class RequestClaim(SQLModel, table=True):
    """One row per claimed request: held by ``user_id`` since ``since`` until ``until``
    (renewed by the open page's heartbeat). An expired row holds nothing."""

    request_id: int = Field(foreign_key="request.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    until: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class RequestView(SQLModel, table=True):
    """Who has a request's page open: refreshed by the page's heartbeat, removed on leave."""

    request_id: int = Field(foreign_key="request.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
