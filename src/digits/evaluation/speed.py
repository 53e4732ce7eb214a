"""Inference speed: batch throughput and single-image latency, as medians of repeats."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from digits.models.base import DigitModel


@dataclass(frozen=True)
class Speed:
    """Measured inference speed of one model.

    Attributes
    ----------
    images_per_second : float
        Median throughput of ``predict_proba`` on one batch.
    batch_size : int
        Images per batch in that measurement.
    latency_ms : float
        Median time of ``predict_proba`` on a single image, in milliseconds.
    """

    images_per_second: float
    batch_size: int
    latency_ms: float


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_speed(
    model: DigitModel,
    images: npt.NDArray[np.uint8],
    *,
    batch_size: int = 2000,
    batch_repeats: int = 5,
    single_repeats: int = 200,
) -> Speed:
    """Time ``predict_proba`` on a batch and on single images (after a warm-up call each).

    Parameters
    ----------
    model : DigitModel
        A fitted model.
    images : ndarray, shape (n, 28, 28)
        Images to predict; the batch is the first ``batch_size`` of them.
    batch_size, batch_repeats, single_repeats : int
        Batch size and how many timed calls the medians are taken over.
    """
    batch = images[:batch_size]
    model.predict_proba(batch)
    batch_seconds = _median_seconds(lambda: model.predict_proba(batch), batch_repeats)
    single = images[:1]
    model.predict_proba(single)
    single_seconds = _median_seconds(lambda: model.predict_proba(single), single_repeats)
    return Speed(
        images_per_second=len(batch) / batch_seconds,
        batch_size=len(batch),
        latency_ms=1000 * single_seconds,
    )
