"""Zoning: the mean ink in each cell of a regular grid laid over the digit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def zoning(images: npt.NDArray[np.floating], grid: int = 7) -> npt.NDArray[np.float32]:
    """Mean intensity of each zone of a ``grid`` x ``grid`` partition, zones in row-major order.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
        ``h`` and ``w`` must be multiples of ``grid`` (28 = 4 x 7).
    grid : int
        Zones per side.

    Returns
    -------
    ndarray of float32, shape (n, grid * grid)
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    if h % grid or w % grid:
        raise ValueError(f"Images of {h}x{w} pixels cannot be cut into {grid}x{grid} equal zones; pick a divisor.")
    zones = images.reshape(n, grid, h // grid, grid, w // grid).mean(axis=(2, 4))
    return zones.reshape(n, grid * grid)
