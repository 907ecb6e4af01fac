"""Learning loop: retrain on seed + history + staff corrections, activate only if not worse."""

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

    def to_dict(self) -> dict:
        return {
            "activated": self.activated,
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
    """Train a candidate on seed + extra examples (label, text) and activate it if it is not worse.

    The candidate and the active model are compared on the same held-out examples: `holdout`
    when given (a trusted, fixed check set), else a stratified `holdout_fraction` slice of seed +
    extras that the candidate does not train on. Activated when candidate macro-F1 >=
    active macro-F1 - tolerance, or when there is no active model. Invalid examples (empty text
    or label) are skipped and counted, never fatal. The candidate is stored in the registry
    either way, so a person can inspect or activate it later. With `refit` (default) and no fixed
    `holdout`, an accepted candidate is retrained on all examples before activation, so every
    correction is learned.
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
    candidate.metadata["metrics"] = {"gate_holdout": True, **new_metrics}
    new_version = registry.add(candidate)

    old_metrics: dict | None = None
    if old_version is None:
        activated, reason = True, "no active model yet"
    else:
        try:
            old_metrics = evaluate_model(registry.load(old_version).topic, check)
        except InputError as exc:
            log.warning("active model %s unreadable: %s", old_version, exc)
        if old_metrics is None:
            activated, reason = True, f"active model {old_version} could not be loaded"
        else:
            new_f1, old_f1 = new_metrics["macro_f1"], old_metrics["macro_f1"]
            activated = new_f1 >= old_f1 - tolerance
            verdict = "not worse" if activated else "worse"
            reason = (
                f"candidate macro-F1 {new_f1:.4f} vs active {old_f1:.4f} on {len(check)} held-out: {verdict}"
            )
    if activated and refit and holdout is None:
        # The gate judged the training procedure; the model that serves should also learn from the
        # held-out slice, or a correction that lands there would never be learned.
        final = train_bundle(rows, source=f"seed+{len(extras)} extra (refit on all)")
        final.metadata["metrics"] = {"gate_holdout": True, "refit_on_all": True, **new_metrics}
        new_version = registry.add(final)
    if activated:
        registry.activate(new_version)
    log.info("learning gate: %s (%s)", "activated" if activated else "kept old model", reason)
    return GateResult(
        activated=activated,
        new_version=new_version,
        old_version=old_version,
        new_metrics=new_metrics,
        old_metrics=old_metrics,
        reason=reason,
        skipped_examples=skipped,
        details={"n_train": len(train_rows), "n_check": len(check), "n_extra": len(extras)},
    )
