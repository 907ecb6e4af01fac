"""Generators for the import sample files (all data is invented here).

Tests call these at run time into a temp dir; ``python tests/data/imports/samples.py OUTDIR``
writes the whole set for a look in Excel.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

# Invented people and places-in-Kayseri; TCKNs are generated to pass the checksum.
NAMES = ["Ayşe Yılmaz", "Mehmet Çelik", "Fatma Şahin", "İbrahim Öztürk", "Gülşen Doğan", "Ömer Kılıç"]
ILCE_MAHALLE = [
    ("Melikgazi", "Gesi Fatih"),
    ("Kocasinan", "Yenidoğan"),
    ("Talas", "Mevlana"),
    ("Melikgazi", "Köşk"),
    ("Kocasinan", "Sahabiye"),
    ("Hacılar", "Yukarı"),
]
TEXTS = [
    "Sokağımızdaki çukur iki haftadır kapatılmadı, araçlar zarar görüyor.",
    "Mahallemizde üç gündür çöpler toplanmıyor, kötü koku var.",
    "Parktaki oyun grubunun salıncağı kırık; çocuklar için tehlikeli.",
    "Otobüs durağına bir bank konulmasını rica ediyoruz.",
    "Caddede sokak lambaları yanmıyor, akşamları çok karanlık.",
    "Su sayacım arızalı, fatura normalin üç katı geldi.",
]
TYPES = ["Şikâyet", "İstek", "İhbar", "Görüş-Öneri", "Bilgi Edinme", "Teşekkür"]
TYPE_CODES = ["sikayet", "istek", "ihbar", "gorus_oneri", "bilgi_edinme", "tesekkur"]
KONU = [("Yol", "Asfalt"), ("Temizlik", "Çöp"), ("Park Bahçe", "Oyun Grubu"), ("Ulaşım", "Durak"),
        ("Aydınlatma", "Sokak Lambası"), ("Su", "Sayaç")]  # fmt: skip


def make_tckn(seed: int) -> str:
    """A checksum-valid (invented) T.C. kimlik no."""
    base = [1 + seed % 9] + [(seed * 7 + i * 3) % 10 for i in range(8)]
    d10 = ((sum(base[0:9:2]) * 7) - sum(base[1:8:2])) % 10
    d11 = (sum(base) + d10) % 10
    return "".join(map(str, [*base, d10, d11]))


def cimer_row(i: int) -> dict[str, object]:
    ilce, mahalle = ILCE_MAHALLE[i % 6]
    konu, alt = KONU[i % 6]
    return {
        "no": f"2026{100000 + i}",
        "date": datetime(2026, 3, 1 + i % 27, 9 + i % 8, (i * 7) % 60),
        "type": TYPES[i % 6],
        "name": NAMES[i % 6],
        "tckn": make_tckn(i + 1),
        "phone": f"0532 555 {1000 + i:04d}",
        "il": "Kayseri",
        "ilce": ilce,
        "mahalle": mahalle,
        "address": f"{mahalle} Mah. {i + 1}. Sokak No:{i + 3}",
        "konu": konu,
        "alt": alt,
        # Citizens sometimes write their TCKN into the text; row 1 does.
        "text": TEXTS[i % 6] + (f" TC kimlik numaram {make_tckn(900)}." if i == 1 else ""),
    }


def write_cimer_xlsx_merged(path: Path, n: int = 6) -> list[dict[str, object]]:
    """A CİMER list as a person would format it: title row, two-row header with merged groups."""
    rows = [cimer_row(i) for i in range(n)]
    wb = Workbook()
    ws = wb.active
    ws.title = "Başvurular"
    ws["A1"] = "KAYSERİ BÜYÜKŞEHİR BELEDİYESİ - CİMER BAŞVURU LİSTESİ"
    ws.merge_cells("A1:N1")
    # Row 3-4: header. Single fields merged vertically, groups merged horizontally.
    singles = {"A": "Başvuru No", "B": "Başvuru Tarihi", "C": "Başvuru Türü", "L": "Konu", "M": "Alt Konu",
               "N": "Başvuru Metni"}  # fmt: skip
    for col, title in singles.items():
        ws[f"{col}3"] = title
        ws.merge_cells(f"{col}3:{col}4")
    ws["D3"] = "Başvuran"
    ws.merge_cells("D3:F3")
    ws["G3"] = "Adres Bilgileri"
    ws.merge_cells("G3:K3")
    for col, title in zip("DEFGHIJK", ["Adı Soyadı", "TC Kimlik No", "Telefon", "İl", "İlçe", "Mahalle",
                                         "Açık Adres", "Not"], strict=True):  # fmt: skip
        ws[f"{col}4"] = title
    for r in rows:
        ws.append([r["no"], r["date"], r["type"], r["name"], int(str(r["tckn"])), r["phone"], r["il"],
                   r["ilce"], r["mahalle"], r["address"], None, r["konu"], r["alt"], r["text"]])  # fmt: skip
        ws.cell(ws.max_row, 2).number_format = "dd.mm.yyyy hh:mm"
    ws.append([])  # trailing empty row, skipped
    wb.save(path)
    return rows


CSV_HEADER_1254 = ["BASVURU_NO", "Başvuru Tarihi", "BAŞVURU TÜRÜ", "Adı Soyadı", "T.C. Kimlik No", "İL", "İLÇE",
                   "Mahalle", "Adres", "Konu", "Alt Konu", "Başvuru Metni"]  # fmt: skip


def _csv_line(values: list[object], delimiter: str = ";") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerow(values)
    return buf.getvalue()


def tr_upper(text: str) -> str:
    return text.replace("i", "İ").replace("ı", "I").upper()


def write_cimer_csv_1254(path: Path, n: int = 5) -> list[dict[str, object]]:
    """A CİMER list saved by Turkish Excel as "CSV (noktalı virgülle ayrılmış)": windows-1254, `;`."""
    rows = [cimer_row(i) for i in range(n)]
    text = _csv_line(CSV_HEADER_1254)
    for r in rows:
        date = r["date"].strftime("%d.%m.%Y %H:%M")  # type: ignore[union-attr]
        text += _csv_line([r["no"], date, r["type"], r["name"], r["tckn"], "KAYSERİ", tr_upper(str(r["ilce"])),
                           r["mahalle"], r["address"], r["konu"], r["alt"], r["text"]])  # fmt: skip
    path.write_bytes(text.encode("cp1254"))
    return rows


def write_wrong_columns(path: Path) -> None:
    """A staff list uploaded by mistake: none of the CİMER columns."""
    wb = Workbook()
    ws = wb.active
    ws.append(["Sicil No", "Personel Adı", "Birim", "İşe Giriş"])
    ws.append([1001, "Ali Veli", "Fen İşleri", datetime(2020, 1, 1)])
    wb.save(path)


def write_cimer_bad_rows(path: Path) -> dict[str, int]:
    """UTF-8 CSV with good rows and known bad rows; returns {case: csv line number}."""
    header = ["Başvuru No", "Tarih", "Tür", "Başvuran", "TCKN", "İlçe", "Konu", "Metin"]
    lines = [_csv_line(header, ",")]
    cases: dict[str, int] = {}

    def add(case: str, values: list[object]) -> None:
        cases[case] = sum(chunk.count("\n") for chunk in lines) + 1  # physical line the record starts on
        lines.append(_csv_line(values, ","))

    tckn = make_tckn(42)
    add("good1", ["2026200001", "05.03.2026 10:15", "Şikayet", "Ayşe Yılmaz", tckn, "Talas", "Yol", TEXTS[0]])
    add("bad_date", ["2026200002", "31.02.2026", "İstek", "Mehmet Çelik", "", "Talas", "Yol", TEXTS[1]])
    add(
        "good_iso",
        ["2026200003", "2026-03-06T08:00:00", "istek", "Fatma Şahin", "", "Talas", "Park", TEXTS[2]],
    )
    add("no_id", ["", "06.03.2026 09:00", "İhbar", "Ömer Kılıç", "", "Talas", "Zabıta", TEXTS[3]])
    add("no_text", ["2026200005", "06.03.2026 09:30", "İstek", "Gülşen Doğan", "", "Talas", "Su", ""])
    add("unknown_type", ["2026200006", "46092.5", "Dilekçe", "İbrahim Öztürk", "", "Talas", "Su", TEXTS[5]])
    add(
        "dup_conflict",
        ["2026200001", "07.03.2026 10:00", "İstek", "Ayşe Yılmaz", "", "Talas", "Yol", TEXTS[4]],
    )
    add(
        "dup_same",
        ["2026200003", "2026-03-06T08:00:00", "istek", "Fatma Şahin", "", "Talas", "Park", TEXTS[2]],
    )
    add("shifted", ["2026200009", "07.03.2026 11:00", "İstek", "Ali", "", "Talas", "Yol", "metin", "taşan"])
    # A multi-line quoted text: the following row's number must still be right.
    add(
        "multiline",
        ["2026200010", "08.03.2026 12:00", "Görüş ve Öneri", "Ali", "", "Talas", "Park", "bir\niki"],
    )
    add("bad_after_multiline", ["2026200011", "yarın", "İstek", "Ali", "", "Talas", "Park", "x"])
    path.write_text("".join(lines), encoding="utf-8")
    return cases


def write_mbs_xlsx(path: Path) -> list[dict[str, object]]:
    rows = [
        {"no": "MBS-2026-0001", "date": "12.03.2026 14:05", "ilce": "Melikgazi", "mahalle": "Gesi Fatih Mahallesi",
         "muhtar": "Hasan Aydın", "type": "Şikâyet", "text": "Mahallemizin ana caddesindeki kanalizasyon taşıyor."},
        {"no": "MBS-2026-0002", "date": "13.03.2026 09:40", "ilce": "Kocasinan",
         "mahalle": "Yenidoğan Mahallesi Muhtarlığı", "muhtar": "Zeynep Arslan", "type": "görüş ve öneri",
         "text": "Muhtarlık önüne bir otobüs durağı yapılmasını öneriyoruz."},
    ]  # fmt: skip
    wb = Workbook()
    ws = wb.active
    ws.append(["Talep No", "Talep Tarihi", "İl", "İlçe", "Muhtarlık", "Muhtar Adı Soyadı", "Muhtar TC Kimlik No",
               "Başvuru Türü", "Adres", "Açıklama"])  # fmt: skip
    for i, r in enumerate(rows):
        ws.append([r["no"], r["date"], "Kayseri", r["ilce"], r["mahalle"], r["muhtar"], make_tckn(100 + i),
                   r["type"], "Cumhuriyet Cad. No:5" if i == 0 else None, r["text"]])  # fmt: skip
    wb.save(path)
    return rows


CALLLOG_HEADER = ["Çağrı No", "Arayan", "Zaman", "Temsilci", "Süre", "Sonuç", "Not"]
CALLS = [
    ["C-1001", "0532 111 2233", "14.03.2026 08:01:10", "Temsilci 4", "02:15", "Şikâyet", "Kocasinan'da su kesintisi"],
    ["C-1002", "0533 222 3344", "14.03.2026 08:03:00", "Temsilci 2", "45", "Bilgi Verildi",
     "Otobüs saatlerini sordu, bilgi verildi"],
    ["C-1003", "0505 333 4455", "14.03.2026 08:05:30", "Temsilci 4", "01:05", "", "Sokak lambası yanmıyor"],
    ["C-1004", "0542 444 5566", "14.03.2026 08:06:00", "Temsilci 1", "00:20", "Yanlış Arama", ""],
    ["C-1005", "", "14.03.2026 08:09:00", "Temsilci 3", "03:40", "Talep", ""],
    ["C-1006", "0544 555 6677", "14.03.2026 08:10:00", "Temsilci 3", "00:50", "Bilgi Verildi", ""],
]  # fmt: skip
# (calls, with request): C-1001 şikâyet, C-1003 note, C-1005 talep without note -> 3 requests.
CALLS_EXPECTED_REQUESTS = {"C-1001", "C-1003", "C-1005"}


def write_calllog_csv(path: Path, *, bad_row: bool = False) -> None:
    rows = [CALLLOG_HEADER, *CALLS]
    if bad_row:
        rows.append(
            ["C-1007", "0530 000 0000", "dün akşam", "Temsilci 1", "10", "Şikâyet", "saat okunamıyor"]
        )
    path.write_text("".join(_csv_line(r, ",") for r in rows), encoding="utf-8")


def write_calllog_json(path: Path) -> None:
    """The same kind of log as JSON with English keys and no call ids (ids come from a hash)."""
    calls = [
        {"caller": "+90 532 777 8899", "time": "2026-03-14T09:00:00+03:00", "agent": "A7", "duration": 130,
         "disposition": "ihbar", "notes": "Kaçak yapı ihbarı, Talas"},
        {"caller": "0532 777 0000", "time": "2026-03-14T09:05:00+03:00", "agent": "A7", "duration": 30,
         "disposition": "bilgi verildi", "notes": None},
    ]  # fmt: skip
    path.write_text(json.dumps({"calls": calls}, ensure_ascii=False), encoding="utf-8")


def write_calllog_malformed_json(path: Path) -> bytes:
    data = b'[{"caller": "0532 000 1111", "time": "2026-03-14T10:00:00", "notes": "kesik'
    path.write_bytes(data)
    return data


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_cimer_xlsx_merged(out / "cimer_merged_header.xlsx")
    write_cimer_csv_1254(out / "cimer_windows1254.csv")
    write_wrong_columns(out / "wrong_columns.xlsx")
    write_cimer_bad_rows(out / "cimer_bad_rows.csv")
    write_mbs_xlsx(out / "mbs.xlsx")
    write_calllog_csv(out / "alo153_calls.csv", bad_row=True)
    write_calllog_json(out / "alo153_calls.json")
    write_calllog_malformed_json(out / "alo153_broken.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "out")
