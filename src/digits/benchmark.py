"""Side-by-side benchmarks of trained models: accuracy, training time, speed, size.

``digits benchmark`` trains each chosen model with :func:`digits.runs.train_run`
(or reuses run folders), then measures inference speed here, so every row is
taken on the same machine in the same session.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from digits.evaluation.plots import plot_accuracy_vs_time
from digits.evaluation.report import read_metrics
from digits.evaluation.speed import measure_speed
from digits.fileio import atomic_write_json
from digits.models.store import load_model, model_size_bytes, resolve_runtime

RESULTS_FILE = "benchmark.json"
PLOT_FILE = "accuracy_vs_time.png"


@dataclass(frozen=True)
class BenchmarkRow:
    """One model's line in the benchmark table."""

    model: str
    runtime: str
    run: str
    n_test: int
    accuracy: float
    macro_f1: float
    train_seconds: float | None
    images_per_second: float
    latency_ms: float
    parameters: int | None
    size_bytes: int


def benchmark_run(
    run_dir: str | os.PathLike[str], images: npt.NDArray[np.uint8], *, runtime: str = "auto"
) -> BenchmarkRow:
    """Load a run folder's model, read its test metrics and measure its speed on ``images``.

    Parameters
    ----------
    run_dir : path-like
        A folder written by ``digits train``.
    images : ndarray of uint8, shape (n, 28, 28)
        Images to time predictions on (the test split).
    runtime : {'auto', 'torch', 'onnx'}
        How the model predicts (see :func:`digits.models.store.load_model`);
        the row records the runtime used.
    """
    run_dir = Path(run_dir)
    metrics = read_metrics(run_dir)
    model = load_model(run_dir, runtime=runtime)
    speed = measure_speed(model, images)
    return BenchmarkRow(
        model=model.name,
        runtime=resolve_runtime(run_dir, runtime),
        run=str(run_dir),
        n_test=int(metrics["n"]),
        accuracy=float(metrics["accuracy"]),
        macro_f1=float(metrics["macro_f1"]),
        train_seconds=model.info_.get("fit_seconds"),
        images_per_second=speed.images_per_second,
        latency_ms=speed.latency_ms,
        parameters=model.n_parameters(),
        size_bytes=model_size_bytes(run_dir),
    )


def write_benchmark(rows: list[BenchmarkRow], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``benchmark.json`` and the accuracy-against-training-time plot into ``out_dir``."""
    out = Path(out_dir)
    atomic_write_json(out / RESULTS_FILE, [asdict(row) for row in rows])
    # label points by run folder: several runs of one model (seeds, recipes) stay apart
    points = [(Path(row.run).name, row.train_seconds, row.accuracy) for row in rows if row.train_seconds is not None]
    return [out / RESULTS_FILE, plot_accuracy_vs_time(points, out / PLOT_FILE)]
