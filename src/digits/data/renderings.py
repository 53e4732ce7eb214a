"""Training digits that look like real inputs: train-split digits re-rendered, then normalized.

A model trained on MNIST alone has seen digits only as MNIST's own scanner
and normalization left them. Pictures of the same **train-split** digits
rendered as photos of paper and as canvas drawings
(:func:`digits.data.synth.iter_digits`), passed through the one
normalization (:func:`digits.imaging.normalize.normalize_digit`), show it
what that normalization makes of real pens, paper and light. Evaluation sets
are rendered from test digits; these never are.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from digits.data.pool import map_over_digits, source_digits
from digits.data.synth import _check_n, iter_digits
from digits.imaging.normalize import normalize_digit

STYLES = ("photo", "drawn")
SEED_OFFSET = 1_000_003
"""Added to the run's seed so training renderings never share a seed with an evaluation set."""
CHUNK = 250
"""Renderings per task of the process pool."""

_Part = tuple[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]], int]
"""A slice's normalized renderings (k, 28, 28) and their labels (k,), and the number of pictures rendered."""


def rendered_digits(
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    n: int,
    seed: int,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """``n`` photo-like and ``n`` drawn renderings of the given digits, normalized to MNIST style.

    Parameters
    ----------
    images : array of uint8, shape (m, 28, 28)
        Train-split digits, white on black.
    labels : array of int, shape (m,)
    n : int
        Renderings of each style.
    seed : int
        Seed; the same arguments give the same renderings, whatever ``workers``.
    workers : int, optional
        Processes rendering in parallel (default: the CPU count; 1 renders here).
    progress : callable, optional
        Called as ``progress(done, total)`` as slices finish.

    Returns
    -------
    X : ndarray of uint8, shape (k, 28, 28)
        The normalized renderings, photos first (``k <= 2 n``: the rare
        picture in which the normalization finds no digit is left out).
    y : ndarray of int64, shape (k,)
    """
    _check_n(n)
    sources = (np.asarray(images, np.uint8), np.asarray(labels, np.int64))
    tasks = [(style, n, seed + SEED_OFFSET, a, min(a + CHUNK, n)) for style in STYLES for a in range(0, n, CHUNK)]
    parts = list(map_over_digits(_render, tasks, sources, workers, progress, 2 * n))
    if not parts:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


def _render(task: tuple[str, int, int, int, int]) -> _Part:
    """One slice ``start:stop`` of a style's renderings, normalized: ((images, labels), pictures rendered)."""
    style, n, seed, start, stop = task
    xs, ys = [], []
    for sample in iter_digits(style, n, seed, *source_digits(), start=start, stop=stop):
        found = normalize_digit(sample.image)
        if found is not None:
            xs.append(found.image)
            ys.append(sample.label)
    images = np.stack(xs) if xs else np.zeros((0, 28, 28), np.uint8)
    return (images, np.asarray(ys, np.int64)), stop - start
