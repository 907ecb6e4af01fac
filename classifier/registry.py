"""A directory of versioned model files with an active pointer, activation history and rollback.

Layout:  <dir>/models/<version>.joblib, <dir>/ACTIVE (one line: the active version),
<dir>/history.json (versions in the order they were activated; rollback walks it back),
<dir>/meta/<version>.json (each model's metadata: metrics, gate verdict; read without
unpickling the model), <dir>/training.lock (held while a training runs).
Pointer writes are atomic (write + rename) so a reader sees either the old or the new model.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from classifier.errors import InputError
from classifier.model import ModelBundle
from classifier.registry_lock import TrainingLock

_LOCK = threading.Lock()


class ModelRegistry:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.models_dir = self.root / "models"
        self.meta_dir = self.root / "meta"

    def _ensure(self) -> None:
        self.models_dir.mkdir(parents=True, exist_ok=True)

    def path_for(self, version: str) -> Path:
        if not version or "/" in version or "\\" in version or version.startswith("."):
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
        self._write_meta(version, bundle.metadata)  # first: a listed model always has its sidecar
        bundle.save(self.path_for(version))
        return version

    def _write_meta(self, version: str, metadata: dict[str, Any]) -> None:
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        target = self.meta_dir / f"{version}.json"
        tmp = self.meta_dir / f".{version}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(metadata, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        tmp.replace(target)

    def info(self, version: str) -> dict[str, Any]:
        """A stored model's metadata (version, created_at, n_examples, metrics, gate, ...).
        Models stored before sidecars existed are read once and their sidecar written."""
        path = self.path_for(version)
        try:
            data = json.loads((self.meta_dir / f"{version}.json").read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
        except (FileNotFoundError, json.JSONDecodeError):
            pass
        if not path.is_file():
            raise InputError(f"model version {version!r} is not in {self.models_dir}")
        metadata = ModelBundle.read_metadata(path)
        metadata["version"] = version
        try:
            self._write_meta(version, metadata)
        except OSError:  # a read-only registry still answers
            pass
        return metadata

    def gate_passed(self, version: str) -> bool | None:
        """The evaluation gate's verdict on this model; None when it never went through one."""
        gate = self.info(version).get("gate")
        return bool(gate.get("passed")) if isinstance(gate, dict) else None

    def active_version(self) -> str | None:
        try:
            v = (self.root / "ACTIVE").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return v or None

    def history(self) -> list[str]:
        """Versions in the order they were activated (a rollback removes the rolled-back one)."""
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

    def activate(self, version: str, *, force: bool = False) -> None:
        """Make `version` the active model. A model that failed the evaluation gate is
        refused unless `force` (an operator's deliberate choice)."""
        if not self.path_for(version).is_file():
            raise InputError(f"model version {version!r} is not in {self.models_dir}")
        if not force and self.gate_passed(version) is False:
            reason = self.info(version)["gate"].get("reason", "")
            raise InputError(f"model version {version!r} failed the evaluation gate ({reason})")
        with _LOCK:
            history = self.history()
            if not history or history[-1] != version:
                history.append(version)
            self._write("history.json", json.dumps(history, indent=1))
            self._write("ACTIVE", version + "\n")

    def _rollback_target(self, history: list[str]) -> str | None:
        """Trims `history` to end at the version a rollback restores; returns it (None: nothing)."""
        current = self.active_version()
        while history and history[-1] == current:
            history.pop()
        while history and not self.path_for(history[-1]).is_file():
            history.pop()
        return history[-1] if history else None

    def previous_version(self) -> str | None:
        """The version rollback() would re-activate, or None."""
        return self._rollback_target(self.history())

    def rollback(self) -> str:
        """Re-activate the previously active version; returns it."""
        with _LOCK:
            history = self.history()
            previous = self._rollback_target(history)
            if previous is None:
                raise InputError("no earlier model version to roll back to")
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

    def training_lock(self) -> TrainingLock:
        """A lock that only one training (in any process on this machine) holds at a time."""
        self.root.mkdir(parents=True, exist_ok=True)
        return TrainingLock(self.root / "training.lock")

    def training_running(self) -> bool:
        probe = self.training_lock()
        if probe.acquire():
            probe.release()
            return False
        return True
