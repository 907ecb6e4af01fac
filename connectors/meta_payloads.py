"""Turn Meta webhook payloads (WhatsApp Cloud API, Messenger, Instagram) into RawMessages.

Parsing is separate from HTTP: files are fetched through the ``MediaFetcher``
callbacks the source passes in, so this module only knows payload shapes.

Shape problems come in two sizes: the envelope itself (``PayloadShapeError``, the
whole body is quarantined) or a single message item (that item is quarantined,
its siblings still go through).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.base import Attachment, Location, Quarantined, RawMessage, Sender, ThreadHints

CHANNEL_BY_OBJECT = {"whatsapp_business_account": "whatsapp", "page": "facebook", "instagram": "instagram"}

# (media id) -> Attachment, or None with the reason written into metadata.
WhatsAppMedia = Callable[[str, str | None, str | None, dict[str, Any]], Awaitable[Attachment | None]]
# (url, filename) -> Attachment, or None with the reason written into metadata.
UrlMedia = Callable[[str, str, dict[str, Any]], Awaitable[Attachment | None]]

# Content the citizen meant for us but we cannot read as text: kept for a human.
_WA_QUARANTINE = {"audio", "voice", "video", "contacts", "unsupported"}
# Never a request: reactions, stickers, system notices, shop orders.
_WA_SKIP = {"reaction", "sticker", "system", "order", "ephemeral", "request_welcome"}


class PayloadShapeError(ValueError):
    """The body is JSON but not a webhook envelope we understand."""


@dataclass(slots=True)
class Parsed:
    messages: list[RawMessage] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    skipped: int = 0


def channel_for(payload: Any) -> str:
    if not isinstance(payload, dict):
        raise PayloadShapeError("payload is not a JSON object")
    channel = CHANNEL_BY_OBJECT.get(payload.get("object"))  # type: ignore[arg-type]
    if channel is None:
        raise PayloadShapeError(f"unknown webhook object {str(payload.get('object'))[:40]!r}")
    if not isinstance(payload.get("entry"), list):
        raise PayloadShapeError("webhook payload has no entry list")
    return channel


def _item_quarantine(channel: str, item: Any, error: str, **meta: Any) -> Quarantined:
    ext = None
    if isinstance(item, dict):
        ext = item.get("id") or (item.get("message") or {}).get("mid")
    return Quarantined(
        channel=channel,
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True).encode(),
        error=error[:300],
        external_id=str(ext) if ext else None,
        metadata={k: v for k, v in meta.items() if v is not None},
    )


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadShapeError(f"{what} is not a list")
    return value


def _ts(value: Any, *, millis: bool) -> datetime:
    try:
        seconds = float(value) / (1000 if millis else 1)
        return datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def guess_filename(stem: str, mime: str | None) -> str:
    ext = mimetypes.guess_extension((mime or "").split(";")[0].strip()) or ""
    return f"{stem}{'.jpg' if ext == '.jpe' else ext}"


# -- WhatsApp Cloud API ----------------------------------------------------------


async def parse_whatsapp(payload: dict[str, Any], fetch_media: WhatsAppMedia) -> Parsed:
    out = Parsed()
    for entry in _list(payload.get("entry"), "entry"):
        if not isinstance(entry, dict):
            raise PayloadShapeError("entry item is not an object")
        for change in _list(entry.get("changes"), "changes"):
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise PayloadShapeError("change has no value object")
            if change.get("field") != "messages":
                out.skipped += 1
                continue
            value = change["value"]
            phone_number_id = (value.get("metadata") or {}).get("phone_number_id")
            names = {
                str(c.get("wa_id")): (c.get("profile") or {}).get("name")
                for c in _list(value.get("contacts"), "contacts")
                if isinstance(c, dict)
            }
            # statuses[] (sent/delivered/read) and errors[] are about our own messages.
            for item in _list(value.get("messages"), "messages"):
                try:
                    msg = await _whatsapp_message(item, names, phone_number_id, fetch_media)
                except _Unsupported as exc:
                    out.quarantined.append(
                        _item_quarantine("whatsapp", item, str(exc), phone_number_id=phone_number_id)
                    )
                    continue
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    out.quarantined.append(
                        _item_quarantine(
                            "whatsapp", item, f"unparseable WhatsApp message: {type(exc).__name__}: {exc}"
                        )
                    )
                    continue
                if msg is None:
                    out.skipped += 1
                else:
                    out.messages.append(msg)
    return out


async def _whatsapp_message(
    item: Any, names: dict[str, Any], phone_number_id: str | None, fetch_media: WhatsAppMedia
) -> RawMessage | None:
    if not isinstance(item, dict):
        raise TypeError("message item is not an object")
    wamid = str(item["id"])
    wa_id = str(item["from"])
    if not wamid or not wa_id.isdigit():
        raise ValueError("message id or sender number missing")
    kind = str(item.get("type") or "")
    text = ""
    attachments: list[Attachment] = []
    location: Location | None = None
    metadata: dict[str, Any] = {"kind": kind}
    if kind == "text":
        text = str(item["text"]["body"])
    elif kind in ("image", "document"):
        media = item[kind]
        text = str(media.get("caption") or "")
        att = await fetch_media(str(media["id"]), media.get("mime_type"), media.get("filename"), metadata)
        if att is not None:
            attachments.append(att)
    elif kind == "location":
        loc = item["location"]
        location = Location(lat=float(loc["latitude"]), lon=float(loc["longitude"]))
        address = ", ".join(str(p) for p in (loc.get("name"), loc.get("address")) if p)
        location.address = address or None
    elif kind == "button":
        text = str(item["button"].get("text") or "")
    elif kind == "interactive":
        inter = item["interactive"]
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        text = str(reply.get("title") or "")
    elif kind in _WA_SKIP:
        return None
    else:
        raise _Unsupported(f"unsupported WhatsApp message type: {kind or 'missing'}")
    context = item.get("context")
    if isinstance(context, dict) and context.get("id"):
        metadata["context_id"] = context["id"]  # the message of ours they replied to
    if item.get("referral"):
        metadata["referral"] = item["referral"]
    return RawMessage(
        channel="whatsapp",
        external_id=wamid,
        text=text,
        received_at=_ts(item.get("timestamp"), millis=False),
        sender=Sender(name=names.get(wa_id), phone=f"+{wa_id}", external_id=wa_id),
        attachments=attachments,
        thread=ThreadHints(conversation_id=wa_id),
        location=location,
        reply_to={"wa_id": wa_id, "phone_number_id": phone_number_id, "message_id": wamid},
        metadata=metadata,
    )


# -- Messenger and Instagram --------------------------------------------------------


async def parse_messaging(payload: dict[str, Any], channel: str, fetch_url: UrlMedia) -> Parsed:
    """``object: page`` (Messenger) and ``object: instagram`` share the messaging shape."""
    out = Parsed()
    for entry in _list(payload.get("entry"), "entry"):
        if not isinstance(entry, dict):
            raise PayloadShapeError("entry item is not an object")
        # Instagram also sends entry[].changes (comments, mentions); those are not DMs.
        for event in _list(entry.get("messaging"), "messaging"):
            try:
                msg = await _messaging_event(event, channel, str(entry.get("id") or ""), fetch_url)
            except _Unsupported as exc:
                out.quarantined.append(_item_quarantine(channel, event, str(exc), page_id=entry.get("id")))
                continue
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                out.quarantined.append(
                    _item_quarantine(
                        channel, event, f"unparseable {channel} event: {type(exc).__name__}: {exc}"
                    )
                )
                continue
            if msg is None:
                out.skipped += 1
            else:
                out.messages.append(msg)
    return out


async def _messaging_event(event: Any, channel: str, page_id: str, fetch_url: UrlMedia) -> RawMessage | None:
    if not isinstance(event, dict):
        raise TypeError("messaging item is not an object")
    message = event.get("message")
    if not isinstance(message, dict):
        return None  # delivery/read receipts, postbacks, reactions, referrals
    if message.get("is_echo") or message.get("is_deleted"):
        return None  # our own sends echoed back; a message the user unsent
    sender_id = str(event["sender"]["id"])
    mid = str(message["mid"])
    if not sender_id or not mid:
        raise ValueError("sender id or message id missing")
    text = str(message.get("text") or "")
    attachments: list[Attachment] = []
    location: Location | None = None
    metadata: dict[str, Any] = {"page_id": str(event.get("recipient", {}).get("id") or page_id)}
    other_media: list[str] = []
    for n, att in enumerate(_list(message.get("attachments"), "attachments")):
        kind = str(att.get("type") or "")
        payload = att.get("payload") or {}
        if kind in ("image", "file") and payload.get("url"):
            got = await fetch_url(str(payload["url"]), f"{mid[-12:]}-{n}", metadata)
            if got is not None:
                attachments.append(got)
        elif kind == "location" and isinstance(payload.get("coordinates"), dict):
            coords = payload["coordinates"]
            location = Location(lat=float(coords["lat"]), lon=float(coords["long"]))
        elif payload.get("url"):
            other_media.append(f"{kind}:{payload['url']}")  # video, audio, story mentions, shares
    if other_media:
        metadata["other_media"] = other_media
    if not text and not attachments and location is None:
        if other_media:
            raise _Unsupported(f"{channel} message has only media we cannot read")
        if message.get("sticker_id"):
            return None
        raise ValueError("message has neither text nor attachments")
    reply = message.get("reply_to")
    if isinstance(reply, dict) and reply.get("mid"):
        metadata["context_id"] = reply["mid"]
    return RawMessage(
        channel=channel,
        external_id=mid,
        text=text,
        received_at=_ts(event.get("timestamp"), millis=True),
        sender=Sender(external_id=sender_id),
        attachments=attachments,
        thread=ThreadHints(conversation_id=sender_id),
        location=location,
        reply_to={"recipient_id": sender_id, "page_id": metadata["page_id"], "message_id": mid},
        metadata=metadata,
    )


class _Unsupported(Exception):
    pass
