"""Masking for logs and error messages: phone numbers, e-mail addresses, secrets, URLs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_DIGITS = re.compile(r"\d")


def mask_phone(phone: str | None) -> str:
    """``+905321234567`` -> ``+90532*****67``: enough to tell numbers apart in a log, not enough to call."""
    if not phone:
        return "-"
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) <= 4:
        return "*" * len(phone)
    # Keep country/operator prefix and the last two digits; mask the seven digits in between.
    keep = set(digits[: max(2, len(digits) - 7)] + digits[-2:])
    return "".join(ch if (not ch.isdigit() or i in keep) else "*" for i, ch in enumerate(phone))


def mask_email(address: str | None) -> str:
    """``ahmet.yilmaz@example.com`` -> ``a***@example.com``."""
    if not address or "@" not in address:
        return "-" if not address else "***"
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def safe_url(url: str) -> str:
    """Scheme, host and path only: query strings of gateways and webhooks often carry tokens."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def scrub(text: str, *secrets: str | None, limit: int = 200) -> str:
    """Cut ``text`` to ``limit`` characters and blank out every given secret (and long digit runs).

    Used on remote response bodies before they go into an exception or a log:
    some gateways echo the request, including the password and the phone number.
    """
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "***")
    # Phone-like digit runs (10+ digits, optional leading +) are masked as a second line of defence.
    text = re.sub(r"\+?\d{10,15}", lambda m: mask_phone(m.group(0)), text)
    text = " ".join(text.split())
    return text[:limit] + ("..." if len(text) > limit else "")
