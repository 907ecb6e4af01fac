"""The one check for every e-mail address the hub accepts: a citizen's (web form, staff form, API)
and a department's (routing rules). Built on email-validator, without DNS lookups: the hub runs
offline, and a form must not wait on a resolver. Messages are Turkish, for whoever typed it."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321 path limit
# Names that by RFC 2606 / 6761 never reach anyone: fine as placeholders in configuration (the
# shipped rules' "örnek adres"), never from a citizen, who would then wait for an answer in vain.
PLACEHOLDER_TLDS = frozenset({"invalid", "test", "example"})
GENERIC = "E-posta adresi geçerli görünmüyor."


class BadEmail(ValueError):
    """Not an address the hub can write to; ``str()`` is a Turkish sentence."""


def check_email(address: str, *, placeholder_ok: bool = False) -> str:
    """The address in normal form (domain lower-cased, IDN kept readable), or BadEmail."""
    text = address.strip()
    if len(text) > MAX_LENGTH:
        raise BadEmail(f"E-posta adresi en fazla {MAX_LENGTH} karakter olabilir.")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise BadEmail(f"{GENERIC} Adreste @ işareti ve iki yanında yazı olmalı.")
    if not local.isascii():
        # Most mail servers cannot deliver to such an address (no SMTPUTF8), so say so now.
        raise BadEmail(f"{GENERIC} @ işaretinden önce Türkçe karakter (ç, ğ, ı, ö, ş, ü) kullanılamaz.")
    if placeholder_ok and domain.rsplit(".", 1)[-1].lower() in PLACEHOLDER_TLDS:
        probe, keep = f"{local}@placeholder.example.org", domain.lower()
    else:
        probe, keep = text, None
    try:
        checked = validate_email(probe, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise BadEmail(GENERIC) from None
    return f"{checked.local_part}@{keep}" if keep else checked.normalized


def is_email(address: str, *, placeholder_ok: bool = False) -> bool:
    try:
        check_email(address, placeholder_ok=placeholder_ok)
    except BadEmail:
        return False
    return True
