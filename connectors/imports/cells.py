"""The one place that makes a value safe to write into a spreadsheet cell (CSV or XLSX).

Excel and LibreOffice run a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(…)`` leaks data, ``=cmd|…`` runs programs through DDE); a leading tab or
carriage return is trimmed by some importers and exposes the same. Text from citizens,
imported lists and staff answers reaches our exports, so every string cell that begins with
one of these gets a single quote in front. The quote itself is escaped too (``'x`` becomes
``''x``), which makes the change reversible: ``restore_cell`` gives back exactly what was
written. Numbers, dates and ``None`` pass through as typed values.

Every export (CİMER/MBS answer files, the muhtar report workbook) writes through
``csv_writer`` or ``append_row``. This module lives under ``connectors/`` so both the
connectors and ``hub/`` may use it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

QUOTE = "'"
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", QUOTE)


def safe_cell(value: Any) -> Any:
    """``value`` with a leading quote if it is a string a spreadsheet could treat as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return QUOTE + value
    return value


def restore_cell(value: Any) -> Any:
    """The inverse of ``safe_cell``, for reading our own export files back."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(_TRIGGERS):
        return value[1:]
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


class _SafeWriter:
    """``csv.writer`` whose rows pass through ``safe_cell``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._inner.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def csv_writer(stream: Any, **kwargs: Any) -> _SafeWriter:
    """A ``csv.writer(stream, **kwargs)`` that neutralises every cell it writes."""
    return _SafeWriter(csv.writer(stream, **kwargs))


def xlsx_value(value: Any) -> Any:
    """A cell value for openpyxl: control characters XML cannot hold removed, then neutralised.

    XML turns a carriage return into a line feed when the file is read, so line ends are
    written as line feeds in the first place (and the value read back is the value written).
    """
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return safe_cell(value)


def append_row(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append`` for a normal (not write-only) openpyxl sheet, with every cell made safe.

    openpyxl decides a string is a formula by its first character alone; after ``safe_cell``
    no string starts with ``=``, and the data type is set to text explicitly all the same.
    """
    ws.append([xlsx_value(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
