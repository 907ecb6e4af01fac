"""Calibrated linear classifiers reduced to a few numpy arrays.

CalibratedClassifierCV keeps k fitted LinearSVCs plus one sigmoid per class and fold, and its
predict_proba walks them in Python. We stack all folds into one weight matrix so a batch (or a
single text) costs one sparse-dense product, which keeps the single-call path fast and makes
the artifact small and free of sklearn internals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

# scikit-learn is imported only when training: a loaded model needs numpy/scipy alone, which
# keeps the hub's memory (~90 MB less) and start-up time down.


class CalibratedLinear:
    """Probabilities = average over folds of normalised one-vs-rest sigmoids of linear scores.

    mode "sigmoid": W has k*m rows (k folds, m score columns), a/b are sigmoid parameters.
    mode "softmax": one multinomial logistic model (used when classes are too small for CV).
    """

    def __init__(self, classes: np.ndarray, W: np.ndarray, bias: np.ndarray, a: np.ndarray,
                 b: np.ndarray, n_folds: int, mode: str) -> None:  # fmt: skip
        self.classes_ = classes
        # stored features x scores so one text's weights are a contiguous row gather
        self.WT = np.ascontiguousarray(W.T, dtype=np.float32)
        self.bias = bias.astype(np.float32)
        self.a = a
        self.b = b
        self.n_folds = n_folds
        self.mode = mode

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_neg_ab", None)  # derived from a/b on first use; not stored in model files
        return state

    @classmethod
    def fit(cls, X: sp.csr_matrix, y: Sequence[str], *, C: float = 0.5, folds: int = 5) -> CalibratedLinear:
        counts = Counter(y)
        if len(counts) < 2:
            raise ValueError("need at least two different labels to train")
        from sklearn.linear_model import LogisticRegression

        smallest = min(counts.values())
        if smallest >= 3:
            return cls._fit_cv_platt(X, np.asarray(list(y)), C=C, folds=min(folds, smallest))
        lr = LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced").fit(X, list(y))
        coef = lr.coef_ if lr.coef_.shape[0] > 1 else np.vstack([-lr.coef_, lr.coef_]) / 2
        icpt = (
            lr.intercept_
            if lr.intercept_.shape[0] > 1
            else np.array([-lr.intercept_[0], lr.intercept_[0]]) / 2
        )
        return cls(lr.classes_, coef, icpt, np.zeros(0), np.zeros(0), 1, "softmax")

    @classmethod
    def _fit_cv_platt(cls, X: sp.csr_matrix, y: np.ndarray, *, C: float, folds: int) -> CalibratedLinear:
        """Same model as CalibratedClassifierCV(LinearSVC, cv=folds, method="sigmoid"), but the
        sigmoids are fitted for all classes at once by Newton's method (scikit-learn runs one
        L-BFGS per class and fold, which was 40 % of training time)."""
        from sklearn.model_selection import StratifiedKFold
        from sklearn.svm import LinearSVC

        classes = np.unique(y)
        Ws, bs, a_s, b_s = [], [], [], []
        for tr, te in StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(
            np.zeros(len(y)), y
        ):
            svc = LinearSVC(C=C, class_weight="balanced").fit(X[tr], y[tr])
            scores = svc.decision_function(X[te])
            if scores.ndim == 1:
                scores = scores[:, None]
                targets = (y[te] == classes[1])[:, None]
            else:
                targets = y[te][:, None] == classes[None, :]
            a, b = platt_fit(scores, targets)
            Ws.append(svc.coef_)
            bs.append(svc.intercept_)
            a_s.append(a)
            b_s.append(b)
        return cls(classes, np.vstack(Ws), np.concatenate(bs), np.concatenate(a_s), np.concatenate(b_s),
                   folds, "sigmoid")  # fmt: skip

    @classmethod
    def _from_calibrated(cls, cal: Any) -> CalibratedLinear:
        Ws, bs, a_s, b_s = [], [], [], []
        for cc in cal.calibrated_classifiers_:
            Ws.append(cc.estimator.coef_)
            bs.append(cc.estimator.intercept_)
            a_s.append([c.a_ for c in cc.calibrators])
            b_s.append([c.b_ for c in cc.calibrators])
        return cls(
            cal.classes_, np.vstack(Ws), np.concatenate(bs), np.array(a_s, dtype=np.float64).ravel(),
            np.array(b_s, dtype=np.float64).ravel(), len(Ws), "sigmoid",
        )  # fmt: skip

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        return self._proba(np.asarray(X @ self.WT, dtype=np.float64) + self.bias)

    def proba_from_scores(self, scores: np.ndarray) -> np.ndarray:
        """Probabilities from X @ WT computed elsewhere (classifier.scoring)."""
        return self._proba(scores.astype(np.float64) + self.bias)

    def proba_one(self, scores: np.ndarray) -> np.ndarray:
        """proba_from_scores for one text's 1-D scores: the same operations without the batch axis
        (a single call is dominated by per-call numpy overhead, so fewer, smaller calls)."""
        if self.mode == "softmax" or len(self.classes_) == 2:
            return self._proba(scores[None, :].astype(np.float64) + self.bias)[0]
        neg = self.__dict__.get("_neg_ab")
        if neg is None:  # -(s*a + b) == s*(-a) + (-b) exactly; saves the negation per call
            neg = self.__dict__["_neg_ab"] = (-self.a, -self.b)
        z = np.add(scores, self.bias, dtype=np.float64)
        z *= neg[0]
        z += neg[1]
        sig = expit(z).reshape(self.n_folds, -1)
        # np.add.reduce is what ndarray.sum() and mean() run, without their Python-level wrappers
        denom = np.add.reduce(sig, axis=1, keepdims=True)
        if not np.logical_and.reduce(denom, axis=None):  # a fold's sigmoids all underflowed:
            sig = np.where(denom > 0, sig, 1.0)  # that fold says "uniform"
            denom = np.add.reduce(sig, axis=1, keepdims=True)
        sig /= denom
        return np.add.reduce(sig, axis=0) / self.n_folds

    def _proba(self, scores: np.ndarray) -> np.ndarray:
        n_classes = len(self.classes_)
        if self.mode == "softmax":
            scores -= scores.max(axis=1, keepdims=True)
            e = np.exp(scores)
            return e / e.sum(axis=1, keepdims=True)
        z = scores * self.a
        z += self.b
        sig = expit(-z).reshape(len(z), self.n_folds, -1)
        if n_classes == 2:
            p1 = sig[:, :, 0]
            return np.stack([1.0 - p1, p1], axis=2).mean(axis=1)
        denom = sig.sum(axis=2, keepdims=True)
        if not denom.all():  # every sigmoid of a fold underflowed: that fold says "uniform"
            sig = np.where(denom > 0, sig, 1.0)
            denom = sig.sum(axis=2, keepdims=True)
        return (sig / denom).mean(axis=1)


def platt_fit(scores: np.ndarray, targets: np.ndarray, iters: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Platt sigmoids P(pos) = 1 / (1 + exp(a*f + b)), one per column, fitted jointly.

    Uses Platt's smoothed targets (as scikit-learn does) and damped Newton steps on the
    two parameters of each column.
    """
    f = scores.astype(np.float64)
    pos = targets.sum(axis=0).astype(np.float64)
    neg = len(f) - pos
    t = np.where(targets, ((pos + 1.0) / (pos + 2.0))[None, :], (1.0 / (neg + 2.0))[None, :])
    a = np.zeros(f.shape[1])
    b = np.log((neg + 1.0) / (pos + 1.0))

    def loss(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        z = a * f + b  # P(pos) = expit(-z); cross-entropy written stably with logaddexp
        return (t * np.logaddexp(0.0, z) + (1.0 - t) * np.logaddexp(0.0, -z)).sum(axis=0)

    cur = loss(a, b)
    for _ in range(iters):
        p = expit(-(a * f + b))
        g = t - p  # dL/dz
        w = np.maximum(p * (1.0 - p), 1e-12)
        ga, gb = (g * f).sum(axis=0), g.sum(axis=0)
        haa, hab, hbb = (w * f * f).sum(axis=0) + 1e-12, (w * f).sum(axis=0), w.sum(axis=0) + 1e-12
        det = haa * hbb - hab * hab
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        step = np.ones_like(a)
        for _ in range(20):  # halve the step where the loss would go up
            na, nb = a - step * da, b - step * db
            new = loss(na, nb)
            worse = new > cur + 1e-12
            if not worse.any():
                break
            step = np.where(worse, step / 2.0, step)
        a, b = np.where(worse, a, na), np.where(worse, b, nb)
        gain = cur - np.minimum(new, cur)
        cur = np.minimum(new, cur)
        if float(gain.max()) < 1e-10:
            break
    return a, b
