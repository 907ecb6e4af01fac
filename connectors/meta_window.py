"""Meta's messaging windows: what may be sent how long after the citizen's last message.

* WhatsApp: free-form messages only within 24 hours of the citizen's last message
  (the "customer service window"); later only an approved template message.
* Messenger / Instagram: standard replies within 24 hours; from 24 hours to 7 days
  only with the ``HUMAN_AGENT`` message tag (the app needs Meta's Human Agent
  permission); after 7 days nothing.

The connector learns when the citizen last wrote from
``OutboundMessage.last_inbound_at``; ``None`` (unknown) counts as inside the window.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# Graph error code "Re-engagement message": more than 24 hours since the user's last message.
REENGAGEMENT_CODE = 131047

# WhatsApp caps the filled-in body (fixed text + parameters) at 1,024 characters; 850 leaves
# room for the suggested template text (docs/channel-social.md) and the tracking code.
TEMPLATE_PARAM_LIMIT = 850
CLIP_SUFFIX = "… (cevabın tamamını almak için bu mesajı yanıtlayın ya da Alo 153'ü arayın)"
_WHITESPACE = re.compile(r"\s+")


def age_of(last_inbound_at: datetime | None, now: datetime | None = None) -> timedelta | None:
    """Time since the citizen's last message; ``None`` when unknown."""
    if last_inbound_at is None:
        return None
    if last_inbound_at.tzinfo is None:  # naive times are UTC throughout the hub
        last_inbound_at = last_inbound_at.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - last_inbound_at


def inside_standard_window(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    age = age_of(last_inbound_at, now)
    return age is None or age <= STANDARD_WINDOW


def describe_age(age: timedelta | None) -> str:
    if age is None:
        return "unknown"
    hours = age.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 72 else f"{hours / 24:.1f} days"


def template_safe(text: str, limit: int = TEMPLATE_PARAM_LIMIT) -> str:
    """Make ``text`` acceptable as a WhatsApp template body parameter.

    WhatsApp refuses parameters with newlines, tabs or more than four consecutive
    spaces: every run of whitespace becomes one space. Longer than ``limit``: cut
    at a word boundary and end with ``CLIP_SUFFIX`` (the whole stays within
    ``limit``). An empty parameter is refused too, so nothing becomes "-".
    """
    flat = _WHITESPACE.sub(" ", text or "").strip()
    if not flat:
        return "-"
    if len(flat) <= limit:
        return flat
    room = max(0, limit - len(CLIP_SUFFIX))
    head = flat[:room]
    cut = head.rfind(" ")
    if cut >= room // 2:
        head = head[:cut]
    head = head.rstrip(" .,;:-")
    return f"{head}{CLIP_SUFFIX}"[:limit]


def whatsapp_template_body(
    to: str, name: str, language: str, tracking_code: str | None, text: str
) -> dict[str, Any]:
    """Cloud API body of a template message with {{1}} = tracking code, {{2}} = the answer."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": str(to),
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": template_safe(tracking_code or "-")},
                        {"type": "text", "text": template_safe(text)},
                    ],
                }
            ],
        },
    }
