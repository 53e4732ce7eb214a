"""Classification metrics in plain NumPy: accuracy, per-class scores, ROC, log-loss.

Every function takes integer labels ``0 .. k-1`` (``k`` = 10 for digits) and
either predicted labels or class probabilities of shape (n, k) whose column
``j`` is the probability of class ``j`` (the ``predict_proba`` contract).
The results agree with :mod:`sklearn.metrics` (the tests check it); this
module does not import scikit-learn, so evaluating a model does not need it.

Conventions where a score is not defined:

- precision of a class that is never predicted, recall of a class that never
  occurs and F1 of a class with neither are **0** (scikit-learn's
  ``zero_division=0``);
- macro averages are taken over the classes that occur in ``y_true`` or in
  the predictions (scikit-learn's default ``labels``); weighted averages
  weigh each class by its support;
- the one-vs-rest ROC curve and AUC of a class that is absent from
  ``y_true`` (or that is the only class present) are **NaN** (``None`` in
  :func:`classification_metrics`), and the macro AUC averages the defined
  ones (scikit-learn raises an error instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.errors import InputError

N_DIGITS = 10
LOG_LOSS_EPS = float(np.finfo(np.float64).eps)
"""Probabilities are clipped to ``[eps, 1 - eps]`` before the log (as scikit-learn does)."""


# ---- validation ----------------------------------------------------------
def _check_labels(y: npt.ArrayLike, n_classes: int, name: str) -> npt.NDArray[np.int64]:
    """A 1-D vector of integer class labels in ``0 .. n_classes-1``."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise InputError(f"Expected {name} of shape (n,), got shape {arr.shape}.")
    if arr.size == 0:
        raise InputError(f"Expected at least one label in {name}, got none.")
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise InputError(f"Expected integer class labels in {name}, got dtype {arr.dtype}.")
    out = arr.astype(np.int64)
    if out.min() < 0 or out.max() >= n_classes:
        raise InputError(
            f"Expected {name} in 0..{n_classes - 1}, got values from {out.min()} to {out.max()}."
        )
    return out


def check_predictions(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, n_classes: int = N_DIGITS
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Validate true and predicted labels: both shape (n,), values in ``0 .. n_classes-1``.

    Raises
    ------
    InputError
        If a shape, type, range or the lengths do not match.
    """
    t = _check_labels(y_true, n_classes, "y_true")
    p = _check_labels(y_pred, n_classes, "y_pred")
    if len(t) != len(p):
        raise InputError(f"y_true has {len(t)} labels but y_pred has {len(p)}; they must match.")
    return t, p


def check_probabilities(
    y_true: npt.ArrayLike, proba: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Validate labels (n,) and probabilities (n, k): finite, in [0, 1], rows summing to 1.

    Raises
    ------
    InputError
        Naming what was wrong and what was received.
    """
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise InputError(
            f"Expected probabilities of shape (n, k) with k >= 2, got shape {p.shape}."
        )
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        raise InputError(
            "Expected probabilities in [0, 1]; got NaN, infinite or out-of-range values."
        )
    sums = p.sum(axis=1)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-4):
        raise InputError(
            f"Expected each row of probabilities to sum to 1, got sums from {sums.min():.6g} to "
            f"{sums.max():.6g}. Pass predict_proba's output, not scores or logits."
        )
    t = _check_labels(y_true, p.shape[1], "y_true")
    if len(t) != len(p):
        raise InputError(f"y_true has {len(t)} labels but the probabilities have {len(p)} rows.")
    return t, p


# ---- label-based metrics -------------------------------------------------
def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, n_classes: int = N_DIGITS) -> float:
    """Share of labels predicted exactly; ``y_true`` and ``y_pred`` of shape (n,)."""
    t, p = check_predictions(y_true, y_pred, n_classes)
    return float(np.mean(t == p))


def confusion_matrix(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, n_classes: int = N_DIGITS
) -> npt.NDArray[np.int64]:
    """Counts of (true, predicted) pairs.

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
        Entry ``[i, j]`` counts examples of class ``i`` predicted as ``j``:
        rows are true classes, columns predicted ones.
    """
    t, p = check_predictions(y_true, y_pred, n_classes)
    flat = np.bincount(t * n_classes + p, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


def _safe_divide(
    num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``num / den`` with 0 where ``den`` is 0 (the zero-division convention)."""
    out = np.zeros_like(num, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass(frozen=True)
class ClassScores:
    """Per-class precision, recall, F1 and support, each of shape (k,).

    ``present`` marks the classes that occur in ``y_true`` or in the
    predictions: the classes macro averages are taken over.
    """

    precision: npt.NDArray[np.float64]
    recall: npt.NDArray[np.float64]
    f1: npt.NDArray[np.float64]
    support: npt.NDArray[np.int64]
    present: npt.NDArray[np.bool_]

    def macro(self, name: str) -> float:
        """Unweighted mean of ``precision``, ``recall`` or ``f1`` over present classes."""
        values: npt.NDArray[np.float64] = getattr(self, name)
        return float(values[self.present].mean())

    def weighted(self, name: str) -> float:
        """Mean of ``precision``, ``recall`` or ``f1`` weighted by support."""
        values: npt.NDArray[np.float64] = getattr(self, name)
        total = self.support.sum()
        return float((values * self.support).sum() / total) if total else 0.0


def class_scores_from_confusion(cm: npt.NDArray[np.integer]) -> ClassScores:
    """Precision, recall, F1 and support from a confusion matrix (k, k) (rows = true)."""
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0).astype(np.float64)  # (k,) column sums: tp + fp
    support = cm.sum(axis=1)  # (k,) row sums: tp + fn
    precision = _safe_divide(tp, predicted)
    recall = _safe_divide(tp, support.astype(np.float64))
    # 2tp / (2tp + fp + fn) equals 2PR/(P+R) and is 0 when both are undefined
    f1 = _safe_divide(2 * tp, predicted + support)
    return ClassScores(precision, recall, f1, support.astype(np.int64), (predicted + support) > 0)


def class_scores(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, n_classes: int = N_DIGITS
) -> ClassScores:
    """Per-class precision, recall, F1 and support of labels ``y_true``, ``y_pred`` (n,)."""
    return class_scores_from_confusion(confusion_matrix(y_true, y_pred, n_classes))


# ---- probability-based metrics -------------------------------------------
def log_loss(y_true: npt.ArrayLike, proba: npt.ArrayLike, eps: float = LOG_LOSS_EPS) -> float:
    """Mean negative log-probability of the true class (natural log).

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
    proba : array-like of float, shape (n, k)
    eps : float
        Probabilities are clipped to ``[eps, 1 - eps]`` so a confident
        mistake costs ``-log(eps)`` (about 36) instead of infinity.
    """
    t, p = check_probabilities(y_true, proba)
    p_true = np.clip(p[np.arange(len(t)), t], eps, 1 - eps)
    return float(-np.mean(np.log(p_true)))


@dataclass(frozen=True)
class RocCurve:
    """One-vs-rest ROC curve of one class.

    Attributes
    ----------
    fpr, tpr : ndarray of float64, shape (m + 1,)
        False and true positive rates, starting at (0, 0) and ending at (1, 1);
        NaN when the class has no negatives (fpr) or no positives (tpr).
    thresholds : ndarray of float64, shape (m + 1,)
        Decreasing scores; point ``i`` predicts positive for scores >=
        ``thresholds[i]``; the first is ``inf``.
    auc : float
        Area under the curve, NaN when the curve is undefined.
    """

    fpr: npt.NDArray[np.float64]
    tpr: npt.NDArray[np.float64]
    thresholds: npt.NDArray[np.float64]
    auc: float


def trapezoid_area(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """Area under the piecewise-linear curve through the points ``(x, y)`` (x sorted)."""
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def binary_roc_curve(positive: npt.ArrayLike, scores: npt.ArrayLike) -> RocCurve:
    """ROC curve of boolean targets (n,) ranked by ``scores`` (n,), higher = more positive.

    Examples with equal scores are crossed in one step, so the curve runs
    diagonally through ties and the AUC counts a tied positive/negative pair
    as half right (the Mann-Whitney convention).
    """
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or y.shape != s.shape or y.size == 0:
        raise InputError(
            f"Expected targets and scores of the same shape (n,), got {y.shape} and {s.shape}."
        )
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    # last index of each run of equal scores: thresholds sit between runs
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.r_[0, np.cumsum(y)[ends]].astype(np.float64)
    fps = np.r_[0, ends + 1].astype(np.float64) - tps
    fpr = fps / fps[-1] if fps[-1] else np.full_like(fps, np.nan)
    tpr = tps / tps[-1] if tps[-1] else np.full_like(tps, np.nan)
    auc = trapezoid_area(fpr, tpr) if fps[-1] and tps[-1] else float("nan")
    return RocCurve(fpr, tpr, np.r_[np.inf, s[ends]], auc)


def roc_curves(y_true: npt.ArrayLike, proba: npt.ArrayLike) -> list[RocCurve]:
    """One-vs-rest ROC curve of every class.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
    proba : array-like of float, shape (n, k)

    Returns
    -------
    list of RocCurve, length k
        Curve ``j`` ranks all examples by ``proba[:, j]`` against ``y_true == j``.
    """
    t, p = check_probabilities(y_true, proba)
    return [binary_roc_curve(t == j, p[:, j]) for j in range(p.shape[1])]


def macro_auc(curves: list[RocCurve]) -> float:
    """Mean AUC over the classes whose curve is defined (NaN if none is)."""
    aucs = np.array([c.auc for c in curves])
    defined = ~np.isnan(aucs)
    return float(aucs[defined].mean()) if defined.any() else float("nan")


# ---- everything at once ----------------------------------------------------
def _json_float(value: float) -> float | None:
    """A Python float for JSON, with NaN written as ``None`` (JSON has no NaN)."""
    return None if np.isnan(value) else float(value)


def classification_metrics(y_true: npt.ArrayLike, proba: npt.ArrayLike) -> dict[str, Any]:
    """All metrics of probabilistic predictions, as a JSON-ready dict.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True digits.
    proba : array-like of float, shape (n, k)
        Class probabilities; the prediction is the arg-max of each row.

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``macro_precision``, ``macro_recall``,
        ``macro_f1``, ``weighted_precision``, ``weighted_recall``,
        ``weighted_f1``, ``log_loss``, ``macro_auc``, ``per_class`` (k dicts
        with ``digit``, ``precision``, ``recall``, ``f1``, ``support``,
        ``auc``) and ``confusion_matrix`` (k lists of k counts, rows = true).
        Undefined values (an AUC) are ``None``.
    """
    t, p = check_probabilities(y_true, proba)
    k = p.shape[1]
    cm = confusion_matrix(t, np.argmax(p, axis=1), k)
    scores = class_scores_from_confusion(cm)
    curves = roc_curves(t, p)
    per_class = [
        {
            "digit": j,
            "precision": float(scores.precision[j]),
            "recall": float(scores.recall[j]),
            "f1": float(scores.f1[j]),
            "support": int(scores.support[j]),
            "auc": _json_float(curves[j].auc),
        }
        for j in range(k)
    ]
    averages = {
        f"{kind}_{name}": getattr(scores, kind)(name)
        for kind in ("macro", "weighted")
        for name in ("precision", "recall", "f1")
    }
    return {
        "n": len(t),
        "accuracy": float(np.trace(cm) / len(t)),
        **averages,
        "log_loss": log_loss(t, p),
        "macro_auc": _json_float(macro_auc(curves)),
        "per_class": per_class,
        "confusion_matrix": cm.tolist(),
    }
