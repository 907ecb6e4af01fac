"""``run_hub.py backup DIR``: a consistent copy of a running hub's data directory.

Copying the SQLite file of a running hub can catch it between a write and its WAL
checkpoint; SQLite's online backup API gives a consistent snapshot while the hub keeps
writing. Everything else in the data directory (attachments, which are content-addressed
and never rewritten, trained models, the UI and web-form keys) is copied as files. With
PostgreSQL the database belongs in the site's pg_dump routine; the files are still copied.

Restore: stop the hub and copy the backup's contents into an empty HUB_DATA_DIR.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# The live database files: the snapshot replaces them.
_DB_FILES = {"hub.sqlite3", "hub.sqlite3-wal", "hub.sqlite3-shm", "hub.sqlite3-journal"}


@dataclass
class BackupResult:
    path: Path
    database: str  # "sqlite" | "postgresql (use pg_dump)"
    files: int
    bytes: int
    integrity: str | None  # SQLite's integrity_check of the copy


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) else None


def backup(data_dir: Path, database_url: str, dest_root: Path, *, now: datetime | None = None) -> BackupResult:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    dest = dest_root / f"talep-hub-{stamp}"
    if dest.exists():
        raise FileExistsError(f"{dest} already exists")
    if data_dir.resolve() in (dest_root.resolve(), *dest_root.resolve().parents):
        raise ValueError("the backup folder must be outside HUB_DATA_DIR")
    dest.mkdir(parents=True, mode=0o700)
    files = size = 0
    if data_dir.is_dir():
        for src in sorted(data_dir.rglob("*")):
            rel = src.relative_to(data_dir)
            if src.is_dir() or rel.name in _DB_FILES or src.suffix == ".part":
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)  # keeps the 0600 of the key files
            files += 1
            size += target.stat().st_size
    db_path = _sqlite_path(database_url)
    integrity = None
    if db_path is None:
        kind = "postgresql (use pg_dump)"
    else:
        kind = "sqlite"
        target = dest / "hub.sqlite3"
        if not db_path.is_file():
            raise FileNotFoundError(f"no database at {db_path}")
        src_conn = sqlite3.connect(db_path, timeout=30)
        dst_conn = sqlite3.connect(target)
        try:
            src_conn.backup(dst_conn)
            integrity = dst_conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst_conn.close()
            src_conn.close()
        os.chmod(target, 0o600)
        files += 1
        size += target.stat().st_size
    return BackupResult(path=dest, database=kind, files=files, bytes=size, integrity=integrity)
