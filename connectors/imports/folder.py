"""A watched drop folder for CİMER / MBS export files.

Staff (or a scheduled job) drop the exported CSV/XLSX into the folder; each
complete file is imported once, its report written beside it, and the file moved
to ``islendi/`` (done) or ``hatali/`` (refused). Re-dropping the same file
imports nothing twice: the hub is idempotent on (channel, başvuru no).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

from connectors.base import FetchResult, Quarantined
from connectors.imports.importer import import_bytes
from connectors.imports.mapping import ImportRejected

SUFFIXES = {".csv", ".xlsx", ".txt"}
_KEEP = 2000  # how many processed file digests the checkpoint remembers


class ImportFolderSource:
    def __init__(self, folder: Path, *, kind: str, min_age: float = 2.0, max_files: int = 20) -> None:
        self.folder = Path(folder)
        self.kind = kind
        self.channel = kind
        self.name = f"{kind}-import"
        self.min_age = min_age
        self.max_files = max_files
        self.last_reports: list[str] = []
        self._pending: list[tuple[Path, str, str | None]] = []

    async def fetch(self, checkpoint: str | None) -> FetchResult:
        return await asyncio.to_thread(self._fetch, checkpoint)

    def _ready(self) -> list[Path]:
        now = time.time()
        files = [
            p for p in sorted(self.folder.iterdir())
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
            and now - p.stat().st_mtime >= self.min_age
        ]  # fmt: skip
        return files[: self.max_files]

    def _fetch(self, checkpoint: str | None) -> FetchResult:
        import hashlib

        done: list[str] = json.loads(checkpoint) if checkpoint else []
        seen = set(done)
        messages, quarantined, reports = [], [], []
        self._pending = []
        for path in self._ready():
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                self._pending.append((path, "islendi", None))
                continue
            try:
                result = import_bytes(data, filename=path.name, kind=self.kind)  # type: ignore[arg-type]
            except ImportRejected as exc:
                quarantined.append(Quarantined(channel=self.channel, raw=data, error=str(exc),
                                               metadata={"filename": path.name}))  # fmt: skip
                self._pending.append((path, "hatali", f"Dosya reddedildi: {exc}\n"))
            else:
                messages.extend(result.messages)
                report = result.format()
                reports.append(report)
                self._pending.append((path, "islendi", report + "\n"))
            seen.add(digest)
            done.append(digest)
        self.last_reports = reports
        return FetchResult(messages=messages, checkpoint=json.dumps(done[-_KEEP:]), quarantined=quarantined)

    def confirm(self, checkpoint: str | None) -> None:
        """Called by the hub after the fetched messages are committed: only then
        do files leave the drop folder, so a crash re-reads them instead of losing them."""
        pending, self._pending = self._pending, []
        for path, sub, report in pending:
            if path.exists():
                self._move(path, sub, report)

    def _move(self, path: Path, sub: str, report: str | None) -> None:
        target_dir = self.folder / sub
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        if target.exists():
            target = target_dir / f"{path.stem}-{int(time.time())}{path.suffix}"
        shutil.move(str(path), target)
        if report:
            target.with_suffix(target.suffix + ".rapor.txt").write_text(report, encoding="utf-8")
