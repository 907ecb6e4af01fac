"""Turn one table row into typed field values through a binding, collecting row errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from connectors.imports.mapping import Binding
from connectors.imports.tabular import Row, column_letter, is_blank
from connectors.imports.textfold import mask_tckn_value, scrub_tckn

_TIME_TEXT = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")


@dataclass(slots=True)
class RowError:
    """A problem in one row. ``level="error"``: the row was not imported; ``"warning"``: it was."""

    row: int
    column: str | None
    message: str
    level: str = "error"

    def __str__(self) -> str:
        where = f"Satır {self.row}" + (f" ({self.column})" if self.column else "")
        tag = "" if self.level == "error" else " [uyarı]"
        return f"{where}{tag}: {self.message}"


def cell_text(value: Any) -> str | None:
    """A cell as text: integral floats lose their ``.0`` (Excel stores ids as numbers)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def read_record(
    binding: Binding, row: Row, *, strict_width: bool = False
) -> tuple[dict[str, Any], list[RowError]]:
    """Typed values for every mapped field of ``row`` plus the row's errors and warnings.

    Date fields become aware datetimes, value-mapped fields their hub code, TCKN fields the
    masked form. Required fields that are empty are errors.
    """
    mapping = binding.mapping
    out: dict[str, Any] = {}
    errors: list[RowError] = []
    for name, spec in mapping.fields.items():
        value = binding.cell(row, name)
        label = binding.label(name) or (spec.aliases[0] if spec.aliases else name)
        if value is None:
            out[name] = None
            if spec.required and spec.type != "time":
                errors.append(RowError(row.number, label, "boş olamaz"))
            continue
        if spec.type == "datetime":
            try:
                out[name] = mapping.parse_datetime(value)
            except ValueError as exc:
                out[name] = None
                errors.append(RowError(row.number, label, str(exc)))
        elif spec.type == "time":
            out[name] = value
        elif spec.pii == "tckn":
            out[name] = mask_tckn_value(value)
        elif spec.values:
            out[f"{name}_raw"] = cell_text(value)
            try:
                out[name] = mapping.map_value(name, value)
            except ValueError as exc:
                out[name] = None
                errors.append(RowError(row.number, label, f"{exc}; alan boş bırakıldı", level="warning"))
        else:
            text = cell_text(value)
            out[name] = scrub_tckn(text) if text and spec.scrub else text
    _merge_time(binding, row, out, errors)
    if strict_width:
        labelled = {c.index for c in binding.all_columns if c.names}
        stray = [i for i, v in enumerate(row.values) if i not in labelled and not is_blank(v)]
        if stray:
            errors.append(
                RowError(
                    row.number,
                    f"Sütun {column_letter(stray[0])}",
                    "başlığı olmayan sütunda değer var; ayraç ya da tırnak hatası nedeniyle satır kaymış olabilir",
                )
            )
    return out, errors


def raw_row(binding: Binding, row: Row) -> dict[str, Any]:
    """The row as {header: value} for metadata, JSON-safe, with TCKNs masked."""
    tckn_cols = binding.pii_columns("tckn")
    keep_cols = binding.unscrubbed_columns()
    raw: dict[str, Any] = {}
    for col in binding.all_columns:
        value = row.get(col.index)
        if is_blank(value) and not col.names:
            continue
        text = cell_text(value)
        if col.index in tckn_cols:
            text = mask_tckn_value(text)
        elif text is not None and col.index not in keep_cols:
            text = scrub_tckn(text)
        key = col.label
        while key in raw:  # duplicate header texts
            key += "_"
        raw[key] = text
    # Cells right of the last column seen in the header window (a shifted or wider row).
    for index in range(len(binding.all_columns), len(row.values)):
        if not is_blank(row.values[index]):
            raw[f"Sütun {column_letter(index)}"] = scrub_tckn(cell_text(row.values[index]) or "")
    return raw


def _merge_time(binding: Binding, row: Row, out: dict[str, Any], errors: list[RowError]) -> None:
    """Add a separate time column ("Saat") to a date-only datetime field."""
    time_fields = [
        n for n, s in binding.mapping.fields.items() if s.type == "time" and out.get(n) is not None
    ]
    date_fields = [n for n, s in binding.mapping.fields.items() if s.type == "datetime"]
    if not time_fields or not date_fields:
        return
    name, target = time_fields[0], date_fields[0]
    value, moment = out.pop(name), out.get(target)
    out[name] = None
    if moment is None:
        return
    try:
        t = _parse_time(value)
    except ValueError:
        label = binding.label(name) or name
        errors.append(
            RowError(row.number, label, f"saat okunamadı: '{value}'; yalnız tarih kullanıldı", "warning")
        )
        return
    if moment.time() == time(0, 0):
        out[target] = moment.replace(hour=t.hour, minute=t.minute, second=t.second)


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, int | float) and 0 <= float(value) < 1:  # Excel fraction of a day
        seconds = round(float(value) * 86400)
        return (datetime.min + timedelta(seconds=seconds)).time()
    m = _TIME_TEXT.match(str(value).strip())
    if not m:
        raise ValueError(value)
    return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
