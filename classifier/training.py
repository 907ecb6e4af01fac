"""Learning loop: retrain on seed + history + staff corrections; a candidate is activated only
if it is not worse than the active model on the same held-out examples (the gate)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from classifier.dataset import Example, read_labelled_csv
from classifier.errors import InputError
from classifier.model import SEED_CORPUS, evaluate_model, holdout_split, train_bundle
from classifier.registry import ModelRegistry

log = logging.getLogger(__name__)


@dataclass
class GateResult:
    activated: bool
    new_version: str
    old_version: str | None
    new_metrics: dict
    old_metrics: dict | None
    reason: str
    skipped_examples: int = 0
    details: dict = field(default_factory=dict)
    passed: bool = False  # the candidate is not worse than the active model (or there was none)

    def to_dict(self) -> dict:
        return {
            "activated": self.activated,
            "passed": self.passed,
            "new_version": self.new_version,
            "old_version": self.old_version,
            "new_metrics": _headline(self.new_metrics),
            "old_metrics": _headline(self.old_metrics) if self.old_metrics else None,
            "reason": self.reason,
            "skipped_examples": self.skipped_examples,
        }


def _headline(m: dict) -> dict:
    return {k: m.get(k) for k in ("macro_f1", "accuracy", "n_test")}


def _valid(examples: Sequence[tuple[str, str]]) -> tuple[list[Example], int]:
    good: list[Example] = []
    bad = 0
    for item in examples:
        try:
            label, text = item
        except (TypeError, ValueError):
            bad += 1
            continue
        if isinstance(label, str) and isinstance(text, str) and label.strip() and text.strip():
            good.append((label.strip(), text.strip()))
        else:
            bad += 1
    return good, bad


def train_with_gate(
    seed_csv: str | Path | None,
    extra_examples: Sequence[tuple[str, str]],
    registry_dir: str | Path,
    *,
    holdout_fraction: float = 0.2,
    holdout: Sequence[tuple[str, str]] | None = None,
    tolerance: float = 0.0,
    seed: int = 42,
    refit: bool = True,
) -> GateResult:
    """Train a candidate (see train_candidate) and activate it when it passed the gate."""
    result = train_candidate(
        seed_csv, extra_examples, registry_dir, holdout_fraction=holdout_fraction, holdout=holdout,
        tolerance=tolerance, seed=seed, refit=refit,
    )  # fmt: skip
    if result.passed:
        ModelRegistry(registry_dir).activate(result.new_version)
        result.activated = True
    log.info("learning gate: %s (%s)", "activated" if result.activated else "kept old model", result.reason)
    return result


def train_candidate(
    seed_csv: str | Path | None,
    extra_examples: Sequence[tuple[str, str]],
    registry_dir: str | Path,
    *,
    holdout_fraction: float = 0.2,
    holdout: Sequence[tuple[str, str]] | None = None,
    tolerance: float = 0.0,
    seed: int = 42,
    refit: bool = True,
    extra_metadata: dict | None = None,
) -> GateResult:
    """Train a candidate on seed + extra examples (label, text), judge it, store it; never activate.

    The candidate and the active model are compared on the same held-out examples: `holdout`
    when given (a trusted, fixed check set), else a stratified `holdout_fraction` slice of seed +
    extras that the candidate does not train on. It passes the gate when its macro-F1 >=
    active macro-F1 - tolerance, or when there is no active model. Invalid examples (empty text
    or label) are skipped and counted, never fatal. With `refit` (default) and no fixed
    `holdout`, a candidate that passed is retrained on all examples before it is stored, so every
    correction is learned. The stored metadata holds the held-out metrics, the gate's verdict
    and the active model's metrics on the same slice (`gate`), plus `extra_metadata`.
    """
    if not 0.0 < holdout_fraction < 0.9:
        raise InputError("holdout_fraction must be between 0 and 0.9")
    seed_rows = read_labelled_csv(seed_csv or SEED_CORPUS)
    extras, skipped = _valid(extra_examples)
    rows = seed_rows + extras
    if holdout is not None:
        check, bad_check = _valid(holdout)
        if not check:
            raise InputError("holdout has no usable (label, text) examples")
        skipped += bad_check
        train_rows = rows
    else:
        train_rows, check = holdout_split(rows, holdout_fraction, seed=seed)

    registry = ModelRegistry(registry_dir)
    old_version = registry.active_version()
    candidate = train_bundle(train_rows, source=f"seed+{len(extras)} extra")
    new_metrics = evaluate_model(candidate.topic, check)

    old_metrics: dict | None = None
    if old_version is None:
        passed, reason = True, "no active model yet"
    else:
        try:
            old_metrics = evaluate_model(registry.load(old_version).topic, check)
        except InputError as exc:
            log.warning("active model %s unreadable: %s", old_version, exc)
        if old_metrics is None:
            passed, reason = True, f"active model {old_version} could not be loaded"
        else:
            new_f1, old_f1 = new_metrics["macro_f1"], old_metrics["macro_f1"]
            passed = new_f1 >= old_f1 - tolerance
            verdict = "not worse" if passed else "worse"
            reason = (
                f"candidate macro-F1 {new_f1:.4f} vs active {old_f1:.4f} on {len(check)} held-out: {verdict}"
            )
    stored = candidate
    metrics = {"gate_holdout": True, **new_metrics}
    if passed and refit and holdout is None:
        # The gate judged the training procedure; the model that serves should also learn from the
        # held-out slice, or a correction that lands there would never be learned.
        stored = train_bundle(rows, source=f"seed+{len(extras)} extra (refit on all)")
        metrics["refit_on_all"] = True
    stored.metadata["metrics"] = metrics
    stored.metadata["gate"] = {
        "passed": passed, "reason": reason, "compared_with": old_version, "active_metrics": old_metrics,
        "tolerance": tolerance, "n_check": len(check), "fixed_holdout": holdout is not None,
    }  # fmt: skip
    stored.metadata.update(extra_metadata or {})
    new_version = registry.add(stored)
    return GateResult(
        activated=False,
        new_version=new_version,
        old_version=old_version,
        new_metrics=new_metrics,
        old_metrics=old_metrics,
        reason=reason,
        skipped_examples=skipped,
        details={"n_train": len(train_rows), "n_check": len(check), "n_extra": len(extras)},
        passed=passed,
    )
