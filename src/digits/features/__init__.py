"""Hand-made features of MNIST-style digits, by name.

Every entry of :data:`FEATURES` maps images of shape (n, 28, 28), uint8
0-255 with white ink on black, to a float32 matrix (n, d). Values are kept
near unit scale (fractions, counts of a few, normalized histograms), so
blocks can be concatenated with :func:`extract` and fed to distance-based
classifiers without a fitted scaler. PCA, which has to be fitted, lives in
the models (:mod:`digits.models.feature_models`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import numpy.typing as npt

from digits.features import fourier, hog, projections, shape, zoning
from digits.features.shape import SHAPE_NAMES
from digits.imaging.preprocess import uint8_batch

FeatureFn = Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.float32]]

CHUNK = 4096
"""Images per batch inside :func:`extract`: bounds the memory of the batched features."""


def _scaled(function: Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]]) -> FeatureFn:
    """Feed a float feature function images in [0, 1]."""

    def apply(images: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        return function(np.asarray(images, dtype=np.float32) / np.float32(255))

    return apply


SETTINGS: dict[str, dict[str, int]] = {
    "hog": {"cell": 4, "block": 3, "orientations": 9},  # chosen on the validation split: benchmarks/hog_settings.py
    "zoning": {"grid": 7},
    "fourier": {"k": 5},
}
"""The parameters behind each feature; models record them so a saved model is never fed different features."""

FEATURES: dict[str, FeatureFn] = {
    "pixels": _scaled(lambda x: x.reshape(len(x), -1)),  # 784
    "hog": _scaled(partial(hog.hog, **SETTINGS["hog"])),  # 2025: 4x4-pixel cells, 3x3-cell blocks, 9 orientations
    "zoning": _scaled(partial(zoning.zoning, **SETTINGS["zoning"])),  # 49: 7x7 zones of 4x4 pixels
    "projections": _scaled(lambda x: projections.projections(x) / x.shape[1]),  # 56: inked fraction per row, column
    "shape": _scaled(shape.shape_features),  # 12: see SHAPE_NAMES
    "fourier": _scaled(partial(fourier.fourier, **SETTINGS["fourier"])),  # 66: |DFT| up to 5 cycles per image
}
"""Name -> feature function mapping (n, 28, 28) uint8 to (n, d) float32."""


def extract(images: npt.ArrayLike, names: Sequence[str]) -> npt.NDArray[np.float32]:
    """The named features of each image, concatenated in the order given.

    Parameters
    ----------
    images : array-like of uint8, shape (n, 28, 28)
        Grey levels 0-255, white ink on black.
    names : sequence of str
        Keys of :data:`FEATURES`, at least one.

    Returns
    -------
    ndarray of float32, shape (n, sum of the blocks' widths)

    Raises
    ------
    ValueError
        For an empty or unknown name list (the message lists the valid
        names) or images that are not a uint8 batch of shape (n, h, w).
    """
    unknown = [name for name in names if name not in FEATURES]
    if unknown or not names:
        raise ValueError(f"Unknown or no features {unknown or list(names)}. Valid names: {', '.join(FEATURES)}.")
    images = uint8_batch(images)
    chunks = [
        np.concatenate([FEATURES[name](images[start : start + CHUNK]) for name in names], axis=1)
        for start in range(0, len(images), CHUNK)
    ]
    return np.concatenate(chunks, axis=0) if chunks else np.zeros((0, 0), dtype=np.float32)


__all__ = ["CHUNK", "FEATURES", "SETTINGS", "SHAPE_NAMES", "extract"]
