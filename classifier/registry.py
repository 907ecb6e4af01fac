"""A directory of versioned model files with an active pointer, activation history and rollback.

Layout:  <dir>/models/<version>.joblib, <dir>/ACTIVE (one line: the active version),
<dir>/history.json (versions in the order they were activated; rollback walks it back).
Pointer writes are atomic (write + rename) so a reader sees either the old or the new model.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from classifier.errors import InputError
from classifier.model import ModelBundle

_LOCK = threading.Lock()


class ModelRegistry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.models_dir = self.root / "models"

    def _ensure(self) -> None:
        self.models_dir.mkdir(parents=True, exist_ok=True)

    def path_for(self, version: str) -> Path:
        if not version or "/" in version or version.startswith("."):
            raise InputError(f"invalid model version {version!r}")
        return self.models_dir / f"{version}.joblib"

    def versions(self) -> list[str]:
        if not self.models_dir.is_dir():
            return []
        return sorted(p.stem for p in self.models_dir.glob("*.joblib"))

    def add(self, bundle: ModelBundle) -> str:
        """Store a model (not yet active). A version clash gets a numeric suffix."""
        self._ensure()
        version = bundle.version
        n = 1
        while self.path_for(version).exists():
            n += 1
            version = f"{bundle.version}.{n}"
        bundle.metadata["version"] = version
        bundle.save(self.path_for(version))
        return version

    def active_version(self) -> str | None:
        try:
            v = (self.root / "ACTIVE").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return v or None

    def _history(self) -> list[str]:
        try:
            data = json.loads((self.root / "history.json").read_text(encoding="utf-8"))
            return [str(v) for v in data] if isinstance(data, list) else []
        except (FileNotFoundError, json.JSONDecodeError):
            return []

    def _write(self, name: str, content: str) -> None:
        self._ensure()
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(self.root / name)

    def activate(self, version: str) -> None:
        if not self.path_for(version).is_file():
            raise InputError(f"model version {version!r} is not in {self.models_dir}")
        with _LOCK:
            history = self._history()
            if not history or history[-1] != version:
                history.append(version)
            self._write("history.json", json.dumps(history, indent=1))
            self._write("ACTIVE", version + "\n")

    def rollback(self) -> str:
        """Re-activate the previously active version; returns it."""
        with _LOCK:
            history = self._history()
            current = self.active_version()
            while history and history[-1] == current:
                history.pop()
            while history and not self.path_for(history[-1]).is_file():
                history.pop()
            if not history:
                raise InputError("no earlier model version to roll back to")
            previous = history[-1]
            self._write("history.json", json.dumps(history, indent=1))
            self._write("ACTIVE", previous + "\n")
            return previous

    def load_active(self) -> ModelBundle | None:
        version = self.active_version()
        if version is None:
            return None
        return ModelBundle.load(self.path_for(version))

    def load(self, version: str) -> ModelBundle:
        return ModelBundle.load(self.path_for(version))
