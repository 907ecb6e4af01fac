"""Find who originally wrote a forwarded e-mail.

Citizens and muhtars often forward a complaint they received. The hub answers the
forwarder (the ``From`` of the mail) but keeps the original author in metadata.
Mail clients mark an inline forward with a separator line followed by a small
header block; Gmail, Thunderbird, Apple Mail and Outlook in English and Turkish are
recognised here.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

# Separators that always mean "a forwarded message follows".
# Patterns are matched against ``_fold``-ed text (lower case, dotted/dotless i unified).
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|iletilen ileti|iletilen mesaj|yönlendirilen ileti"
    r"|yönlendirilmiş ileti)\s*-{2,}|(?:begin forwarded message|iletilen ileti başlangici)\s*:)\s*$"
)
# Outlook uses the same separator for replies and forwards: trust it only for forwards.
_ORIGINAL_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:original message|özgün ileti|orijinal ileti|orijinal mesaj|özgün mesaj)\s*-{2,}\s*$"
)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|ilt|tr|yönlendir)\s*:")

_FIELD = re.compile(r"^\s*(?:>\s*)*\**\s*([A-Za-zÇĞİÖŞÜçğıöşü ]{2,20}?)\s*\**\s*:\s*(.*)$")
_FIELD_NAMES = {
    "from": "from",
    "kimden": "from",
    "gönderen": "from",
    "date": "date",
    "sent": "date",
    "tarih": "date",
    "gönderildi": "date",
    "gönderilme tarihi": "date",
    "gönderilen": "date",
    "subject": "subject",
    "konu": "subject",
    "to": "to",
    "kime": "to",
    "alici": "to",
    "cc": "cc",
    "bilgi": "cc",
}
_MAILTO = re.compile(r"\[mailto:([^\]]+)\]", re.IGNORECASE)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def _fold(text: str) -> str:
    """Lower-case for matching; Turkish dotted and dotless i both become ``i``."""
    return text.replace("İ", "i").replace("I", "i").replace("ı", "i").lower()


def looks_forwarded_subject(subject: str | None) -> bool:
    return bool(subject and _FORWARD_SUBJECT.match(_fold(subject)))


def _parse_person(value: str) -> dict[str, str | None]:
    value = value.strip()
    mailto = _MAILTO.search(value)
    if mailto:
        email = mailto.group(1).strip()
        name = _MAILTO.sub("", value).strip().strip('"') or None
        return {"name": name, "email": email.lower()}
    name, email = parseaddr(value.replace("*", ""))
    if not email or "@" not in email:
        found = _ADDRESS.search(value)
        email = found.group(0) if found else ""
        name = value.replace(email, "").strip(" <>\"'") if email else value
    return {"name": name.strip().strip('"') or None, "email": email.lower() or None}


def _read_header_block(lines: list[str], start: int) -> dict[str, str | None]:
    """Read ``Field: value`` lines after a separator until the block ends."""
    found: dict[str, str] = {}
    i = start
    # Some clients leave an empty line between the separator and the header block.
    while i < len(lines) and not lines[i].strip(" >\t"):
        i += 1
    while i < len(lines) and len(found) < 6:
        match = _FIELD.match(lines[i])
        if not match:
            break
        key = _FIELD_NAMES.get(_fold(match.group(1).strip()))
        if key is None:
            break
        found.setdefault(key, match.group(2).strip())
        i += 1
    if "from" not in found:
        return {}
    person = _parse_person(found["from"])
    return {
        "name": person["name"],
        "email": person["email"],
        "subject": found.get("subject"),
        "date": found.get("date"),
    }


def find_forwarded_senders(text: str, subject: str | None = None) -> list[dict[str, str | None]]:
    """Every forwarded header block in ``text``, outermost first (the last is the original author)."""
    lines = text.splitlines()
    trust_original = looks_forwarded_subject(subject)
    chain: list[dict[str, str | None]] = []
    for i, line in enumerate(lines):
        stripped = _fold(line.lstrip("> \t"))
        if _FORWARD_MARKER.match(stripped) or (trust_original and _ORIGINAL_MARKER.match(stripped)):
            block = _read_header_block(lines, i + 1)
            if block:
                chain.append(block)
    return chain
