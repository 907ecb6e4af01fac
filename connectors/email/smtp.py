"""Outgoing e-mail: answers to citizens and (via ``build_email``/``send_email``) department forwards.

Every message we send carries ``X-Talep-Hub: 1`` and ``Auto-Submitted`` so that
our own mail, bounced or echoed back into the inbox, is recognised and ignored
instead of opening a new request (see ``ignore.ignore_reason``).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses

import aiosmtplib

from connectors.base import Attachment, ConnectorError, OutboundMessage, PermanentSendError, SendResult
from connectors.email.mime import normalise_message_id
from connectors.tracking import find_code

log = logging.getLogger(__name__)

CHANNEL = "email"
MAX_REFERENCES = 20
DEFAULT_SUBJECT = "Başvurunuz hakkında"
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|ynt|yanıt|cvp|cevap|aw|sv|fwd?|[iİı]lt)\s*(?:\[\d+\])?\s*:\s*)+", re.I
)
_ADDRESS_OK = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]{2,}$")


@dataclass(slots=True)
class SmtpConfig:
    host: str
    from_address: str
    our_domain: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool | None = None  # None: use STARTTLS when the server offers it
    ssl: bool = False  # implicit TLS (port 465)
    verify_tls: bool = True
    ca_file: str | None = None  # a private CA to trust
    from_name: str = "Kayseri Büyükşehir Belediyesi"
    reply_to: str | None = None
    envelope_from: str | None = None  # bounce address; defaults to from_address
    timeout: float = 30.0
    # Attachments beyond this total are left out by builders that can list them by name
    # instead (the hub's forward e-mail); most mail servers reject 20-25 MB after base64.
    max_attachment_bytes: int = 15 * 1024 * 1024
    name: str = "email"


def mask_address(address: str | None) -> str:
    """``a***@example.com``: enough to trace a delivery in the log without the full address."""
    if not address or "@" not in address:
        return "***"
    local, domain = address.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


def valid_address(address: str | None) -> bool:
    return bool(address) and "\n" not in address and "\r" not in address and bool(_ADDRESS_OK.match(address))


def reply_subject(original: str | None, tracking_code: str | None = None) -> str:
    """``Re: <original subject> [KAY-2026-000123]`` without stacking ``Re: Re:`` or the code twice."""
    base = _REPLY_PREFIX.sub("", " ".join((original or "").split())).strip() or DEFAULT_SUBJECT
    subject = f"Re: {base}"
    if tracking_code and tracking_code not in subject:
        subject = f"{subject} [{tracking_code}]"
    return subject


def new_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def build_email(
    *,
    to: str | Sequence[str],
    subject: str,
    text: str,
    from_address: str,
    our_domain: str,
    from_name: str | None = None,
    reply_to: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
    tracking_code: str | None = None,
    attachments: Iterable[Attachment] = (),
    cc: Sequence[str] = (),
    auto_submitted: str = "auto-replied",
) -> EmailMessage:
    """A UTF-8 e-mail marked as ours, with threading headers.

    Raises ``PermanentSendError`` for an unusable recipient, which no retry can fix.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise PermanentSendError("no e-mail recipient")
    for address in [*recipients, *cc]:
        if not valid_address(address):
            raise PermanentSendError(f"invalid e-mail address {mask_address(address)}")
    msg = EmailMessage()
    msg["From"] = formataddr((from_name or "", from_address))
    msg["To"] = ", ".join(recipients)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = " ".join(subject.split())
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = normalise_message_id(message_id) or new_message_id(our_domain)
    parent = normalise_message_id(in_reply_to)
    refs = [r for r in (normalise_message_id(x) for x in references) if r]
    if parent:
        msg["In-Reply-To"] = parent
        if parent not in refs:
            refs.append(parent)
    if refs:
        # RFC 5322: keep the first (thread root) and the most recent ones.
        if len(refs) > MAX_REFERENCES:
            refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
        msg["References"] = " ".join(refs)
    if tracking_code:
        msg["X-Talep-Tracking-Code"] = tracking_code
    msg["X-Talep-Hub"] = "1"
    msg["Auto-Submitted"] = auto_submitted
    # Ask Exchange/Outlook not to send out-of-office answers to us.
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    for attachment in attachments:
        maintype, _, subtype = (attachment.content_type or "application/octet-stream").partition("/")
        msg.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return msg


class SmtpSendError(ConnectorError):
    """An SMTP send failed; retry later. ``kind`` says what failed, ``code`` is the server's reply code.

    Kinds: ``recipients`` (every RCPT refused; ``code`` is the highest), ``auth``, ``sender``
    (MAIL FROM refused), ``unreachable`` (connect, timeout, disconnect), ``response`` (any
    other reply, e.g. 451/550 on DATA), ``protocol`` (no reply code: STARTTLS or AUTH not
    offered and the like), ``network`` (other socket failure). Callers with their own retry
    policy (the hub's outbox) decide from ``kind`` and ``code``.
    """

    def __init__(self, message: str, *, kind: str, code: int | None = None, retry_after: float | None = None):
        super().__init__(message, retry_after=retry_after)
        self.kind = kind
        self.code = code


class SmtpRejectedError(PermanentSendError, SmtpSendError):
    """The server refused for good (5xx for every recipient or for the message); do not retry."""


async def send_email(msg: EmailMessage, cfg: SmtpConfig) -> str:
    """Send ``msg`` through the configured SMTP server; returns its Message-ID.

    The one SMTP sender: citizen answers (``SmtpSender``) and the hub's department
    forwards and notices (``hub.delivery.forward_email.send_email``) both go through it.
    Envelope: ``cfg.envelope_from`` (default ``from_address``) to the To/Cc/Bcc addresses.
    A message without a Message-ID gets one on ``cfg.our_domain``.

    ``SmtpSendError`` (a ``ConnectorError``, retry later): server down, timeout, 4xx,
    authentication trouble. ``SmtpRejectedError`` (a ``PermanentSendError``, give up): every
    recipient refused with 5xx, or 5xx for the message itself. ``ValueError`` from aiosmtplib
    (an address that cannot be sent, no recipients, conflicting TLS options) is not caught.
    If only some recipients are refused the send counts as done (a resend would duplicate
    for the others) and a warning is logged.
    """
    message_id = str(msg["Message-ID"] or "")
    if not message_id:
        message_id = new_message_id(cfg.our_domain)
        msg["Message-ID"] = message_id
    recipients = [a for header in ("To", "Cc", "Bcc") for a in _addresses(msg, header)]
    try:
        errors, _response = await aiosmtplib.send(
            msg,
            sender=cfg.envelope_from or cfg.from_address,
            recipients=recipients,
            hostname=cfg.host,
            port=cfg.port,
            username=cfg.username,
            password=cfg.password,
            use_tls=cfg.ssl,
            start_tls=False if cfg.ssl else cfg.starttls,
            validate_certs=cfg.verify_tls,
            cert_bundle=cfg.ca_file,
            timeout=cfg.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        detail = ", ".join(f"{mask_address(r.recipient)}: {r.code}" for r in exc.recipients)
        code = max(codes) if codes else None
        if codes and all(c >= 500 for c in codes):
            raise SmtpRejectedError(f"recipient refused ({detail})", kind="recipients", code=code) from exc
        raise SmtpSendError(
            f"recipient temporarily refused ({detail})", kind="recipients", code=code, retry_after=300
        ) from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise SmtpSendError(
            f"SMTP authentication failed ({exc.code})", kind="auth", code=exc.code, retry_after=600
        ) from exc
    except aiosmtplib.SMTPSenderRefused as exc:
        raise SmtpSendError(
            f"SMTP server refused our sender address ({exc.code})",
            kind="sender",
            code=exc.code,
            retry_after=600,
        ) from exc
    except (
        aiosmtplib.SMTPConnectError,
        aiosmtplib.SMTPTimeoutError,
        aiosmtplib.SMTPServerDisconnected,
    ) as exc:
        raise SmtpSendError(
            f"SMTP server {cfg.host}:{cfg.port} unreachable: {type(exc).__name__}", kind="unreachable"
        ) from exc
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500:
            raise SmtpRejectedError(
                f"SMTP server rejected the message ({exc.code})", kind="response", code=exc.code
            ) from exc
        raise SmtpSendError(
            f"SMTP server deferred the message ({exc.code})", kind="response", code=exc.code, retry_after=120
        ) from exc
    except aiosmtplib.SMTPException as exc:
        raise SmtpSendError(f"SMTP send failed: {type(exc).__name__}", kind="protocol") from exc
    except (OSError, TimeoutError) as exc:
        raise SmtpSendError(f"SMTP send failed: {type(exc).__name__}", kind="network") from exc
    if errors:
        log.warning("some recipients refused: %s", ", ".join(mask_address(a) for a in errors))
    return message_id


def _addresses(msg: EmailMessage, header: str) -> list[str]:
    return [address for _name, address in getaddresses([str(v) for v in msg.get_all(header, [])]) if address]


class SmtpSender:
    """``ReplySink`` answering on the e-mail channel."""

    channel = CHANNEL

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.name = config.name

    def build(self, message: OutboundMessage) -> EmailMessage:
        cfg = self.config
        reply_to = message.reply_to or {}
        recipient = reply_to.get("email")
        if not recipient:
            raise PermanentSendError("no e-mail address to answer to")
        code = message.tracking_code
        original_subject = message.subject or reply_to.get("subject")
        if code is None and original_subject:
            code = find_code(original_subject)
        in_reply_to = message.in_reply_to or reply_to.get("message_id")
        return build_email(
            to=recipient,
            subject=reply_subject(original_subject, code),
            text=message.text,
            from_address=cfg.from_address,
            from_name=cfg.from_name,
            reply_to=cfg.reply_to,
            our_domain=cfg.our_domain,
            message_id=message.message_id,
            in_reply_to=in_reply_to,
            references=message.references,
            tracking_code=code,
            attachments=message.attachments,
        )

    async def send(self, message: OutboundMessage) -> SendResult:
        msg = self.build(message)
        message_id = await send_email(msg, self.config)
        log.info("e-mail reply %s sent to %s", message_id, mask_address(str(message.reply_to.get("email"))))
        return SendResult(external_id=message_id)
