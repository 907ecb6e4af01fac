"""Alo 153 call logs dropped into a folder: requests become messages, everything is counted."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import FetchResult, PolledSource
from connectors.imports import CallLogFolderSource, CallStats, is_request
from tests.data.imports import samples

NOW = 1_800_000_000.0  # the source's clock in these tests; file ages are set relative to it
IST = ZoneInfo("Europe/Istanbul")


def age(path: Path, seconds: float) -> Path:
    os.utime(path, (NOW - seconds, NOW - seconds))
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    d = {k: tmp_path / k for k in ("inbox", "done", "error")}
    d["inbox"].mkdir()
    return d


def source(dirs: dict[str, Path], **kw: object) -> CallLogFolderSource:
    return CallLogFolderSource(
        dirs["inbox"],
        done_dir=dirs["done"],
        error_dir=dirs["error"],
        clock=lambda: NOW,
        **kw,  # type: ignore[arg-type]
    )


async def test_only_calls_with_a_request_become_messages(dirs: dict[str, Path]) -> None:
    samples.write_calllog_csv(dirs["inbox"] / "calls.csv")
    age(dirs["inbox"] / "calls.csv", 60)
    src = source(dirs)
    assert isinstance(src, PolledSource)
    result = await src.fetch(None)

    assert {m.external_id for m in result.messages} == samples.CALLS_EXPECTED_REQUESTS
    by_id = {m.external_id: m for m in result.messages}
    complaint = by_id["C-1001"]
    assert complaint.channel == "phone"
    assert complaint.sender.phone == "0532 111 2233"
    assert complaint.text == "Kocasinan'da su kesintisi"
    assert complaint.request_type == "sikayet"
    assert complaint.received_at == datetime(2026, 3, 14, 8, 1, 10, tzinfo=IST)
    assert complaint.metadata["agent"] == "Temsilci 4"
    assert complaint.metadata["duration_seconds"] == 135
    assert complaint.metadata["disposition"] == "Şikâyet"
    assert by_id["C-1003"].request_type is None  # no disposition, but the agent wrote a note
    assert by_id["C-1005"].sender.phone is None and "Talep" in by_id["C-1005"].text

    (stats,) = src.last_stats
    assert isinstance(stats, CallStats)
    assert (stats.calls_total, stats.calls_with_request, stats.bad_rows) == (6, 3, 0)
    assert stats.by_disposition == {
        "Şikâyet": 1,
        "Bilgi Verildi": 2,
        "(boş)": 1,
        "Yanlış Arama": 1,
        "Talep": 1,
    }
    assert json.loads(json.dumps(stats.as_dict()))["first_call"] == "2026-03-14T08:01:10+03:00"


def test_request_rule() -> None:
    assert is_request("sikayet", None)
    assert is_request("istek", "")
    assert not is_request("none", "otobüs saatlerini sordu")
    assert is_request(None, "sokak lambası yanmıyor")
    assert not is_request(None, "  ")


async def test_checkpoint_survives_a_restart_and_files_move_to_done(dirs: dict[str, Path]) -> None:
    samples.write_calllog_csv(dirs["inbox"] / "calls.csv")
    samples.write_calllog_json(dirs["inbox"] / "calls.json")
    for p in dirs["inbox"].iterdir():
        age(p, 60)
    first = await source(dirs).fetch(None)
    assert len(first.messages) == 4
    # Nothing moves before the hub has stored the checkpoint (crash-safe).
    assert sorted(p.name for p in dirs["inbox"].iterdir()) == ["calls.csv", "calls.json"]

    restarted = source(dirs)  # a new process, given the stored checkpoint
    second = await restarted.fetch(first.checkpoint)
    assert second.messages == [] and second.quarantined == []
    assert sorted(p.name for p in dirs["done"].iterdir()) == ["calls.csv", "calls.json"]
    assert list(dirs["inbox"].iterdir()) == []

    # Without the checkpoint (a crash before it was stored) the file would be read again with
    # the same external ids, which the hub's (channel, external_id) idempotency absorbs.
    again_dir = dirs["inbox"]
    samples.write_calllog_json(again_dir / "calls.json")
    age(again_dir / "calls.json", 60)
    repeat = await source(dirs).fetch(None)
    json_ids = {m.external_id for m in first.messages if m.metadata["source_file"] == "calls.json"}
    assert {m.external_id for m in repeat.messages} == json_ids


async def test_partial_and_fresh_files_are_left_alone(dirs: dict[str, Path]) -> None:
    inbox = dirs["inbox"]
    samples.write_calllog_csv(inbox / "a.csv.part")
    samples.write_calllog_csv(inbox / "b.csv.tmp")
    samples.write_calllog_csv(inbox / "~$c.csv")
    samples.write_calllog_csv(inbox / "fresh.csv")
    for p in inbox.iterdir():
        age(p, 60)
    age(inbox / "fresh.csv", 0.5)  # still being written
    src = source(dirs)
    result = await src.fetch(None)
    assert result.messages == [] and result.quarantined == []

    # The writer finishes: renames the .part file and stops touching fresh.csv.
    (inbox / "a.csv.part").rename(inbox / "a.csv")
    age(inbox / "a.csv", 30)
    age(inbox / "fresh.csv", 30)
    result = await src.fetch(result.checkpoint)
    assert sorted({m.metadata["source_file"] for m in result.messages}) == ["a.csv", "fresh.csv"]
    assert len(result.messages) == 2 * len(samples.CALLS_EXPECTED_REQUESTS)


async def test_malformed_json_is_quarantined_with_its_bytes(dirs: dict[str, Path]) -> None:
    raw = samples.write_calllog_malformed_json(dirs["inbox"] / "broken.json")
    samples.write_calllog_json(dirs["inbox"] / "good.json")
    for p in dirs["inbox"].iterdir():
        age(p, 60)
    src = source(dirs)
    result = await src.fetch(None)
    assert [m.metadata["source_file"] for m in result.messages] == ["good.json"]
    (q,) = result.quarantined
    assert q.channel == "phone" and q.raw == raw
    assert "broken.json" in q.error and "JSON" in q.error
    assert (dirs["error"] / "broken.json").read_bytes() == raw
    assert not (dirs["inbox"] / "broken.json").exists()
    # It is not reported again on the next poll.
    assert (await src.fetch(result.checkpoint)).quarantined == []


async def test_bad_row_is_quarantined_and_the_rest_of_the_file_kept(dirs: dict[str, Path]) -> None:
    samples.write_calllog_csv(dirs["inbox"] / "calls.csv", bad_row=True)
    age(dirs["inbox"] / "calls.csv", 60)
    src = source(dirs)
    result = await src.fetch(None)
    assert {m.external_id for m in result.messages} == samples.CALLS_EXPECTED_REQUESTS
    (q,) = result.quarantined
    assert q.raw.decode() == "C-1007,0530 000 0000,dün akşam,Temsilci 1,10,Şikâyet,saat okunamıyor"
    assert "Satır 8" in q.error and "dün akşam" in q.error
    assert q.metadata["row"] == 8
    assert src.last_stats[0].bad_rows == 1
    assert not dirs["error"].exists()  # the file itself is fine


async def test_json_lines_without_call_ids_get_stable_hash_ids(dirs: dict[str, Path]) -> None:
    lines = [
        {"Arayan": "0532 999 0001", "Zaman": "14.03.2026 11:00", "Not": "Çöp konteyneri taşıyor"},
        "not json at all",
        {"Arayan": "0532 999 0002", "Zaman": "14.03.2026 11:05", "Sonuç": "Yanlış arama"},
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    (dirs["inbox"] / "calls.jsonl").write_text(text, encoding="utf-8")
    age(dirs["inbox"] / "calls.jsonl", 60)
    result: FetchResult = await source(dirs).fetch(None)
    (msg,) = result.messages
    assert msg.external_id.startswith("call-") and msg.text == "Çöp konteyneri taşıyor"
    (q,) = result.quarantined
    assert q.raw == b"not json at all" and q.metadata["row"] == 2

    # Same call in another export file -> same id.
    (dirs["inbox"] / "again.json").write_text(json.dumps([lines[0]], ensure_ascii=False), encoding="utf-8")
    age(dirs["inbox"] / "again.json", 60)
    again = await source(dirs).fetch(result.checkpoint)
    assert [m.external_id for m in again.messages] == [msg.external_id]


async def test_file_with_unknown_columns_goes_to_error_dir(dirs: dict[str, Path]) -> None:
    path = dirs["inbox"] / "rapor.csv"
    path.write_text("Ay;Toplam Çağrı\nMart;1200\n", encoding="utf-8")
    age(path, 60)
    result = await source(dirs).fetch(None)
    (q,) = result.quarantined
    assert "Arayan" in q.error and "Zaman" in q.error
    assert (dirs["error"] / "rapor.csv").exists()
