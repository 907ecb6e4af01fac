"""A watched drop folder for CİMER / MBS / e-Devlet export files.

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
from collections.abc import Callable
from pathlib import Path

from connectors.base import FetchResult, Quarantined
from connectors.imports.importer import DEFAULT_MAX_BYTES, ImportRun
from connectors.imports.mapping import ImportRejected, Mapping
from connectors.imports.tabular import file_digest

SUFFIXES = {".csv", ".xlsx", ".txt"}
_KEEP = 2000  # how many processed file digests the checkpoint remembers


class ImportFolderSource:
    def __init__(
        self,
        folder: Path,
        *,
        kind: str,
        min_age: float = 2.0,
        max_files: int = 20,
        max_bytes: int = DEFAULT_MAX_BYTES,
        mapping: Mapping | Callable[[], Mapping | None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        # None: the kind's default mapping. A callable is asked on every fetch, so an edited
        # mapping file applies without a restart (and a broken one fails the poll, visibly).
        self.mapping = mapping
        self.max_bytes = max_bytes
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
        mapping = self.mapping() if callable(self.mapping) else self.mapping
        done: list[str] = json.loads(checkpoint) if checkpoint else []
        seen = set(done)
        messages, quarantined, reports = [], [], []
        self._pending = []
        for path in self._ready():
            digest = file_digest(path)
            if digest in seen:
                self._pending.append((path, "islendi", None))
                continue
            try:
                # Rows stream from the file; only its good rows' messages are held, as one
                # fetch is one intake transaction.
                with ImportRun(path, kind=self.kind, mapping=mapping, max_bytes=self.max_bytes) as run:  # type: ignore[arg-type]
                    for batch in run.batches():
                        messages.extend(batch)
            except ImportRejected as exc:
                quarantined.append(self._rejected(path, digest, str(exc)))
                self._pending.append((path, "hatali", f"Dosya reddedildi: {exc}\n"))
            else:
                report = run.result.format()
                reports.append(report)
                self._pending.append((path, "islendi", report + "\n"))
            seen.add(digest)
            done.append(digest)
        self.last_reports = reports
        return FetchResult(messages=messages, checkpoint=json.dumps(done[-_KEEP:]), quarantined=quarantined)

    def _rejected(self, path: Path, digest: str, error: str) -> Quarantined:
        """A refused file: its bytes go to quarantine, unless it is over the size limit (it
        is then kept only in ``hatali/``, where the operator finds it with its report)."""
        meta = {"filename": path.name, "sha256": digest}
        if path.stat().st_size > self.max_bytes:
            meta["kept_in"] = f"hatali/{path.name}"
            return Quarantined(channel=self.channel, raw=b"", error=error, metadata=meta)
        return Quarantined(channel=self.channel, raw=path.read_bytes(), error=error, metadata=meta)

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
