"""Training runs: fit a model on the standard split, evaluate it, save it with its report.

This is what ``digits train`` does, as a library function. A run folder
holds the saved model (``model.json`` + weights) and the test report
(``metrics.json`` + figures), so it can be loaded, evaluated again or
compared with other runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digits.data.download import ProgressFn
from digits.data.mnist import MnistSplits, load_mnist
from digits.data.renderings import rendered_digits, row_marks
from digits.data.variants import with_flagged_ones
from digits.errors import InputError
from digits.evaluation import Evaluation, evaluate, write_report
from digits.evaluation.calibration import apply_temperature, ece, fit_temperature
from digits.models import DigitModel, create_model
from digits.models.registry import get_model_class, model_params
from digits.models.store import load_model, model_size_bytes, read_card, record_info
from digits.models.torch_model import TorchModel

QUICK_SIZES = {"train": 5_000, "val": 1_000, "test": 2_000}
"""Subset sizes used by ``quick=True`` (smoke tests and demos)."""


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a training run.

    Attributes
    ----------
    model : str
        Registry name of the model.
    params : dict
        Hyperparameters passed to the model's constructor.
    seed : int or None
        Overrides the model's ``seed`` hyperparameter when given.
    out : pathlib.Path or None
        Run folder; a new one under ``runs/`` when None.
    quick : bool
        Train and test on small subsets (:data:`QUICK_SIZES`).
    data_dir : pathlib.Path or None
        Where to look for MNIST first.
    resume : bool
        Continue an interrupted run of a torch model from its checkpoint
        (needs ``out``).
    renderings : int
        Add this many photo-like and this many drawn renderings of train-split
        digits, normalized like any input, to the training set
        (:func:`digits.data.renderings.rendered_digits`); 0 for MNIST alone.
    row_marks : int
        Add the one-digit marks that ``read``'s segmentation cuts from this many
        photographed rows of train-split digits, about 4.5 a row
        (:func:`digits.data.renderings.row_marks`); 0 for none.
    init : pathlib.Path or None
        Start from the weights of this saved model folder (a fine-tune of a
        torch model of the same name and size) instead of random ones.
    flagged_ones : int
        Add this many train-split 1s redrawn with a continental flag
        (:func:`digits.data.variants.flagged_ones`), before the renderings and
        rows are made, so that those draw on them too; 0 for none.
    """

    model: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    seed: int | None = None
    out: Path | None = None
    quick: bool = False
    data_dir: Path | None = None
    resume: bool = False
    renderings: int = 0
    row_marks: int = 0
    flagged_ones: int = 0
    init: Path | None = None


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced."""

    out: Path
    model: DigitModel
    val: Evaluation
    test: Evaluation


def process_rank() -> int:
    """This process's rank under ``torchrun`` (0 when not distributed)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Number of processes training together under ``torchrun`` (1 when not distributed)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def checkpoint_dir_for(out: Path) -> Path:
    """``<out>.checkpoint`` beside the run folder, where epoch checkpoints live until the run ends."""
    return out.with_name(out.name + ".checkpoint")


def default_run_dir(model: str, root: Path = Path("runs")) -> Path:
    """A fresh folder name ``runs/<model>-<UTC timestamp>``."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    return root / f"{model}-{stamp}"


def build_model(config: RunConfig) -> DigitModel:
    """The unfitted model a config describes (validates name and parameters)."""
    params = dict(config.params)
    if config.seed is not None and "seed" in model_params(get_model_class(config.model)):
        params["seed"] = config.seed
    return create_model(config.model, **params)


def split_for(splits: MnistSplits, name: str, quick: bool) -> tuple[Any, Any]:
    """(images, labels) of a split, cut to the quick size when ``quick``."""
    subset = splits.get(name).head(QUICK_SIZES[name] if quick else None)
    return subset.images, subset.labels


def _init_dir(config: RunConfig) -> Path | None:
    """``config.init`` once checked to hold a saved model of ``config.model``; None when not given."""
    if config.init is None:
        return None
    name = read_card(config.init).get("name")
    if name != config.model:
        raise InputError(
            f"--init {config.init} holds a {name} model, not a {config.model}: pass a {config.model} folder."
        )
    return config.init


def train_run(
    config: RunConfig,
    *,
    on_epoch: Callable[[int, int, dict[str, float]], None] | None = None,
    on_download: ProgressFn | None = None,
    on_render: ProgressFn | None = None,
    on_rows: ProgressFn | None = None,
) -> RunResult | None:
    """Fit, evaluate on validation and test, save the model and write the test report.

    Under ``torchrun`` every rank trains, and only rank 0 evaluates, saves
    and reports; the other ranks return None.

    Parameters
    ----------
    config : RunConfig
        The run.
    on_epoch : callable, optional
        Progress of epoch-based models: (epoch, n_epochs, metrics).
    on_download : callable, optional
        Progress of an MNIST download: (bytes so far, total or None).
    on_render : callable, optional
        Progress of the renderings (``config.renderings``): (done, total).
    on_rows : callable, optional
        Progress of the rows cut into marks (``config.row_marks``): (done, total).

    Returns
    -------
    RunResult or None
        The run folder, the fitted model and its validation and test
        evaluations (None on ranks other than 0).
    """
    if config.resume and config.out is None:
        raise InputError("--resume needs --out RUN_DIR: the folder of the run to continue.")
    model = build_model(config)
    rank = process_rank()
    if world_size() > 1 and not isinstance(model, TorchModel):
        raise InputError(f"{config.model} cannot train under torchrun; only torch models can.")
    splits = load_mnist(config.data_dir, progress=on_download if rank == 0 else None)
    out = config.out or default_run_dir(config.model)
    if isinstance(model, TorchModel):
        model.checkpoint_dir, model.resume = checkpoint_dir_for(out), config.resume
        model.init_dir = _init_dir(config)
    elif config.init is not None:
        raise InputError(f"--init fine-tunes torch models only; {config.model} trains from scratch.")
    model.progress = on_epoch if rank == 0 else None
    X, y = split_for(splits, "train", config.quick)
    seed, added = config.seed or 0, []
    X, y = with_flagged_ones(X, y, config.flagged_ones, seed)
    if config.renderings:
        added.append(rendered_digits(X, y, config.renderings, seed, progress=on_render if rank == 0 else None))
    if config.row_marks:
        added.append(row_marks(X, y, config.row_marks, seed, progress=on_rows if rank == 0 else None))
    if added:
        X, y = np.concatenate([X, *(x for x, _ in added)]), np.concatenate([y, *(y_a for _, y_a in added)])
    X_val, y_val = split_for(splits, "val", config.quick)
    model.fit(X, y, X_val, y_val)
    model.progress = None
    if rank != 0:
        return None
    X_test, y_test = split_for(splits, "test", config.quick)
    val = evaluate(model, X_val, y_val, split="val")
    test = evaluate(model, X_test, y_test, split="test")
    model.info_.update(
        calibration=fit_calibration(val.proba, val.labels),
        metrics={e.split: {"n": e.n, "accuracy": e.accuracy, "macro_f1": e.metrics["macro_f1"]} for e in (val, test)},
        data={
            "checksums": splits.checksums,
            "quick": config.quick,
            "n_train": len(y),
            "n_val": len(y_val),
            "renderings": config.renderings,
            "row_marks": config.row_marks,
            "flagged_ones": config.flagged_ones,
            "init": None if config.init is None else str(config.init),
        },
    )
    model.save(out)
    test = dataclasses.replace(test, model_size_bytes=model_size_bytes(out))
    write_report(test, out, images=X_test)
    shutil.rmtree(checkpoint_dir_for(out), ignore_errors=True)
    return RunResult(out=out, model=model, val=val, test=test)


def fit_calibration(proba: Any, labels: Any) -> dict[str, Any]:
    """Temperature scaling fitted on held-out (validation) probabilities (n, 10), with ECE before/after.

    The Recognizer applies ``temperature`` to every prediction of the model.
    """
    temperature = fit_temperature(proba, labels, kind="proba")
    return {
        "temperature": temperature,
        "fitted_on": "val",
        "n": len(labels),
        "ece_before": ece(proba, labels),
        "ece_after": ece(apply_temperature(proba, temperature, kind="proba"), labels),
    }


def calibrate_saved(
    model_dir: str | os.PathLike[str], *, data_dir: Path | None = None, on_download: ProgressFn | None = None
) -> dict[str, Any]:
    """Fit the temperature of a saved model on the validation split and record it in its ``model.json``."""
    model = load_model(model_dir)
    val = load_mnist(data_dir, progress=on_download).val
    calibration = fit_calibration(model.predict_proba(val.images), val.labels)
    record_info(model_dir, "calibration", calibration)
    return calibration


def evaluate_saved(
    model_dir: str | os.PathLike[str],
    *,
    split: str = "test",
    limit: int | None = None,
    data_dir: Path | None = None,
    runtime: str = "auto",
    on_download: ProgressFn | None = None,
) -> tuple[Evaluation, Any]:
    """Load a saved model and evaluate it on a split.

    Returns
    -------
    evaluation, images
        The evaluation and the images used (n, 28, 28).
    """
    model = load_model(model_dir, runtime=runtime)
    splits = load_mnist(data_dir, progress=on_download)
    subset = splits.get(split).head(limit)
    result = evaluate(model, subset.images, subset.labels, split=split, model_size_bytes=model_size_bytes(model_dir))
    return result, subset.images
