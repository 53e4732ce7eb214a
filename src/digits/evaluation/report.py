"""Evaluating a fitted model on a labelled set and writing the report folder.

:func:`evaluate` runs ``predict_proba`` once over the whole set, timing it,
and computes every metric; the probabilities are kept on the returned
:class:`Evaluation` so that :func:`write_report` draws its figures without
predicting again::

    result = evaluate(model, splits.test.images, splits.test.labels, split="test")
    write_report(result, "reports/mlp", images=splits.test.images)

The folder then holds ``metrics.json``, ``confusion_matrix.png``,
``roc.png``, ``training_curves.png`` (models with per-epoch history only)
and ``misclassified.png``.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from digits.errors import DigitsError, InputError
from digits.evaluation.metrics import (
    check_probabilities,
    classification_metrics,
    confusion_matrix,
)
from digits.evaluation.plots import (
    plot_confusion_matrix,
    plot_misclassified,
    plot_roc_curves,
    plot_training_curves,
)
from digits.fileio import atomic_write_json
from digits.models.inputs import check_labels

if TYPE_CHECKING:
    from digits.models.base import DigitModel

METRICS_FILE = "metrics.json"
CONFUSION_FILE = "confusion_matrix.png"
ROC_FILE = "roc.png"
CURVES_FILE = "training_curves.png"
MISCLASSIFIED_FILE = "misclassified.png"
_DETAIL_KEYS = ("per_class", "confusion_matrix")


@dataclass(frozen=True)
class Evaluation:
    """The result of evaluating one model on one labelled set.

    Attributes
    ----------
    model : str
        The model's registry name.
    split : str
        Which data was used ('train', 'val', 'test' or any label).
    n : int
        Number of images evaluated.
    metrics : dict
        :func:`~digits.evaluation.metrics.classification_metrics` of the set.
    predict_seconds : float
        Wall-clock time of one ``predict_proba`` call over all ``n`` images.
    labels : ndarray of int64, shape (n,)
        True digits (not in :meth:`to_dict`).
    proba : ndarray of float64, shape (n, 10)
        Predicted probabilities (not in :meth:`to_dict`).
    fit_seconds : float or None
        Training time from the model's ``info_``, when recorded.
    model_size_bytes : int or None
        Size of the saved model on disk, when given.
    history : dict of str to list of float
        Copy of the model's ``history_`` (not in :meth:`to_dict`).
    """

    model: str
    split: str
    n: int
    metrics: dict[str, Any]
    predict_seconds: float
    labels: npt.NDArray[np.int64] = field(repr=False, compare=False)
    proba: npt.NDArray[np.float64] = field(repr=False, compare=False)
    fit_seconds: float | None = None
    model_size_bytes: int | None = None
    history: dict[str, list[float]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def accuracy(self) -> float:
        """Share of images whose arg-max prediction is right."""
        return float(self.metrics["accuracy"])

    @property
    def seconds_per_image(self) -> float:
        """Average prediction time of one image, in seconds."""
        return self.predict_seconds / self.n

    @property
    def images_per_second(self) -> float | None:
        """Prediction throughput (None if the timer measured no time at all)."""
        return self.n / self.predict_seconds if self.predict_seconds > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: identity, headline metrics, timing, then per-class details.

        Returns
        -------
        dict
            ``model``, ``split``, ``n``, every scalar metric (``accuracy``,
            ``macro_f1``, ``weighted_f1``, ``log_loss``, ``macro_auc``, ...),
            ``fit_seconds``, ``predict_seconds``,
            ``predict_seconds_per_image``, ``images_per_second``,
            ``model_size_bytes``, ``per_class`` and ``confusion_matrix``.
        """
        headline = {k: v for k, v in self.metrics.items() if k not in _DETAIL_KEYS and k != "n"}
        details = {k: self.metrics[k] for k in _DETAIL_KEYS if k in self.metrics}
        return copy.deepcopy(
            {
                "model": self.model,
                "split": self.split,
                "n": self.n,
                **headline,
                "fit_seconds": self.fit_seconds,
                "predict_seconds": self.predict_seconds,
                "predict_seconds_per_image": self.seconds_per_image,
                "images_per_second": self.images_per_second,
                "model_size_bytes": self.model_size_bytes,
                **details,
            }
        )


def read_metrics(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``metrics.json`` a report folder holds.

    Raises
    ------
    DigitsError
        If the folder has no readable ``metrics.json``.
    """
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        raise DigitsError(
            f"{run_dir} has no {METRICS_FILE}; pass folders written by `digits train` or `digits evaluate --out`."
        )
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DigitsError(f"{path} cannot be read as JSON ({exc}).") from exc


def _check_label_count(images: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[npt.ArrayLike, npt.NDArray[np.int64]]:
    """Validate the labels against the image count before any time is spent predicting."""
    X = np.asarray(images)
    return X, check_labels(labels, X.shape[0] if X.ndim else 0)


def evaluate(
    model: DigitModel,
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    split: str,
    model_size_bytes: int | None = None,
) -> Evaluation:
    """Predict a labelled set once, timing it, and compute every metric.

    Parameters
    ----------
    model : DigitModel
        A fitted (or loaded) model.
    images : array-like, shape (n, 28, 28) or (n, 784)
        Grey levels 0-255, white ink on black (as in MNIST).
    labels : array-like of int, shape (n,)
        True digits 0-9.
    split : str
        Name of the set, recorded in the result ('test', 'val', ...).
    model_size_bytes : int, optional
        Size of the saved model, recorded as is (see
        :func:`digits.models.store.model_size_bytes`).

    Returns
    -------
    Evaluation
        Metrics, timing, size, and the probabilities (n, 10) for the figures.

    Raises
    ------
    InputError
        If the images or labels are malformed or their counts differ.
    """
    X, y = _check_label_count(images, labels)
    start = time.perf_counter()
    proba = model.predict_proba(X)
    seconds = time.perf_counter() - start
    fit_seconds = getattr(model, "info_", {}).get("fit_seconds")
    history = getattr(model, "history_", {}) or {}
    return Evaluation(
        model=model.name or type(model).__name__,
        split=split,
        n=len(y),
        metrics=classification_metrics(y, proba),
        predict_seconds=seconds,
        fit_seconds=None if fit_seconds is None else float(fit_seconds),
        model_size_bytes=model_size_bytes,
        labels=y,
        proba=proba,
        history={k: [float(v) for v in vs] for k, vs in history.items()},
    )


def write_report(
    evaluation: Evaluation,
    out_dir: str | os.PathLike[str],
    *,
    images: npt.ArrayLike,
    labels: npt.ArrayLike | None = None,
    proba: npt.ArrayLike | None = None,
    history: dict[str, list[float]] | None = None,
    max_misclassified: int = 64,
) -> list[Path]:
    """Write ``metrics.json`` and the figures of an evaluation into ``out_dir``.

    Parameters
    ----------
    evaluation : Evaluation
        What :func:`evaluate` returned.
    out_dir : path-like
        Folder to write into (created if needed). Each file is written
        atomically; a ``training_curves.png`` left by an earlier report is
        removed when there are no curves now, so no stale figure remains.
    images : array-like, shape (n, 28, 28) or (n, 784)
        The evaluated images, for the gallery of mistakes.
    labels : array-like of int, shape (n,), optional
        Defaults to ``evaluation.labels``.
    proba : array-like of float, shape (n, 10), optional
        Defaults to ``evaluation.proba`` (pass it only to override).
    history : dict of str to list of float, optional
        Defaults to ``evaluation.history``; pass ``{}`` to skip the curves.
    max_misclassified : int
        Most mistakes shown in ``misclassified.png``.

    Returns
    -------
    list of pathlib.Path
        The files written, ``metrics.json`` first.
    """
    y, p = check_probabilities(
        evaluation.labels if labels is None else labels,
        evaluation.proba if proba is None else proba,
    )
    if len(y) != evaluation.n:
        raise InputError(f"The evaluation covers {evaluation.n} images but {len(y)} labels were given.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / METRICS_FILE, evaluation.to_dict())
    what = f"{evaluation.model} on {evaluation.split}"
    cm = confusion_matrix(y, np.argmax(p, axis=1), p.shape[1])
    written = [
        out / METRICS_FILE,
        plot_confusion_matrix(cm, out / CONFUSION_FILE, title=f"{what}: confusion matrix"),
        plot_roc_curves(y, p, out / ROC_FILE, title=f"{what}: ROC curves (one vs rest)"),
    ]
    curves = plot_training_curves(
        evaluation.history if history is None else history,
        out / CURVES_FILE,
        title=f"{evaluation.model}: training curves",
    )
    if curves is None:
        (out / CURVES_FILE).unlink(missing_ok=True)
    else:
        written.append(curves)
    gallery = plot_misclassified(
        images,
        y,
        p,
        out / MISCLASSIFIED_FILE,
        max_images=max_misclassified,
        title=f"{what}: mistakes",
    )
    return [*written, gallery]
