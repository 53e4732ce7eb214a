"""Training lines for the line reader: rows of **train** digits, photographed, then cut out as strips.

Rows come from :func:`digits.data.strings.digit_strings` (the generator of
evaluation set 2, here fed train-split digits and other seeds) with 1-10
digits and, in some, signs that are not digits (``$ € £ / ( ) # + % x :``
and underlines, :mod:`digits.data.signs`; printed words, :mod:`digits.data.printed`),
which the reader learns to skip; each picture goes through the same
segmentation as ``read`` (:func:`digits.imaging.segment.segment_lines`), so
the reader learns from what it will be shown. A picture whose writing is not found as exactly one line
is left out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from digits.data.pool import map_over_digits
from digits.data.renderings import row_tasks, segmented_rows
from digits.data.strings import PLAIN, RowStyle
from digits.data.synth import _check_n

CHUNK = 100
"""Rows per task of the process pool; each task has a seed of its own."""

Lines = tuple[list[npt.NDArray[np.uint8]], list[str]]
"""Strips (32, w_i) of uint8 ink 0..255 and the digits each shows."""


def line_rows(
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    n: int,
    seed: int,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    style: RowStyle = PLAIN,
) -> Lines:
    """Strips of ``n`` photographed rows of the given digits, and their texts.

    Parameters
    ----------
    images : array of uint8, shape (m, 28, 28)
        Train-split digits, white on black.
    labels : array of int, shape (m,)
    n : int
        Rows to render.
    seed : int
        The same arguments give the same rows, whatever ``workers``.
    workers : int, optional
        Processes in parallel (default: the CPU count; 1 renders here).
    progress : callable, optional
        Called as ``progress(done, n)`` as chunks finish.
    style : RowStyle
        How the rows are written besides their digits
        (:class:`digits.data.strings.RowStyle`): loosely, the digits of
        uneven heights off a common baseline; with a printed word before or
        after the digits ("Date:", "kg") or lines of print alone, which the
        reader learns to skip; those words written by hand.
    """
    _check_n(n)
    sources = (np.asarray(images, np.uint8), np.asarray(labels, np.int64))
    tasks = [(task_seed, count, style) for task_seed, count in row_tasks(n, seed, CHUNK)]
    strips: list[npt.NDArray[np.uint8]] = []
    texts: list[str] = []
    for part, part_texts in map_over_digits(_render, tasks, sources, workers, progress, n):
        strips += part
        texts += part_texts
    return strips, texts


def _render(task: tuple[int, int, RowStyle]) -> tuple[Lines, int]:
    strips, texts = [], []
    for sample, found in segmented_rows(*task):
        if len(found) == 1:
            strips.append(np.round(found[0].strip.image * 255).astype(np.uint8))
            texts.append(sample.text)
    return (strips, texts), task[1]
