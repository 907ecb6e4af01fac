"""The JSON columns are written with orjson (hub/jsoncodec.py). What orjson refuses (integers past
64 bits, lone surrogates from a hostile sender) must still be stored, on both databases, in the
batched intake (one JSON document per batch on PostgreSQL) as in the single one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

from sqlmodel import select

from connectors.base import RawMessage, Sender
from hub import jsoncodec
from hub.models import Message, Request


class Colour(StrEnum):
    red = "kırmızı"


def test_plain_values_round_trip_like_the_json_module() -> None:
    value = {"ad": "Ayşe Işık", 2: "iki", "oran": 0.1, "liste": (1, 2), "renk": Colour.red, "yok": None}
    assert jsoncodec.loads(jsoncodec.dumps(value)) == {
        "ad": "Ayşe Işık", "2": "iki", "oran": 0.1, "liste": [1, 2], "renk": "kırmızı", "yok": None}  # fmt: skip
    assert "Ayşe" in jsoncodec.dumps(value), "stored readable, not as \\u escapes"


def test_what_orjson_refuses_falls_back() -> None:
    for odd in ({"n": 2**70}, {"t": "a\ud800b"}, {"s": {1}}):
        text = jsoncodec.dumps(odd, default=sorted)
        assert jsoncodec.loads(text) == ({"s": [1]} if "s" in odd else odd)


def test_odd_payloads_are_stored_by_both_intake_paths(hub) -> None:  # noqa: ANN001
    istanbul = timezone(timedelta(hours=3))
    at = datetime(2026, 11, 2, 9, 30, tzinfo=istanbul)  # 06:30 UTC
    odd = {"update_id": 2**70, "note": "kırık\ud800metin", "keys": {1: "bir"}}
    single = RawMessage(channel="telegram", external_id="odd-1", text="Sokak lambası yanmıyor.",
                        sender=Sender(telegram_id="42"), metadata=odd, received_at=at)  # fmt: skip
    batch = [RawMessage(channel="telegram", external_id=f"odd-b{i}", text="Çöpler alınmadı, konteyner taştı.",
                        sender=Sender(telegram_id=f"4{i}"), metadata=odd, received_at=at) for i in range(6)]  # fmt: skip
    hub.intake.ingest(single)
    hub.intake.ingest_batch(batch)
    with hub.db.reader() as s:
        reqs = list(s.exec(select(Request).where(Request.external_id.like("odd-%"))))
        msgs = list(s.exec(select(Message).where(Message.external_id.like("odd-%"))))
    assert len(reqs) == 7 and len(msgs) == 7
    for r in reqs:
        assert r.received_at == at.astimezone(UTC), "timestamps are stored as UTC whatever the offset"
    for m in msgs:  # kept whole; the lone surrogate (no UTF-8 encodes it) became U+FFFD
        assert m.meta["update_id"] == 2**70 and m.meta["note"] == "kırık\ufffdmetin", m.meta
        assert m.meta["keys"] == {"1": "bir"}
