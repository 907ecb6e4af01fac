"""A generic HTTP SMS gateway client, configured by a body template.

Turkish gateways (NetGSM, İleti Merkezi, Mutlucell, ...) each want a different body
(JSON, form, XML), so the body is a template. Placeholders, in either syntax:

* Jinja2 (default): ``{"to": "{{ phone }}", "msg": "{{ text }}"}``
* ``str.format`` (``template_syntax="format"``): ``usercode={username}&gsmno={phone_national}&message={text}``

Available values: phone (E.164, "+905321234567"), phone_digits ("905321234567"),
phone_national ("5321234567"), phone_national0 ("05321234567"), text, sender_id,
username, password, idempotency_key. Every value is escaped for the body's content
type before it is inserted (JSON string escaping, XML escaping, URL encoding for form
bodies and for the URL), so templates put placeholders inside quotes and never add
their own escaping. The URL is a template too (for GET gateways).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote_plus, urlsplit
from xml.sax.saxutils import escape as xml_escape

import aiohttp
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.http_status import error_for_status
from hub.delivery.redact import mask_phone, safe_url, scrub

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@dataclass
class SmsGatewaySettings:
    url: str
    body_template: str
    method: str = "POST"
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender_id: str | None = None  # "mesaj başlığı" registered with the operator
    success_regex: str | None = None  # the body must match, as some gateways say "200 OK" with an error code
    timeout: float = 10.0
    template_syntax: Literal["jinja", "format"] = "jinja"
    # Group 1 (or the group named "id") of the first match is returned as the gateway message id.
    message_id_regex: str | None = None
    # A body that fails success_regex but matches this is a temporary failure (e.g. "system busy" codes).
    retryable_regex: str | None = None


def _escaper(content_type: str) -> Callable[[str], str]:
    ctype = content_type.lower()
    if "json" in ctype:
        return lambda v: json.dumps(v, ensure_ascii=False)[1:-1]
    if "xml" in ctype:
        return lambda v: xml_escape(v, {'"': "&quot;", "'": "&apos;"})
    if "x-www-form-urlencoded" in ctype:
        return lambda v: quote_plus(v, safe="", encoding="utf-8")
    return lambda v: v


def _url_escape(value: str) -> str:
    return quote_plus(value, safe="", encoding="utf-8")


_env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)


class SmsGateway:
    def __init__(self, settings: SmsGatewaySettings, session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self._session = session
        self._success = re.compile(settings.success_regex, re.S) if settings.success_regex else None
        self._retryable = re.compile(settings.retryable_regex, re.S) if settings.retryable_regex else None
        self._message_id = re.compile(settings.message_id_regex, re.S) if settings.message_id_regex else None
        if settings.template_syntax == "jinja":
            # Compile now so a broken template is found at start-up, not at the first SMS.
            self._body_tpl = _env.from_string(settings.body_template)
            self._url_tpl = _env.from_string(settings.url)
        elif settings.template_syntax != "format":
            raise ValueError("template_syntax must be 'jinja' or 'format'")
        if urlsplit(settings.url).scheme not in ("http", "https"):
            raise ValueError("SMS gateway URL must be http(s)")

    @staticmethod
    def phone_values(phone_e164: str) -> dict[str, str]:
        digits = phone_e164[1:]
        national = digits[2:] if digits.startswith("90") else digits
        return {
            "phone": phone_e164,
            "phone_digits": digits,
            "phone_national": national,
            "phone_national0": "0" + national if digits.startswith("90") else national,
        }

    def _render(self, template_kind: Literal["body", "url"], values: dict[str, str]) -> str:
        escape = _escaper(self.settings.content_type) if template_kind == "body" else _url_escape
        escaped = {k: escape(v) for k, v in values.items()}
        try:
            if self.settings.template_syntax == "format":
                source = self.settings.body_template if template_kind == "body" else self.settings.url
                return source.format(**escaped)
            tpl = self._body_tpl if template_kind == "body" else self._url_tpl
            return tpl.render(**escaped)
        except (KeyError, IndexError, ValueError, TemplateError) as exc:
            # The message names the template problem only; values (password, phone) never appear.
            raise PermanentDeliveryError(
                f"SMS gateway {template_kind} template is invalid: {type(exc).__name__}"
            ) from None

    def _secrets(self, values: dict[str, str]) -> tuple[str | None, ...]:
        return (
            self.settings.password,
            _url_escape(self.settings.password or ""),
            values["phone"],
            values["phone_digits"],
            values["phone_national"],
        )

    async def send(self, phone_e164: str, text: str, *, idempotency_key: str) -> str:
        """Send one SMS; return the gateway's message id (or its trimmed response body)."""
        phone_e164 = (phone_e164 or "").strip()
        if not E164.match(phone_e164):
            raise PermanentDeliveryError(f"phone number is not E.164: {mask_phone(phone_e164)}")
        if not text or not text.strip():
            raise PermanentDeliveryError("SMS text is empty")
        s = self.settings
        values = {
            **self.phone_values(phone_e164),
            "text": text,
            "sender_id": s.sender_id or "",
            "username": s.username or "",
            "password": s.password or "",
            "idempotency_key": idempotency_key,
        }
        body = self._render("body", values)
        url = self._render("url", values)
        secrets = self._secrets(values)
        where = safe_url(url)
        masked = mask_phone(phone_e164)
        headers = {"Content-Type": s.content_type, "Idempotency-Key": idempotency_key, **s.headers}
        method = s.method.upper()
        own_session = self._session is None
        session = self._session or aiohttp.ClientSession()
        try:
            async with session.request(
                method,
                url,
                data=body.encode("utf-8") if method not in ("GET", "HEAD") else None,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=s.timeout),
                allow_redirects=False,
            ) as response:
                status = response.status
                raw = (await response.content.read(8192)).decode("utf-8", "replace")
        except TimeoutError as exc:
            log.warning("sms to %s via %s timed out key=%s", masked, where, idempotency_key)
            raise DeliveryError(f"SMS gateway {where} timed out after {s.timeout}s", retryable=True) from exc
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("sms to %s via %s failed: %s", masked, where, type(exc).__name__)
            raise DeliveryError(
                f"SMS gateway {where} unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        finally:
            if own_session:
                await session.close()

        detail = scrub(raw, *secrets)
        if not 200 <= status < 300:
            error = error_for_status(status, response.headers, f"SMS gateway {where}", detail)
            log.warning("sms to %s failed: %s", masked, error)
            raise error
        if self._success and not self._success.search(raw):
            retryable = bool(self._retryable and self._retryable.search(raw))
            log.warning("sms to %s not accepted by gateway (retryable=%s): %s", masked, retryable, detail)
            message = f"SMS gateway {where} did not confirm the message: {detail}"
            if retryable:
                raise DeliveryError(message, retryable=True, status=status)
            raise PermanentDeliveryError(message, status=status)
        gateway_id = raw.strip()
        if self._message_id and (m := self._message_id.search(raw)):
            gateway_id = (m.groupdict().get("id") or (m.group(1) if m.groups() else m.group(0))).strip()
        log.info(
            "sms sent to %s via %s id=%s key=%s",
            masked,
            where,
            scrub(gateway_id, *secrets, limit=80),
            idempotency_key,
        )
        return gateway_id[:500]
