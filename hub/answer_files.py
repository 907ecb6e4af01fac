"""The answer files that ExportSender writes for CİMER / MBS / e-Devlet (hub/channels.py), as
the staff UI lists and serves them (/ui/ice-aktar): staff have no shell on the server, so the
upload page is where they fetch each day's file to upload it into the other system.

Only names that ExportSender itself gives (``<kind>_cevaplar_<YYYY-MM-DD>.<xlsx|csv>``) are
ever listed or served, and only from the answer folder itself: a name is matched against that
exact pattern before it touches the file system, and the resolved path must still sit directly
in the folder (no ``..``, no symlink leading out of it).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connectors.imports.export import ANSWER_FILE_NAME, count_answers
from hub.file_imports import KINDS, export_dir
from hub.settings import Settings

log = logging.getLogger(__name__)
LISTED_PER_KIND = 31  # about a month of daily files per system on the page; older ones stay downloadable
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class AnswerFile:
    kind: str  # cimer, mbs, edevlet
    name: str
    day: date  # the Istanbul day the answers were written
    fmt: str  # xlsx or csv
    size: int  # bytes
    answers: int | None  # None when the file could not be read
    path: Path

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.fmt]


def parse_name(name: str) -> tuple[str, date, str] | None:
    """(kind, day, format) for a name ExportSender gives its files, else None."""
    m = ANSWER_FILE_NAME.fullmatch(name)
    if m is None or m.group(1) not in KINDS:
        return None
    try:
        day = date.fromisoformat(m.group(2))
    except ValueError:  # 2026-13-45 has the shape but is no day ExportSender writes
        return None
    return m.group(1), day, m.group(3)


def resolve(st: Settings, name: str) -> Path | None:
    """The answer file called ``name``, or None when the name is not one of ours or no such
    file is in the folder. Blocking (file system): call it from a worker thread."""
    if parse_name(name) is None:
        return None
    folder = export_dir(st).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or path.name != name or not path.is_file():
        return None
    return path


# The answer count costs a file read; a file changes at most when an answer is appended, so the
# count is kept per (path, size, mtime) and recomputed only for files that changed.
_counts: dict[tuple[str, int, int], int | None] = {}
_counts_lock = threading.Lock()


def _count(path: Path, size: int, mtime_ns: int) -> int | None:
    key = (str(path), size, mtime_ns)
    with _counts_lock:
        if key in _counts:
            return _counts[key]
    try:
        n: int | None = count_answers(path)
    except Exception as exc:  # a damaged or foreign file: listed, its count unknown
        log.warning("cannot count the answers in %s: %s", path.name, exc)
        n = None
    with _counts_lock:
        if len(_counts) > 1000:
            _counts.clear()
        _counts[key] = n
    return n


def describe(st: Settings, name: str) -> AnswerFile | None:
    """One answer file's listing entry (None if it is not one of ours). Blocking."""
    parsed = parse_name(name)
    try:
        path = resolve(st, name)
        stat = path.stat() if path is not None else None
    except (OSError, RuntimeError):  # a share gone offline, a symlink loop
        return None
    if parsed is None or path is None or stat is None:
        return None
    kind, day, fmt = parsed
    return AnswerFile(kind, name, day, fmt, stat.st_size, _count(path, stat.st_size, stat.st_mtime_ns), path)


def list_files(st: Settings) -> dict[str, tuple[list[AnswerFile], int]]:
    """Per kind: its newest answer files (newest first, at most ``LISTED_PER_KIND``) and how many
    older ones were left off. Blocking (file system): call it from a worker thread."""
    folder = export_dir(st)
    names: dict[str, list[tuple[date, str]]] = {k: [] for k in KINDS}
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError as exc:
        log.warning("cannot list the answer folder %s: %s", folder, exc)
        entries = []
    for entry in entries:
        parsed = parse_name(entry.name)
        if parsed is not None:
            names[parsed[0]].append((parsed[1], entry.name))
    out: dict[str, tuple[list[AnswerFile], int]] = {}
    for kind in KINDS:
        newest = sorted(names[kind], reverse=True)
        listed = [f for _, name in newest[:LISTED_PER_KIND] if (f := describe(st, name)) is not None]
        out[kind] = (listed, max(0, len(newest) - LISTED_PER_KIND))
    return out
