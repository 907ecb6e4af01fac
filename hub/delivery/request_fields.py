"""Reads the request/department dicts the worker passes in and formats them for Turkish readers.

The worker hands over plain dicts (no ORM objects), so every transport reads the
same keys through here. Missing keys are fine; wrong types get a readable fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")

REQUEST_TYPE_LABELS = {
    "istek": "İstek",
    "sikayet": "Şikâyet",
    "ihbar": "İhbar",
    "gorus_oneri": "Görüş / Öneri",
    "bilgi_edinme": "Bilgi Edinme",
    "tesekkur": "Teşekkür",
}

CHANNEL_LABELS = {
    "email": "E-posta",
    "webform": "Web formu",
    "telegram": "Telegram",
    "x": "X (Twitter)",
    "youtube": "YouTube",
    "whatsapp": "WhatsApp",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "phone": "Telefon",
    "cimer": "CİMER",
    "mbs": "Muhtar Bilgi Sistemi",
    "edevlet": "e-Devlet",
    "api": "API",
}


def _parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def to_istanbul(value: Any) -> datetime | None:
    """Aware datetimes are converted; naive ones are taken as UTC (how the hub stores them)."""
    parsed = _parse_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(ISTANBUL)


def format_date(value: Any) -> str | None:
    """``dd.MM.yyyy`` in Europe/Istanbul; a plain ``date`` is shown as is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip()).strftime("%d.%m.%Y")
        except ValueError:
            pass
    local = to_istanbul(value)
    return local.strftime("%d.%m.%Y") if local else None


def format_datetime(value: Any) -> str | None:
    """``dd.MM.yyyy HH:mm`` in Europe/Istanbul."""
    local = to_istanbul(value)
    return local.strftime("%d.%m.%Y %H:%M") if local else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def one_line(value: str | None, limit: int = 120) -> str:
    """Collapse whitespace (and so any CR/LF) for use in a header or a single line."""
    text = " ".join((value or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


PURPOSE = {
    "gereği için": "Aşağıdaki talep, gereği yapılmak üzere biriminize yönlendirilmiştir.",
    "bilgi için": "Aşağıdaki talep bilginize sunulmuştur; gereğini sorumlu birim yapacaktır.",
    "acil bildirim": "ACİL: Aşağıdaki talep, kural gereği hemen ilgilenilmesi için biriminize bildirilmiştir.",
    "süre aşıldı": "Aşağıdaki talebin yasal cevap süresi dolmuştur; lütfen öncelikle sonuçlandırın.",
    "süre dolmak üzere": "Hatırlatma: aşağıdaki talebin cevap süresinin büyük bölümü geçti; son tarihten önce sonuçlandırın.",
}
SUBJECT = {"bilgi için": "Bilgi için iletilen talep", "acil bildirim": "ACİL talep",
           "süre aşıldı": "Süresi dolan talep", "süre dolmak üzere": "Süresi dolmak üzere olan talep"}  # fmt: skip


@dataclass
class RequestView:
    id: str
    tracking_code: str
    subject: str | None
    request_type: str | None
    request_type_label: str | None
    topic: str | None
    channel: str | None
    channel_label: str | None
    received_at: str | None  # formatted
    due: str | None  # formatted
    il: str | None
    ilce: str | None
    mahalle: str | None
    address: str | None
    lat: float | None
    lon: float | None
    text: str
    citizen_name: str | None
    citizen_phone: str | None
    citizen_email: str | None
    received_at_iso: str | None = None
    due_iso: str | None = None
    role: str | None = None  # why this department gets it: gereği için | bilgi için | acil bildirim | süre aşıldı
    note: str | None = None  # the forwarding agent's or the rule's note to the department
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def purpose(self) -> str:
        """The opening sentence: a copy for information must not read like a work order."""
        return PURPOSE.get(self.role or "", PURPOSE["gereği için"])

    @property
    def has_location(self) -> bool:
        return any((self.il, self.ilce, self.mahalle, self.address, self.lat is not None))

    @property
    def location_line(self) -> str:
        parts = [p for p in (self.mahalle and f"{self.mahalle} Mah.", self.ilce, self.il) if p]
        return " / ".join(parts)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def read_request(request: dict[str, Any]) -> RequestView:
    """Normalise the worker's request dict.

    Keys read: id, tracking_code, subject, request_type (or type), topic (or category),
    channel, received_at, due_at (or due_date / deadline), text (or body), location
    {il, ilce, mahalle, address, lat, lon} or the same keys flat, citizen {name, phone, email},
    share_contact. Citizen phone/e-mail are exposed only when share_contact is true (KVKK:
    departments get contact data only when the citizen agreed or the case needs it).
    """
    location = request.get("location") or {}
    if not isinstance(location, dict):
        location = {}

    def loc(key: str) -> Any:
        return location.get(key, request.get(key))

    citizen = request.get("citizen") or {}
    if not isinstance(citizen, dict):
        citizen = {}
    share = bool(request.get("share_contact"))
    rtype = _text(request.get("request_type") or request.get("type"))
    channel = _text(request.get("channel"))
    due_raw = request.get("due_at") or request.get("due_date") or request.get("deadline")
    request_id = _text(request.get("id")) or ""
    return RequestView(
        id=request_id,
        tracking_code=_text(request.get("tracking_code")) or request_id or "-",
        subject=_text(request.get("subject")),
        request_type=rtype,
        request_type_label=REQUEST_TYPE_LABELS.get(rtype or "", rtype),
        topic=_text(request.get("topic") or request.get("category")),
        channel=channel,
        channel_label=CHANNEL_LABELS.get(channel or "", channel),
        received_at=format_datetime(request.get("received_at")),
        due=format_date(due_raw),
        il=_text(loc("il")),
        ilce=_text(loc("ilce")),
        mahalle=_text(loc("mahalle")),
        address=_text(loc("address")),
        lat=_float(loc("lat")),
        lon=_float(loc("lon")),
        text=str(request.get("text") or request.get("body") or ""),
        citizen_name=_text(citizen.get("name")),
        citizen_phone=_text(citizen.get("phone")) if share else None,
        citizen_email=_text(citizen.get("email")) if share else None,
        received_at_iso=_iso(request.get("received_at")),
        due_iso=_iso(due_raw),
        role=_text(request.get("role")),
        note=_text(request.get("note")),
    )


def department_emails(department: dict[str, Any]) -> list[str]:
    """``email`` may be one address, a comma-separated string or a list; ``emails`` is also read."""
    raw = department.get("emails") or department.get("email") or []
    if isinstance(raw, str):
        raw = raw.split(",")
    return [a.strip() for a in raw if isinstance(a, str) and a.strip()]
