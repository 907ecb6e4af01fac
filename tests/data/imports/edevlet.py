"""e-Devlet (e-Belediye) application lists for the tests, in the documented default layout.

The texts are written for these tests; the TC kimlik numbers are invented but checksum-valid.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from tests.data.imports.samples import make_tckn

HEADER = ["Başvuru No", "Başvuru Tarihi", "Başvuru Türü", "Ad Soyad", "TC Kimlik No", "Telefon", "E-posta",
          "İl", "İlçe", "Mahalle", "Adres", "Konu", "Açıklama", "Durum"]  # fmt: skip
TCKN = make_tckn(7)
ROWS: list[list[object]] = [
    ["EB-2026-000101", "24.11.2026 08:45", "Şikâyet", "Zehra Aksoy", TCKN, "0535 201 30 40", "zehra@example.com",
     "Kayseri", "Melikgazi", "Gesi Fatih", "Gül Sokak No:4",
     "Sokak Hayvanları", "Sokağımızda bacağı yaralı bir köpek dolaşıyor, veteriner gönderilmesini istiyoruz.",
     "Yeni"],
    ["EB-2026-000102", "24.11.2026 10:05", "İstek", "Kerem Yalçın", "", "0542 300 11 22", "",
     "Kayseri", "Kocasinan", "Mimarsinan", "Park Caddesi",
     "Park", "Mahalle parkındaki salıncak kırılmış, çocuklar için tehlikeli; onarılmasını rica ederim.", "Yeni"],
]  # fmt: skip


def xlsx_bytes(
    header: list[str] = HEADER, rows: list[list[object]] = ROWS, *, title: str | None = None
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Başvurular"
    if title:  # e-Belediye exports often carry a title row above the header
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(
    header: list[str] = HEADER,
    rows: list[list[object]] = ROWS,
    *,
    encoding: str = "utf-8",
    delimiter: str = ";",
) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def bad_rows_csv() -> tuple[bytes, dict[str, int]]:
    """Good rows around known bad ones; returns the file and {case: csv line number}."""
    rows = {
        "good": ["EB-2026-000201", "25.11.2026 09:00", "İstek", "Aylin Er", "", "", "", "Kayseri", "Talas", "Mevlana",
                 "", "Yol", "Sokağın başındaki çukur her yağmurda su dolduruyor, asfalt yenilensin."],
        "bad_date": ["EB-2026-000202", "32.11.2026", "İstek", "Aylin Er", "", "", "", "Kayseri", "Talas", "", "",
                     "Yol", "Kaldırım taşları yerinden çıkmış."],
        "no_id": ["", "25.11.2026 09:30", "Şikâyet", "Can Ak", "", "", "", "Kayseri", "Talas", "", "", "Zabıta",
                  "Pazar yerinde seyyar satıcılar yolu kapatıyor."],
        "no_text": ["EB-2026-000204", "25.11.2026 09:40", "İstek", "Can Ak", "", "", "", "Kayseri", "Talas", "", "",
                    "Su", ""],
        "unknown_type": ["EB-2026-000205", "25.11.2026 10:00", "Dilekçe", "Deniz Su", "", "", "", "Kayseri",
                         "Talas", "", "", "Temizlik", "Çöp konteyneri üç gündür boşaltılmadı."],
    }  # fmt: skip
    header = HEADER[:4] + HEADER[5:-1]  # no TCKN, no Durum: the columns present are enough
    lines = {case: i + 2 for i, case in enumerate(rows)}
    return csv_bytes(header, [[*r[:4], *r[5:]] for r in rows.values()], delimiter=","), lines
