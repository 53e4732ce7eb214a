"""Run the study's grid: every (model family, variant) cell trained once and scored on every test set.

Variants are processed one at a time: the training, validation and test
images (clean and degraded) are preprocessed once, kept in memory while
every family trains on them, then dropped. Models train one after the
other, so each has both cores.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.data.mnist import Subset, load_mnist
from digits.imaging.preprocess import preprocess
from digits.models.base import DigitModel
from digits.models.registry import create_model, get_model_class, model_params
from digits.study.config import Family, StudyConfig, Variant
from digits.study.degrade import degrade

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
"""Called before each cell and once at the end: (cells done, cells in all, what runs next)."""


@dataclass(frozen=True)
class StudyData:
    """The images the grid trains and tests on (uint8, shape (n, 28, 28), white ink on black)."""

    train: Subset
    val: Subset
    test: Subset


@dataclass(frozen=True)
class CellRun:
    """One trained cell and its predictions.

    Attributes
    ----------
    family, variant : str
        The family's label and the variant's name.
    predictions : dict of str to ndarray of int64, shape (n_test,)
        Predicted digits on each test set ('test' and the degraded ones).
    fit_seconds, predict_seconds : float
        Training time, and prediction time over all test sets.
    """

    family: str
    variant: str
    predictions: dict[str, npt.NDArray[np.int64]]
    fit_seconds: float
    predict_seconds: float


@dataclass(frozen=True)
class GridResult:
    """Everything the grid measured.

    Attributes
    ----------
    config : StudyConfig
    labels : ndarray of int64, shape (n_test,)
        True digits of the test images (the same for every test set).
    runs : list of CellRun
        In the order they ran.
    n_train, n_val : int
        Images actually used.
    seconds : float
        Wall time of the whole grid, data preparation included.
    load_averages : list of float
        The machine's 1-minute load average before each cell (empty where the OS does not report it).
    """

    config: StudyConfig
    labels: npt.NDArray[np.int64]
    runs: list[CellRun]
    n_train: int
    n_val: int
    seconds: float
    load_averages: list[float]


def build_cell_model(family: Family, variant: Variant, seed: int) -> DigitModel:
    """The unfitted model of one cell; it gets images already preprocessed by the study.

    Pixel variants use ``family.model`` with its own deskewing off; feature
    variants use ``family.feature_model`` with ``preprocess='none'`` and the
    variant's features.
    """
    if variant.features:
        if family.feature_model is None:
            raise ValueError(f"Family {family.label!r} has no feature model for variant {variant.name!r}.")
        name = family.feature_model
        params: dict[str, Any] = {**family.params, **family.feature_params}
        params.update(preprocess="none", features=",".join(variant.features))
    else:
        name, params = family.model, dict(family.params)
    accepted = model_params(get_model_class(name))
    if "deskew" in accepted:
        params["deskew"] = False
    if "seed" in accepted:
        params["seed"] = seed
    return create_model(name, **params)


def evaluation_sets(config: StudyConfig, test: Subset) -> dict[str, npt.NDArray[np.uint8]]:
    """The clean test images and one degraded copy per degradation, seeded by ``config.seed``."""
    sets = {"test": test.images}
    for i, name in enumerate(config.degradations):
        sets[name] = degrade(test.images, name, seed=config.seed + i)
    return sets


def _prepare(variant: Variant, data: StudyData, raw_sets: dict[str, npt.NDArray[np.uint8]]) -> dict[str, Any]:
    """Every image set of one variant, preprocessed: 'train', 'val' and each test set."""
    start = time.perf_counter()
    prepared = {"train": data.train.images, "val": data.val.images, **raw_sets}
    for step in variant.preprocess:
        prepared = {name: preprocess(images, step) for name, images in prepared.items()}
    log.info("preprocessed %s in %.1f s", variant.name, time.perf_counter() - start)
    return prepared


def run_cell(
    family: Family, variant: Variant, prepared: dict[str, Any], data: StudyData, test_names: list[str], seed: int
) -> CellRun:
    """Train one cell on ``prepared['train']`` and predict every test set."""
    model = build_cell_model(family, variant, seed)
    start = time.perf_counter()
    model.fit(prepared["train"], data.train.labels, prepared["val"], data.val.labels)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predictions = {name: model.predict(prepared[name]) for name in test_names}
    predict_seconds = time.perf_counter() - start
    log.info("%s / %s: fit %.1f s, predict %.1f s", family.label, variant.name, fit_seconds, predict_seconds)
    return CellRun(family.label, variant.name, predictions, fit_seconds, predict_seconds)


def load_study_data(
    config: StudyConfig,
    data_dir: str | os.PathLike[str] | None = None,
    on_download: Callable[[int, int | None], None] | None = None,
) -> StudyData:
    """The first ``n_train``/``n_val``/``n_test`` images of the 48k/12k/10k MNIST split."""
    splits = load_mnist(data_dir, progress=on_download)
    return StudyData(splits.train.head(config.n_train), splits.val.head(config.n_val), splits.test.head(config.n_test))


def run_grid(config: StudyConfig, data: StudyData, progress: ProgressFn | None = None) -> GridResult:
    """Train and score every cell of ``config`` on ``data``.

    Parameters
    ----------
    config : StudyConfig
        The grid.
    data : StudyData
        Training, validation and (clean) test images with labels.
    progress : callable, optional
        ``progress(done, total, label)`` before each cell and at the end.

    Returns
    -------
    GridResult
    """
    start = time.perf_counter()
    raw_sets = evaluation_sets(config, data.test)
    cells = config.cells()
    runs: list[CellRun] = []
    loads: list[float] = []
    for variant in config.variants:
        families = [f for f in config.families if f.takes(variant)]
        if not families:
            continue
        prepared = _prepare(variant, data, raw_sets)
        for family in families:
            if progress is not None:
                progress(len(runs), len(cells), f"{family.label} / {variant.name}")
            if hasattr(os, "getloadavg"):
                loads.append(os.getloadavg()[0])
            runs.append(run_cell(family, variant, prepared, data, list(raw_sets), config.seed))
    if progress is not None:
        progress(len(runs), len(cells), "done")
    labels = np.asarray(data.test.labels, dtype=np.int64)
    return GridResult(config, labels, runs, len(data.train), len(data.val), time.perf_counter() - start, loads)
