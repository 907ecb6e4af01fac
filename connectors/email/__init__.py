"""E-mail channel: IMAP in (``ImapSource``), SMTP out (``SmtpSender``), MIME parsing (``parse_message``)."""

from connectors.email.imap import ImapConfig, ImapSource, parse_checkpoint
from connectors.email.mime import DEFAULT_ALLOWED_TYPES, MailParseError, parse_message, parse_with_reason
from connectors.email.smtp import SmtpConfig, SmtpSender, build_email, reply_subject, send_email

__all__ = [
    "DEFAULT_ALLOWED_TYPES",
    "ImapConfig",
    "ImapSource",
    "MailParseError",
    "SmtpConfig",
    "SmtpSender",
    "build_email",
    "parse_checkpoint",
    "parse_message",
    "parse_with_reason",
    "reply_subject",
    "send_email",
]
