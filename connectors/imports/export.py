"""Answers for upload back to CİMER / MBS / e-Belediye: XLSX or CSV files, and a ReplySink that fills them.

None of these systems offers an API to us, so the hub's generic reply path ends in a file that a
staff member uploads (or copies answer by answer) into CİMER / MBS.
"""

from __future__ import annotations

import asyncio
import csv
import fcntl
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from connectors.base import ConnectorError, OutboundMessage, PermanentSendError, SendResult
from connectors.imports.cells import append_row, csv_writer, restore_cell

ExportKind = Literal["cimer", "mbs", "edevlet"]
ExportFormat = Literal["xlsx", "csv"]
Outcome = Literal["olumlu", "olumsuz", "iade"]  # iade: returned as not the municipality's

OUTCOMES = ("olumlu", "olumsuz", "iade")
HEADERS = ["Başvuru No", "Cevap Tarihi", "Cevap Metni", "Sonuç"]
_SHEET_TITLE = {"cimer": "CİMER Cevapları", "mbs": "MBS Cevapları", "edevlet": "e-Devlet Cevapları"}
_DATE_FMT = "%d.%m.%Y %H:%M"
_TZ = ZoneInfo("Europe/Istanbul")
# Excel writes ";" as the list separator in Turkish locale (the comma is the decimal mark).
CSV_DELIMITER = ";"
# The names ExportSender gives its files (``export_path``): <channel>_cevaplar_<YYYY-MM-DD>.<fmt>.
ANSWER_FILE_NAME = re.compile(r"(cimer|mbs|edevlet)_cevaplar_(\d{4}-\d{2}-\d{2})\.(xlsx|csv)")


@dataclass(slots=True)
class Answer:
    basvuru_no: str
    text: str
    answered_at: datetime
    outcome: Outcome | None = None  # sonuç; empty when the hub does not know it


def _local(dt: datetime) -> datetime:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(_TZ)


def _has_no(basvuru_no: str) -> bool:
    """A başvuru no with something printable in it (control characters alone vanish in XLSX)."""
    return any(ch.isprintable() and not ch.isspace() for ch in str(basvuru_no))


def _check(answer: Answer) -> None:
    if not _has_no(answer.basvuru_no):
        raise ValueError("answer without başvuru no")
    if answer.outcome not in (None, *OUTCOMES):
        raise ValueError(f"outcome must be 'olumlu', 'olumsuz' or 'iade', not {answer.outcome!r}")


def write_answers(
    path: Path, answers: Iterable[Answer], *, kind: ExportKind, fmt: ExportFormat = "xlsx"
) -> int:
    """Write answers to ``path`` (replacing it atomically); returns how many were written.

    Columns: Başvuru No, Cevap Tarihi (dd.MM.yyyy HH:mm, Europe/Istanbul), Cevap Metni, Sonuç.
    CSV is UTF-8 with BOM and ``;`` so Excel in Turkish locale opens it as columns.
    """
    if kind not in _SHEET_TITLE:
        raise ValueError(f"unknown export kind {kind!r}")
    rows = list(answers)
    for a in rows:
        _check(a)
    if fmt == "csv":
        data = _csv_bytes(rows)
    elif fmt == "xlsx":
        data = _xlsx_bytes(rows, kind)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    _atomic_write(Path(path), data)
    return len(rows)


def _csv_bytes(rows: list[Answer]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv_writer(buf, delimiter=CSV_DELIMITER, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for a in rows:
        writer.writerow([a.basvuru_no, _local(a.answered_at).strftime(_DATE_FMT), a.text, a.outcome or ""])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_bytes(rows: list[Answer], kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = _SHEET_TITLE[kind]
    append_row(ws, HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for a in rows:
        # Excel has no time zones: store Istanbul wall-clock time.
        wall_clock = _local(a.answered_at).replace(tzinfo=None)
        append_row(ws, [str(a.basvuru_no), wall_clock, a.text, a.outcome or ""])
        ws.cell(ws.max_row, 2).number_format = "dd.mm.yyyy hh:mm"
        ws.cell(ws.max_row, 1).number_format = "@"  # keep long numbers as text
        ws.cell(ws.max_row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (18, 18, 80, 10), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_answers(path: Path) -> list[Answer]:
    """Read back an answer file written by ``write_answers`` (used to append, and by tests)."""
    path = Path(path)
    if not path.exists():
        return []
    if path.suffix.lower() == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=CSV_DELIMITER))[1:]
        return [
            Answer(
                restore_cell(r[0]),
                restore_cell(r[2]),
                datetime.strptime(r[1], _DATE_FMT).replace(tzinfo=_TZ),
                r[3] or None,  # type: ignore[arg-type]
            )
            for r in rows
            if r
        ]
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        out = []
        for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True):
            if not r or r[0] is None:
                continue
            when = r[1] if isinstance(r[1], datetime) else datetime.strptime(str(r[1]), _DATE_FMT)
            no, text = restore_cell(str(r[0])), restore_cell(r[2] or "")
            out.append(Answer(no, text, when.replace(tzinfo=_TZ), r[3] or None))
        return out
    finally:
        wb.close()


def count_answers(path: Path) -> int:
    """How many answers a file written by ``write_answers`` holds, without reading them all:
    an XLSX file says its used range in the sheet's dimension; a CSV file is parsed."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        rows = sum(1 for r in csv.reader(io.StringIO(text, newline=""), delimiter=CSV_DELIMITER) if r)
        return max(0, rows - 1)  # the header row
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        ws = wb.worksheets[0]
        rows = ws.max_row if ws.max_row is not None else sum(1 for _ in ws.iter_rows(values_only=True))
        return max(0, rows - 1)  # the header row
    finally:
        wb.close()


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- ReplySink


OutcomeOf = Callable[[OutboundMessage], "Outcome | None"]


def outcome_from_reply_to(message: OutboundMessage) -> Outcome | None:
    """Default: the hub may put ``sonuc`` ("olumlu"/"olumsuz"/"iade") into reply_to; otherwise unknown."""
    value = str(message.reply_to.get("sonuc") or message.reply_to.get("outcome") or "").strip().lower()
    return value if value in OUTCOMES else None  # type: ignore[return-value]


class ExportSender:
    """ReplySink for channels that cannot answer directly: appends answers to an export file.

    Answers go to ``<directory>/<channel>_cevaplar_<YYYY-MM-DD>.<fmt>`` (one file per Istanbul
    day, so staff upload each day's file once). A ledger ``.<channel>_sent.jsonl`` in the same
    directory remembers idempotency keys: sending the same answer again is a no-op returning the
    first result, also after a restart or from another process (guarded by ``flock``).
    """

    def __init__(
        self,
        directory: Path,
        *,
        channel: ExportKind,
        fmt: ExportFormat = "xlsx",
        name: str | None = None,
        outcome_of: OutcomeOf = outcome_from_reply_to,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if channel not in _SHEET_TITLE:
            raise ValueError(f"unknown export channel {channel!r}")
        if fmt not in ("xlsx", "csv"):
            raise ValueError(f"unknown export format {fmt!r}")
        self.directory = Path(directory)
        self.channel = channel
        self.fmt = fmt
        self.name = name or f"{channel}-export"
        self._outcome_of = outcome_of
        self._clock = clock
        self._lock = asyncio.Lock()

    @property
    def ledger_path(self) -> Path:
        return self.directory / f".{self.channel}_sent.jsonl"

    def export_path(self, when: datetime) -> Path:
        return self.directory / f"{self.channel}_cevaplar_{_local(when):%Y-%m-%d}.{self.fmt}"

    async def send(self, message: OutboundMessage) -> SendResult:
        basvuru_no = str(message.reply_to.get("basvuru_no") or "").strip()
        if not _has_no(basvuru_no):
            raise PermanentSendError(f"{self.channel}: reply_to has no basvuru_no; cannot export the answer")
        if not message.text.strip():
            raise PermanentSendError(f"{self.channel}: empty answer text")
        async with self._lock:
            try:
                ref = await asyncio.to_thread(self._append, message, basvuru_no)
            except OSError as exc:  # disk full, share offline: the runner retries later
                raise ConnectorError(
                    f"{self.channel}: cannot write the export file: {exc.strerror or exc}"
                ) from exc
        return SendResult(external_id=ref)

    def _append(self, message: OutboundMessage, basvuru_no: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        with _flock(self.directory / f".{self.channel}_export.lock"):
            done = _ledger_lookup(self.ledger_path, message.idempotency_key)
            if done is not None:
                return done
            now = self._clock()
            target = self.export_path(now)
            answers = read_answers(target)
            # The same answer already in today's file but not in the ledger: a crash hit between
            # the file write and the ledger write. Record it instead of adding it twice.
            same = [i for i, a in enumerate(answers) if a.basvuru_no == basvuru_no and a.text == message.text]
            if same:
                row = same[0] + 2
            else:
                answers.append(Answer(basvuru_no, message.text, now, self._outcome_of(message)))
                write_answers(target, answers, kind=self.channel, fmt=self.fmt)
                row = len(answers) + 1  # row number in the sheet (header is row 1)
            ref = f"{target.name}#{row}"
            with self.ledger_path.open("a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps({"key": message.idempotency_key, "ref": ref, "basvuru_no": basvuru_no}) + "\n"
                )
                fh.flush()
                os.fsync(fh.fileno())
            return ref


def _ledger_lookup(path: Path, key: str) -> str | None:
    for entry in _ledger_entries(path):
        if entry.get("key") == key:
            return str(entry.get("ref"))
    return None


def _ledger_entries(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn last line after a crash


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
