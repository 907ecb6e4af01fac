"""Batch intake classifies before it writes: same results as one-by-one intake, and
re-delivered messages are recognised without calling the model again."""

from __future__ import annotations

from sqlmodel import select

from connectors.base import Location, RawMessage, Sender
from hub.models import Request

TEXTS = [
    ("Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.", None),
    ("Kocasinan Yeşil mahallesi parkında salıncak kırık, çocuklar yaralanabilir.", None),
    ("sokak köpekleri okul önünde çocuklara saldırıyor", Location(mahalle="Çevlik", ilce="Talas")),
    ("Otobüs 30 dakikadır gelmiyor, durakta bekliyoruz", None),
    ("Çöpler üç gündür toplanmadı, koku dayanılmaz", Location(mahalle="Yeşil", ilce="Kocasinan")),
]


def _raws(prefix: str) -> list[RawMessage]:
    return [
        RawMessage(channel="cimer", external_id=f"{prefix}-{i}", text=text, location=loc,
                   sender=Sender(name=f"Vatandaş {i}", phone=f"0532 111 22 {30 + i}"))  # fmt: skip
        for i, (text, loc) in enumerate(TEXTS)
    ]


def _view(hub, ids: list[int]) -> list[tuple]:  # noqa: ANN001
    with hub.db.reader() as s:
        rows = {r.id: r for r in s.exec(select(Request).where(Request.id.in_(ids)))}
    return [(rows[i].topic, rows[i].request_type, rows[i].department, rows[i].mahalle, rows[i].ilce,
             rows[i].priority) for i in ids]  # fmt: skip


def test_batch_gives_the_same_requests_as_one_by_one(hub, monkeypatch) -> None:  # noqa: ANN001
    single = [hub.intake.ingest(r).request_id for r in _raws("single")]
    calls: list[int] = []
    real_many = hub.intake.classifier.classify_many
    monkeypatch.setattr(hub.intake.classifier, "classify_many", lambda items: calls.append(len(items)) or real_many(items))
    batch = hub.intake.ingest_batch(_raws("batch"))
    assert calls == [len(TEXTS)]  # one model call for the whole batch
    assert all(r.created for r in batch)
    assert _view(hub, [r.request_id for r in batch]) == _view(hub, single)
    assert _view(hub, single)[0][0] == "su-kanalizasyon"

    # The same file imported again: nothing new, and the model is not asked again.
    calls.clear()
    again = hub.intake.ingest_batch(_raws("batch"))
    assert calls == [] and all(r.duplicate_delivery for r in again)
    assert [r.request_id for r in again] == [r.request_id for r in batch]


def test_reports_of_one_incident_in_one_import_are_linked(hub) -> None:  # noqa: ANN001
    """Three CİMER records about the same burst pipe in one file (dated last winter): each later
    one lists the earlier ones as likely duplicates, although none was stored before the batch."""
    from datetime import UTC, datetime, timedelta

    at = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    texts = [
        "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sokak su içinde kaldı.",
        "Mevlana mahallesi Gül sokak ana su borusu patlamış, her yer su oldu.",
        "Gül sokakta boru patladı sular akıyor Mevlana mahallesi Talas",
        "Talas Mevlana Mahallesi parkındaki salıncak kırık.",
    ]
    raws = [
        RawMessage(channel="cimer", external_id=f"inc-{i}", text=t, received_at=at + timedelta(minutes=20 * i),
                   location=Location(mahalle="Mevlana", ilce="Talas"), sender=Sender(name=f"V{i}"))  # fmt: skip
        for i, t in enumerate(texts)
    ]
    ids = [r.request_id for r in hub.intake.ingest_batch(raws)]
    with hub.db.reader() as s:
        reqs = {r.id: r for r in s.exec(select(Request).where(Request.id.in_(ids)))}

    def dups(rid: int) -> set[int]:
        return {d["request_id"] for d in (reqs[rid].classification or {}).get("duplicates", [])}

    assert dups(ids[0]) == set()
    assert dups(ids[1]) == {ids[0]}
    assert dups(ids[2]) == {ids[0], ids[1]}
    assert ids[0] not in dups(ids[3]) and ids[1] not in dups(ids[3])  # a playground is not a pipe
