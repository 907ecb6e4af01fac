"""Learning loop: retrain on seed + history + staff corrections; a candidate is activated only
if it is not worse than the active model on the same held-out examples, which neither of them
learned (the gate)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from classifier.dataset import Example, read_labelled_csv
from classifier.errors import InputError
from classifier.model import SEED_CORPUS, evaluate_model, train_bundle
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


def check_slice(
    rows: Sequence[Example], fraction: float, *, salt: str = "42"
) -> tuple[list[Example], list[Example]]:
    """(train, check): an example is in the check slice when a hash of its text says so. The same
    text lands on the same side every time, however the data grows, so a model trained on one
    day's train part has never seen a later day's check part, and identical texts never straddle."""
    cut = int(fraction * 2**32)
    train: list[Example] = []
    check: list[Example] = []
    for label, text in rows:
        digest = hashlib.sha256(f"{salt}:{text.strip().casefold()}".encode()).digest()
        (check if int.from_bytes(digest[:4], "big") < cut else train).append((label, text))
    return train, check


def train_with_gate(
    seed_csv: str | Path | None,
    extra_examples: Sequence[tuple[str, str]],
    registry_dir: str | Path,
    *,
    always_train: Sequence[tuple[str, str]] = (),
    holdout_fraction: float = 0.2,
    holdout: Sequence[tuple[str, str]] | None = None,
    tolerance: float = 0.0,
    seed: int = 42,
) -> GateResult:
    """Train a candidate (see train_candidate) and activate it when it passed the gate."""
    result = train_candidate(
        seed_csv, extra_examples, registry_dir, always_train=always_train, holdout_fraction=holdout_fraction,
        holdout=holdout, tolerance=tolerance, seed=seed,
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
    always_train: Sequence[tuple[str, str]] = (),
    holdout_fraction: float = 0.2,
    holdout: Sequence[tuple[str, str]] | None = None,
    tolerance: float = 0.0,
    seed: int = 42,
    extra_metadata: dict | None = None,
) -> GateResult:
    """Train a candidate on seed + extra examples + always_train (label, text), judge it, store
    it; never activate.

    The candidate and the active model are compared on the same check examples: `holdout` when
    given (a trusted, fixed check set; then everything else is trained on), else the check slice
    (`check_slice`, `holdout_fraction` of seed + extras chosen by a hash of the text, `seed` as
    salt) that no model trained here ever learns, so neither model has seen what it is judged on.
    `always_train` (staff corrections: each must be learned) is never held out; a check example
    with the same text as one of them is dropped from the check. The candidate passes the gate when
    its macro-F1 >= active macro-F1 - tolerance, or when there is no usable active model. Invalid
    examples (empty text or label) are skipped and counted, never fatal. The stored metadata holds
    the check metrics, the gate's verdict and the active model's metrics on the same check
    examples (`gate`), plus `extra_metadata`.
    """
    if not 0.0 < holdout_fraction < 0.9:
        raise InputError("holdout_fraction must be between 0 and 0.9")
    seed_rows = read_labelled_csv(seed_csv or SEED_CORPUS)
    extras, skipped = _valid(extra_examples)
    learn, bad_learn = _valid(always_train)
    skipped += bad_learn
    if holdout is not None:
        check, bad_check = _valid(holdout)
        if not check:
            raise InputError("holdout has no usable (label, text) examples")
        skipped += bad_check
        train_rows = seed_rows + extras + learn
    else:
        plain, check = check_slice(seed_rows + extras, holdout_fraction, salt=str(seed))
        learned = {text.strip().casefold() for _, text in learn}
        check = [row for row in check if row[1].strip().casefold() not in learned]
        train_rows = plain + learn
        if not check:
            raise InputError("too few examples to hold any out for the check; add more or pass holdout")

    registry = ModelRegistry(registry_dir)
    old_version = registry.active_version()
    candidate = train_bundle(train_rows, source=f"seed+{len(extras) + len(learn)} extra")
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
    candidate.metadata["metrics"] = {"gate_holdout": True, **new_metrics}
    candidate.metadata["gate"] = {
        "passed": passed, "reason": reason, "compared_with": old_version, "active_metrics": old_metrics,
        "tolerance": tolerance, "n_check": len(check), "fixed_holdout": holdout is not None,
    }  # fmt: skip
    candidate.metadata.update(extra_metadata or {})
    new_version = registry.add(candidate)
    return GateResult(
        activated=False,
        new_version=new_version,
        old_version=old_version,
        new_metrics=new_metrics,
        old_metrics=old_metrics,
        reason=reason,
        skipped_examples=skipped,
        details={"n_train": len(train_rows), "n_check": len(check), "n_extra": len(extras) + len(learn)},
        passed=passed,
    )
