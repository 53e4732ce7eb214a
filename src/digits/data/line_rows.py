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
    loose: float = 0.0,
    words: float = 0.0,
    text_lines: float = 0.0,
    hand_words: float = 0.0,
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
    loose : float
        The fraction of rows written loosely: digits of uneven heights off a
        common baseline (:func:`digits.data.strings.digit_strings`); the
        shipped readers were trained without (0).
    words : float
        The fraction of rows with a printed word before or after the digits
        (a label such as "Date:", a unit such as "kg"; :mod:`digits.data.printed`),
        which the reader learns to skip.
    text_lines : float
        The fraction of rows of print alone, no digit (a heading, a caption),
        which the reader learns to read as nothing.
    hand_words : float
        The fraction of those words and lines written by hand, with the row's pen.
    """
    _check_n(n)
    sources = (np.asarray(images, np.uint8), np.asarray(labels, np.int64))
    tasks = [(task_seed, count, loose, words, text_lines, hand_words) for task_seed, count in row_tasks(n, seed, CHUNK)]
    strips: list[npt.NDArray[np.uint8]] = []
    texts: list[str] = []
    for part, part_texts in map_over_digits(_render, tasks, sources, workers, progress, n):
        strips += part
        texts += part_texts
    return strips, texts


def _render(task: tuple[int, int, float, float, float, float]) -> tuple[Lines, int]:
    strips, texts = [], []
    for sample, found in segmented_rows(*task):
        if len(found) == 1:
            strips.append(np.round(found[0].strip.image * 255).astype(np.uint8))
            texts.append(sample.text)
    return (strips, texts), task[1]
