"""Validation of the arrays every model receives."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from digits.errors import InputError

N_CLASSES = 10
IMAGE_SHAPE = (28, 28)


def check_images(X: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Validate MNIST-style images and scale them to [0, 1].

    Parameters
    ----------
    X : array-like, shape (n, 28, 28) or (n, 784)
        Grey levels 0-255, white ink on black, as in MNIST.

    Returns
    -------
    ndarray of float32, shape (n, 28, 28)
        The images divided by 255.

    Raises
    ------
    InputError
        If the shape, type or value range is wrong.
    """
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] == 784:
        X = X.reshape(-1, *IMAGE_SHAPE)
    if X.ndim != 3 or X.shape[1:] != IMAGE_SHAPE:
        hint = " Use X[None] for a single image." if X.shape in (IMAGE_SHAPE, (784,)) else ""
        raise InputError(f"Expected images of shape (n, 28, 28) or (n, 784), got {X.shape}.{hint}")
    if X.shape[0] == 0:
        raise InputError("Expected at least one image, got an empty array of shape (0, 28, 28).")
    if X.dtype.kind not in "uif" and X.dtype != np.bool_:
        raise InputError(f"Expected numeric pixel values, got dtype {X.dtype}.")
    X = X.astype(np.float32)
    if not np.isfinite(X).all():
        raise InputError("Images contain NaN or infinite values.")
    low, high = float(X.min()), float(X.max())
    if low < 0 or high > 255:
        raise InputError(f"Expected pixel values in 0..255 (MNIST scale), got values from {low} to {high}.")
    return X / np.float32(255)


def check_labels(y: npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    """Validate a label vector of ``n`` digits.

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    y = np.asarray(y)
    if y.shape != (n,):
        raise InputError(f"Expected {n} labels of shape ({n},) to match the images, got shape {y.shape}.")
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise InputError(f"Expected integer digit labels, got dtype {y.dtype}.")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= N_CLASSES):
        raise InputError(f"Expected labels 0..9, got values from {y.min()} to {y.max()}.")
    return y
