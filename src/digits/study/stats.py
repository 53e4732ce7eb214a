"""Error rates with confidence intervals, McNemar's test and Holm's correction.

The study compares classifiers on the *same* test images, so two variants
are compared by their discordant pairs (McNemar), not by two independent
proportions. Everything here is plain NumPy/SciPy on boolean "correct"
vectors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import bdtr, ndtri


@dataclass(frozen=True)
class ErrorRate:
    """An error rate and its Wilson score interval.

    Attributes
    ----------
    errors, n : int
        Misclassified images and images in all.
    rate : float
        ``errors / n``.
    low, high : float
        The interval's bounds at ``level``.
    level : float
        Confidence level, e.g. 0.95.
    """

    errors: int
    n: int
    rate: float
    low: float
    high: float
    level: float


@dataclass(frozen=True)
class McNemar:
    """McNemar's exact test of two classifiers on the same images.

    Attributes
    ----------
    b : int
        Images the baseline gets right and the other classifier gets wrong.
    c : int
        Images the baseline gets wrong and the other classifier gets right.
    p_value : float
        Two-sided exact p: twice the smaller binomial tail of ``min(b, c)``
        out of ``b + c`` at probability 1/2, capped at 1 (1 when ``b + c = 0``).
    """

    b: int
    c: int
    p_value: float


def wilson_interval(errors: int, n: int, level: float = 0.95) -> ErrorRate:
    """The error rate ``errors / n`` with its Wilson score interval.

    Wilson's interval keeps its coverage near the nominal level for rates
    close to 0, where the normal approximation collapses (1 % error on
    10,000 images is such a case).

    Parameters
    ----------
    errors : int
        Misclassified images, ``0 <= errors <= n``.
    n : int
        Images in all, ``n >= 1``.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    ErrorRate
    """
    if n < 1 or not 0 <= errors <= n:
        raise ValueError(f"Expected 0 <= errors <= n and n >= 1, got errors={errors}, n={n}.")
    if not 0 < level < 1:
        raise ValueError(f"Expected a confidence level in (0, 1), got {level}.")
    z = float(ndtri(0.5 + level / 2))
    p = errors / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ErrorRate(errors, n, p, max(0.0, centre - half), min(1.0, centre + half), level)


def error_rate(correct: npt.ArrayLike, level: float = 0.95) -> ErrorRate:
    """Error rate and Wilson interval of a boolean vector, True where a prediction was right, shape (n,)."""
    right = _as_bool(correct, "correct")
    return wilson_interval(int(len(right) - right.sum()), len(right), level)


def mcnemar(baseline_correct: npt.ArrayLike, other_correct: npt.ArrayLike) -> McNemar:
    """McNemar's exact (binomial) test on the discordant pairs of two classifiers.

    Parameters
    ----------
    baseline_correct, other_correct : array-like of bool, shape (n,)
        Whether each classifier got each of the same ``n`` images right.

    Returns
    -------
    McNemar
        ``b`` (baseline right, other wrong), ``c`` (baseline wrong, other
        right) and the two-sided exact p-value.
    """
    base = _as_bool(baseline_correct, "baseline_correct")
    other = _as_bool(other_correct, "other_correct")
    if base.shape != other.shape:
        raise ValueError(
            f"Both classifiers must be scored on the same images: got {base.shape[0]} and {other.shape[0]} results."
        )
    b = int(np.sum(base & ~other))
    c = int(np.sum(~base & other))
    return McNemar(b, c, mcnemar_p(b, c))


def mcnemar_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts ``b`` and ``c``."""
    if b < 0 or c < 0:
        raise ValueError(f"Discordant counts must be >= 0, got b={b}, c={c}.")
    if b + c == 0:
        return 1.0
    return float(min(1.0, 2.0 * bdtr(min(b, c), b + c, 0.5)))  # bdtr: binomial CDF


def holm(p_values: Sequence[float]) -> npt.NDArray[np.float64]:
    """Holm's step-down adjusted p-values (family-wise error control), same order as given.

    Parameters
    ----------
    p_values : sequence of float, length m

    Returns
    -------
    ndarray of float64, shape (m,)
        ``p_(i) * (m - i + 1)`` in ascending order of p, made monotone and
        capped at 1; reject where the adjusted value is below the level.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1 or np.any((p < 0) | (p > 1)):
        raise ValueError("Expected a flat sequence of p-values in [0, 1].")
    order = np.argsort(p, kind="stable")
    m = len(p)
    stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def _as_bool(values: npt.ArrayLike, name: str) -> npt.NDArray[np.bool_]:
    array = np.asarray(values)
    if array.ndim != 1 or len(array) == 0 or array.dtype != np.bool_:
        raise ValueError(f"{name} must be a non-empty 1-D bool array, got dtype {array.dtype} and shape {array.shape}.")
    return array
