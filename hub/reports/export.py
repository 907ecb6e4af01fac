"""The one exporter: any report's tables as CSV or XLSX.

CSV is for Excel in Turkey: UTF-8 with a byte-order mark (so Excel reads Turkish letters),
``;`` between cells (Excel's list separator in the Turkish locale, where ``,`` is the decimal
mark), decimals with a comma (``66,7``), dates as ``2026-03-02``. One CSV holds one table; the
XLSX holds every table as its own sheet plus a "Filtre" sheet saying what was counted.
Every cell passes through ``connectors.imports.cells`` (formula injection)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from connectors.imports.cells import csv_writer, xlsx_value
from hub.reports.common import TZ
from hub.reports.table import Table, csv_text

CSV_DELIMITER = ";"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {"int": "#,##0", "pct": "0.0%", "hours": "0.0", "date": "dd.mm.yyyy", "month": "mm.yyyy"}
MAX_WIDTH = 60


def to_csv(table: Table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv_writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in table.cols])
    for row in table.rows:
        writer.writerow([csv_text(v, c.kind) for v, c in zip(row, table.cols, strict=True)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def to_xlsx(tables: Sequence[Table], about: Sequence[tuple[str, Any]]) -> bytes:
    """A workbook: one sheet per table (header row frozen, typed cells with number formats,
    widths from the content), then "Filtre": the ``about`` pairs (label, value)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)  # streams rows: a year of mahalle × topic rows stays fast
    bold = Font(bold=True)
    for table in tables:
        ws = wb.create_sheet(table.title)
        ws.freeze_panes = "A2"
        for i in range(len(table.cols)):
            ws.column_dimensions[get_column_letter(i + 1)].width = _width(table, i)
        header = []
        for col in table.cols:
            cell = WriteOnlyCell(ws, value=xlsx_value(col.header))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        styles = [_style(ws, NUMBER_FORMATS.get(c.kind)) for c in table.cols]
        for row in table.rows:
            cells = []
            for value, style in zip(row, styles, strict=True):
                cell = WriteOnlyCell(ws, value=xlsx_value(value))
                if style is not None and value is not None:
                    cell._style = style  # one shared style per column: 50,000 cells stay fast
                cells.append(cell)
            ws.append(cells)
    ws = wb.create_sheet("Filtre")
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 50
    for label, value in about:
        cell = WriteOnlyCell(ws, value=xlsx_value(value))
        if isinstance(value, datetime):
            cell.value = value.astimezone(TZ).replace(tzinfo=None)  # Excel has no time zones
            cell.number_format = "dd.mm.yyyy hh:mm"
        elif isinstance(value, date):
            cell.number_format = NUMBER_FORMATS["date"]
        ws.append([WriteOnlyCell(ws, value=xlsx_value(label)), cell])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _style(ws: Any, number_format: str | None) -> Any:
    """The style array of a cell with ``number_format``, to share across a column."""
    if number_format is None:
        return None
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws)
    cell.number_format = number_format
    return cell._style


def _width(table: Table, i: int) -> float:
    """Wide enough for the header and the longest value (sampled), within limits."""
    col = table.cols[i]
    longest = len(col.header)
    for row in table.rows[:500]:
        longest = max(longest, len(csv_text(row[i], col.kind)))
    return min(MAX_WIDTH, max(8, longest + 2))
