"""Ways of writing a digit that MNIST's American writers rarely used, made from **train** digits.

MNIST's 1s are mostly plain sticks. Much of the world writes a 1 with a long
flag sloping down from the top (the "continental" 1), and a model trained on
MNIST alone reads it as a 7: drawn on a 280 px canvas with a flag 0.35 of
its height long, sloping 35 degrees below the horizontal, it was read as a 1
in 5 of 40 drawings (``benchmarks/hand_styles.py``). :func:`flagged_ones` adds such a flag to plain train-split
1s, so that the models can learn what those writers mean. Their 7s stay
apart: a 7's bar is near level and its stem slants away from the corner at
an acute angle; the flag here slopes at least :data:`FLAG_SLOPE` ``[0]``
degrees below the horizontal and leaves the stem at :data:`MIN_OPENING`
degrees or more, so a 1 that leans far to the right gets no flag.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.data.strokes import paths_alpha
from digits.data.synth import _check_digits, _check_n
from digits.errors import InputError
from digits.imaging.normalize import to_mnist

SCALE = 4
"""Digits are enlarged this many times before the flag is drawn (112x112)."""
FLAG_SLOPE = (35.0, 60.0)
"""Degrees below the horizontal that the flag slopes down to the left, drawn uniformly."""
MIN_OPENING = 30.0
"""Least angle in degrees between the flag and the stem below it: a flag folded closer reads as a hook."""
FLAG_LENGTH = (0.18, 0.42)
"""The flag's length as a fraction of the stem's, drawn uniformly."""
SEED_OFFSET = 7_368_787
"""Added to the caller's seed, so the flags never share a seed with the renderings of the same run."""
MAX_SPREAD = 1.6
"""A 1 is plain when its ink's spread across the stem (2nd to 98th percentile) is at most
this many stroke widths: it has no flag, foot or bend of its own yet."""


def flagged_ones(
    images: npt.ArrayLike, labels: npt.ArrayLike, n: int, seed: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """``n`` plain 1s of the given digits redrawn with a continental flag, MNIST style.

    Parameters
    ----------
    images : array of uint8, shape (m, 28, 28)
        Train-split digits, white on black; only the 1s are used.
    labels : array of int, shape (m,)
    n : int
        Flagged 1s to make (plain 1s are reused, each time with another flag,
        when there are fewer than ``n``).
    seed : int
        The run's seed (:data:`SEED_OFFSET` is added); the same arguments
        give the same digits.

    Returns
    -------
    X : ndarray of uint8, shape (n, 28, 28)
        The flagged 1s, passed through :func:`digits.imaging.normalize.to_mnist`
        (fitted into 20x20, centre of mass at the middle) as any input would be.
    y : ndarray of int64, shape (n,)
        All 1.
    """
    x, y = _check_digits(images, labels)
    _check_n(n)
    rng = np.random.default_rng(seed + SEED_OFFSET)
    ones = x[y == 1]
    made = list(_flagged(ones[rng.permutation(len(ones))], n, rng)) if n else []
    if len(made) < n:
        raise InputError(f"Found no plain 1 to add a flag to among {len(ones)} 1s; pass MNIST train digits.")
    return np.stack(made) if made else np.zeros((0, 28, 28), np.uint8), np.ones(len(made), np.int64)


def with_flagged_ones(
    images: npt.ArrayLike, labels: npt.ArrayLike, n: int, seed: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The given digits (m, 28, 28) and labels (m,), followed by ``n`` of their 1s flagged
    (:func:`flagged_ones`): (m + n, 28, 28) and (m + n,); the digits as they are when ``n`` is 0."""
    x, y = _check_digits(images, labels)
    if n == 0:
        return x, y
    flagged, ones = flagged_ones(x, y, n, seed)
    return np.concatenate([x, flagged]), np.concatenate([y, ones])


def _flagged(ones: npt.NDArray[np.uint8], n: int, rng: np.random.Generator) -> Iterator[npt.NDArray[np.uint8]]:
    """Up to ``n`` flagged 1s, cycling through ``ones`` (k, 28, 28); stops early if none is plain."""
    made = 0
    while made < n:
        before = made
        for digit in ones:
            flagged = add_flag(digit, rng)
            if flagged is not None:
                yield flagged
                made += 1
                if made == n:
                    return
        if made == before:
            return


def add_flag(digit: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8] | None:
    """A plain 1 (28, 28) with a flag drawn down-left from the top of its stem, MNIST style; None if
    the digit is not a plain stroke (a 1 with a flag or foot already, or no ink)."""
    ink = ndimage.zoom(digit.astype(np.float32) / 255.0, SCALE, order=1)
    ys, xs = np.nonzero(ink >= 0.5)
    if len(ys) < 4 * SCALE * SCALE:
        return None
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    centre = points.mean(axis=0)
    down = np.linalg.eigh(np.cov((points - centre).T))[1][:, -1]  # the stem's axis (x, y)
    down = down if down[1] > 0 else -down
    left = np.array([-down[1], down[0]])  # perpendicular to the stem, on the left
    along, across = (points - centre) @ down, (points - centre) @ left
    length = float(along.max() - along.min())
    width = len(points) / max(length, 1.0)
    spread = float(np.percentile(across, 98) - np.percentile(across, 2))
    if length < 4 * width or spread > MAX_SPREAD * width:
        return None
    top = centre + down * (along.min() + width / 2) + left * float(np.median(across[along < along.min() + width]))
    stem_slope = np.degrees(np.arctan2(down[1], -down[0]))  # degrees below the horizontal, leftwards
    steepest = min(FLAG_SLOPE[1], stem_slope - MIN_OPENING)
    if steepest < FLAG_SLOPE[0]:
        return None
    slope = np.deg2rad(rng.uniform(FLAG_SLOPE[0], steepest))
    flag = np.array([-np.cos(slope), np.sin(slope)])
    end = top + flag * length * rng.uniform(*FLAG_LENGTH)
    bend = (top + end) / 2 + np.array([flag[1], -flag[0]]) * rng.normal(0.0, 0.04) * length  # a slight curve
    flag_ink = paths_alpha([np.stack([top, bend, end])], width, (ink.shape[1], ink.shape[0]), supersample=2)
    return to_mnist(np.maximum(ink, flag_ink * float(np.percentile(ink[ink >= 0.5], 75))))
