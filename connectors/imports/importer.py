"""Import a CİMER or MBS list (CSV/XLSX) into RawMessages with a row-by-row report."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from connectors.base import RawMessage
from connectors.imports import cimer, mbs
from connectors.imports.mapping import ImportRejected, Mapping, default_mapping
from connectors.imports.records import RowError, raw_row, read_record
from connectors.imports.tabular import TableError, read_table

log = logging.getLogger(__name__)

ImportKind = Literal["cimer", "mbs"]
_BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], RawMessage]] = {
    "cimer": cimer.build_message,
    "mbs": mbs.build_message,
}
_KIND_LABEL = {"cimer": "CİMER", "mbs": "MBS"}
# "2,0261E+09": Excel turned a long number into scientific notation and lost digits.
_EXCEL_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


@dataclass(slots=True)
class ImportResult:
    kind: str
    filename: str
    file_sha256: str
    row_count: int  # non-empty data rows under the header
    messages: list[RawMessage] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # row errors (row skipped) and warnings
    unmapped_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.level == "error"})

    def format(self) -> str:
        """A short Turkish report for the staff member who uploaded the file."""
        label = _KIND_LABEL.get(self.kind, self.kind)
        lines = [
            f"{label} içe aktarma: {self.filename}",
            f"  {self.row_count} satır okundu, {len(self.messages)} başvuru alındı, "
            f"{len(self.rejected_rows)} satır alınamadı.",
        ]
        if self.sheet:
            lines.append(f"  Sayfa: {self.sheet}")
        if self.unmapped_columns:
            lines.append(f"  Kullanılmayan sütunlar: {', '.join(self.unmapped_columns)}")
        errors = [e for e in self.errors if e.level == "error"]
        warnings = [e for e in self.errors if e.level != "error"]
        if errors:
            lines.append("  Alınamayan satırlar:")
            lines += [f"    {e}" for e in errors]
        if warnings:
            lines.append("  Uyarılar (satır alındı):")
            lines += [f"    {e}" for e in warnings]
        lines.append(f"  Dosya özeti (SHA-256): {self.file_sha256}")
        return "\n".join(lines)


def import_file(path: Path, *, kind: ImportKind, mapping: Mapping | None = None) -> ImportResult:
    """Read a CİMER/MBS export and return its rows as RawMessages.

    Raises ``ImportRejected`` when the file cannot be read or required columns are missing;
    otherwise bad rows are reported in ``errors`` and the good rows still import.
    """
    _check_kind(kind)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportRejected(f"Dosya okunamadı: {Path(path).name}: {exc.strerror or exc}") from exc
    return import_bytes(data, filename=Path(path).name, kind=kind, mapping=mapping)


def import_bytes(
    data: bytes, *, filename: str, kind: ImportKind, mapping: Mapping | None = None
) -> ImportResult:
    """Same as ``import_file`` for an upload held in memory."""
    _check_kind(kind)
    mapping = mapping or default_mapping(kind)
    build = _BUILDERS[kind]
    sha = hashlib.sha256(data).hexdigest()
    try:
        table = read_table(data, filename=filename, header_score=mapping.header_score)
    except TableError as exc:
        raise ImportRejected(f"{filename}: {exc}") from exc
    binding = mapping.bind(table)
    result = ImportResult(
        kind=kind,
        filename=filename,
        file_sha256=sha,
        row_count=len(table.rows),
        unmapped_columns=[c.label for c in binding.unmapped],
        encoding=table.encoding,
        sheet=table.sheet,
    )
    seen: dict[str, tuple[int, RawMessage]] = {}
    for row in table.rows:
        rec, errors = read_record(binding, row, strict_width=table.source_format == "csv")
        if rec.get("external_id") and _EXCEL_SCIENTIFIC.match(rec["external_id"]):
            errors.append(
                RowError(
                    row.number,
                    binding.label("external_id"),
                    f"başvuru no Excel'de bilimsel gösterime dönmüş ('{rec['external_id']}'); "
                    "sütunu metin biçiminde kaydedip dosyayı yeniden yükleyin",
                )
            )
        result.errors.extend(errors)
        if any(e.level == "error" for e in errors):
            continue
        meta = {
            "konu": rec.get("subject"),
            "alt_konu": rec.get("sub_subject"),
            "request_type_raw": rec.get("request_type_raw"),
            "department": rec.get("department"),
            "status": rec.get("status"),
            "source_file": filename,
            "source_row": row.number,
            "file_sha256": sha,
            "raw": raw_row(binding, row),
        }
        meta = {k: v for k, v in meta.items() if v is not None}
        try:
            message = build(rec, meta)
        except Exception as exc:  # a builder bug must not cost the rest of the file
            log.exception("building %s message from %s row %d failed", kind, filename, row.number)
            result.errors.append(RowError(row.number, None, f"satır işlenemedi: {exc.__class__.__name__}"))
            continue
        previous = seen.get(message.external_id)
        if previous is not None:
            first_row, first = previous
            if _same_content(first, message):
                result.errors.append(
                    RowError(
                        row.number,
                        binding.label("external_id"),
                        f"{first_row}. satırın tekrarı; atlandı",
                        "warning",
                    )
                )
            else:
                result.errors.append(
                    RowError(
                        row.number,
                        binding.label("external_id"),
                        f"başvuru no '{message.external_id}' {first_row}. satırda farklı içerikle zaten var",
                    )
                )
            continue
        seen[message.external_id] = (row.number, message)
        result.messages.append(message)
    log.info(
        "%s import %s: %d rows, %d messages, %d rejected rows",
        kind,
        filename,
        result.row_count,
        len(result.messages),
        len(result.rejected_rows),
    )
    return result


def _check_kind(kind: str) -> None:
    if kind not in _BUILDERS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {sorted(_BUILDERS)}")


def _same_content(a: RawMessage, b: RawMessage) -> bool:
    return (a.text, a.received_at, a.subject, a.request_type) == (
        b.text,
        b.received_at,
        b.subject,
        b.request_type,
    )
