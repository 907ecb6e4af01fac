"""Reading CSV/XLSX files the way municipal staff actually produce them."""

from __future__ import annotations

import codecs
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.imports import default_mapping
from connectors.imports.tabular import TableError, decode_text, read_table, sniff_delimiter
from tests.data.imports import samples


def cimer_score(text: str) -> int:
    return default_mapping("cimer").header_score(text)


def test_merged_two_row_header_becomes_one_name_per_column(tmp_path: Path) -> None:
    path = tmp_path / "cimer.xlsx"
    rows = samples.write_cimer_xlsx_merged(path)
    table = read_table(path, header_score=cimer_score)

    labels = [c.label for c in table.columns]
    assert labels[:3] == ["Başvuru No", "Başvuru Tarihi", "Başvuru Türü"]  # vertical merges: one name
    assert labels[3:6] == ["Başvuran Adı Soyadı", "Başvuran TC Kimlik No", "Başvuran Telefon"]
    assert labels[6] == "Adres Bilgileri İl"
    assert table.columns[4].names == ["Başvuran TC Kimlik No", "TC Kimlik No", "Başvuran"]
    assert table.header_rows == [3, 4]  # the merged title row above was skipped
    # Data starts at sheet row 5, the trailing empty row is gone, dates stay datetimes.
    assert [r.number for r in table.rows] == list(range(5, 5 + len(rows)))
    assert isinstance(table.rows[0].values[1], datetime)


def test_windows_1254_csv_keeps_turkish_letters(tmp_path: Path) -> None:
    path = tmp_path / "cimer.csv"
    samples.write_cimer_csv_1254(path)
    table = read_table(path, header_score=cimer_score)
    assert table.encoding == "windows-1254"
    assert table.delimiter == ";"
    assert table.columns[2].label == "BAŞVURU TÜRÜ"
    assert table.rows[0].values[2] == "Şikâyet"
    assert "Sokağımızdaki" in table.rows[0].values[-1]


def test_encoding_fallbacks() -> None:
    text = "İlçe;Açıklama\nMelikgazi;Çöp toplanmıyor, şikâyet\n"
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")
    assert decode_text(codecs.BOM_UTF8 + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_text(text.encode("utf-16")) == (text, "utf-16")  # Excel "Unicode metin"
    assert decode_text(text.encode("cp1254")) == (text, "windows-1254")
    # 0x81 is undefined in windows-1254: such a file can only be ISO-8859-9.
    odd = text.encode("iso-8859-9") + b"\x81"
    decoded, enc = decode_text(odd)
    assert enc == "iso-8859-9" and decoded.startswith("İlçe;Açıklama")


def test_delimiter_sniffing_ignores_delimiters_inside_quotes() -> None:
    assert sniff_delimiter('a,b,c\n1,"x; y; z",3\n') == ","
    assert sniff_delimiter('a;b;c\n1;"x, y, z";3\n') == ";"
    assert sniff_delimiter("a\tb\tc\n1\tx, y; z\t3\n") == "\t"


def test_two_row_header_without_merge_info_in_csv() -> None:
    data = (
        "Başvuru No;Tarih;Başvuran;;;Metin\n"
        ";;Adı Soyadı;TC Kimlik No;Telefon;\n"
        "2026000001;01.03.2026 10:00;Ali Veli;12345678901;0532 000 0000;Çukur var\n"
    ).encode()
    table = read_table(data, filename="x.csv", header_score=cimer_score)
    assert [c.label for c in table.columns] == [
        "Başvuru No",
        "Tarih",
        "Başvuran Adı Soyadı",
        "Başvuran TC Kimlik No",
        "Başvuran Telefon",
        "Metin",
    ]
    assert [r.number for r in table.rows] == [3]


def test_data_row_under_a_wide_merged_header_is_not_a_sub_header(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Başvuru No", "Tarih", "Metin", None, None])
    ws.merge_cells("C1:E1")  # a wide text column
    ws.append(["1", "01.03.2026 10:00", "Sokakta su birikintisi var", None, None])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    table = read_table(path, header_score=cimer_score)
    assert table.header_rows == [1]
    assert len(table.rows) == 1


def test_header_matching_is_case_accent_and_punctuation_blind() -> None:
    mapping = default_mapping("cimer")
    for header in [
        "Başvuru No",
        "BASVURU_NO",
        "başvuru-no",
        "BAŞVURU NO.",
        "Başvuru No (CİMER)",
        "başvuru numarası",
    ]:
        assert mapping.header_score(header) == 1, header
    assert mapping.header_score("İLÇE") == mapping.header_score("ilce") == 1
    assert mapping.header_score("Personel Adı") == 0


def test_unreadable_inputs_raise_table_error(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="boş"):
        read_table(b"  \n", filename="x.csv")
    with pytest.raises(TableError, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="x.xls")
    with pytest.raises(TableError, match="Excel"):
        read_table(b"PK\x03\x04 truncated", filename="x.xlsx")


def test_sub_header_row_matching_more_aliases_still_keeps_the_group_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Başvuru No", "Tarih", "Başvuran", None, None, "Adres", None, None, "Metin"])
    ws.append([None, None, "Adı Soyadı", "TC Kimlik No", "Telefon", "İl", "İlçe", "Mahalle", None])
    for rng in ("A1:A2", "B1:B2", "C1:E1", "F1:H1", "I1:I2"):
        ws.merge_cells(rng)
    ws.append(
        ["9", "02.03.2026 10:00", "Ali Veli", "12345678950", "0532", "Kayseri", "Talas", "Mevlana", "Yol"]
    )
    path = tmp_path / "two_row.xlsx"
    wb.save(path)
    table = read_table(path, header_score=cimer_score)
    assert table.header_rows == [1, 2]
    assert [c.label for c in table.columns] == [
        "Başvuru No",
        "Tarih",
        "Başvuran Adı Soyadı",
        "Başvuran TC Kimlik No",
        "Başvuran Telefon",
        "Adres İl",
        "Adres İlçe",
        "Adres Mahalle",
        "Metin",
    ]
    assert [r.number for r in table.rows] == [3]


def test_corrupt_sheet_inside_a_valid_archive_is_a_table_error(tmp_path: Path) -> None:
    import zipfile

    good = tmp_path / "good.xlsx"
    samples.write_mbs_xlsx(good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]  # truncated sheet XML
            dst.writestr(item, data)
    with pytest.raises(TableError, match="Excel"):
        read_table(bad)
