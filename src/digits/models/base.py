"""The one contract every digits model honours.

``fit(X, y, X_val=None, y_val=None) -> self``, ``predict(X)``,
``predict_proba(X)`` (rows sum to 1, columns in ``classes_`` order),
``save(dir)`` and ``DigitModel.load(dir)``. Images are MNIST style: shape
(n, 28, 28) or (n, 784), grey levels 0-255, white ink on black.

``__init__`` only stores hyperparameters (keyword-only arguments, each kept
as an attribute of the same name); everything learned ends in ``_``.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from digits.errors import InputError
from digits.models.inputs import N_CLASSES, check_images, check_labels
from digits.models.registry import model_params


class NotFittedError(InputError):
    """The model was used before ``fit`` or ``load``."""


class DigitModel(ABC):
    """Base class of all models; subclasses implement the ``_``-prefixed hooks.

    Attributes
    ----------
    name : str
        Registry name (set by ``@register_model``).
    description : str
        One line shown by ``digits models``.
    classes_ : ndarray of int64, shape (10,)
        The digits 0-9, the column order of ``predict_proba``.
    history_ : dict of str to list of float
        Per-epoch training curves (empty for models trained in one go).
    info_ : dict
        Facts about the fit (seconds, sizes) and, once evaluated, metrics;
        saved in ``model.json``.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    progress: Callable[[int, int, dict[str, float]], None] | None = None
    """Optional callback (epoch, n_epochs, metrics) that epoch-based models call after each epoch."""

    # ---- hyperparameters -------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments this model was built with."""
        return {key: getattr(self, key) for key in model_params(type(self))}

    @property
    def preprocessing(self) -> dict[str, Any]:
        """How images are turned into model inputs (recorded in ``model.json``)."""
        return {"input": "mnist-28x28", "scale": "x/255"}

    def n_parameters(self) -> int | None:
        """Number of learned parameters, for models where that is meaningful (else None)."""
        return None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ---- the contract ----------------------------------------------------
    def fit(
        self,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        X_val: npt.ArrayLike | None = None,
        y_val: npt.ArrayLike | None = None,
    ) -> DigitModel:
        """Learn from images ``X`` (n, 28, 28) and labels ``y`` (n,).

        ``X_val``/``y_val`` are used by models that stop early or keep the
        best epoch; the others ignore them.
        """
        images = check_images(X)
        labels = check_labels(y, len(images))
        val = None
        if X_val is not None and y_val is not None:
            val_images = check_images(X_val)
            val = (val_images, check_labels(y_val, len(val_images)))
        self.classes_ = np.arange(N_CLASSES)
        self.history_: dict[str, list[float]] = {}
        start = time.perf_counter()
        self._fit(images, labels, val)
        self.info_: dict[str, Any] = {"fit_seconds": time.perf_counter() - start, "n_train": len(labels)}
        return self

    def predict_proba(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Class probabilities, shape (n, 10), rows summing to 1."""
        self._check_fitted()
        proba = np.asarray(self._predict_proba(check_images(X)), dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Predicted digits, shape (n,)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``model.json`` and the weights to ``directory`` (atomically)."""
        from digits.models.store import save_model

        return save_model(self, directory)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> DigitModel:
        """Rebuild a model from a folder written by :meth:`save`."""
        from digits.models.store import load_model

        model = load_model(directory)
        if not isinstance(model, cls):
            raise InputError(f"{directory} holds a {model.name!r} model, not a {cls.__name__}.")
        return model

    def _log_epoch(self, epoch: int, n_epochs: int, **metrics: float) -> None:
        """Append one epoch's metrics to ``history_`` and report them to ``progress``."""
        for key, value in metrics.items():
            self.history_.setdefault(key, []).append(float(value))
        if self.progress is not None:
            self.progress(epoch, n_epochs, metrics)

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise NotFittedError(
                f"This {self.name or type(self).__name__} model is not fitted; call fit() or load() first."
            )

    # ---- hooks for subclasses -------------------------------------------
    @abstractmethod
    def _fit(
        self,
        images: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64],
        val: tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]] | None,
    ) -> None:
        """Fit on validated images (n, 28, 28) in [0, 1] and labels (n,)."""

    @abstractmethod
    def _predict_proba(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.floating]:
        """Probabilities (n, 10) for validated images (n, 28, 28) in [0, 1]."""

    @abstractmethod
    def _save_weights(self, directory: Path) -> list[str]:
        """Write learned state into ``directory``; return the file names written."""

    @abstractmethod
    def _load_weights(self, directory: Path) -> None:
        """Restore learned state written by :meth:`_save_weights`."""
