"""Projection histograms: how much ink each row and each column holds."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def projections(images: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Row sums then column sums of the intensities.

    Each half sums to the image's total ink.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)

    Returns
    -------
    ndarray of float32, shape (n, h + w)
    """
    images = np.asarray(images, dtype=np.float32)
    return np.concatenate([images.sum(axis=2), images.sum(axis=1)], axis=1)
