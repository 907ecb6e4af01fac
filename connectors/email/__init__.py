"""E-mail channel: IMAP in, SMTP out."""

from connectors.email.mime import MailParseError, parse_message

__all__ = ["MailParseError", "parse_message"]
