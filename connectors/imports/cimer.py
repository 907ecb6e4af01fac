"""CİMER application rows -> RawMessage (channel ``cimer``)."""

from __future__ import annotations

from typing import Any

from connectors.base import Location, RawMessage, Sender

CHANNEL = "cimer"


def build_message(rec: dict[str, Any], meta: dict[str, Any]) -> RawMessage:
    """Build the message for one CİMER row; ``rec`` comes from ``records.read_record``."""
    return citizen_message(rec, meta, channel=CHANNEL)


def citizen_message(rec: dict[str, Any], meta: dict[str, Any], *, channel: str) -> RawMessage:
    """A citizen's application from a list (CİMER, e-Devlet): the applicant is the sender, their
    address the location, and the answer goes back under the başvuru no."""
    basvuru_no = rec["external_id"]
    return RawMessage(
        channel=channel,
        external_id=basvuru_no,
        text=rec["text"],
        received_at=rec["received_at"],
        subject=join_subject(rec.get("subject"), rec.get("sub_subject")),
        sender=Sender(
            name=rec.get("applicant_name"),
            phone=rec.get("applicant_phone"),
            email=rec.get("applicant_email"),
            kind="citizen",
        ),
        location=make_location(rec, mahalle=rec.get("mahalle")),
        request_type=rec.get("request_type"),
        reply_to={"kind": channel, "basvuru_no": basvuru_no},
        metadata=meta,
    )


def join_subject(konu: str | None, alt_konu: str | None) -> str | None:
    parts = [p for p in (konu, alt_konu) if p]
    return " / ".join(parts) if parts else None


def make_location(rec: dict[str, Any], *, mahalle: str | None) -> Location | None:
    loc = Location(il=rec.get("il"), ilce=rec.get("ilce"), mahalle=mahalle, address=rec.get("address"))
    if not any((loc.il, loc.ilce, loc.mahalle, loc.address)):
        return None
    return loc
