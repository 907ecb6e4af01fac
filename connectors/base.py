"""The one small contract between channels and the hub.

A connector turns what arrives on its channel into ``RawMessage`` objects and,
where the channel can answer, sends ``OutboundMessage`` objects back. It knows
nothing of routing or storage (modelled on Ushahidi's data sources):

* polled sources implement ``fetch(checkpoint)``;
* webhook sources implement ``routes(sink)``;
* sources that can answer implement ``send(message)``.

The hub owns checkpoints: it ingests what ``fetch`` returned and only then stores
the new checkpoint, so a crash in between repeats messages, which the intake's
idempotency key (channel, external_id) then absorbs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes = b""
    size: int | None = None

    def __post_init__(self) -> None:
        if self.size is None:
            self.size = len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(slots=True)
class Sender:
    """Who sent a message, as far as the channel knows."""

    name: str | None = None
    phone: str | None = None  # any form; the hub normalises to E.164
    email: str | None = None
    telegram_id: str | None = None
    x_handle: str | None = None
    external_id: str | None = None  # channel-specific user id (WhatsApp wa_id, Meta PSID, X user id)
    kind: str = "citizen"  # citizen | muhtar | institution | department


@dataclass(slots=True)
class Location:
    """A location the channel already knows (a form field, a muhtar's mahalle, GPS).

    Known location beats text extraction in the classifier.
    """

    il: str | None = None
    ilce: str | None = None
    mahalle: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True)
class ThreadHints:
    """Clues that tie a message to an existing request."""

    in_reply_to: str | None = None  # e-mail Message-ID this replies to
    references: list[str] = field(default_factory=list)
    conversation_id: str | None = None  # chat id / DM thread: follow-ups while a request is open
    tracking_code: str | None = None  # e.g. KAY-2026-000123 when the channel carries one explicitly


@dataclass(slots=True)
class RawMessage:
    channel: str  # email | webform | telegram | x | whatsapp | facebook | instagram | phone | cimer | mbs | api
    external_id: str  # unique within the channel; the idempotency key
    text: str
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    sender: Sender = field(default_factory=Sender)
    attachments: list[Attachment] = field(default_factory=list)
    thread: ThreadHints = field(default_factory=ThreadHints)
    location: Location | None = None
    request_type: str | None = None  # istek | sikayet | ihbar | gorus_oneri | bilgi_edinme | tesekkur
    reply_to: dict[str, Any] = field(default_factory=dict)  # what ``send`` needs to answer on this channel
    metadata: dict[str, Any] = field(default_factory=dict)  # channel specifics kept on the message


@dataclass(slots=True)
class OutboundMessage:
    channel: str
    text: str
    reply_to: dict[str, Any]  # copied from the RawMessage that opened the thread
    idempotency_key: str
    subject: str | None = None
    tracking_code: str | None = None
    in_reply_to: str | None = None  # e-mail threading
    references: list[str] = field(default_factory=list)
    message_id: str | None = None  # e-mail Message-ID chosen by the hub
    attachments: list[Attachment] = field(default_factory=list)
    # When the citizen last wrote in this conversation on this channel (None: unknown).
    # Meta's channels allow free-form answers only for a while after it.
    last_inbound_at: datetime | None = None


@dataclass(slots=True)
class SendResult:
    external_id: str | None = None  # id the channel gave the sent message


@dataclass(slots=True)
class FetchResult:
    messages: list[RawMessage]
    checkpoint: str | None  # store after the messages are ingested
    quarantined: list[Quarantined] = field(default_factory=list)
    backlog: int | None = None  # how much is still waiting on the channel, if known


@dataclass(slots=True)
class Quarantined:
    """Input that could not be parsed. Kept with raw bytes, never dropped."""

    channel: str
    raw: bytes
    error: str
    external_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class ConnectorError(Exception):
    """A channel failed (network, auth, rate limit). The runner backs off and retries."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(ConnectorError):
    """Sending can never succeed (bad recipient, channel disabled); do not retry."""


# The hub hands webhook connectors a sink; calling it ingests one message.
MessageSink = Callable[[RawMessage], Awaitable[Any]]
QuarantineSink = Callable[[Quarantined], Awaitable[Any]]


@runtime_checkable
class PolledSource(Protocol):
    name: str
    channel: str

    async def fetch(self, checkpoint: str | None) -> FetchResult: ...


@runtime_checkable
class WebhookSource(Protocol):
    name: str
    channel: str

    def routes(self, sink: MessageSink, quarantine: QuarantineSink) -> list[Any]:
        """aiohttp ``RouteDef``s, mounted by the hub under its own server."""
        ...


@runtime_checkable
class ReplySink(Protocol):
    name: str
    channel: str

    async def send(self, message: OutboundMessage) -> SendResult: ...
