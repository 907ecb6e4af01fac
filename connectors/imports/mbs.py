"""Muhtar Bilgi Sistemi request rows -> RawMessage (channel ``mbs``).

The sender is the muhtar, and the muhtar's own mahalle is the request's location: MBS
requests speak for the neighbourhood, not for a street address the citizen typed.
"""

from __future__ import annotations

import re
from typing import Any

from connectors.base import RawMessage, Sender
from connectors.imports.cimer import join_subject, make_location

CHANNEL = "mbs"
_MUHTARLIK_SUFFIX = re.compile(r"\s+muhtarl[ıi](?:ğı|gi|ği)\s*$", re.IGNORECASE)


def clean_mahalle(value: str | None) -> str | None:
    """ "Yenidoğan Mahallesi Muhtarlığı" -> "Yenidoğan Mahallesi"."""
    if not value:
        return value
    return _MUHTARLIK_SUFFIX.sub("", value).strip() or value


def build_message(rec: dict[str, Any], meta: dict[str, Any]) -> RawMessage:
    talep_no = rec["external_id"]
    mahalle = clean_mahalle(rec.get("muhtar_mahalle"))
    return RawMessage(
        channel=CHANNEL,
        external_id=talep_no,
        text=rec["text"],
        received_at=rec["received_at"],
        subject=join_subject(rec.get("subject"), rec.get("sub_subject")),
        sender=Sender(name=rec.get("muhtar_name"), phone=rec.get("muhtar_phone"), kind="muhtar"),
        location=make_location(rec, mahalle=mahalle),
        request_type=rec.get("request_type"),
        reply_to={"kind": CHANNEL, "basvuru_no": talep_no},
        metadata={**meta, "muhtar_mahalle": mahalle},
    )
