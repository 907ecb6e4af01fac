"""Alo 153 call-centre call logs dropped into a folder (channel ``phone``).

The telephony system (or an agent) drops CSV / JSON / XLSX call logs into a watched folder.
Calls that carry a request become RawMessages; every call is counted in ``CallStats``.

Which calls are requests (the disposition map lives in ``default_mappings/calllog.yaml``):

* disposition maps to a hub request type (Talep, Şikâyet, İhbar, Arıza, Öneri, Teşekkür) ->
  request of that type, even without a note;
* disposition maps to ``none`` (Bilgi verildi, Yanlış arama, Sessiz çağrı, Meşgul, ...) ->
  never a request, whatever the note says (the agent already handled it on the phone);
* empty or unknown disposition -> a request when the agent wrote a note.

Files are handled at least once, never lost: ``fetch`` returns the messages and a checkpoint
listing the file (name + sha256); only when a later ``fetch`` receives that checkpoint back
(the hub stored it after ingesting) is the file moved to ``done_dir``. A file that cannot be
read at all goes to ``error_dir`` at once and into ``FetchResult.quarantined`` with its bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.base import FetchResult, Location, Quarantined, RawMessage, Sender
from connectors.imports.importer import DEFAULT_MAX_BYTES, ERROR_DETAIL_CAP, check_size
from connectors.imports.mapping import ImportRejected, Mapping, default_mapping
from connectors.imports.records import RowError, read_record
from connectors.imports.tabular import (
    Column,
    Row,
    Table,
    TableError,
    TableStream,
    decode_text,
    file_digest,
    open_table,
)
from connectors.imports.textfold import fold

log = logging.getLogger(__name__)

CHANNEL = "phone"
REQUEST_TYPES = frozenset({"istek", "sikayet", "ihbar", "gorus_oneri", "bilgi_edinme", "tesekkur"})
NO_REQUEST = "none"
_SUFFIXES = frozenset({".csv", ".txt", ".json", ".jsonl", ".ndjson", ".xlsx"})
_PARTIAL_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart")
_CHECKPOINT_KEEP = 2000  # processed-file entries remembered in the checkpoint
_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


@dataclass(slots=True)
class CallStats:
    """Counts for one call-log file: every call, not only those that became requests."""

    file: str
    sha256: str
    calls_total: int = 0  # readable calls
    calls_with_request: int = 0  # became RawMessages
    bad_rows: int = 0  # quarantined rows
    by_disposition: dict[str, int] = field(default_factory=dict)  # as written ("(boş)" for empty)
    first_call: datetime | None = None
    last_call: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["first_call"] = self.first_call.isoformat() if self.first_call else None
        d["last_call"] = self.last_call.isoformat() if self.last_call else None
        return d


class CallLogFolderSource:
    """PolledSource for a folder of Alo 153 call logs.

    ``last_stats`` holds the ``CallStats`` of the files read by the latest ``fetch``;
    ``on_stats`` (optional) is called with each file's stats as it is read, for reports.
    """

    channel = CHANNEL

    def __init__(
        self,
        folder: Path,
        *,
        done_dir: Path | None = None,
        error_dir: Path | None = None,
        name: str = "alo153-calllog",
        mapping: Mapping | None = None,
        min_age: float = 2.0,
        max_files: int = 50,
        on_stats: Callable[[CallStats], None] | None = None,
        clock: Callable[[], float] = time.time,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.max_bytes = max_bytes
        self.folder = Path(folder)
        self.done_dir = Path(done_dir) if done_dir else None
        self.error_dir = Path(error_dir) if error_dir else None
        self.name = name
        self.mapping = mapping or default_mapping("calllog")
        self.min_age = min_age
        self.max_files = max_files
        self.on_stats = on_stats
        self._clock = clock
        self.last_stats: list[CallStats] = []

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        return await asyncio.to_thread(self._fetch, checkpoint)

    def confirm(self, checkpoint: str | None) -> None:
        """Move files the checkpoint lists as processed to ``done_dir`` (``fetch`` does this too)."""
        self._move_confirmed(_load_checkpoint(checkpoint))

    # ------------------------------------------------------------------ internals

    def _fetch(self, checkpoint: str | None) -> FetchResult:
        entries = _load_checkpoint(checkpoint)
        self._move_confirmed(entries)
        known = {(e["name"], e["sha256"]) for e in entries}
        messages: list[RawMessage] = []
        quarantined: list[Quarantined] = []
        self.last_stats = []
        ready = self._ready_files()
        processed = 0
        backlog = 0
        for path in ready:
            try:
                sha = file_digest(path)
            except OSError as exc:  # vanished or locked meanwhile: try next time
                log.warning("call log %s not readable yet: %s", path.name, exc)
                continue
            if (path.name, sha) in known:
                continue
            if processed >= self.max_files:
                backlog += 1
                continue
            processed += 1
            try:
                stats, msgs, bad = self._read_file(path, sha)
            except (TableError, ImportRejected, ValueError, OSError) as exc:
                quarantined.append(self._reject_file(path, sha, str(exc)))
            except Exception as exc:  # a bug must not turn one file into a poison pill for every poll
                log.exception("call log %s could not be processed", path.name)
                quarantined.append(self._reject_file(path, sha, f"işlenemedi: {exc.__class__.__name__}"))
            else:
                messages += msgs
                quarantined += bad
                self.last_stats.append(stats)
                if self.on_stats is not None:
                    try:
                        self.on_stats(stats)
                    except Exception:  # a report hook must not stop intake
                        log.exception("on_stats callback failed for %s", path.name)
                log.info(
                    "call log %s: %d calls, %d requests, %d bad rows",
                    path.name,
                    stats.calls_total,
                    stats.calls_with_request,
                    stats.bad_rows,
                )
            entries.append({"name": path.name, "sha256": sha})
            known.add((path.name, sha))
        new_checkpoint = json.dumps({"v": 1, "files": entries[-_CHECKPOINT_KEEP:]}, ensure_ascii=False)
        return FetchResult(
            messages=messages, checkpoint=new_checkpoint, quarantined=quarantined, backlog=backlog or None
        )

    def _ready_files(self) -> list[Path]:
        """Complete call-log files: known suffix, not partial/hidden, untouched for ``min_age`` s."""
        if not self.folder.is_dir():
            return []
        now = self._clock()
        out: list[tuple[float, str, Path]] = []
        for path in self.folder.iterdir():
            lower = path.name.lower()
            if (
                lower.startswith((".", "~$"))
                or lower.endswith(_PARTIAL_SUFFIXES)
                or path.suffix.lower() not in _SUFFIXES
            ):
                continue
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.is_file() or now - st.st_mtime < self.min_age:
                continue
            out.append((st.st_mtime, path.name, path))
        return [p for _, _, p in sorted(out)]

    def _move_confirmed(self, entries: list[dict[str, str]]) -> None:
        if self.done_dir is None:
            return
        for entry in entries:
            path = self.folder / entry["name"]
            try:
                if not path.is_file() or file_digest(path) != entry["sha256"]:
                    continue
                _move(path, self.done_dir, entry["sha256"])
            except OSError as exc:
                log.warning("could not move processed call log %s: %s", entry["name"], exc)

    def _reject_file(self, path: Path, sha: str, error: str) -> Quarantined:
        # The bytes go to quarantine, unless the file is over the size limit: then it is kept
        # only where it is moved to (error_dir), or left in the folder.
        try:
            data = path.read_bytes() if path.stat().st_size <= self.max_bytes else b""
        except OSError:
            data = b""
        moved: str | None = None
        if self.error_dir is not None:
            try:
                moved = str(_move(path, self.error_dir, sha))
            except OSError as exc:
                log.warning("could not move bad call log %s: %s", path.name, exc)
        log.warning("call log %s rejected: %s", path.name, error)
        return Quarantined(
            channel=CHANNEL,
            raw=data,
            error=f"{path.name}: {error}",
            metadata={"source": self.name, "file": path.name, "sha256": sha, "moved_to": moved},
        )

    def _read_file(self, path: Path, sha: str) -> tuple[CallStats, list[RawMessage], list[Quarantined]]:
        check_size(path.stat().st_size, path.name, self.max_bytes)
        suffix = path.suffix.lower()
        if suffix in (".json", ".jsonl", ".ndjson"):
            table, broken = _json_table(path.read_bytes(), lines=suffix != ".json")
            return self._read_table(path.name, sha, table, broken)
        with open_table(path, filename=path.name, header_score=self.mapping.header_score) as stream:
            return self._read_table(path.name, sha, stream, [])

    def _read_table(
        self, filename: str, sha: str, table: Table | TableStream, broken: Broken
    ) -> tuple[CallStats, list[RawMessage], list[Quarantined]]:
        binding = self.mapping.bind(table)
        stats = CallStats(file=filename, sha256=sha)
        messages: list[RawMessage] = []
        bad: list[Quarantined] = []
        # Bad rows are quarantined one by one up to the cap; past it they are counted in one
        # more entry, and the file itself (moved to done_dir) holds them.
        beyond: list[int] = []

        def quarantine(row: Row, errors: list[RowError]) -> None:
            stats.bad_rows += 1
            if stats.bad_rows <= ERROR_DETAIL_CAP:
                bad.append(self._bad_row(filename, sha, row, errors))
            else:
                beyond[:] = [beyond[0] if beyond else row.number, row.number]

        for no, raw, err in broken:
            quarantine(Row(no, [], raw), [RowError(no, None, err)])
        display: dict[str, str] = {}
        seen_ids: set[str] = set()
        for row in table.rows:
            if row.error is not None:
                quarantine(row, [RowError(row.number, None, row.error)])
                continue
            rec, errors = read_record(binding, row, strict_width=table.source_format == "csv")
            fatal = [e for e in errors if e.level == "error"]
            if rec.get("time") is None and not fatal:
                fatal.append(RowError(row.number, binding.label("time"), "boş olamaz"))
            if fatal:
                quarantine(row, fatal)
                continue
            stats.calls_total += 1
            when: datetime = rec["time"]
            stats.first_call = min(stats.first_call or when, when)
            stats.last_call = max(stats.last_call or when, when)
            disp_raw = rec.get("disposition_raw")
            key = fold(disp_raw) if disp_raw else ""
            label = display.setdefault(key, disp_raw or "(boş)")
            stats.by_disposition[label] = stats.by_disposition.get(label, 0) + 1
            code, notes = rec.get("disposition"), rec.get("notes")
            if not is_request(code, notes):
                continue
            message = self._message(rec, filename, sha, row.number)
            if message.external_id in seen_ids:
                continue  # the same call exported twice in one file
            seen_ids.add(message.external_id)
            stats.calls_with_request += 1
            messages.append(message)
        if beyond:
            bad.append(self._more_bad_rows(filename, sha, stats.bad_rows - ERROR_DETAIL_CAP, beyond))
        return stats, messages, bad

    def _more_bad_rows(self, filename: str, sha: str, count: int, span: list[int]) -> Quarantined:
        kept = f"{self.done_dir.name}/{filename}" if self.done_dir is not None else filename
        return Quarantined(
            channel=CHANNEL,
            raw=b"",
            error=(
                f"{filename}: {count} hatalı satır daha (satır {span[0]}–{span[1]}); yalnız ilk "
                f"{ERROR_DETAIL_CAP} tanesi ayrı ayrı karantinada, tümü dosyada: {kept}"
            ),
            metadata={
                "source": self.name,
                "file": filename,
                "sha256": sha,
                "rows_not_itemised": count,
                "first_row": span[0],
                "last_row": span[1],
                "kept_in": kept,
            },
        )

    def _bad_row(self, filename: str, sha: str, row: Row, errors: list[RowError]) -> Quarantined:
        raw = row.raw if row.raw is not None else json.dumps(row.values, ensure_ascii=False, default=str)
        return Quarantined(
            channel=CHANNEL,
            raw=raw.encode("utf-8"),
            error=f"{filename}: " + "; ".join(str(e) for e in errors),
            metadata={"source": self.name, "file": filename, "row": row.number, "sha256": sha},
        )

    def _message(self, rec: dict[str, Any], filename: str, sha: str, row_no: int) -> RawMessage:
        caller = rec.get("caller")
        when: datetime = rec["time"]
        code, notes, disp_raw = rec.get("disposition"), rec.get("notes"), rec.get("disposition_raw")
        external_id = rec.get("call_id") or call_hash(caller, when, rec.get("agent"))
        text = notes or f"Alo 153 çağrısı: {disp_raw} (temsilci notu yok)"
        location = None
        if rec.get("ilce") or rec.get("mahalle"):
            location = Location(ilce=rec.get("ilce"), mahalle=rec.get("mahalle"))
        meta = {
            "agent": rec.get("agent"),
            "duration_seconds": parse_duration(rec.get("duration")),
            "duration_raw": rec.get("duration"),
            "disposition": disp_raw,
            "source": self.name,
            "source_file": filename,
            "source_row": row_no,
            "file_sha256": sha,
        }
        return RawMessage(
            channel=CHANNEL,
            external_id=str(external_id),
            text=text,
            received_at=when,
            sender=Sender(name=rec.get("caller_name"), phone=caller, kind="citizen"),
            location=location,
            request_type=code if code in REQUEST_TYPES else None,
            reply_to={"kind": "phone", "phone": caller} if caller else {},
            metadata={k: v for k, v in meta.items() if v is not None},
        )


def is_request(disposition_code: str | None, notes: str | None) -> bool:
    """The documented rule: request dispositions always, ``none`` never, otherwise a note decides."""
    if disposition_code in REQUEST_TYPES:
        return True
    if disposition_code == NO_REQUEST:
        return False
    return bool(notes and notes.strip())


def call_hash(caller: str | None, when: datetime, agent: str | None = None) -> str:
    """Stable id for a call without an id column: caller digits + call time (+ agent if no caller)."""
    digits = re.sub(r"\D", "", caller or "")
    basis = f"{digits}|{when.isoformat()}" + ("" if digits else f"|{agent or ''}")
    return "call-" + hashlib.sha256(basis.encode()).hexdigest()[:20]


def parse_duration(value: Any) -> int | None:
    """Seconds from "205", "03:25" or "1:03:25"; None if unreadable."""
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    m = _DURATION.match(text)
    if not m:
        return None
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


Broken = list[tuple[int, str, str]]  # (row number, raw text, error) of items that are not call records


def _json_table(data: bytes, *, lines: bool) -> tuple[Table, Broken]:
    """JSON call logs: a list of objects, {"calls": [...]}, or one object per line (JSON Lines)."""
    text, _ = decode_text(data)
    items: list[tuple[int, Any, str]] = []
    broken: Broken = []
    if lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, json.loads(line), line))
            except json.JSONDecodeError as exc:
                broken.append((number, line, f"geçersiz JSON: {exc.msg}"))
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"geçersiz JSON (satır {exc.lineno}, sütun {exc.colno}): {exc.msg}") from exc
        if isinstance(doc, dict):
            doc = next(
                (v for k, v in doc.items() if fold(k) in ("calls", "cagrilar", "records", "kayitlar")), None
            )
        if not isinstance(doc, list):
            raise ValueError('JSON bir çağrı listesi değil (beklenen: [...] ya da {"calls": [...]})')
        items = [(i, obj, json.dumps(obj, ensure_ascii=False)) for i, obj in enumerate(doc, start=1)]
    keys: list[str] = []
    for _, obj, _ in items:
        if isinstance(obj, dict):
            keys += [str(k) for k in obj if str(k) not in keys]
    if not keys:
        raise ValueError("JSON'da çağrı kaydı (nesne) yok")
    rows = []
    for number, obj, raw in items:
        if isinstance(obj, dict):
            rows.append(Row(number=number, values=[_json_cell(obj.get(k)) for k in keys], raw=raw))
        else:
            broken.append((number, raw, f"çağrı kaydı bir JSON nesnesi değil: {raw[:80]}"))
    columns = [Column(index=i, names=[k]) for i, k in enumerate(keys)]
    return Table(columns=columns, rows=rows, source_format="json"), broken


def _json_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return value.strip() or None
    return value


def _load_checkpoint(checkpoint: str | None) -> list[dict[str, str]]:
    if not checkpoint:
        return []
    try:
        doc = json.loads(checkpoint)
        return [
            {"name": str(e["name"]), "sha256": str(e["sha256"])}
            for e in doc.get("files", [])
            if isinstance(e, dict) and "name" in e and "sha256" in e
        ]
    except (json.JSONDecodeError, AttributeError, TypeError):
        log.warning("ignoring unreadable call-log checkpoint")
        return []


def _move(path: Path, target_dir: Path, sha: str) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.stem}.{sha[:12]}{path.suffix}"
    shutil.move(str(path), str(target))
    return target
