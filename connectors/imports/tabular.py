"""Read CSV and XLSX files into a plain table: header columns plus numbered data rows.

The reader knows nothing about CİMER or MBS. A caller may pass ``header_score`` (how well a
header text matches the fields it wants) so that title rows above the real header are
skipped and two-row headers are recognised.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

HeaderScore = Callable[[str], int]

# How far down a sheet a header row may start (title rows, logos, blank lines above it).
_HEADER_SEARCH_ROWS = 15
_SNIFF_LINES = 30
_SNIFF_CHARS = 1 << 20  # ... or the first MiB of text, whichever ends first
_SCAN_CHUNK = 1 << 20
_HEAD_BYTES = 8192
_RAW_KEEP = 64 * 1024  # how much of an unreadable CSV record is kept for quarantine


def _cp1254_undefined() -> re.Pattern[bytes]:
    """The bytes windows-1254 leaves undefined (0x81, 0x8D, ...): one of them means ISO-8859-9."""
    undefined = []
    for b in range(256):
        try:
            bytes([b]).decode("cp1254")
        except UnicodeDecodeError:
            undefined.append(re.escape(bytes([b])))
    return re.compile(b"[" + b"".join(undefined) + b"]")


_CP1254_UNDEFINED = _cp1254_undefined()
_DELIMITERS = (",", ";", "\t")
_MAX_FIELD = 16 * 1024 * 1024
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


class TableError(Exception):
    """The file cannot be read as a table at all (corrupt, wrong format, empty)."""


@dataclass(slots=True)
class Column:
    index: int
    # Candidate header texts, most specific first: "Başvuran Adı Soyadı", "Adı Soyadı", "Başvuran".
    names: list[str]

    @property
    def label(self) -> str:
        return self.names[0] if self.names else f"Sütun {column_letter(self.index)}"


@dataclass(slots=True)
class Row:
    number: int  # 1-based line (CSV) or sheet row (XLSX) number, as a person sees it in the file
    values: list[Any]
    raw: str | None = None  # the original CSV text of the record, for quarantine
    error: str | None = None  # the reader could not read this row (and stopped there)

    def get(self, index: int) -> Any:
        return self.values[index] if index < len(self.values) else None


# (row number, cell values, original CSV text, reader error) as the readers produce them
_Record = tuple[int, list[Any], str | None, str | None]


@dataclass(slots=True)
class Table:
    columns: list[Column]
    rows: list[Row]
    source_format: str  # csv | xlsx
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_rows: list[int] = field(default_factory=list)


@dataclass(slots=True)
class TableStream:
    """Like ``Table``, but ``rows`` is read from the file while it is iterated."""

    columns: list[Column]
    rows: Iterator[Row]
    source_format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_rows: list[int] = field(default_factory=list)
    sha256: str = ""  # of the whole file, from the scan


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (Excel column names, used in messages to people)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(
    source: Path | bytes, *, filename: str | None = None, header_score: HeaderScore | None = None
) -> Table:
    """Read a whole CSV or XLSX file into memory (small files and tests; imports stream)."""
    with open_table(source, filename=filename, header_score=header_score) as stream:
        rows = list(stream.rows)
    return Table(
        columns=stream.columns,
        rows=rows,
        source_format=stream.source_format,
        encoding=stream.encoding,
        delimiter=stream.delimiter,
        sheet=stream.sheet,
        header_rows=stream.header_rows,
    )


@contextmanager
def open_table(
    source: Path | bytes,
    *,
    filename: str | None = None,
    header_score: HeaderScore | None = None,
    scan: FileScan | None = None,
) -> Iterator[TableStream]:
    """Open a CSV or XLSX file (by content sniffing, then extension) and stream its rows.

    Only the header search window is held in memory; ``rows`` reads the rest as it is
    iterated, and must be iterated inside the ``with`` block.
    """
    name = (filename or (source.name if isinstance(source, Path) else "")).lower()
    with ExitStack() as stack:
        if isinstance(source, Path):
            fh: BinaryIO = stack.enter_context(source.open("rb"))
        else:
            fh = io.BytesIO(source)
        info = scan or scan_file(fh)
        stream = _open_stream(fh, info, name, header_score, stack)
        stream.sha256 = info.sha256
        yield stream


def _open_stream(
    fh: BinaryIO, info: FileScan, name: str, header_score: HeaderScore | None, stack: ExitStack
) -> TableStream:
    head = info.head
    if not head.strip() and info.size <= len(head):
        raise TableError("Dosya boş.")
    if head[:4] == b"PK\x03\x04":
        return _open_xlsx(fh, header_score, stack)
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise TableError("Eski Excel (.xls) biçimi desteklenmiyor; dosyayı .xlsx veya .csv olarak kaydedin.")
    if name.endswith((".xlsx", ".xlsm")):
        raise TableError("Dosya .xlsx uzantılı ama geçerli bir Excel dosyası değil (bozuk ya da yarım).")
    if _looks_binary(head):
        raise TableError("Dosya bir CSV ya da Excel (.xlsx) tablosu değil; ikili (binary) veri içeriyor.")
    return _open_csv(fh, info.encoding or "utf-8", header_score)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes (outside UTF-16) or many control characters: a PDF, image or archive, not a CSV."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls > len(head) * 0.05


# --------------------------------------------------------------------------- file scan


@dataclass(slots=True, frozen=True)
class FileScan:
    """What one pass over the bytes tells: size, digest, the first bytes and the text encoding."""

    size: int
    sha256: str
    head: bytes
    encoding: str | None


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_SCAN_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_size(source: Path | bytes) -> int:
    return source.stat().st_size if isinstance(source, Path) else len(source)


def scan_file(fh: BinaryIO) -> FileScan:
    """Hash the file and pick its text encoding in one streaming pass (constant memory).

    The encoding rule is ``decode_text``'s, decided over the whole file and not a sample: a
    windows-1254 letter in the last line still makes the file windows-1254.
    """
    fh.seek(0)
    digest = hashlib.sha256()
    utf8 = codecs.getincrementaldecoder("utf-8")()
    head, size, utf8_ok, cp1254_ok = b"", 0, True, True
    while chunk := fh.read(_SCAN_CHUNK):
        if len(head) < _HEAD_BYTES:
            head += chunk[: _HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1254_ok and _CP1254_UNDEFINED.search(chunk):
            cp1254_ok = False
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    fh.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif utf8_ok:
        encoding = "utf-8"
    elif cp1254_ok:
        encoding = "windows-1254"
    else:
        encoding = "iso-8859-9"
    return FileScan(size=size, sha256=digest.hexdigest(), head=head, encoding=encoding)


# --------------------------------------------------------------------------- CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16/UTF-8 BOMs, then strict UTF-8, then windows-1254, then ISO-8859-9."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # windows-1254 and ISO-8859-9 agree on 0xA0-0xFF; bytes 0x80-0x9F are printable only in
    # windows-1254 (and a few are undefined there), so a strict cp1254 failure means ISO-8859-9.
    try:
        return data.decode("cp1254"), "windows-1254"
    except UnicodeDecodeError:
        return data.decode("iso-8859-9"), "iso-8859-9"


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter among , ; TAB that splits the first lines into the most consistent columns."""
    sample = "\n".join(text.splitlines()[:_SNIFF_LINES])
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        try:
            counts = [
                len(r) for r in csv.reader(io.StringIO(sample), delimiter=delim) if any(c.strip() for c in r)
            ]
        except csv.Error:
            continue
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delim, score
    return best


def _open_csv(fh: BinaryIO, encoding: str, header_score: HeaderScore | None) -> TableStream:
    # Long petition texts exceed csv's default 128 KiB field limit; raise it (process-wide, harmless).
    csv.field_size_limit(max(csv.field_size_limit(), _MAX_FIELD))
    fh.seek(0)
    text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    lines = (line.replace("\x00", "") for line in text)
    sample: list[str] = []
    sampled = 0
    for line in lines:
        sample.append(line)
        sampled += len(line)
        if len(sample) >= _SNIFF_LINES or sampled >= _SNIFF_CHARS:
            break
    delimiter = sniff_delimiter("".join(sample))
    records = _csv_records(itertools.chain(sample, lines), delimiter)
    stream = _stream_from_records(records, header_score, merges=None, source_format="csv")
    stream.encoding, stream.delimiter = encoding, delimiter
    return stream


def _csv_records(lines: Iterator[str], delimiter: str) -> Iterator[_Record]:
    """CSV records with their first line number and original text (for quarantine).

    A record the csv module cannot read (a field over the size limit) ends the file: it
    comes out as a row with an ``error``, and so does the unread remainder's first line.
    """
    pending: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            pending.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raw = "".join(pending)[:_RAW_KEEP]
            yield start, [], raw, f"CSV {reader.line_num}. satırda okunamadı, dosyanın kalanı alınmadı: {exc}"
            return
        end = reader.line_num
        raw = "".join(pending).rstrip("\r\n")
        pending.clear()
        yield start, [c.strip() if c.strip() else None for c in record], raw, None
        start = end + 1


# --------------------------------------------------------------------------- XLSX


@dataclass(slots=True, frozen=True)
class _Merge:
    min_row: int
    min_col: int  # 0-based
    max_row: int
    max_col: int


def _open_xlsx(fh: BinaryIO, header_score: HeaderScore | None, stack: ExitStack) -> TableStream:
    import openpyxl  # imported here so CSV-only use does not pay for it

    fh.seek(0)
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken archives
        raise TableError(f"Excel dosyası açılamadı: {exc.__class__.__name__}: {exc}") from exc
    stack.callback(wb.close)
    try:
        best: tuple[int, Any] | None = None
        for ws in wb.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            ws.reset_dimensions()  # some producers write wrong <dimension> tags
            head = _head(_sheet_records(ws))
            score = _best_header_score(head, header_score)
            if best is None or score > best[0]:
                best = (score, ws)
        if best is None:
            raise TableError("Excel dosyasında görünür bir sayfa yok.")
        ws = best[1]
        merges = _read_merges(fh, ws)
        stream = _stream_from_records(
            _guard_xlsx(_sheet_records(ws)), header_score, merges=merges, source_format="xlsx"
        )
    except TableError:
        raise
    except Exception as exc:  # corrupt sheet XML, bad styles, ...: refuse the file, no traceback
        raise TableError(f"Excel dosyası okunamadı: {exc.__class__.__name__}: {exc}") from exc
    stream.sheet = ws.title
    return stream


def _sheet_records(ws: Any) -> Iterator[_Record]:
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        yield number, list(values), None, None


def _guard_xlsx(records: Iterator[_Record]) -> Iterator[_Record]:
    """A sheet that breaks after its header (corrupt XML further down) ends in an error row."""
    number = 0
    try:
        for record in records:
            number = record[0]
            yield record
    except Exception as exc:  # openpyxl and the XML parser raise many types
        yield (
            number + 1,
            [],
            None,
            f"Excel sayfası bu satırdan sonra okunamadı: {exc.__class__.__name__}: {exc}",
        )


def _read_merges(stream: Any, ws: Any) -> list[_Merge] | None:
    """Merged ranges of a sheet, read from the sheet XML (read-only mode does not expose them).

    ``<mergeCells>`` follows ``<sheetData>``, so the XML is scanned as bytes for it instead of
    being parsed a second time. Returns None when the ranges cannot be read; the header
    builder then falls back to heuristics.
    """
    sheet_path = getattr(ws, "_worksheet_path", None)
    if not sheet_path:
        return None
    try:
        if hasattr(stream, "seek"):
            stream.seek(0)
        with zipfile.ZipFile(stream) as zf, zf.open(posixpath.normpath(sheet_path).lstrip("/")) as fh:
            found, tail = bytearray(), b""
            while chunk := fh.read(1 << 20):
                if found:
                    found += chunk
                    continue
                window = tail + chunk
                at = window.find(b"mergeCell")
                if at >= 0:
                    found += window[max(at - 16, 0) :]
                tail = window[-32:]
            return [_parse_range(m.decode()) for m in _MERGE_REF.findall(bytes(found))]
    except (KeyError, zipfile.BadZipFile, ValueError, OSError):
        return None


def _parse_range(ref: str) -> _Merge:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return _Merge(min_row=min_row, min_col=min_col - 1, max_row=max_row, max_col=max_col - 1)


# --------------------------------------------------------------------------- header building


def _cell_text(value: Any) -> str | None:
    if is_blank(value):
        return None
    return " ".join(str(value).split())


def _row_score(values: list[Any], header_score: HeaderScore | None) -> int:
    texts = [t for t in (_cell_text(v) for v in values) if t and isinstance(t, str)]
    if header_score is None:
        return len(texts)
    return sum(header_score(t) for t in texts)


def _nonblank(grid: Iterable[_Record]) -> list[_Record]:
    return [g for g in grid if g[3] is not None or any(not is_blank(v) for v in g[1])]


def _head(records: Iterator[_Record]) -> list[_Record]:
    """The header search window: the first non-empty rows, one more than may hold the header
    (the row under it may be a sub-header)."""
    head: list[_Record] = []
    for record in records:
        if record[3] is None and all(is_blank(v) for v in record[1]):
            continue
        head.append(record)
        if len(head) > _HEADER_SEARCH_ROWS:
            break
    return head


def _best_header_score(grid: list[_Record], header_score: HeaderScore | None) -> int:
    candidates = _nonblank(grid)[:_HEADER_SEARCH_ROWS]
    return max((_row_score(vals, header_score) for _, vals, _, _ in candidates), default=-1)


def _stream_from_records(
    records: Iterator[_Record],
    header_score: HeaderScore | None,
    *,
    merges: list[_Merge] | None,
    source_format: str,
) -> TableStream:
    """Find the header among the first rows; the remaining records stream as data rows."""
    rows = _head(records)
    broken = next((r for r in rows if r[3] is not None), None)
    if broken is not None and broken is rows[0]:
        raise TableError(broken[3])
    if broken is not None:  # unreadable soon after the top: judge the header on what was read
        rows = rows[: rows.index(broken)]
    if not rows:
        raise TableError("Dosyada hiç dolu satır yok.")
    candidates = rows[:_HEADER_SEARCH_ROWS]
    scores = [_row_score(vals, header_score) for _, vals, _, _ in candidates]
    pos = scores.index(max(scores)) if header_score is not None and max(scores) > 0 else 0
    width = max(len(v) for _, v, _, _ in rows)
    # The best-matching row may be the sub-header of a two-row header (its labels often match
    # more aliases than the group row above): then the row above is the top header.
    if pos > 0:
        prev_no, prev_vals, _, _ = candidates[pos - 1]
        best_no, best_vals, _, _ = candidates[pos]
        best_filled = _fill_merged(best_no, best_vals, width, merges)
        if _is_sub_header(prev_no, prev_vals, best_no, best_filled, width, merges, header_score):
            pos -= 1
    head_no, head_vals, _, _ = candidates[pos]
    top = _fill_merged(head_no, head_vals, width, merges)

    sub: list[Any] | None = None
    sub_no: int | None = None
    if pos + 1 < len(rows):
        next_no, next_vals, _, _ = rows[pos + 1]
        next_filled = _fill_merged(next_no, next_vals, width, merges)
        if _is_sub_header(head_no, head_vals, next_no, next_filled, width, merges, header_score):
            sub, sub_no = next_filled, next_no
            if merges is None:
                top = _fill_left(top, next_filled)

    columns: list[Column] = []
    for i in range(width):
        parent = _cell_text(top[i])
        child = _cell_text(sub[i]) if sub is not None else None
        names: list[str] = []
        if parent and child and parent != child:
            names = [f"{parent} {child}", child, parent]
        elif parent or child:
            names = [parent or child or ""]
        columns.append(Column(index=i, names=names))

    last_header = sub_no if sub_no is not None else head_no
    rest = itertools.chain([broken], records) if broken is not None else records
    data = _data_rows(itertools.chain(rows, rest), last_header, width)
    header_rows = [head_no] + ([sub_no] if sub_no is not None else [])
    return TableStream(columns=columns, rows=data, source_format=source_format, header_rows=header_rows)


def _data_rows(records: Iterable[_Record], last_header: int, width: int) -> Iterator[Row]:
    for no, vals, raw, error in records:
        if no <= last_header:
            continue
        if error is not None:
            yield Row(number=no, values=[], raw=raw, error=error)
        elif any(not is_blank(v) for v in vals):
            yield Row(number=no, values=vals + [None] * (width - len(vals)), raw=raw)


def _fill_merged(row_no: int, values: list[Any], width: int, merges: list[_Merge] | None) -> list[Any]:
    """Give every cell of a merged range the value of its top-left cell (only for this row)."""
    out = list(values) + [None] * (width - len(values))
    if not merges:
        return out
    for m in merges:
        if m.min_row <= row_no <= m.max_row and m.min_col < width:
            anchor = out[m.min_col] if row_no == m.min_row else None
            if row_no != m.min_row:
                # Vertical merge: the value lives in the row above; the caller treats a blank
                # sub-header cell as "same as parent", which is what a vertical merge means.
                continue
            for c in range(m.min_col, min(m.max_col, width - 1) + 1):
                out[c] = anchor
    return out


def _fill_left(top: list[Any], sub: list[Any]) -> list[Any]:
    """Without merge info: a blank top cell above a sub-header cell belongs to the group on its left."""
    out = list(top)
    for i in range(1, len(out)):
        if is_blank(out[i]) and not is_blank(sub[i]) and not is_blank(out[i - 1]):
            out[i] = out[i - 1]
    return out


def _is_sub_header(
    head_no: int,
    head_vals: list[Any],
    next_no: int,
    next_vals: list[Any],
    width: int,
    merges: list[_Merge] | None,
    header_score: HeaderScore | None,
) -> bool:
    """Is the row under the header a second header row (labels under a merged group cell)?"""
    if next_no != head_no + 1:
        return False
    if any(not is_blank(v) and not isinstance(v, str) for v in next_vals):
        return False  # dates/numbers: a data row
    if merges is not None:
        # Labels under a horizontally merged group cell ("Başvuran" over "Adı Soyadı", "Telefon").
        spans = [m for m in merges if m.min_row == head_no and m.max_col > m.min_col and m.max_row == head_no]
        under = [c for m in spans for c in range(m.min_col, min(m.max_col, width - 1) + 1)]
    else:
        # No merge info (CSV or odd XLSX): the header has holes that the next row fills with labels.
        head = list(head_vals) + [None] * (width - len(head_vals))
        under = [i for i in range(1, width) if is_blank(head[i])]
    labels = [str(next_vals[c]) for c in under if not is_blank(next_vals[c])]
    if not labels:
        return False
    # A data row under a wide merged title cell is not a header: its texts match no alias.
    return header_score is None or sum(header_score(t) for t in labels) > 0
