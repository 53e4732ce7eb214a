"""Calibration: do predicted probabilities mean what they say?

- :func:`fit_temperature` / :func:`apply_temperature`: temperature scaling
  (Guo et al., "On calibration of modern neural networks", ICML 2017). One
  number ``T`` rescales the log-probabilities, ``softmax(log p / T)``:
  ``T > 1`` softens an over-confident model, ``T < 1`` sharpens a timid one;
  the arg-max, hence the accuracy, never changes. ``T`` is fitted on held-out
  data (the validation split, never the test split) by minimising the
  negative log-likelihood.
- :func:`ece` and :func:`reliability_diagram`: the expected calibration
  error over ``n_bins`` equal-width confidence bins, bin ``i`` holding
  confidences in ``(i / n_bins, (i + 1) / n_bins]``, and the per-bin data.
- :func:`error_reject_curve`: how the error rate falls as the least confident
  predictions are rejected.

Plots go to PNG files like the other evaluation figures.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from digits.errors import InputError
from digits.evaluation.metrics import check_probabilities
from digits.evaluation.plots import new_figure, save_png

ScoreKind = Literal["auto", "proba", "logits"]
PROBA_FLOOR = 1e-12
"""Probabilities are clipped to at least this before the log, so a zero does not become -inf."""
TEMPERATURE_BOUNDS = (0.05, 20.0)
"""Search interval of :func:`fit_temperature`."""


# ---------------------------------------------------------------- temperature scaling


def _log_scores(scores: npt.ArrayLike, kind: ScoreKind) -> npt.NDArray[np.float64]:
    """Log-probabilities (n, k) from probabilities or logits (up to a constant per row)."""
    z = np.asarray(scores, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] < 2 or z.shape[0] == 0:
        raise InputError(f"Expected scores of shape (n, k) with n >= 1 and k >= 2, got shape {z.shape}.")
    if not np.isfinite(z).all():
        raise InputError("Expected finite scores; got NaN or infinite values.")
    if kind not in ("auto", "proba", "logits"):
        raise InputError(f"kind must be 'auto', 'proba' or 'logits', got {kind!r}.")
    looks_like_proba = z.min() >= 0 and z.max() <= 1 and np.abs(z.sum(axis=1) - 1.0).max() <= 1e-4
    if kind == "proba" or (kind == "auto" and looks_like_proba):
        if not looks_like_proba:
            raise InputError("Expected probabilities in [0, 1] with rows summing to 1; pass kind='logits' for logits.")
        return np.log(np.clip(z, PROBA_FLOOR, 1.0))
    return z


def _labels(labels: npt.ArrayLike, n: int, k: int) -> npt.NDArray[np.int64]:
    y = np.asarray(labels)
    if y.shape != (n,) or y.dtype.kind not in "iu" or (n and (y.min() < 0 or y.max() >= k)):
        raise InputError(f"Expected {n} integer labels in 0..{k - 1}, got shape {y.shape}, dtype {y.dtype}.")
    return y.astype(np.int64)


def temperature_nll(
    scores: npt.ArrayLike, labels: npt.ArrayLike, temperature: float, *, kind: ScoreKind = "auto"
) -> float:
    """Mean negative log-likelihood of ``labels`` under ``softmax(log p / temperature)``."""
    z = _log_scores(scores, kind)
    y = _labels(labels, *z.shape)
    return float(-np.mean(log_softmax(z / temperature, axis=1)[np.arange(len(y)), y]))


def fit_temperature(
    scores: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    kind: ScoreKind = "auto",
    bounds: tuple[float, float] = TEMPERATURE_BOUNDS,
) -> float:
    """The temperature that minimises the negative log-likelihood of held-out predictions.

    Parameters
    ----------
    scores : array-like of float, shape (n, k)
        Probabilities (``predict_proba``) or logits.
    labels : array-like of int, shape (n,)
        True classes 0..k-1.
    kind : {"auto", "proba", "logits"}
        What ``scores`` are; "auto" takes rows in [0, 1] summing to 1 as
        probabilities, anything else as logits.
    bounds : (float, float)
        Search interval for ``T`` (bounded scalar minimisation over ``log T``).

    Returns
    -------
    float
        ``T``; 1 leaves the probabilities unchanged.
    """
    z = _log_scores(scores, kind)
    y = _labels(labels, *z.shape)
    if not 0 < bounds[0] < bounds[1]:
        raise InputError(f"bounds must satisfy 0 < low < high, got {bounds}.")
    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        return float(-np.mean(log_softmax(z * np.exp(-log_t), axis=1)[rows, y]))

    result = minimize_scalar(nll, bounds=tuple(np.log(bounds)), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))


def apply_temperature(
    scores: npt.ArrayLike, temperature: float, *, kind: ScoreKind = "auto"
) -> npt.NDArray[np.float64]:
    """``softmax(log p / temperature)``: calibrated probabilities (n, k), rows summing to 1.

    Zeros in ``p`` are clipped to :data:`PROBA_FLOOR` first; ``kind`` as in
    :func:`fit_temperature`. ``temperature = 1`` returns ``p`` (up to the clipping).
    """
    if not (np.isfinite(temperature) and temperature > 0):
        raise InputError(f"temperature must be a positive number, got {temperature!r}.")
    return np.exp(log_softmax(_log_scores(scores, kind) / temperature, axis=1))


# ---------------------------------------------------------------- reliability


def _confidence_and_correct(
    proba: npt.ArrayLike, labels: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    y, p = check_probabilities(labels, proba)
    return p.max(axis=1), p.argmax(axis=1) == y


def _check_confidence(
    confidence: npt.ArrayLike, correct: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    c, ok = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=bool)
    if c.ndim != 1 or c.shape != ok.shape or c.size == 0:
        raise InputError(f"Expected confidences and correctness of the same shape (n,), got {c.shape} and {ok.shape}.")
    if not np.isfinite(c).all() or c.min() < 0 or c.max() > 1:
        raise InputError("Expected confidences in [0, 1].")
    return c, ok


@dataclass(frozen=True)
class Reliability:
    """Per-bin calibration data.

    Attributes
    ----------
    edges : ndarray, shape (n_bins + 1,)
        Bin edges 0, 1/n_bins, ..., 1; bin ``i`` is ``(edges[i], edges[i + 1]]``.
    counts : ndarray of int, shape (n_bins,)
    accuracy, confidence : ndarray, shape (n_bins,)
        Share correct and mean confidence per bin; NaN for empty bins.
    ece : float
        Sum over bins of ``counts / n * |accuracy - confidence|``.
    """

    edges: npt.NDArray[np.float64]
    counts: npt.NDArray[np.int64]
    accuracy: npt.NDArray[np.float64]
    confidence: npt.NDArray[np.float64]
    ece: float


def reliability_from_confidence(confidence: npt.ArrayLike, correct: npt.ArrayLike, n_bins: int = 15) -> Reliability:
    """:class:`Reliability` of top-class ``confidence`` (n,) and whether each prediction was ``correct`` (n,)."""
    c, ok = _check_confidence(confidence, correct)
    if n_bins < 1:
        raise InputError(f"n_bins must be at least 1, got {n_bins}.")
    bins = np.clip(np.ceil(c * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    counts = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(bins, weights=ok, minlength=n_bins) / counts
        mean_conf = np.bincount(bins, weights=c, minlength=n_bins) / counts
    filled = counts > 0
    ece_value = float(np.sum(counts[filled] / len(c) * np.abs(accuracy[filled] - mean_conf[filled])))
    return Reliability(np.linspace(0.0, 1.0, n_bins + 1), counts, accuracy, mean_conf, ece_value)


def reliability_diagram(proba: npt.ArrayLike, labels: npt.ArrayLike, n_bins: int = 15) -> Reliability:
    """:class:`Reliability` of probabilities (n, k) against true labels (n,), binned by the top probability."""
    return reliability_from_confidence(*_confidence_and_correct(proba, labels), n_bins=n_bins)


def ece(proba: npt.ArrayLike, labels: npt.ArrayLike, n_bins: int = 15) -> float:
    """Expected calibration error of probabilities (n, k) against labels (n,), in [0, 1]."""
    return reliability_diagram(proba, labels, n_bins).ece


# ---------------------------------------------------------------- error-reject


def confidence_error_reject(
    confidence: npt.ArrayLike, correct: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`error_reject_curve` from top-class confidences (n,) and correctness (n,)."""
    c, ok = _check_confidence(confidence, correct)
    order = np.argsort(-c, kind="mergesort")
    c, errors = c[order], np.cumsum(~ok[order])
    ends = np.r_[np.flatnonzero(np.diff(c)), len(c) - 1][::-1]  # last of each run of equal confidence
    kept = ends + 1
    return 1.0 - kept / len(c), errors[ends] / kept


def error_reject_curve(
    proba: npt.ArrayLike, labels: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Error rate among the accepted predictions as the least confident ones are rejected.

    Predictions are ranked by their top probability; a threshold between
    two distinct confidences rejects everything below it (equal confidences
    are accepted or rejected together).

    Parameters
    ----------
    proba : array-like of float, shape (n, k)
    labels : array-like of int, shape (n,)

    Returns
    -------
    reject_rates : ndarray, shape (m,)
        Increasing, from 0 (accept all) to ``1 - c / n`` where ``c`` is the
        number of predictions sharing the highest confidence.
    error_rates : ndarray, shape (m,)
        Share of wrong predictions among those accepted; the first is the
        overall error rate.
    """
    return confidence_error_reject(*_confidence_and_correct(proba, labels))


# ---------------------------------------------------------------- plots


def plot_reliability(reliability: Reliability, path: str | os.PathLike[str], *, title: str = "Reliability") -> Path:
    """Reliability diagram (accuracy per confidence bin against the diagonal) over a histogram of counts."""
    fig = new_figure(5.5, 6.0)
    top, bottom = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    left, width = reliability.edges[:-1], np.diff(reliability.edges)
    filled = reliability.counts > 0
    top.bar(
        left[filled], reliability.accuracy[filled], width[filled], align="edge", edgecolor="k", lw=0.5, label="accuracy"
    )
    gap = reliability.confidence[filled] - reliability.accuracy[filled]
    top.bar(left[filled], gap, width[filled], bottom=reliability.accuracy[filled], align="edge",
            color="tab:red", alpha=0.3, hatch="//", label="gap to confidence")  # fmt: skip
    top.plot([0, 1], [0, 1], ls="--", color="grey", lw=0.8, label="perfect calibration")
    top.set(ylim=(0, 1), ylabel="accuracy", title=f"{title} (ECE {reliability.ece:.4f})")
    top.legend(loc="upper left", fontsize=8)
    bottom.bar(left, reliability.counts, width, align="edge", color="tab:grey", edgecolor="k", lw=0.5)
    bottom.set(xlim=(0, 1), xlabel="confidence (top probability)", ylabel="count")
    bottom.set_yscale("symlog", linthresh=1)
    return save_png(fig, path)


def plot_error_reject(
    curves: Mapping[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    path: str | os.PathLike[str],
    *,
    title: str = "Error-reject curve",
) -> Path:
    """Error rate of accepted predictions against the share rejected, one line per named curve."""
    if not curves:
        raise InputError("Expected at least one curve to plot, got none.")
    fig = new_figure(6.0, 4.5)
    ax = fig.add_subplot()
    for name, (reject, error) in curves.items():
        ax.step(100 * np.asarray(reject), 100 * np.asarray(error), where="post", lw=1.2, label=name)
    ax.set(xlabel="rejected (%)", ylabel="error among accepted (%)", title=title, xlim=(0, 100))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_png(fig, path)
