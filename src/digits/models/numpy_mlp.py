"""``numpy-mlp``: the from-scratch multilayer perceptron as a :class:`DigitModel`.

The network itself lives in :mod:`digits.models.numpy_net` and its optimizers
in :mod:`digits.models.numpy_optim`; this module adds training (mini-batches,
shift augmentation, learning-rate decay, early stopping on the validation
split), hyperparameter checks and saving to ``weights.npz``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from digits.errors import InputError, ModelFileError
from digits.models.base import DigitModel
from digits.models.inputs import N_CLASSES
from digits.models.numpy_net import ACTIVATIONS, INITS, Network, build_mlp
from digits.models.numpy_optim import OPTIMIZERS, Optimizer, exponential_decay, make_optimizer
from digits.models.registry import register_model

N_PIXELS = 28 * 28
WEIGHTS = "weights.npz"
ValSet = tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]


def random_shift(
    images: npt.NDArray[np.float32], max_shift: int, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """Move each image by its own random offset of up to ``max_shift`` pixels.

    Parameters
    ----------
    images : ndarray of float32, shape (n, 28, 28)
    max_shift : int
        Offsets (dy, dx) are drawn uniformly from ``-max_shift..max_shift``.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of float32, shape (n, 28, 28)
        Shifted copies; pixels moved in from outside are 0 (background).
    """
    s, (n, height, width) = max_shift, images.shape
    padded = np.pad(images, ((0, 0), (s, s), (s, s)))  # (n, 28 + 2s, 28 + 2s)
    corner = rng.integers(0, 2 * s + 1, size=(n, 2))  # where each 28x28 window starts
    code = corner[:, 0] * (2 * s + 1) + corner[:, 1]
    shifted = np.empty_like(images)
    # one slice per distinct offset, not per image: (2s + 1)**2 vectorised copies
    for value in np.unique(code):
        rows = np.flatnonzero(code == value)
        top, left = divmod(int(value), 2 * s + 1)
        shifted[rows] = padded[rows, top : top + height, left : left + width]
    return shifted


def _flat(images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return images.reshape(len(images), N_PIXELS)  # (n, 784)


@register_model("numpy-mlp")
class NumpyMLP(DigitModel):
    """Multilayer perceptron written from scratch in NumPy.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers; the network is 784 -> hidden... -> 10.
    activation : {'relu', 'tanh', 'sigmoid'}
    init : {'he', 'xavier'}
        Weight initialisation (He suits ReLU, Xavier suits tanh/sigmoid).
    optimizer : {'adam', 'sgd'}
        Adam, or SGD with ``momentum``.
    learning_rate : float
        Step size of the first epoch.
    lr_decay : float
        The learning rate is multiplied by this after every epoch (1 = constant).
    momentum : float
        SGD momentum in [0, 1); ignored by Adam.
    l2 : float
        L2 weight decay: ``l2 / 2 * sum(W**2)`` is added to the loss.
    dropout : float
        Probability of dropping each hidden unit during training, in [0, 1).
    augment_shift : int
        Each epoch, every training image is shifted by up to this many pixels
        in x and y (0 switches augmentation off).
    batch_size : int
        Images per gradient step.
    epochs : int
        Most epochs to train.
    patience : int or None
        With a validation set, stop after this many epochs without a better
        validation accuracy (None: never stop early). The weights of the best
        validation epoch are kept either way.
    seed : int
        Seeds initial weights, shuffling, dropout and augmentation.
    """

    description: ClassVar[str] = (
        "From-scratch NumPy MLP (784-800-800-10, ReLU, dropout, Adam, shift augmentation)."
    )

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] = (800, 800),
        activation: str = "relu",
        init: str = "he",
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        lr_decay: float = 0.9,
        momentum: float = 0.9,
        l2: float = 0.0,
        dropout: float = 0.2,
        augment_shift: int = 2,
        batch_size: int = 128,
        epochs: int = 30,
        patience: int | None = 6,
        seed: int = 0,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.init = init
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.momentum = momentum
        self.l2 = l2
        self.dropout = dropout
        self.augment_shift = augment_shift
        self.batch_size = batch_size
        self.epochs = epochs
        self.patience = patience
        self.seed = seed

    # ---- hyperparameters -------------------------------------------------
    def _check_params(self) -> None:
        """Raise :class:`InputError` naming the first bad hyperparameter and the fix."""
        for key, valid in (("activation", ACTIVATIONS), ("init", INITS), ("optimizer", OPTIMIZERS)):
            if getattr(self, key) not in valid:
                value = getattr(self, key)
                raise InputError(f"Unknown {key} {value!r}. Valid values: {', '.join(valid)}.")
        if not isinstance(self.hidden, (tuple, list)) or not all(
            _is_int(width) and width > 0 for width in self.hidden
        ):
            raise InputError(
                "hidden must be a tuple of positive layer widths such as (512, 256), "
                f"got {self.hidden!r}."
            )
        _check_number("learning_rate", self.learning_rate, lambda v: v > 0, "a positive number")
        _check_number("lr_decay", self.lr_decay, lambda v: 0 < v <= 1, "in (0, 1]; 1 is constant")
        _check_number("momentum", self.momentum, lambda v: 0 <= v < 1, "in [0, 1)")
        _check_number("l2", self.l2, lambda v: v >= 0, "0 or a small positive number like 1e-5")
        _check_number("dropout", self.dropout, lambda v: 0 <= v < 1, "in [0, 1); 0 is off")
        _check_int("augment_shift", self.augment_shift, 0)
        _check_int("batch_size", self.batch_size, 1)
        _check_int("epochs", self.epochs, 1)
        _check_int("seed", self.seed, 0)
        if self.patience is not None:
            _check_int("patience", self.patience, 1, " or None (no early stopping)")

    def _build(self) -> Network:
        sizes = (N_PIXELS, *map(int, self.hidden), N_CLASSES)
        rng = np.random.default_rng(self.seed)
        return build_mlp(sizes, rng, self.activation, self.init, self.dropout, self.l2, np.float32)

    # ---- training --------------------------------------------------------
    def _fit(
        self, images: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], val: ValSet | None
    ) -> None:
        self._check_params()
        self.net_ = self._build()
        rng = np.random.default_rng([self.seed, 1])  # shuffling and augmentation
        params = self.net_.parameters()
        opt = make_optimizer(self.optimizer, params, self.learning_rate, self.momentum)
        best = (-1.0, np.inf)  # (val accuracy, val loss) to beat: higher accuracy, then lower loss
        best_state, self.best_epoch_ = self.net_.state(), self.epochs  # no val: the last epoch
        for epoch in range(1, self.epochs + 1):
            opt.lr = exponential_decay(self.learning_rate, self.lr_decay, epoch - 1)
            metrics = dict(zip(("loss", "accuracy"), self._train_epoch(opt, images, labels, rng), strict=False))
            if val is not None:
                metrics.update(zip(("val_loss", "val_accuracy"), self._evaluate(*val), strict=False))
            self._log_epoch(epoch, self.epochs, **metrics)
            if val is None:
                continue
            if (metrics["val_accuracy"], -metrics["val_loss"]) > (best[0], -best[1]):
                best = (metrics["val_accuracy"], metrics["val_loss"])
                best_state, self.best_epoch_ = self.net_.state(), epoch
            elif self.patience is not None and epoch - self.best_epoch_ >= self.patience:
                break
        if val is not None:
            self.net_.load_state(best_state)  # the weights of the best validation epoch

    def _train_epoch(
        self,
        opt: Optimizer,
        images: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64],
        rng: np.random.Generator,
    ) -> tuple[float, float]:
        """One pass over shuffled (and shifted) ``images`` (n, 28, 28); returns mean loss and accuracy."""
        if self.augment_shift:
            images = random_shift(images, self.augment_shift, rng)
        order = rng.permutation(len(labels))
        x, y = _flat(images)[order], labels[order]  # (n, 784), (n,): contiguous batches
        total_loss, correct = 0.0, 0
        for start in range(0, len(y), self.batch_size):
            xb, yb = x[start : start + self.batch_size], y[start : start + self.batch_size]
            loss, logits = self.net_.loss_and_gradients(xb, yb, train=True)
            opt.step()
            total_loss += loss * len(yb)
            correct += int(np.count_nonzero(logits.argmax(axis=1) == yb))
        return total_loss / len(y), correct / len(y)

    def _evaluate(
        self, images: npt.NDArray[np.float32], labels: npt.NDArray[np.int64]
    ) -> tuple[float, float]:
        """Cross-entropy and accuracy of the current weights on ``images`` (n, 28, 28)."""
        proba = self.net_.predict_proba(_flat(images))  # (n, 10)
        p_true = proba[np.arange(len(labels)), labels]
        loss = float(-np.log(np.maximum(p_true, np.finfo(proba.dtype).tiny)).mean())
        return loss, float(np.mean(proba.argmax(axis=1) == labels))

    def n_parameters(self) -> int | None:
        return sum(p.value.size for p in self.net_.parameters()) if hasattr(self, "net_") else None

    def _predict_proba(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.floating]:
        return self.net_.predict_proba(_flat(images))

    # ---- persistence -----------------------------------------------------
    def _save_weights(self, directory: Path) -> list[str]:
        np.savez(directory / WEIGHTS, allow_pickle=False, **self.net_.state())
        return [WEIGHTS]

    def _load_weights(self, directory: Path) -> None:
        self._check_params()
        net = self._build()
        with np.load(directory / WEIGHTS, allow_pickle=False) as stored:
            state = {name: stored[name] for name in stored.files}
        try:
            net.load_state(state)
        except ValueError as exc:
            raise ModelFileError(
                f"{directory / WEIGHTS} does not fit hidden={self.hidden!r}: {exc}"
            ) from exc
        self.net_ = net


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_number(key: str, value: object, ok: Callable[[float], bool], expected: str) -> None:
    """Raise :class:`InputError` unless ``value`` is a finite real number with ``ok(value)``."""
    real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    number = float(value) if real else math.nan  # type: ignore[arg-type]
    if not (math.isfinite(number) and ok(number)):
        raise InputError(f"{key} must be {expected}, got {value!r}.")


def _check_int(key: str, value: object, low: int, alternative: str = "") -> None:
    """Raise :class:`InputError` unless ``value`` is an integer >= ``low``."""
    if not (_is_int(value) and value >= low):  # type: ignore[operator]
        raise InputError(f"{key} must be an integer >= {low}{alternative}, got {value!r}.")
