"""The hub's tables. Only ``hub.actions`` writes them (plus the intake pipeline,
which calls actions); everything else reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Status(StrEnum):
    new = "new"
    triaged = "triaged"
    forwarded = "forwarded"
    in_progress = "in_progress"
    waiting_citizen = "waiting_citizen"
    answered = "answered"
    closed = "closed"
    needs_review = "needs_review"
    duplicate = "duplicate"
    out_of_scope = "out_of_scope"
    rejected = "rejected"


OPEN_STATUSES = {
    Status.new,
    Status.triaged,
    Status.forwarded,
    Status.in_progress,
    Status.waiting_citizen,
    Status.needs_review,
}
FINAL_STATUSES = {Status.answered, Status.closed, Status.duplicate, Status.out_of_scope, Status.rejected}

REQUEST_TYPES = ("istek", "sikayet", "ihbar", "gorus_oneri", "bilgi_edinme", "tesekkur")
CHANNELS = (
    "email", "webform", "telegram", "x", "whatsapp", "facebook", "instagram",
    "phone", "beyaz_masa", "cimer", "mbs", "api", "muhtar", "open311", "youtube",
    "edevlet",
)  # fmt: skip
PRIORITIES = ("low", "normal", "high", "urgent")
OUTCOMES = ("olumlu", "olumsuz")
ROLES = ("agent", "supervisor", "department", "admin", "muhtar")


def _json(default: Any = None) -> Any:
    return Field(default_factory=(lambda: default() if callable(default) else default), sa_column=Column(JSON))


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str | None = None
    phone: str | None = Field(default=None, index=True)  # E.164
    email: str | None = Field(default=None, index=True)
    telegram_id: str | None = None
    x_handle: str | None = None
    kind: str = "citizen"  # citizen | muhtar | institution
    merged_into_id: int | None = Field(default=None, foreign_key="contact.id")
    created_at: datetime = Field(default_factory=utcnow)
    erased_at: datetime | None = None  # personal data erased (KVKK); the row stays for counts


class ContactIdentity(SQLModel, table=True):
    """One way to reach a contact: (kind, value) is unique, so a phone number or
    a Telegram id always resolves to the same person across channels."""

    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identity"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    kind: str  # phone | email | telegram | x | whatsapp | facebook | instagram
    value: str


class Department(SQLModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    targets: list[dict[str, Any]] = _json(list)
    active: bool = True


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True)
    display_name: str
    role: str = "agent"
    department_code: str | None = Field(default=None, foreign_key="department.code")
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # UI sessions issued before this are refused (logout, password change, deactivation)
    sessions_valid_after: datetime | None = None
    # a muhtar account is bound to one mahalle of the gazetteer; phone receives its SMS notices
    ilce: str | None = None
    mahalle: str | None = None
    phone: str | None = None


class ApiKey(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    key_hash: str = Field(unique=True, index=True)  # sha256 of the key; the key itself is never stored
    role: str = "agent"
    user_id: int | None = Field(default=None, foreign_key="user.id")
    department_code: str | None = None
    revoked: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Request(SQLModel, table=True):
    __table_args__ = (
        Index("ix_request_status_received", "status", "received_at"),
        Index("ix_request_due", "due_at"),
        Index("ix_request_dup_candidates", "mahalle", "topic", "received_at"),  # intake's duplicate search
    )
    id: int | None = Field(default=None, primary_key=True)
    tracking_code: str | None = Field(default=None, unique=True, index=True)
    channel: str = Field(index=True)
    external_id: str | None = None
    received_at: datetime = Field(default_factory=utcnow, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    subject: str | None = None
    text: str = ""
    request_type: str | None = None

    il: str | None = None
    ilce: str | None = Field(default=None, index=True)
    mahalle: str | None = Field(default=None, index=True)
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_source: str | None = None  # known | text | agent

    topic: str | None = Field(default=None, index=True)
    topic_confidence: float | None = None
    classification: dict[str, Any] = _json(dict)

    department: str | None = Field(default=None, index=True)
    co_departments: list[str] = _json(list)
    priority: str = "normal"
    tags: list[str] = _json(list)
    status: str = Field(default=Status.new, index=True)
    needs_review: bool = False
    assignee_id: int | None = Field(default=None, foreign_key="user.id", index=True)

    due_at: datetime | None = None
    sla_days: int | None = None
    sla_business_days: bool = False
    sla_policy: str | None = None
    sla_paused_seconds: float = 0.0
    sla_paused_since: datetime | None = None
    sla_warned_at: datetime | None = None
    sla_breached_at: datetime | None = None

    answered_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None  # olumlu | olumsuz
    outcome_reason: str | None = None

    parent_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    routing_trace: dict[str, Any] = _json(dict)
    rules_version: str | None = None
    reply_to: dict[str, Any] = _json(dict)  # how to answer on the channel the citizen used
    conversation_id: str | None = Field(default=None, index=True)
    erased_at: datetime | None = None  # personal content erased (KVKK); statistics kept
    return_reason: str | None = None  # a department sent it back to Beyaz Masa: why ("bizim değil")
    search_text: str = ""  # folded for Turkish-insensitive search (hub.search_text)
    kb_entry_id: int | None = None  # closed on first contact with this knowledge base entry (hub.models_kb)


class Message(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_message_channel_external"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    direction: str  # in | out | note
    channel: str
    external_id: str
    email_message_id: str | None = Field(default=None, index=True)
    conversation_id: str | None = Field(default=None, index=True)
    subject: str | None = None
    body: str = ""
    sender: dict[str, Any] = _json(dict)
    attachments: list[dict[str, Any]] = _json(list)  # metadata; bytes live in data_dir/attachments
    meta: dict[str, Any] = _json(dict)
    author: str | None = None
    delivery_status: str | None = None  # queued | sent | failed, for outbound
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """Append-only audit trail: who did what, when, with before/after."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    actor: str
    kind: str = Field(index=True)
    data: dict[str, Any] = _json(dict)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Outbox(SQLModel, table=True):
    __table_args__ = (Index("ix_outbox_ready", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # forward | reply | notify
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    payload: dict[str, Any] = _json(dict)
    idempotency_key: str = Field(unique=True)
    status: str = "pending"  # pending | sending | done | dead
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None
    result: dict[str, Any] = _json(dict)


class Delivery(SQLModel, table=True):
    """A record of each outbox item's successful delivery: unique per item, so a
    worker that crashes after the send and re-runs cannot count two."""

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", unique=True)
    worker: str
    external_id: str | None = None
    delivered_at: datetime = Field(default_factory=utcnow)


class Checkpoint(SQLModel, table=True):
    connector: str = Field(primary_key=True)
    value: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    backlog: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Quarantine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(index=True)
    external_id: str | None = None
    raw: bytes = Field(sa_column=Column(LargeBinary))
    error: str
    meta: dict[str, Any] = _json(dict)
    status: str = "new"  # new | retried | resolved
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RulesVersion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(index=True)
    text: str
    author: str
    diff: str = ""
    active: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    comment: str | None = None  # why the supervisor activated it (UI: required; API: optional)


class Correction(SQLModel, table=True):
    """An agent's correction of the classifier: a labelled example for retraining."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    field_name: str  # topic | request_type | mahalle
    old_value: str | None = None
    new_value: str | None = None
    text: str  # PII-masked
    actor: str
    created_at: datetime = Field(default_factory=utcnow)


class SavedFilter(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    owner: str
    condition: dict[str, Any] = _json(dict)  # the rules' condition language
    created_at: datetime = Field(default_factory=utcnow)


class RateHit(SQLModel, table=True):
    """One counted hit of a rate limit shared by all hub processes (PostgreSQL deployments):
    web-form submissions and status-page lookups per client. The address is kept only as a
    keyed hash, and rows older than the window are deleted as new hits come in."""

    __table_args__ = (Index("ix_ratehit_bucket_key_at", "bucket", "key", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    bucket: str
    key: str
    at: datetime = Field(default_factory=utcnow)


class CallStat(SQLModel, table=True):
    """Calls that did not become requests, counted for reports only."""

    __table_args__ = (UniqueConstraint("day", "disposition", "source_file", name="uq_callstat"),)
    id: int | None = Field(default=None, primary_key=True)
    day: str  # YYYY-MM-DD
    disposition: str
    source_file: str
    calls: int = 0


# --- timestamps ------------------------------------------------------------------
# SQLite has no time zones and PostgreSQL's ``timestamp`` drops them. Store naive
# UTC everywhere and hand back aware UTC, so comparisons behave the same on both.
from sqlalchemy import DateTime, TypeDecorator  # noqa: E402


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


for _table in SQLModel.metadata.tables.values():
    for _col in _table.columns:
        if isinstance(_col.type, DateTime):
            _col.type = UTCDateTime()

import hub.models_callbacks  # noqa: E402, F401  (call-back tasks: hub/models_callbacks.py)
import hub.models_kb  # noqa: E402, F401  (knowledge base and canned replies: hub/models_kb.py)
import hub.models_push  # noqa: E402, F401  (the phone app: push subscriptions, offline action keys: hub/models_push.py)
import hub.models_visits  # noqa: E402, F401  (field and mayor's visits: hub/models_visits.py)
from hub import models_workspace  # noqa: E402, F401  (claims and presence: hub/models_workspace.py)
