"""Talep Hub classifier: topic, request type, duplicates and location of citizen requests.

Standalone (imports nothing from hub/ or connectors/). Heavy parts load lazily so that
`classifier.text` or `classifier.locator` can be used without importing scikit-learn.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "Classifier": "classifier.facade",
    "Classification": "classifier.facade",
    "DupItem": "classifier.duplicates",
    "find_duplicates": "classifier.duplicates",
    "GateResult": "classifier.training",
    "train_with_gate": "classifier.training",
    "train_candidate": "classifier.training",
    "ModelRegistry": "classifier.registry",
    "InputError": "classifier.errors",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'classifier' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
