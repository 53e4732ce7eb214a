"""Training digits that look like real inputs: train-split digits re-rendered, then normalized.

A model trained on MNIST alone has seen digits only as MNIST's own scanner
and normalization left them. Pictures of the same **train-split** digits
rendered as photos of paper and as canvas drawings
(:func:`digits.data.synth.iter_digits`), passed through the one
normalization (:func:`digits.imaging.normalize.normalize_digit`), show it
what that normalization makes of real pens, paper and light. Evaluation sets
are rendered from test digits; these never are.

:func:`row_marks` adds what ``read`` makes of digits written in a row: the
marks its segmentation (:func:`digits.imaging.segment.segment_lines`) cuts
from photographed rows of train digits (:func:`digits.data.strings.digit_strings`),
each holding one digit, with its neighbours' stray ink and its own lost pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from digits.data.pool import map_over_digits, source_digits
from digits.data.samples import StringSample
from digits.data.strings import PLAIN, RowStyle, digit_strings
from digits.data.synth import _check_n, iter_digits
from digits.imaging.normalize import normalize_digit
from digits.imaging.segment import Line, segment_lines

STYLES = ("photo", "drawn")
SEED_OFFSET = 1_000_003
"""Added to the run's seed so training renderings never share a seed with an evaluation set."""
CHUNK = 250
"""Renderings per task of the process pool."""
ROW_CHUNK = 50
"""Rows per task of the process pool in :func:`row_marks`; each task has a seed of its own."""
ROW_SEED = 104_729
"""Added to the seed of :func:`row_marks`, so its rows are not the line reader's training rows."""

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
    return _joined(list(map_over_digits(_render, tasks, sources, workers, progress, 2 * n)))


def _joined(
    parts: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The images (k, 28, 28) and labels (k,) of all parts together; empty ones for no parts."""
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


def row_marks(
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    rows: int,
    seed: int,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """The one-digit marks that ``read``'s segmentation cuts from ``rows`` photographed rows of the given digits.

    Rows of 1-10 digits (:func:`digits.data.strings.digit_strings` with
    ``training=True``: some touching, some with punctuation and signs) go
    through :func:`digits.imaging.segment.segment_lines`; a mark is kept, with
    its digit's label, when its columns cover most of exactly one digit and
    little of any other (:func:`_lone`): about 4.5 marks a row.

    Parameters
    ----------
    images : array of uint8, shape (m, 28, 28)
        Train-split digits, white on black.
    labels : array of int, shape (m,)
    rows : int
        Rows to render.
    seed : int
        The same arguments give the same marks, whatever ``workers``.
    workers : int, optional
        Processes in parallel (default: the CPU count; 1 renders here).
    progress : callable, optional
        Called as ``progress(done, rows)`` as chunks of rows finish.

    Returns
    -------
    X : ndarray of uint8, shape (k, 28, 28)
        The marks, MNIST style, as ``read`` hands them to the model.
    y : ndarray of int64, shape (k,)
    """
    _check_n(rows)
    sources = (np.asarray(images, np.uint8), np.asarray(labels, np.int64))
    tasks = row_tasks(rows, seed + ROW_SEED, ROW_CHUNK)
    return _joined(list(map_over_digits(_cut_rows, tasks, sources, workers, progress, rows)))


def row_tasks(rows: int, seed: int, chunk: int) -> list[tuple[int, int]]:
    """Tasks (seed, count) of a process pool rendering ``rows`` training rows ``chunk`` at a time, each
    with a seed of its own from ``seed + SEED_OFFSET`` on (:func:`segmented_rows` renders one)."""
    return [(seed + SEED_OFFSET + 7919 * a, min(chunk, rows - a)) for a in range(0, rows, chunk)]


def segmented_rows(seed: int, count: int, style: RowStyle = PLAIN) -> Iterator[tuple[StringSample, list[Line]]]:
    """``count`` photographed training rows of this process's source digits (:func:`source_digits`),
    each with the lines ``read``'s segmentation finds in it: 1-10 digits, some touching, some with
    punctuation and signs, written as ``style`` says (loosely, with words, print alone)
    (:func:`digits.data.strings.digit_strings` with ``training=True``)."""
    rows = digit_strings(count, seed, *source_digits(), min_digits=1, training=True, style=style)
    for sample in rows:
        yield sample, segment_lines(sample.image)


def _cut_rows(task: tuple[int, int]) -> _Part:
    """The one-digit marks of the rows of one task (seed, count): ((images, labels), rows rendered)."""
    xs, ys = [], []
    for sample, lines in segmented_rows(*task):
        spans = [(x, x + w) for x, _, w, _ in sample.boxes]
        for line in lines:
            for mark in line.marks:
                digit = _lone((mark.box[0], mark.box[0] + mark.box[2]), spans)
                if digit is not None:
                    xs.append(mark.image)
                    ys.append(int(sample.text[digit]))
    images = np.stack(xs) if xs else np.zeros((0, 28, 28), np.uint8)
    return (images, np.asarray(ys, np.int64)), task[1]


def _lone(mark: tuple[int, int], digits: list[tuple[int, int]]) -> int | None:
    """The digit whose columns ``mark`` (start, stop) holds alone, or None.

    Alone: it covers at least 80% of that digit's columns, at most 20% of any
    other's, and is at most 30% wider than the digit (no sign beside it).
    """

    def covered(span: tuple[int, int]) -> float:
        return max(0, min(mark[1], span[1]) - max(mark[0], span[0])) / max(span[1] - span[0], 1)

    share = [covered(span) for span in digits]
    held = [i for i, c in enumerate(share) if c >= 0.8]
    if len(held) != 1 or sum(c > 0.2 for c in share) != 1:
        return None
    start, stop = digits[held[0]]
    return held[0] if mark[1] - mark[0] <= 1.3 * (stop - start) + 2 else None
