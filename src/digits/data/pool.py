"""Rendering in parallel: tasks mapped over worker processes that each hold a copy of the source digits."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T")
R = TypeVar("R")

Digits = tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]
"""Source images (m, 28, 28) and labels (m,)."""

_digits: Digits | None = None  # this process's copy of the sources


def map_over_digits(
    work: Callable[[T], tuple[R, int]],
    tasks: list[T],
    digits: Digits,
    workers: int | None,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
) -> Iterator[R]:
    """``work(task)`` for every task, in order, in ``workers`` processes (default: the CPU count; 1:
    here); ``work`` reads the sources with :func:`source_digits` and returns its result and how many
    pictures it rendered, which are added up for ``progress(done, total)`` after each task."""
    global _digits
    workers = workers or os.cpu_count() or 1
    done = 0
    with contextlib.ExitStack() as stack:
        if workers == 1:
            _digits = digits
            results: Iterator[tuple[R, int]] = map(work, tasks)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(workers, initializer=_keep, initargs=digits))
            results = pool.map(work, tasks)
        for result, count in results:
            done += count
            if progress is not None:
                progress(done, total)
            yield result


def source_digits() -> Digits:
    """The sources :func:`map_over_digits` handed to this process."""
    assert _digits is not None, "map_over_digits sets the sources before any work runs"
    return _digits


def _keep(images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]) -> None:
    global _digits
    _digits = (images, labels)
