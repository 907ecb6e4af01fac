"""Import a CİMER, MBS or e-Devlet list (CSV/XLSX) into RawMessages with a row-by-row report."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from connectors.base import RawMessage
from connectors.imports import cimer, edevlet, mbs
from connectors.imports.mapping import ImportRejected, Mapping, default_mapping
from connectors.imports.records import RowError, raw_row, read_record
from connectors.imports.tabular import Row, TableError, file_size, open_table

log = logging.getLogger(__name__)

ImportKind = Literal["cimer", "mbs", "edevlet"]
_BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], RawMessage]] = {
    "cimer": cimer.build_message,
    "mbs": mbs.build_message,
    "edevlet": edevlet.build_message,
}
_KIND_LABEL = {"cimer": "CİMER", "mbs": "MBS", "edevlet": "e-Devlet"}
IMPORT_KINDS: tuple[str, ...] = tuple(_BUILDERS)  # every list source the framework reads
DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # hub setting: import_max_bytes (HUB_IMPORT_MAX_BYTES)
ERROR_DETAIL_CAP = 100  # row errors (and, separately, warnings) kept in detail per file
BATCH_ROWS = 500  # messages handed to intake at a time
# "2,0261E+09": Excel turned a long number into scientific notation and lost digits.
_EXCEL_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)


@dataclass(slots=True)
class ImportResult:
    kind: str
    filename: str
    file_sha256: str
    row_count: int = 0  # non-empty data rows under the header
    messages: list[RawMessage] = field(default_factory=list)  # filled by import_file/import_bytes only
    # Row errors (row skipped) and warnings, in detail for the first ERROR_DETAIL_CAP of each level.
    errors: list[RowError] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    accepted_count: int = 0  # rows that became messages
    rejected_count: int = 0  # rows not imported (all of them, also those beyond the detail cap)
    error_count: int = 0  # RowErrors of level "error" (a rejected row may have several)
    warning_count: int = 0

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers of the rejected rows kept in detail (``rejected_count`` has them all)."""
        return sorted({e.row for e in self.errors if e.level == "error"})

    @property
    def omitted_errors(self) -> int:
        """Row errors and warnings counted but not kept in detail."""
        return self.error_count + self.warning_count - len(self.errors)

    def add(self, error: RowError) -> None:
        """Count one row problem; keep it in detail while its level is under the cap."""
        if error.level == "error":
            self.error_count += 1
            seen = self.error_count
        else:
            self.warning_count += 1
            seen = self.warning_count
        if seen <= ERROR_DETAIL_CAP:
            self.errors.append(error)

    def format(self) -> str:
        """A short Turkish report for the staff member who uploaded the file."""
        label = _KIND_LABEL.get(self.kind, self.kind)
        lines = [
            f"{label} içe aktarma: {self.filename}",
            f"  {self.row_count} satır okundu, {self.accepted_count} başvuru alındı, "
            f"{self.rejected_count} satır alınamadı.",
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
        if self.omitted_errors:
            lines.append(
                f"  … ve {self.omitted_errors} hata/uyarı daha (her türden yalnız ilk {ERROR_DETAIL_CAP} "
                "ayrıntılı gösterildi)."
            )
        lines.append(f"  Dosya özeti (SHA-256): {self.file_sha256}")
        return "\n".join(lines)


def import_file(
    path: Path, *, kind: ImportKind, mapping: Mapping | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ImportResult:
    """Read a CİMER/MBS export and return its rows as RawMessages.

    Raises ``ImportRejected`` when the file cannot be read, is larger than ``max_bytes`` or
    required columns are missing; otherwise bad rows are reported in ``errors`` and the good
    rows still import. Holds every message in memory: large files go through ``ImportRun``.
    """
    with ImportRun(Path(path), kind=kind, mapping=mapping, max_bytes=max_bytes) as run:
        for batch in run.batches():
            run.result.messages.extend(batch)
    return run.result


def import_bytes(
    data: bytes,
    *,
    filename: str,
    kind: ImportKind,
    mapping: Mapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportResult:
    """Same as ``import_file`` for an upload held in memory."""
    with ImportRun(data, filename=filename, kind=kind, mapping=mapping, max_bytes=max_bytes) as run:
        for batch in run.batches():
            run.result.messages.extend(batch)
    return run.result


def check_size(size: int, filename: str, max_bytes: int) -> None:
    """Refuse a file over the import size limit before anything of it is read."""
    if size > max_bytes:
        raise ImportRejected(
            f"{filename}: dosya çok büyük ({_mb(size)}); en fazla {_mb(max_bytes)} içe aktarılabilir. "
            "Dosyayı bölerek yükleyin. (File too large for import: "
            f"{size} bytes, limit {max_bytes} bytes, setting HUB_IMPORT_MAX_BYTES.)"
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


class ImportRun:
    """One import read as a stream: rows are parsed as ``batches()`` is iterated.

    Memory stays bounded by the batch size, the header window and the error detail cap,
    whatever the file size. The size limit is checked before the file is opened; the file
    digest and encoding come from one streaming pass; unreadable files and missing columns
    raise ``ImportRejected`` from the constructor, before any batch.
    """

    def __init__(
        self,
        source: Path | bytes,
        *,
        kind: ImportKind,
        filename: str | None = None,
        mapping: Mapping | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        _check_kind(kind)
        self.kind = kind
        self.filename = filename or (source.name if isinstance(source, Path) else "upload")
        self.mapping = mapping or default_mapping(kind)
        self._build = _BUILDERS[kind]
        self._stack = ExitStack()
        try:
            check_size(file_size(source), self.filename, max_bytes)
            self._table = self._stack.enter_context(
                open_table(source, filename=self.filename, header_score=self.mapping.header_score)
            )
        except TableError as exc:
            self._stack.close()
            raise ImportRejected(f"{self.filename}: {exc}") from exc
        except OSError as exc:
            self._stack.close()
            raise ImportRejected(f"Dosya okunamadı: {self.filename}: {exc.strerror or exc}") from exc
        except BaseException:
            self._stack.close()
            raise
        self.sha256 = self._table.sha256
        try:
            self._binding = self.mapping.bind(self._table)
        except BaseException:
            self._stack.close()
            raise
        self.result = ImportResult(
            kind=kind,
            filename=self.filename,
            file_sha256=self.sha256,
            unmapped_columns=[c.label for c in self._binding.unmapped],
            encoding=self._table.encoding,
            sheet=self._table.sheet,
        )

    def __enter__(self) -> ImportRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def batches(self, size: int = BATCH_ROWS) -> Iterator[list[RawMessage]]:
        """Messages of the good rows, ``size`` at a time; ``result`` counts everything read."""
        binding, result, build = self._binding, self.result, self._build
        strict = self._table.source_format == "csv"
        # başvuru no -> (first row, content fingerprint): duplicates are found without keeping messages
        seen: dict[str, tuple[int, bytes]] = {}
        batch: list[RawMessage] = []
        for row in self._table.rows:
            result.row_count += 1
            message = self._row_message(row, binding, strict, build)
            if message is None:
                continue
            fingerprint = _fingerprint(message)
            previous = seen.get(message.external_id)
            if previous is not None:
                first_row, first = previous
                if first == fingerprint:
                    msg, level = f"{first_row}. satırın tekrarı; atlandı", "warning"
                else:
                    msg = f"başvuru no '{message.external_id}' {first_row}. satırda farklı içerikle zaten var"
                    level = "error"
                self._problem(RowError(row.number, binding.label("external_id"), msg, level))
                continue
            seen[message.external_id] = (row.number, fingerprint)
            result.accepted_count += 1
            batch.append(message)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
        log.info(
            "%s import %s: %d rows, %d messages, %d rejected rows",
            self.kind,
            self.filename,
            result.row_count,
            result.accepted_count,
            result.rejected_count,
        )

    def _row_message(self, row: Row, binding: Any, strict: bool, build: Any) -> RawMessage | None:
        if row.error is not None:
            self._problem(RowError(row.number, None, row.error))
            return None
        rec, errors = read_record(binding, row, strict_width=strict)
        if rec.get("external_id") and _EXCEL_SCIENTIFIC.match(rec["external_id"]):
            errors.append(
                RowError(
                    row.number,
                    binding.label("external_id"),
                    f"başvuru no Excel'de bilimsel gösterime dönmüş ('{rec['external_id']}'); "
                    "sütunu metin biçiminde kaydedip dosyayı yeniden yükleyin",
                )
            )
        for e in errors:
            self.result.add(e)
        if any(e.level == "error" for e in errors):
            self.result.rejected_count += 1
            return None
        meta = {
            "konu": rec.get("subject"),
            "alt_konu": rec.get("sub_subject"),
            "request_type_raw": rec.get("request_type_raw"),
            "department": rec.get("department"),
            "status": rec.get("status"),
            "source_file": self.filename,
            "source_row": row.number,
            "file_sha256": self.sha256,
            "raw": raw_row(binding, row),
        }
        meta = {k: v for k, v in meta.items() if v is not None}
        try:
            return build(rec, meta)
        except Exception as exc:  # a builder bug must not cost the rest of the file
            log.exception("building %s message from %s row %d failed", self.kind, self.filename, row.number)
            self._problem(RowError(row.number, None, f"satır işlenemedi: {exc.__class__.__name__}"))
            return None

    def _problem(self, error: RowError) -> None:
        self.result.add(error)
        if error.level == "error":
            self.result.rejected_count += 1


def _check_kind(kind: str) -> None:
    if kind not in _BUILDERS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {sorted(_BUILDERS)}")


def _fingerprint(message: RawMessage) -> bytes:
    """What makes two rows with the same başvuru no the same application (16 bytes)."""
    basis = repr((message.text, message.received_at, message.subject, message.request_type))
    return hashlib.blake2b(basis.encode("utf-8", "surrogatepass"), digest_size=16).digest()
