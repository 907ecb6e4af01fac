"""Answers exported for upload to CİMER / MBS, and the ExportSender reply sink."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from connectors.base import OutboundMessage, PermanentSendError, ReplySink
from connectors.imports import Answer, ExportSender, read_answers, write_answers

ANSWERS = [
    Answer("2026100001", "Ekiplerimiz çukuru 05.03.2026 tarihinde kapatmıştır.", datetime(2026, 3, 5, 7, 30, tzinfo=UTC), "olumlu"),
    Answer("2026100002", 'Talep; "bütçe" nedeniyle\nbu yıl karşılanamamaktadır.', datetime(2026, 3, 6, 12, 0, tzinfo=UTC), "olumsuz"),
    Answer("2026100003", "Başvurunuz ilgili birime iletildi.", datetime(2026, 3, 6, 21, 15, tzinfo=UTC)),
]  # fmt: skip


def test_xlsx_answers_open_in_excel_with_turkish_headers(tmp_path: Path) -> None:
    path = tmp_path / "cevaplar.xlsx"
    assert write_answers(path, ANSWERS, kind="cimer", fmt="xlsx") == 3
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Başvuru No", "Cevap Tarihi", "Cevap Metni", "Sonuç")
    assert ws.title == "CİMER Cevapları"
    assert rows[1] == ("2026100001", datetime(2026, 3, 5, 10, 30), ANSWERS[0].text, "olumlu")  # Istanbul time
    assert rows[2][2] == ANSWERS[1].text and rows[2][3] == "olumsuz"
    assert rows[3][1] == datetime(2026, 3, 7, 0, 15)  # 21:15 UTC is already the next day in Istanbul
    assert rows[3][3] in (None, "")
    assert ws.cell(2, 2).number_format == "dd.mm.yyyy hh:mm"


def test_csv_answers_have_bom_and_survive_delimiters_quotes_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "cevaplar.csv"
    write_answers(path, ANSWERS, kind="mbs", fmt="csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Başvuru No", "Cevap Tarihi", "Cevap Metni", "Sonuç"]
    assert rows[1] == ["2026100001", "05.03.2026 10:30", ANSWERS[0].text, "olumlu"]
    assert rows[2][2] == ANSWERS[1].text
    assert rows[3][1:] == ["07.03.2026 00:15", ANSWERS[2].text, ""]
    assert [a.basvuru_no for a in read_answers(path)] == [a.basvuru_no for a in ANSWERS]


def test_bad_answers_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    with pytest.raises(ValueError, match="outcome"):
        write_answers(path, [Answer("1", "t", datetime.now(UTC), "belki")], kind="cimer", fmt="csv")  # type: ignore[arg-type]
    assert not path.exists()


def outbound(key: str, basvuru_no: str = "2026100001", text: str = "Sorun giderildi.") -> OutboundMessage:
    return OutboundMessage(
        channel="cimer",
        text=text,
        reply_to={"kind": "cimer", "basvuru_no": basvuru_no, "sonuc": "olumlu"},
        idempotency_key=key,
    )


def fixed_clock() -> datetime:
    return datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_export_sender_writes_each_answer_once(tmp_path: Path, fmt: str) -> None:
    sender = ExportSender(tmp_path, channel="cimer", fmt=fmt, clock=fixed_clock)  # type: ignore[arg-type]
    assert isinstance(sender, ReplySink)
    first = await sender.send(outbound("reply-1"))
    again = await sender.send(outbound("reply-1"))
    await sender.send(outbound("reply-2", basvuru_no="2026100002", text="İlgili birime iletildi."))
    assert first.external_id == again.external_id

    # A restarted process (new instance) still knows reply-1 was exported.
    restarted = ExportSender(tmp_path, channel="cimer", fmt=fmt, clock=fixed_clock)  # type: ignore[arg-type]
    await restarted.send(outbound("reply-1"))

    target = tmp_path / f"cimer_cevaplar_2026-03-09.{fmt}"
    answers = read_answers(target)
    assert [(a.basvuru_no, a.text, a.outcome) for a in answers] == [
        ("2026100001", "Sorun giderildi.", "olumlu"),
        ("2026100002", "İlgili birime iletildi.", "olumlu"),
    ]
    assert answers[0].answered_at.hour == 11  # Istanbul wall clock


async def test_export_sender_handles_concurrent_answers(tmp_path: Path) -> None:
    sender = ExportSender(tmp_path, channel="mbs", fmt="xlsx", clock=fixed_clock)
    await asyncio.gather(*(sender.send(outbound(f"k{i}", basvuru_no=f"T-{i}")) for i in range(8)))
    await asyncio.gather(*(sender.send(outbound(f"k{i}", basvuru_no=f"T-{i}")) for i in range(8)))
    answers = read_answers(tmp_path / "mbs_cevaplar_2026-03-09.xlsx")
    assert sorted(a.basvuru_no for a in answers) == sorted(f"T-{i}" for i in range(8))


async def test_export_sender_refuses_messages_it_cannot_place(tmp_path: Path) -> None:
    sender = ExportSender(tmp_path, channel="cimer")
    with pytest.raises(PermanentSendError, match="basvuru_no"):
        await sender.send(OutboundMessage(channel="cimer", text="x", reply_to={}, idempotency_key="k"))
    with pytest.raises(PermanentSendError):
        await sender.send(outbound("k2", text="   "))
    assert not list(tmp_path.glob("cimer_cevaplar_*"))


async def test_crash_between_file_and_ledger_does_not_duplicate(tmp_path: Path) -> None:
    sender = ExportSender(tmp_path, channel="cimer", fmt="csv", clock=fixed_clock)
    first = await sender.send(outbound("reply-1"))
    sender.ledger_path.unlink()  # as if the process died before the ledger line was written
    again = await ExportSender(tmp_path, channel="cimer", fmt="csv", clock=fixed_clock).send(
        outbound("reply-1")
    )
    assert again.external_id == first.external_id
    assert len(read_answers(tmp_path / "cimer_cevaplar_2026-03-09.csv")) == 1
