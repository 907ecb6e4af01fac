"""Metrics: macro-F1, per-class figures and the precision/coverage trade-off of abstention."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

COVERAGES = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)


def coverage_precision(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidence: np.ndarray,
    coverages: Sequence[float] = COVERAGES,
) -> list[dict[str, float]]:
    """Precision on the most confident `coverage` share; `threshold` is the confidence cut that gives it."""
    order = np.argsort(-np.asarray(confidence), kind="stable")
    correct = (np.asarray(y_true, dtype=object) == np.asarray(y_pred, dtype=object))[order]
    conf_sorted = np.asarray(confidence)[order]
    out = []
    n = len(order)
    for cov in coverages:
        k = max(1, int(round(cov * n)))
        out.append(
            {
                "coverage": float(cov),
                "precision": round(float(correct[:k].mean()), 4),
                "threshold": round(float(conf_sorted[k - 1]), 4),
            }
        )
    return out


def precision_at_threshold(
    y_true: Sequence[str], y_pred: Sequence[str], confidence: np.ndarray, threshold: float
) -> dict[str, float]:
    mask = np.asarray(confidence) >= threshold
    correct = np.asarray(y_true, dtype=object) == np.asarray(y_pred, dtype=object)
    return {
        "threshold": threshold,
        "coverage": round(float(mask.mean()), 4),
        "precision": round(float(correct[mask].mean()), 4) if mask.any() else 0.0,
    }


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], confidence: np.ndarray) -> dict:
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    true_labels = sorted(set(y_true))
    return {
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=true_labels, average="macro", zero_division=0)), 4
        ),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
        "coverage_precision": coverage_precision(y_true, y_pred, confidence),
        "n_test": len(y_true),
    }
