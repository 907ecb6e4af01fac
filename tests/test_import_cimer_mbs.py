"""Importing CİMER and MBS lists: what the Beyaz Masa operator uploads and what the hub receives."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from connectors.base import RawMessage
from connectors.imports import ImportRejected, Mapping, import_file, load_mapping
from tests.data.imports import samples

IST = ZoneInfo("Europe/Istanbul")
COMPLAINTS = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "complaints" / "belediye_train.csv"
)


def dump(messages: list[RawMessage]) -> str:
    return json.dumps([dataclasses.asdict(m) for m in messages], ensure_ascii=False, default=str)


def test_cimer_xlsx_with_merged_header_imports_every_row(tmp_path: Path) -> None:
    path = tmp_path / "cimer.xlsx"
    rows = samples.write_cimer_xlsx_merged(path)
    result = import_file(path, kind="cimer")

    assert result.errors == []
    assert result.row_count == len(rows) == len(result.messages)
    first = result.messages[0]
    assert first.channel == "cimer"
    assert first.external_id == rows[0]["no"]
    assert first.received_at == datetime(2026, 3, 1, 9, 0, tzinfo=IST)
    assert first.text == rows[0]["text"]
    assert first.subject == "Yol / Asfalt"
    assert first.metadata["konu"] == "Yol" and first.metadata["alt_konu"] == "Asfalt"
    assert first.sender.name == "Ayşe Yılmaz" and first.sender.kind == "citizen"
    assert first.sender.phone == "0532 555 1000"
    assert (first.location.il, first.location.ilce, first.location.mahalle) == (
        "Kayseri",
        "Melikgazi",
        "Gesi Fatih",
    )
    assert first.reply_to == {"kind": "cimer", "basvuru_no": rows[0]["no"]}
    assert [m.request_type for m in result.messages] == samples.TYPE_CODES
    assert "Adres Bilgileri Not" in result.unmapped_columns


def test_cimer_csv_in_windows_1254(tmp_path: Path) -> None:
    path = tmp_path / "cimer.csv"
    rows = samples.write_cimer_csv_1254(path)
    result = import_file(path, kind="cimer")
    assert result.encoding == "windows-1254"
    assert [m.external_id for m in result.messages] == [r["no"] for r in rows]
    msg = result.messages[3]
    assert msg.sender.name == "İbrahim Öztürk"
    assert msg.location.ilce == "MELİKGAZİ"
    assert msg.request_type == "gorus_oneri"
    assert msg.text == "Otobüs durağına bir bank konulmasını rica ediyoruz."


def test_file_with_wrong_columns_is_refused_and_named(tmp_path: Path) -> None:
    path = tmp_path / "personel.xlsx"
    samples.write_wrong_columns(path)
    with pytest.raises(ImportRejected) as exc:
        import_file(path, kind="cimer")
    message = str(exc.value)
    for missing in ("Başvuru No", "Başvuru Tarihi", "Metin"):
        assert missing in message
    for found in ("Sicil No", "Personel Adı", "Birim", "İşe Giriş"):
        assert found in message
    assert exc.value.found == ["Sicil No", "Personel Adı", "Birim", "İşe Giriş"]


def test_bad_rows_are_reported_and_good_rows_still_import(tmp_path: Path) -> None:
    path = tmp_path / "cimer.csv"
    line = samples.write_cimer_bad_rows(path)
    result = import_file(path, kind="cimer")

    ids = [m.external_id for m in result.messages]
    assert ids == ["2026200001", "2026200003", "2026200006", "2026200010"]
    assert result.rejected_rows == sorted(
        line[c] for c in ("bad_date", "no_id", "no_text", "dup_conflict", "shifted", "bad_after_multiline")
    )
    by_row = {e.row: e for e in result.errors}
    assert by_row[line["bad_date"]].column == "Tarih" and "31.02.2026" in by_row[line["bad_date"]].message
    assert by_row[line["no_id"]].column == "Başvuru No"
    assert by_row[line["no_text"]].column == "Metin"
    assert "2026200001" in by_row[line["dup_conflict"]].message
    # An unknown type keeps the row (warning), an identical duplicate is skipped quietly.
    assert (
        by_row[line["unknown_type"]].level == "warning" and "Dilekçe" in by_row[line["unknown_type"]].message
    )
    assert by_row[line["dup_same"]].level == "warning"
    unknown = result.messages[2]
    assert unknown.request_type is None and unknown.metadata["request_type_raw"] == "Dilekçe"
    assert unknown.received_at == datetime(2026, 3, 11, 12, 0, tzinfo=IST)  # Excel serial 46092.5
    assert result.messages[3].text == "bir\niki"

    report = result.format()
    assert f"Satır {line['bad_date']} (Tarih)" in report
    assert "4 başvuru alındı" in report and "6 satır alınamadı" in report


def test_reimporting_the_same_file_gives_the_same_messages(tmp_path: Path) -> None:
    path = tmp_path / "cimer.xlsx"
    samples.write_cimer_xlsx_merged(path)
    first = import_file(path, kind="cimer")
    second = import_file(path, kind="cimer")
    assert [m.external_id for m in first.messages] == [m.external_id for m in second.messages]
    assert dump(first.messages) == dump(second.messages)
    assert first.file_sha256 == second.file_sha256


def test_mbs_request_is_located_in_the_muhtars_mahalle(tmp_path: Path) -> None:
    path = tmp_path / "mbs.xlsx"
    rows = samples.write_mbs_xlsx(path)
    result = import_file(path, kind="mbs")
    assert result.errors == []
    a, b = result.messages
    assert a.channel == "mbs" and a.external_id == rows[0]["no"]
    assert a.sender.kind == "muhtar" and a.sender.name == "Hasan Aydın"
    assert (a.location.ilce, a.location.mahalle) == ("Melikgazi", "Gesi Fatih Mahallesi")
    assert a.location.address == "Cumhuriyet Cad. No:5"
    assert b.location.mahalle == "Yenidoğan Mahallesi"  # "... Muhtarlığı" is the office, not the place
    assert (a.request_type, b.request_type) == ("sikayet", "gorus_oneri")
    assert b.reply_to == {"kind": "mbs", "basvuru_no": rows[1]["no"]}


def test_mbs_without_the_mahalle_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mbs.csv"
    path.write_text("Talep No;Tarih;Açıklama\n1;01.03.2026;Yol bozuk\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="Mahalle"):
        import_file(path, kind="mbs")


def test_tckn_never_reaches_the_messages(tmp_path: Path) -> None:
    paths = {
        "cimer": [tmp_path / "a.xlsx", tmp_path / "b.csv", tmp_path / "c.csv"],
        "mbs": [tmp_path / "d.xlsx"],
    }
    samples.write_cimer_xlsx_merged(paths["cimer"][0])
    samples.write_cimer_csv_1254(paths["cimer"][1])
    samples.write_cimer_bad_rows(paths["cimer"][2])
    samples.write_mbs_xlsx(paths["mbs"][0])
    tcknss = {samples.make_tckn(i) for i in [*range(1, 10), 42, 100, 101, 900]}
    for kind, files in paths.items():
        for path in files:
            result = import_file(path, kind=kind)  # type: ignore[arg-type]
            text = dump(result.messages) + result.format() + " ".join(map(str, result.errors))
            leaked = [t for t in tcknss if t in text]
            assert leaked == [], (path.name, leaked)
    # The masked form keeps only the first digit.
    xlsx = import_file(paths["cimer"][0], kind="cimer")
    assert xlsx.messages[0].metadata["raw"]["Başvuran TC Kimlik No"] == samples.make_tckn(1)[0] + "*" * 10
    assert "TC kimlik numaram " + samples.make_tckn(900)[0] + "*" * 10 in xlsx.messages[1].text


def test_custom_mapping_for_an_unusual_export(tmp_path: Path) -> None:
    mapping_file = tmp_path / "kurum.yaml"
    mapping_file.write_text(
        """
kind: cimer
date_formats: ["yyyy/MM/dd HH.mm"]
fields:
  external_id: {required: true, aliases: ["Kayıt Sayısı"]}
  received_at: {required: true, type: datetime, aliases: ["Geliş"]}
  request_type: {aliases: ["Nevi"], values: {"Ş": sikayet, "İ": istek}}
  text: {required: true, aliases: ["Dilekçe"]}
""",
        encoding="utf-8",
    )
    data = tmp_path / "kurum.csv"
    data.write_text(
        "Kayıt Sayısı\tGeliş\tNevi\tDilekçe\nK-9\t2026/03/02 14.30\tŞ\tKaldırım kırık\n", encoding="utf-8"
    )
    mapping = load_mapping(mapping_file)
    assert isinstance(mapping, Mapping)
    (msg,) = import_file(data, kind="cimer", mapping=mapping).messages
    assert (msg.external_id, msg.request_type, msg.text) == ("K-9", "sikayet", "Kaldırım kırık")
    assert msg.received_at == datetime(2026, 3, 2, 14, 30, tzinfo=IST)


def test_separate_date_and_time_columns_are_combined(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Başvuru No", "Başvuru Tarihi", "Saat", "Metin"])
    ws.append(["7", datetime(2026, 3, 4), "16:45", "Gürültü şikâyeti"])
    path = tmp_path / "saat.xlsx"
    wb.save(path)
    (msg,) = import_file(path, kind="cimer").messages
    assert msg.received_at == datetime(2026, 3, 4, 16, 45, tzinfo=IST)


@pytest.mark.parametrize(
    ("name", "data", "hint"),
    [
        ("bos.csv", b"", "boş"),
        ("eski.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, ".xls"),
        ("yarim.xlsx", b"PK\x03\x04\x14\x00 kesik", "Excel"),
        ("liste.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x01\x02", "ikili"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    tmp_path: Path, name: str, data: bytes, hint: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportRejected, match=hint):
        import_file(path, kind="cimer")
    with pytest.raises(ImportRejected, match="okunamadı"):
        import_file(tmp_path / "yok.csv", kind="cimer")


@pytest.mark.skipif(not COMPLAINTS.exists(), reason="shared complaint corpus not present")
def test_real_complaint_texts_survive_a_csv_round_trip(tmp_path: Path) -> None:
    with COMPLAINTS.open(encoding="utf-8") as fh:
        texts = [row["text"].strip() for row, _ in zip(csv.DictReader(fh), range(300), strict=False)]
    texts = [t for t in texts if t]
    path = tmp_path / "gercek.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["Başvuru No", "Başvuru Tarihi", "Başvuru Türü", "Başvuru Metni"])
        for i, text in enumerate(texts):
            writer.writerow([f"R{i}", "01.03.2026 10:00", "Şikayet", text])
    result = import_file(path, kind="cimer")
    assert result.errors == []
    assert [m.text for m in result.messages] == texts


def test_excel_scientific_notation_ids_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "bozuk.csv"
    path.write_text(
        "Başvuru No;Tarih;Metin\n2,0261E+09;01.03.2026;Yol bozuk\n2026100002;01.03.2026;Su yok\n",
        encoding="utf-8",
    )
    result = import_file(path, kind="cimer")
    assert [m.external_id for m in result.messages] == ["2026100002"]
    (error,) = result.errors
    assert error.row == 2 and "bilimsel" in error.message


def test_eleven_digit_application_numbers_are_not_mistaken_for_tckn(tmp_path: Path) -> None:
    looks_like_tckn = samples.make_tckn(5)  # passes the TCKN checksum
    path = tmp_path / "cimer.csv"
    path.write_text(
        f"Başvuru No;Tarih;TC Kimlik No;Metin\n{looks_like_tckn};01.03.2026;{samples.make_tckn(6)};"
        f"Kimlik no {samples.make_tckn(7)} olan başvuru\n",
        encoding="utf-8",
    )
    (msg,) = import_file(path, kind="cimer").messages
    assert msg.external_id == looks_like_tckn
    assert msg.reply_to["basvuru_no"] == looks_like_tckn
    assert msg.metadata["raw"]["Başvuru No"] == looks_like_tckn
    assert samples.make_tckn(6) not in dump([msg]) and samples.make_tckn(7) not in dump([msg])
