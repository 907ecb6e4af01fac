"""e-Devlet (e-Belediye) application lists through the import framework: the default layout in
XLSX, UTF-8 and windows-1254 CSV, masking, bad rows, a custom mapping and the answer file."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import OutboundMessage
from connectors.imports import (
    IMPORT_KINDS,
    Answer,
    ExportSender,
    ImportRejected,
    import_bytes,
    load_mapping,
    read_answers,
    write_answers,
)
from tests.data.imports import edevlet

IST = ZoneInfo("Europe/Istanbul")


@pytest.mark.parametrize(
    ("filename", "data", "encoding"),
    [
        ("edevlet.xlsx", edevlet.xlsx_bytes(title="MELİKGAZİ BELEDİYESİ e-BELEDİYE BAŞVURU LİSTESİ"), None),
        ("edevlet.csv", edevlet.csv_bytes(), "utf-8"),
        ("edevlet_1254.csv", edevlet.csv_bytes(encoding="cp1254"), "windows-1254"),
    ],
)
def test_default_layout_imports_as_edevlet_messages(filename: str, data: bytes, encoding: str | None) -> None:
    result = import_bytes(data, filename=filename, kind="edevlet")
    assert result.errors == [] and result.encoding == encoding
    zehra, kerem = result.messages
    assert (zehra.channel, zehra.external_id) == ("edevlet", "EB-2026-000101")
    assert zehra.received_at == datetime(2026, 11, 24, 8, 45, tzinfo=IST)
    assert zehra.request_type == "sikayet" and kerem.request_type == "istek"
    assert (zehra.sender.name, zehra.sender.phone, zehra.sender.email, zehra.sender.kind) == (
        "Zehra Aksoy", "0535 201 30 40", "zehra@example.com", "citizen",
    )  # fmt: skip
    loc = zehra.location
    assert (loc.il, loc.ilce, loc.mahalle, loc.address) == (
        "Kayseri",
        "Melikgazi",
        "Gesi Fatih",
        "Gül Sokak No:4",
    )
    assert zehra.subject == "Sokak Hayvanları" and zehra.text == edevlet.ROWS[0][12]
    assert zehra.reply_to == {"kind": "edevlet", "basvuru_no": "EB-2026-000101"}
    assert zehra.metadata["status"] == "Yeni"
    # The TC kimlik no is never kept: only its first digit survives in the raw row.
    assert zehra.metadata["raw"]["TC Kimlik No"] == edevlet.TCKN[0] + "*" * 10
    assert edevlet.TCKN not in repr(zehra)
    assert result.format().startswith("e-Devlet içe aktarma: " + filename)


def test_bad_rows_are_reported_by_row_and_the_rest_import() -> None:
    data, line = edevlet.bad_rows_csv()
    result = import_bytes(data, filename="edevlet.csv", kind="edevlet")
    assert [m.external_id for m in result.messages] == ["EB-2026-000201", "EB-2026-000205"]
    assert result.rejected_rows == sorted(line[c] for c in ("bad_date", "no_id", "no_text"))
    by_row = {e.row: e for e in result.errors}
    assert (
        by_row[line["bad_date"]].column == "Başvuru Tarihi"
        and "32.11.2026" in by_row[line["bad_date"]].message
    )
    assert by_row[line["no_id"]].column == "Başvuru No"
    assert by_row[line["no_text"]].column == "Açıklama"
    assert by_row[line["unknown_type"]].level == "warning"
    assert result.messages[1].metadata["request_type_raw"] == "Dilekçe"
    report = result.format()
    assert f"Satır {line['bad_date']} (Başvuru Tarihi)" in report and "3 satır alınamadı" in report


def test_a_list_without_the_required_columns_is_refused_with_what_it_has() -> None:
    with pytest.raises(ImportRejected) as exc:
        import_bytes(edevlet.csv_bytes(["Sıra", "Ad Soyad", "Telefon"], [[1, "Ali", "0532"]]), filename="x.csv",
                     kind="edevlet")  # fmt: skip
    for missing in ("Başvuru No", "Başvuru Tarihi", "Açıklama"):
        assert missing in str(exc.value)
    assert exc.value.found == ["Sıra", "Ad Soyad", "Telefon"]


def test_custom_mapping_reads_another_vendors_export(tmp_path: Path) -> None:
    path = tmp_path / "edevlet.yaml"
    path.write_text(
        """
kind: edevlet
date_formats: ["yyyy-MM-dd HH:mm"]
fields:
  external_id: {required: true, aliases: ["Müracaat No"]}
  received_at: {required: true, type: datetime, aliases: ["Müracaat Zamanı"]}
  request_type: {aliases: ["Kategori"], values: {"Şikayet Başvurusu": sikayet}}
  applicant_tckn: {pii: tckn, aliases: ["Kimlik"]}
  ilce: {aliases: ["Bölge"], default: Talas}
  text: {required: true, aliases: ["Talep Detayı"]}
""",
        encoding="utf-8",
    )
    data = edevlet.csv_bytes(
        ["Müracaat No", "Müracaat Zamanı", "Kategori", "Kimlik", "Bölge", "Talep Detayı"],
        [
            [
                "M-77",
                "2026-11-26 14:10",
                "Şikayet Başvurusu",
                edevlet.TCKN,
                "",
                "Yol kenarındaki ağaç devrilmek üzere.",
            ]
        ],
    )
    (msg,) = import_bytes(data, filename="vendor.csv", kind="edevlet", mapping=load_mapping(path)).messages
    assert (msg.channel, msg.external_id, msg.request_type) == ("edevlet", "M-77", "sikayet")
    assert msg.received_at == datetime(2026, 11, 26, 14, 10, tzinfo=IST)
    assert msg.location.ilce == "Talas"
    assert msg.metadata["raw"]["Kimlik"] == edevlet.TCKN[0] + "*" * 10


def test_edevlet_is_one_of_the_framework_kinds() -> None:
    assert IMPORT_KINDS == ("cimer", "mbs", "edevlet")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_answers_go_to_the_edevlet_answer_file_neutralised(tmp_path: Path, fmt: str) -> None:
    when = datetime(2026, 11, 27, 9, 30, tzinfo=IST)
    sender = ExportSender(tmp_path, channel="edevlet", fmt=fmt, clock=lambda: when)  # type: ignore[arg-type]
    text = '=HYPERLINK("http://x") köpek barınağa alındı.'
    out = OutboundMessage(channel="edevlet", text=text, idempotency_key="k1",
                          reply_to={"kind": "edevlet", "basvuru_no": "EB-2026-000101", "sonuc": "olumlu"})  # fmt: skip
    result = await sender.send(out)
    target = tmp_path / f"edevlet_cevaplar_2026-11-27.{fmt}"
    assert result.external_id.startswith(target.name)
    assert [(a.basvuru_no, a.text, a.outcome) for a in read_answers(target)] == [
        ("EB-2026-000101", text, "olumlu")
    ]
    raw = target.read_bytes()
    if fmt == "csv":
        assert raw.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in raw
    else:
        with zipfile.ZipFile(target) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml")
        assert b"<f>" not in sheet and b"'=HYPERLINK" in sheet  # text, never a formula


def test_write_answers_knows_the_edevlet_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "a.xlsx"
    write_answers(
        path, [Answer("EB-1", "Tamam", datetime(2026, 11, 27, 9, 0, tzinfo=IST), "olumsuz")], kind="edevlet"
    )
    ws = load_workbook(path).active
    assert ws.title == "e-Devlet Cevapları"
    assert [c.value for c in ws[1]] == ["Başvuru No", "Cevap Tarihi", "Cevap Metni", "Sonuç"]
