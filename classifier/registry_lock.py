"""An advisory file lock (flock) for "one training at a time". The kernel drops it when its
holder exits, so a training that crashed never leaves the registry locked."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class TrainingLock:
    """Non-blocking: acquire() says whether we got it. flock locks belong to an open file,
    so a second TrainingLock on the same path is refused even within one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        f = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by another training
            f.close()
            return False
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")  # for a person looking at the directory
        f.flush()
        self._file = f
        return True

    def release(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
            f.close()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
