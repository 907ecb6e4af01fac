"""Meta webhooks: WhatsApp Cloud API, Facebook Messenger and Instagram DMs.

One webhook endpoint (all three products can point at it) plus replies through
the Graph API. ``routes`` gives the hub two aiohttp routes:

* ``GET  path``: Meta's subscription handshake (echo ``hub.challenge``).
* ``POST path``: events, accepted only with a valid ``X-Hub-Signature-256``
  (HMAC-SHA256 of the raw body with the app secret).

Answer codes are chosen for Meta's retry behaviour: anything that will never
parse is quarantined and answered 200 (a retry cannot help); a sink failure (the
database away) or a media download failure is answered 503 with Retry-After so
Meta delivers the event again, and the intake's (channel, external_id) idempotency
absorbs the repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web

from connectors.base import (
    Attachment,
    ConnectorError,
    MessageSink,
    OutboundMessage,
    PermanentSendError,
    Quarantined,
    QuarantineSink,
    SendResult,
)
from connectors.meta_payloads import (
    Parsed,
    PayloadShapeError,
    channel_for,
    guess_filename,
    parse_messaging,
    parse_whatsapp,
)
from connectors.meta_window import (
    HUMAN_AGENT_WINDOW,
    REENGAGEMENT_CODE,
    STANDARD_WINDOW,
    age_of,
    describe_age,
    whatsapp_template_body,
)

log = logging.getLogger(__name__)

CHANNELS = ("whatsapp", "facebook", "instagram")
# Graph error codes that mean "slow down", whatever the HTTP status says.
_THROTTLE_CODES = {4, 17, 32, 613, 80006, 80007, 130429, 131048, 131056}
_TEXT_LIMITS = {"whatsapp": 4096, "facebook": 2000, "instagram": 1000}
RETRY_AFTER_SECONDS = 30  # Meta spaces its own retries; this only tells a proxy or a person what we want


def _retry_later() -> web.Response:
    """Meta retries any 5xx; 503 + Retry-After says "temporarily unavailable", not "broken"."""
    return web.Response(status=503, text="Geçici hata, lütfen tekrar deneyin.",
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})  # fmt: skip


class MetaWebhookSource:
    """Webhook source and reply sink for WhatsApp, Messenger and Instagram.

    ``channel`` is "meta"; the messages it produces carry "whatsapp", "facebook"
    or "instagram", and ``send`` accepts any of ``channels``.
    """

    name = "meta"
    channel = "meta"
    channels = CHANNELS

    def __init__(
        self,
        app_secret: str,
        verify_token: str,
        *,
        graph_base: str = "https://graph.facebook.com",
        graph_version: str = "v21.0",
        whatsapp_phone_number_id: str | None = None,
        whatsapp_token: str | None = None,
        page_token: str | None = None,
        instagram_token: str | None = None,
        path: str = "/webhooks/meta",
        max_media_bytes: int = 10 * 1024 * 1024,
        timeout: float = 20.0,
        whatsapp_template_name: str | None = None,
        whatsapp_template_language: str = "tr",
        human_agent_tag: bool = False,
    ) -> None:
        if not app_secret or not verify_token:
            raise ValueError("Meta webhooks need both an app secret and a verify token")
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token.encode()
        self.graph_base = graph_base.rstrip("/")
        self.graph_version = graph_version.strip("/")
        self.whatsapp_phone_number_id = whatsapp_phone_number_id or None
        self._tokens = {
            "whatsapp": whatsapp_token or None,
            "facebook": page_token or None,
            # Instagram DMs can be sent with the linked Page's token too.
            "instagram": instagram_token or page_token or None,
        }
        # Outside WhatsApp's 24-hour window answers go out as this approved template.
        self.whatsapp_template_name = whatsapp_template_name or None
        self.whatsapp_template_language = whatsapp_template_language or "tr"
        # Messenger/Instagram answers 24 h - 7 days late go out with the HUMAN_AGENT tag.
        self.human_agent_tag = bool(human_agent_tag)
        self.path = path
        self.max_media_bytes = max_media_bytes
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, **settings: Any) -> MetaWebhookSource | None:
        """Build from plain settings strings; ``None`` when the app secret or verify token is missing."""
        secret, verify = settings.get("app_secret"), settings.get("verify_token")
        if not secret or not verify:
            log.info("Meta channels disabled: app secret or verify token not configured")
            return None
        keys = (
            "graph_base",
            "graph_version",
            "whatsapp_phone_number_id",
            "whatsapp_token",
            "page_token",
            "instagram_token",
            "path",
            "whatsapp_template_name",
            "whatsapp_template_language",
        )
        kwargs = {k: settings[k] for k in keys if settings.get(k)}
        if settings.get("max_media_bytes") not in (None, ""):
            kwargs["max_media_bytes"] = int(settings["max_media_bytes"])
        tag = settings.get("human_agent_tag")
        if tag not in (None, ""):
            kwargs["human_agent_tag"] = (
                tag if isinstance(tag, bool) else str(tag).strip().lower() in ("1", "true", "yes", "on")
            )
        return cls(secret, verify, **kwargs)

    def can_send(self, channel: str) -> bool:
        if channel == "whatsapp":
            return bool(self._tokens["whatsapp"])
        return bool(self._tokens.get(channel))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    # -- webhook ---------------------------------------------------------------

    def routes(self, sink: MessageSink, quarantine: QuarantineSink) -> list[web.RouteDef]:
        async def verify(request: web.Request) -> web.Response:
            return self._handshake(request)

        async def receive(request: web.Request) -> web.Response:
            return await self._receive(request, sink, quarantine)

        return [web.get(self.path, verify), web.post(self.path, receive)]

    def _handshake(self, request: web.Request) -> web.Response:
        q = request.query
        token = q.get("hub.verify_token", "").encode()
        challenge = q.get("hub.challenge", "")
        if q.get("hub.mode") == "subscribe" and challenge and hmac.compare_digest(token, self._verify_token):
            return web.Response(text=challenge, content_type="text/plain")
        log.warning("Meta webhook verification refused (mode=%r)", q.get("hub.mode"))
        return web.Response(status=403, text="Doğrulama başarısız.")

    def signature_ok(self, body: bytes, header: str | None) -> bool:
        if not header or not header.startswith("sha256="):
            return False
        expected = hmac.new(self._app_secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())

    async def _receive(
        self, request: web.Request, sink: MessageSink, quarantine: QuarantineSink
    ) -> web.Response:
        body = await request.read()  # over the server's client_max_size: aiohttp answers 413
        if not self.signature_ok(body, request.headers.get("X-Hub-Signature-256")):
            log.warning("Meta webhook with missing or bad signature refused (%d bytes)", len(body))
            return web.Response(status=401, text="İmza geçersiz.")

        try:
            parsed = await self.parse(body)
        except ConnectorError as exc:
            # A media download failed for a reason that may pass: let Meta retry the event.
            log.warning("Meta webhook deferred: %s", exc)
            return _retry_later()
        try:
            for item in parsed.quarantined:
                await quarantine(item)
            for msg in parsed.messages:
                await sink(msg)
        except Exception as exc:  # the hub's sink failed (database away?); Meta must deliver again
            log.error("Meta webhook ingest failed: %s", type(exc).__name__)
            return _retry_later()
        return web.Response(text="EVENT_RECEIVED")

    async def parse(self, body: bytes) -> Parsed:
        """Parse a (signature-checked) body; unparseable input comes back as quarantined.

        Raises ``ConnectorError`` only for transient media download failures.
        """
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Parsed(
                quarantined=[Quarantined(channel="meta", raw=body, error="webhook body is not JSON")]
            )
        try:
            channel = channel_for(payload)
            if channel == "whatsapp":
                return await parse_whatsapp(payload, self._whatsapp_media)
            return await parse_messaging(payload, channel, self._url_media)
        except PayloadShapeError as exc:
            obj = payload.get("object") if isinstance(payload, dict) else None
            return Parsed(
                quarantined=[
                    Quarantined(
                        channel="meta",
                        raw=body,
                        error=f"unexpected webhook shape: {exc}",
                        metadata={"object": obj} if isinstance(obj, str) else {},
                    )
                ]
            )

    # -- media -----------------------------------------------------------------

    async def _whatsapp_media(
        self, media_id: str, mime: str | None, filename: str | None, metadata: dict[str, Any]
    ) -> Attachment | None:
        token = self._tokens["whatsapp"]
        if not token:
            metadata["attachment_skipped"] = "no WhatsApp token to download media"
            metadata["media_id"] = media_id
            return None
        headers = {"Authorization": f"Bearer {token}"}
        info_url = f"{self.graph_base}/{self.graph_version}/{media_id}"
        info = await self._get(info_url, headers, metadata, want_json=True)
        if not isinstance(info, dict) or not info.get("url"):
            metadata.setdefault("attachment_skipped", "media info has no url")
            metadata["media_id"] = media_id
            return None
        size = info.get("file_size")
        if isinstance(size, int) and size > self.max_media_bytes:
            metadata["attachment_skipped"] = f"file too large ({size} bytes)"
            metadata["media_id"] = media_id
            return None
        data = await self._get(str(info["url"]), headers, metadata, want_json=False)
        if not isinstance(data, bytes):
            metadata["media_id"] = media_id
            return None
        mime = mime or info.get("mime_type") or "application/octet-stream"
        return Attachment(filename=filename or guess_filename(media_id, mime), content_type=mime, data=data)

    async def _url_media(self, url: str, stem: str, metadata: dict[str, Any]) -> Attachment | None:
        # Messenger/Instagram attachment URLs are pre-signed CDN links: no token needed.
        got = await self._get(url, {}, metadata, want_json=False, with_type=True)
        if not isinstance(got, tuple):
            metadata.setdefault("attachment_urls", []).append(url)
            return None
        data, mime = got
        return Attachment(filename=guess_filename(stem, mime), content_type=mime, data=data)

    async def _get(
        self,
        url: str,
        headers: dict[str, str],
        metadata: dict[str, Any],
        *,
        want_json: bool,
        with_type: bool = False,
    ) -> Any:
        """GET with size cap. Permanent failures return None (reason in metadata); transient ones raise."""
        try:
            async with self._http().get(url, headers=headers) as resp:
                if resp.status == 429 or resp.status >= 500:
                    raise ConnectorError(f"media download got HTTP {resp.status}")
                if resp.status >= 400:
                    metadata["attachment_skipped"] = f"media download got HTTP {resp.status}"
                    return None
                if want_json:
                    return await resp.json(content_type=None)
                data = await resp.content.read(self.max_media_bytes + 1)
                if len(data) > self.max_media_bytes:
                    metadata["attachment_skipped"] = "file too large"
                    return None
                mime = resp.headers.get("Content-Type", "application/octet-stream").split(";")[0]
                return (data, mime) if with_type else data
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectorError(f"media download failed: {type(exc).__name__}") from exc
        except ValueError:
            metadata["attachment_skipped"] = "media info is not JSON"
            return None

    # -- replies ---------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> SendResult:
        channel = message.channel
        if channel not in CHANNELS:
            raise PermanentSendError(f"Meta connector cannot send on channel {channel!r}")
        token = self._tokens[channel]
        if not token:
            raise PermanentSendError(f"no access token configured for {channel} replies")
        if channel == "whatsapp":
            return await self._send_whatsapp(message, token)
        return await self._send_messaging(message, token)

    async def _send_whatsapp(self, message: OutboundMessage, token: str) -> SendResult:
        to = message.reply_to.get("wa_id")
        number_id = message.reply_to.get("phone_number_id") or self.whatsapp_phone_number_id
        if not to or not number_id:
            raise PermanentSendError("WhatsApp reply needs reply_to['wa_id'] and a phone number id")
        url = f"{self.graph_base}/{self.graph_version}/{number_id}/messages"
        age = age_of(message.last_inbound_at)
        if age is not None and age > STANDARD_WINDOW:
            # Free-form text would be refused (131047): only an approved template may go out.
            return await self._send_template(url, token, str(to), message, age)
        chunks = _split(message.text, _TEXT_LIMITS["whatsapp"])
        first_id: str | None = None
        for i, chunk in enumerate(chunks):
            body = {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": str(to),
                "type": "text",
                "text": {"preview_url": False, "body": chunk},
            }
            try:
                result = await self._post(url, token, body)
            except GraphSendError as exc:
                if exc.code != REENGAGEMENT_CODE:
                    raise
                # Graph says the window is closed (our clock or last_inbound_at disagreed):
                # what has not gone out yet goes once as the template, not the parts sent again.
                sent = await self._send_template(url, token, str(to), message, age, refused=exc,
                                                 text=" ".join(chunks[i:]))  # fmt: skip
                return SendResult(external_id=first_id or sent.external_id)
            first_id = first_id or _sent_id(result)
        return SendResult(external_id=first_id)

    async def _send_template(
        self,
        url: str,
        token: str,
        to: str,
        message: OutboundMessage,
        age: timedelta | None,
        refused: GraphSendError | None = None,
        text: str | None = None,
    ) -> SendResult:
        if not self.whatsapp_template_name:
            why = (
                f"Graph refused free-form text ({refused})"
                if refused is not None
                else f"the citizen last wrote {describe_age(age)} ago"
            )
            raise PermanentSendError(
                "WhatsApp answer is outside the 24-hour customer service window and no message "
                f"template is configured: {why}. Set HUB_WHATSAPP_TEMPLATE_NAME (and "
                "HUB_WHATSAPP_TEMPLATE_LANGUAGE) to a template approved by Meta; see "
                "docs/channel-social.md."
            )
        body = whatsapp_template_body(
            to,
            self.whatsapp_template_name,
            self.whatsapp_template_language,
            message.tracking_code,
            message.text if text is None else text,
        )
        result = await self._post(url, token, body)
        return SendResult(external_id=_sent_id(result))

    async def _send_messaging(self, message: OutboundMessage, token: str) -> SendResult:
        channel = message.channel
        recipient = message.reply_to.get("recipient_id")
        if not recipient:
            raise PermanentSendError(f"{channel} reply needs reply_to['recipient_id']")
        age = age_of(message.last_inbound_at)
        kind: dict[str, str] = {"messaging_type": "RESPONSE"}
        if age is not None and age > STANDARD_WINDOW:
            if age > HUMAN_AGENT_WINDOW:
                raise PermanentSendError(
                    f"{channel} answer is more than 7 days after the citizen's last message "
                    f"({describe_age(age)} ago): Meta allows no message any more; answer on "
                    "another channel or wait until the citizen writes again."
                )
            if not self.human_agent_tag:
                raise PermanentSendError(
                    f"{channel} answer is outside the 24-hour window (the citizen last wrote "
                    f"{describe_age(age)} ago); set HUB_META_HUMAN_AGENT_TAG=true to send answers "
                    "up to 7 days late with the HUMAN_AGENT tag (needs Meta's Human Agent permission)."
                )
            kind = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        url = f"{self.graph_base}/{self.graph_version}/me/messages"
        first_id: str | None = None
        for chunk in _split(message.text, _TEXT_LIMITS[channel]):
            body = {"recipient": {"id": str(recipient)}, **kind, "message": {"text": chunk}}
            result = await self._post(url, token, body)
            first_id = first_id or _sent_id(result)
        return SendResult(external_id=first_id)

    async def _post(self, url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._http().post(url, json=body, headers=headers) as resp:
                try:
                    data = await resp.json(content_type=None)
                except ValueError:
                    data = {}
                status = resp.status
                retry_after = _retry_after(resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ConnectorError(f"Graph API unreachable: {type(exc).__name__}") from exc
        if 200 <= status < 300:
            return data if isinstance(data, dict) else {}
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        detail = f"Graph API HTTP {status} code {code}: {str(error.get('message') or '')[:160]}"
        if status == 429 or status >= 500 or code in _THROTTLE_CODES:
            raise ConnectorError(detail, retry_after=retry_after)
        raise GraphSendError(detail, code=code)


class GraphSendError(PermanentSendError):
    """A send Graph refused for good; ``code`` is Graph's error code (e.g. 131047)."""

    def __init__(self, message: str, code: Any = None) -> None:
        super().__init__(message)
        self.code = code


def _sent_id(result: dict[str, Any]) -> str | None:
    if result.get("message_id"):
        return str(result["message_id"])
    messages = result.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return str(messages[0].get("id")) if messages[0].get("id") else None
    return None


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _split(text: str, limit: int) -> list[str]:
    """Split at line/word boundaries so each piece fits the channel's limit."""
    text = text.strip() or "."
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts
