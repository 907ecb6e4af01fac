"""The short Turkish SMS a department's ``sms`` target (an on-call phone) receives.

KVKK: the SMS leaves through an outside gateway, so it carries only what lets the staff
member find the request: tracking code, why they get it (role), topic, mahalle and the
staff link. Never the citizen's name, phone, e-mail, text, subject or the agent's note.
"""

from __future__ import annotations

from typing import Any

from hub.delivery.backoff import PermanentDeliveryError
from hub.delivery.request_fields import one_line
from hub.delivery.texts import SMS_DOUBLE, SMS_SINGLE, sms_length

ROLE_LABEL = {
    "gereği için": "Yeni talep (gereği için)",
    "bilgi için": "Bilgi için talep",
    "acil bildirim": "ACİL talep",
    "süre aşıldı": "Süresi dolan talep",
    "süre dolmak üzere": "Süresi dolmak üzere",
}


def staff_link(base_url: str, request_id: Any) -> str:
    return f"{base_url.rstrip('/')}/ui/talep/{request_id}"


def staff_sms_text(request: dict[str, Any], *, role: str | None, base_url: str) -> str:
    """One SMS if it fits (160 GSM septets), at most two (306). The code, the role and the
    link are never cut; topic and mahalle are shortened, then dropped, if room runs out."""
    code = one_line(str(request.get("tracking_code") or request.get("id") or "-"), 40)
    head = f"{ROLE_LABEL.get(role or '', ROLE_LABEL['gereği için'])}: {code}"
    location = request.get("location") or {}
    topic = one_line(request.get("topic"), 40) if request.get("topic") else ""
    mahalle = one_line(location.get("mahalle"), 40) if location.get("mahalle") else ""
    ilce = one_line(location.get("ilce"), 30) if location.get("ilce") else ""
    place = f"{mahalle} Mah." if mahalle else ""
    if place and ilce:
        place += f" ({ilce})"
    link = staff_link(base_url, request.get("id"))
    details = [d for d in (topic and f"Konu: {topic}", place and f"Yer: {place}") if d]
    # Fullest first; the first one within one SMS wins, else the first within two.
    candidates = [
        ". ".join([head, *details]) + f". {link}",
        ". ".join([head, *details[:1]]) + f". {link}",
        f"{head}. {link}",
    ]
    for limit in (SMS_SINGLE, SMS_DOUBLE):
        for text in candidates:
            if sms_length(text) <= limit:
                return text
    # Only a very long base_url gets here: a cut link would be useless, so say why instead.
    raise PermanentDeliveryError("staff SMS does not fit two messages: HUB_BASE_URL is too long")
