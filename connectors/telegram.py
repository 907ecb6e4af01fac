"""Telegram bot channel (aiogram 3): long-polled intake and replies.

``fetch`` calls getUpdates with the stored offset. The checkpoint is the next
offset as a string; passing it to getUpdates also confirms (forgets) earlier
updates on Telegram's side, so the hub must store it only after ingesting, which
is the contract in ``connectors.base``.

Updates are fetched as raw dicts and validated one by one, so a single update
aiogram cannot parse goes to quarantine with its JSON instead of failing the
whole batch.
"""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import GetUpdates
from aiogram.types import Message, ReplyParameters, Update
from aiogram.utils.token import TokenValidationError
from pydantic import ValidationError

from connectors.base import (
    Attachment,
    ConnectorError,
    FetchResult,
    Location,
    OutboundMessage,
    PermanentSendError,
    Quarantined,
    RawMessage,
    Sender,
    SendResult,
    ThreadHints,
)

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TELEGRAM_TEXT_LIMIT = 4096
DEFAULT_MAX_PHOTO_BYTES = 10 * 1024 * 1024

# Content a citizen meant to send us but we cannot turn into text: kept for a human.
_QUARANTINE_KINDS = {"voice", "audio", "video", "video_note", "story", "paid_media", "live_photo"}
# Content that is never a request (chat noise, service messages): skipped and counted.
_SKIP_KINDS = {"sticker", "animation", "dice", "game", "poll"}


class _GetUpdatesRaw(GetUpdates):
    """getUpdates returning plain dicts, so each update is validated on its own."""

    __returning__ = list[dict[str, Any]]


class TelegramSource:
    """Polled source and reply sink for one Telegram bot."""

    name = "telegram"
    channel = CHANNEL

    def __init__(
        self,
        token: str,
        *,
        api_base: str | None = None,
        poll_timeout: int = 25,
        download_photos: bool = True,
        max_photo_bytes: int = DEFAULT_MAX_PHOTO_BYTES,
        limit: int = 100,
    ) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
        try:
            self._bot = Bot(token=token, session=session)
        except TokenValidationError as exc:
            raise ValueError("Telegram bot token is malformed (expected '<digits>:<secret>')") from exc
        self.poll_timeout = max(0, int(poll_timeout))
        self.download_photos = download_photos
        self.max_photo_bytes = max_photo_bytes
        self.limit = max(1, min(100, limit))
        # What was skipped, by reason: visible to the hub's status page without logging content.
        self.stats: Counter[str] = Counter()

    @classmethod
    def from_settings(
        cls,
        *,
        token: str | None = None,
        api_base: str | None = None,
        poll_timeout: int | str | None = None,
        download_photos: bool | str | None = None,
        max_photo_bytes: int | str | None = None,
        **_ignored: Any,
    ) -> TelegramSource | None:
        """Build from plain settings strings; ``None`` when no token is configured."""
        if not token or not token.strip():
            log.info("Telegram channel disabled: no bot token configured")
            return None
        kwargs: dict[str, Any] = {"api_base": api_base or None}
        if poll_timeout not in (None, ""):
            kwargs["poll_timeout"] = int(poll_timeout)
        if download_photos not in (None, ""):
            kwargs["download_photos"] = _as_bool(download_photos)
        if max_photo_bytes not in (None, ""):
            kwargs["max_photo_bytes"] = int(max_photo_bytes)
        return cls(token.strip(), **kwargs)

    async def close(self) -> None:
        await self._bot.session.close()

    async def __aenter__(self) -> TelegramSource:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- intake ----------------------------------------------------------------

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        offset = _parse_offset(checkpoint)
        method = _GetUpdatesRaw(
            offset=offset,
            limit=self.limit,
            timeout=self.poll_timeout,
            allowed_updates=["message", "edited_message"],
        )
        try:
            # The HTTP timeout must outlast the long poll itself.
            raw_updates = await self._bot(method, request_timeout=self.poll_timeout + 15)
        except TelegramRetryAfter as exc:
            raise ConnectorError("Telegram getUpdates rate limited", retry_after=exc.retry_after) from exc
        except AiogramError as exc:
            raise ConnectorError(f"Telegram getUpdates failed: {_describe(exc)}") from exc

        messages: list[RawMessage] = []
        quarantined: list[Quarantined] = []
        next_offset = offset
        for raw in raw_updates:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int):
                next_offset = max(next_offset or 0, update_id + 1)
            try:
                message = await self._convert(raw)
            except _Unsupported as exc:
                self.stats[f"quarantined_{exc.kind}"] += 1
                quarantined.append(self._quarantine(raw, str(exc)))
                continue
            except (ValidationError, TypeError, ValueError, KeyError) as exc:
                self.stats["quarantined_unparseable"] += 1
                quarantined.append(self._quarantine(raw, f"unparseable update: {type(exc).__name__}"))
                continue
            if message is not None:
                messages.append(message)
        new_checkpoint = str(next_offset) if next_offset is not None else checkpoint
        return FetchResult(messages=messages, checkpoint=new_checkpoint, quarantined=quarantined)

    def _quarantine(self, raw: Any, error: str) -> Quarantined:
        body = json.dumps(raw, ensure_ascii=False, sort_keys=True).encode()
        ext_id = None
        msg = raw.get("message") if isinstance(raw, dict) else None
        if isinstance(msg, dict) and isinstance(msg.get("chat"), dict):
            ext_id = f"{msg['chat'].get('id')}:{msg.get('message_id')}"
        meta = {"update_id": raw.get("update_id")} if isinstance(raw, dict) else {}
        return Quarantined(channel=CHANNEL, raw=body, error=error, external_id=ext_id, metadata=meta)

    async def _convert(self, raw: Any) -> RawMessage | None:
        if not isinstance(raw, dict):
            raise TypeError("update is not an object")
        update = Update.model_validate(raw, context={"bot": self._bot})
        if update.message is None:
            # Edits re-send a message we already hold; other kinds are not requests.
            kind = "edited_message" if update.edited_message else (update.event_type or "unknown")
            self.stats[f"skipped_{kind}"] += 1
            return None
        return await self._message_to_raw(update.message, update.update_id)

    async def _message_to_raw(self, msg: Message, update_id: int) -> RawMessage | None:
        user = msg.from_user
        if user is not None and user.is_bot:
            self.stats["skipped_bot_author"] += 1
            return None
        kind = _enum_value(msg.content_type)
        text = ""
        attachments: list[Attachment] = []
        location: Location | None = None
        metadata: dict[str, Any] = {
            "update_id": update_id,
            "chat_type": _enum_value(msg.chat.type),
            "kind": kind,
        }
        sender = Sender(
            name=_full_name(user.first_name, user.last_name) if user else msg.chat.full_name,
            telegram_id=str(user.id if user else msg.chat.id),
        )
        if user is not None and user.username:
            metadata["username"] = user.username
        if msg.media_group_id:
            metadata["media_group_id"] = msg.media_group_id

        if kind == "text":
            text = msg.text or ""
            if _is_bare_command(text):
                # "/start" and friends open the chat; they carry no request.
                self.stats["skipped_command"] += 1
                return None
        elif kind == "photo":
            text = msg.caption or ""
            largest = max(msg.photo or [], key=lambda p: (p.width * p.height, p.file_size or 0))
            att = await self._download(
                largest.file_id, largest.file_size, f"{largest.file_unique_id}.jpg", "image/jpeg", metadata
            )
            if att is not None:
                attachments.append(att)
        elif kind == "document" and msg.document is not None:
            doc = msg.document
            text = msg.caption or ""
            att = await self._download(
                doc.file_id,
                doc.file_size,
                doc.file_name or f"{doc.file_unique_id}",
                doc.mime_type or "application/octet-stream",
                metadata,
            )
            if att is not None:
                attachments.append(att)
        elif kind in ("location", "venue"):
            loc = msg.venue.location if msg.venue else msg.location
            location = Location(lat=loc.latitude, lon=loc.longitude)
            if msg.venue:
                location.address = ", ".join(p for p in (msg.venue.title, msg.venue.address) if p)
        elif kind == "contact" and msg.contact is not None:
            if user is None or msg.contact.user_id != user.id:
                raise _Unsupported("contact", "contact card of someone else")
            # The citizen shared their own number so we can call back.
            sender.phone = msg.contact.phone_number
        elif kind in _QUARANTINE_KINDS:
            raise _Unsupported(kind, f"unsupported Telegram content: {kind}")
        else:
            self.stats[f"skipped_{kind}" if kind in _SKIP_KINDS else "skipped_service"] += 1
            return None

        chat_id = msg.chat.id
        return RawMessage(
            channel=CHANNEL,
            external_id=f"{chat_id}:{msg.message_id}",
            text=text,
            received_at=_aware(msg.date),
            sender=sender,
            attachments=attachments,
            thread=ThreadHints(conversation_id=str(chat_id)),
            location=location,
            reply_to={"chat_id": chat_id, "message_id": msg.message_id},
            metadata=metadata,
        )

    async def _download(
        self, file_id: str, size: int | None, filename: str, content_type: str, metadata: dict[str, Any]
    ) -> Attachment | None:
        """Fetch a file; on a permanent problem keep the message and note why there is no file."""
        if not self.download_photos:
            metadata["attachment_skipped"] = "downloads disabled"
            metadata["file_id"] = file_id
            return None
        if size is not None and size > self.max_photo_bytes:
            metadata["attachment_skipped"] = f"file too large ({size} bytes)"
            metadata["file_id"] = file_id
            return None
        try:
            buf = await self._bot.download(file_id, destination=io.BytesIO())
        except (TelegramBadRequest, TelegramNotFound) as exc:
            # Expired or >20 MB files cannot be fetched by bots; retrying will not help.
            metadata["attachment_skipped"] = _describe(exc)
            metadata["file_id"] = file_id
            return None
        except aiohttp.ClientResponseError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                metadata["attachment_skipped"] = f"file download got HTTP {exc.status}"
                metadata["file_id"] = file_id
                return None
            raise ConnectorError(f"Telegram file download got HTTP {exc.status}") from exc
        except (AiogramError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ConnectorError(f"Telegram file download failed: {_describe(exc)}") from exc
        data = buf.getvalue() if buf is not None else b""
        if len(data) > self.max_photo_bytes:
            metadata["attachment_skipped"] = f"file too large ({len(data)} bytes)"
            return None
        return Attachment(filename=filename, content_type=content_type, data=data)

    # -- replies ---------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        chat_id = message.reply_to.get("chat_id")
        if chat_id in (None, ""):
            raise PermanentSendError("Telegram reply needs reply_to['chat_id']")
        reply_id = message.reply_to.get("message_id")
        first_id: int | None = None
        for i, chunk in enumerate(_split_text(message.text, TELEGRAM_TEXT_LIMIT)):
            params = None
            if reply_id and i == 0:
                # Quote the citizen's message, but still deliver if they deleted it.
                params = ReplyParameters(message_id=int(reply_id), allow_sending_without_reply=True)
            try:
                sent = await self._bot.send_message(chat_id=chat_id, text=chunk, reply_parameters=params)
            except TelegramRetryAfter as exc:
                raise ConnectorError("Telegram rate limited", retry_after=exc.retry_after) from exc
            except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as exc:
                raise PermanentSendError(f"Telegram refused the message: {_describe(exc)}") from exc
            except AiogramError as exc:
                raise ConnectorError(f"Telegram send failed: {_describe(exc)}") from exc
            if first_id is None:
                first_id = sent.message_id
        return SendResult(external_id=f"{chat_id}:{first_id}" if first_id is not None else None)


class _Unsupported(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _parse_offset(checkpoint: str | None) -> int | None:
    if checkpoint in (None, ""):
        return None
    try:
        return int(checkpoint)
    except ValueError:
        # Re-reading unconfirmed updates is safe: the intake is idempotent.
        log.warning("Ignoring malformed Telegram checkpoint %r", checkpoint[:40])
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TelegramAPIError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"[:200]


def _enum_value(value: Any) -> str:
    # aiogram's enums are str subclasses whose str() includes the class name.
    return str(getattr(value, "value", value))


def _full_name(first: str | None, last: str | None) -> str | None:
    name = " ".join(p for p in (first, last) if p)
    return name or None


def _is_bare_command(text: str) -> bool:
    parts = text.strip().split()
    return len(parts) <= 2 and bool(parts) and parts[0].startswith("/") and parts[0][1:2].isalpha()


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _as_bool(value: bool | str) -> bool:
    if isinstance(value, bool):
        return value
    return value.strip().lower() in ("1", "true", "yes", "on", "evet")


def _split_text(text: str, limit: int) -> list[str]:
    """Split on paragraph/line/word boundaries so no chunk exceeds ``limit``."""
    text = text.strip() or "."
    chunks: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    chunks.append(text)
    return chunks
