"""Forwarding a request to a department by e-mail, and sending the hub's e-mail over SMTP
(through the e-mail connector's ``send_email``, with the outbox's error classes).

``smtp_config`` is the one place that turns the hub's ``HUB_SMTP_*`` settings into the
connector's ``SmtpConfig``: the e-mail channel's answers and the forwards/notices use it.

The forward e-mail carries the hub's Message-ID and a Reply-To pointing at the hub's
mailbox, so the department's answer comes back to the hub with ``In-Reply-To`` set
and the tracking code in the subject: both are threading clues for the intake.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from connectors.base import PermanentSendError
from connectors.email.smtp import SmtpConfig, SmtpSendError
from connectors.email.smtp import send_email as smtp_send_email
from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.redact import mask_email
from hub.delivery.request_fields import SUBJECT, department_emails, one_line, read_request
from hub.delivery.templating import render

if TYPE_CHECKING:
    from hub.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_FROM_NAME = "Kayseri Büyükşehir Belediyesi Talep Merkezi"


def smtp_config(st: Settings) -> SmtpConfig | None:
    """The hub's SMTP relay as the e-mail connector's config; None when ``HUB_SMTP_HOST`` is unset.

    ``HUB_SMTP_STARTTLS`` false means no STARTTLS at all (not "when offered"): a relay that
    offers STARTTLS with a certificate we cannot verify keeps working in plain mode.
    """
    if not st.smtp_host:
        return None
    return SmtpConfig(
        host=st.smtp_host,
        port=st.smtp_port,
        from_address=st.smtp_from,
        our_domain=st.mail_domain,
        username=st.smtp_username,
        password=st.smtp_password.get_secret_value() if st.smtp_password else None,
        starttls=False if st.smtp_tls else st.smtp_starttls,  # implicit TLS needs no upgrade
        ssl=st.smtp_tls,
        from_name=st.municipality_name,
        reply_to=st.smtp_reply_to,  # the hub's intake mailbox; forwards default to from_address
    )


def _address(display_name: str, addr_spec: str) -> Address:
    try:
        return Address(display_name=one_line(display_name, 200), addr_spec=addr_spec.strip())
    except (ValueError, IndexError) as exc:
        raise PermanentDeliveryError(f"invalid e-mail address {mask_email(addr_spec)!r}") from exc


def _message_id(value: str) -> str:
    value = value.strip()
    if not value or any(ch.isspace() for ch in value):
        raise ValueError("message_id must be a non-empty token without spaces")
    return value if value.startswith("<") else f"<{value}>"


def _split_type(content_type: str, filename: str) -> tuple[str, str]:
    ctype = (content_type or "").split(";")[0].strip().lower()
    if "/" not in ctype or ctype.count("/") != 1:
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    maintype, subtype = ctype.split("/", 1)
    return maintype or "application", subtype or "octet-stream"


def build_forward_email(
    request: dict[str, Any],
    department: dict[str, Any],
    *,
    settings: SmtpConfig,
    base_url: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    message_id: str,
) -> EmailMessage:
    """The Turkish forward e-mail (plain text + HTML alternative, attachments attached).

    ``attachments`` are ``(filename, content_type, data)``; beyond ``settings.max_attachment_bytes``
    in total they are listed by name instead of attached. Raises ``PermanentDeliveryError``
    when the department has no usable address (another attempt cannot fix that).
    """
    recipients = department_emails(department)
    if not recipients:
        raise PermanentDeliveryError(
            f"department {department.get('name') or department.get('id')!r} has no e-mail"
        )
    view = read_request(request)
    department_name = str(department.get("name") or "İlgili Birim")
    link = f"{base_url.rstrip('/')}/requests/{view.id}"

    attached: list[tuple[str, str, bytes]] = []
    omitted: list[str] = []
    budget = settings.max_attachment_bytes
    for filename, content_type, data in attachments:
        name = one_line(filename, 150) or "ek"
        if len(data) <= budget:
            attached.append((name, content_type, data))
            budget -= len(data)
        else:
            omitted.append(name)

    context = {
        "r": view,
        "department_name": department_name,
        "link": link,
        "attached": [a[0] for a in attached],
        "omitted": omitted,
        "from_name": settings.from_name,
    }
    msg = EmailMessage()
    msg["Subject"] = (
        f"[{view.tracking_code}] {SUBJECT.get(view.role or '', 'Yönlendirilen talep')}: "
        f"{one_line(view.subject or view.topic or 'Konusuz talep', 110)}"
    )
    msg["From"] = _address(settings.from_name, settings.from_address)
    msg["To"] = [_address(department_name, addr) for addr in recipients]
    msg["Reply-To"] = _address(settings.from_name, settings.reply_to or settings.from_address)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = _message_id(message_id)
    msg["X-Talep-Hub"] = "1"
    msg["X-Talep-Hub-Request"] = one_line(view.id, 100)
    msg["X-Talep-Hub-Tracking"] = one_line(view.tracking_code, 100)
    # Ask auto-responders (out-of-office) not to answer; human replies still work.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    msg.set_content(render("forward_email.txt.j2", **context), subtype="plain", charset="utf-8")
    msg.add_alternative(render("forward_email.html.j2", **context), subtype="html", charset="utf-8")
    for name, content_type, data in attached:
        maintype, subtype = _split_type(content_type, name)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _recipients_text(msg: EmailMessage) -> str:
    return ", ".join(mask_email(a.addr_spec) for a in getattr(msg["To"], "addresses", ()))


def _delivery_error(exc: SmtpSendError) -> DeliveryError:
    """The outbox's view of an SMTP failure: 5xx and configuration trouble are permanent,
    the rest (server down, 4xx) is retried on the worker's own schedule."""
    message = str(exc)
    if exc.kind in ("unreachable", "network"):
        return DeliveryError(message, retryable=True)
    if exc.kind == "protocol":
        # No reply code (e.g. STARTTLS or AUTH not offered): a configuration problem.
        return PermanentDeliveryError(message)
    if exc.kind == "recipients":
        if isinstance(exc, PermanentSendError):
            return PermanentDeliveryError(message, status=exc.code)
        return DeliveryError(message, retryable=True)
    # auth, sender, response: the reply code decides (535 bad credentials is permanent, 454 is not).
    if exc.code is not None and 500 <= exc.code < 600:
        return PermanentDeliveryError(message, status=exc.code)
    return DeliveryError(message, retryable=True, status=exc.code)


async def send_email(msg: EmailMessage, settings: SmtpConfig) -> None:
    """Send ``msg`` (recipients from To/Cc/Bcc, envelope sender ``settings.from_address``)
    through the e-mail connector's ``send_email``. Temporary failures raise a retryable
    ``DeliveryError``, permanent ones ``PermanentDeliveryError`` (with the SMTP code as ``status``)."""
    to = _recipients_text(msg)
    try:
        await smtp_send_email(msg, settings)
    except SmtpSendError as exc:
        log.warning("smtp send to %s via %s:%s failed: %s", to, settings.host, settings.port, exc)
        raise _delivery_error(exc) from exc
    except ValueError as exc:
        # aiosmtplib refuses unusable addresses or conflicting TLS options before sending.
        raise PermanentDeliveryError(f"e-mail cannot be sent: {one_line(str(exc), 200)}") from exc
    log.info("smtp sent %s to %s", msg.get("Message-ID"), to)


__all__ = ["DEFAULT_FROM_NAME", "build_forward_email", "send_email", "smtp_config"]
