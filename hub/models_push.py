"""The phone app's tables: Web Push subscriptions, each user's choice of notices, and the
idempotency keys of actions the app queued offline (a resent action is stored once)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.models import UTCDateTime, utcnow

# What a user can be told by push; the keys of PushPreference's switches.
PUSH_REASONS = ("forwarded", "escalation", "deadline")


class PushSubscription(SQLModel, table=True):
    """One browser's push endpoint for one user (a user may have several devices)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    endpoint: str = Field(unique=True)  # the browser vendor's push service URL
    p256dh: str  # the browser's public key (base64url), for payload encryption
    auth: str  # the browser's auth secret (base64url)
    user_agent: str | None = None
    # SHA-256 of the id of the staff UI session that registered it (hub.actions.push.session_hash):
    # signing out of that session removes it. None for rows registered before this was kept.
    session_hash: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PushPreference(SQLModel, table=True):
    """Which notices a user wants; a user without a row gets all three."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    forwarded: bool = True  # new work forwarded to my department
    escalation: bool = True  # a rule's urgent alert, a passed deadline
    deadline: bool = True  # 80 % of the answer time has gone
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AppActionKey(SQLModel, table=True):
    """The idempotency key of one action sent by the phone app: a retry finds it and does nothing."""

    key: str = Field(primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    request_id: int = Field(foreign_key="request.id", index=True)
    action: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
