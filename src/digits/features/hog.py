"""Histograms of oriented gradients (Dalal and Triggs 2005), for a whole batch at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EPS = 1e-5
"""Keeps the block normalization finite on blank blocks (as in scikit-image)."""
HYS_CLIP = 0.2
"""L2-Hys: normalized values are clipped here, then normalized again."""


def gradients(images: npt.NDArray[np.floating]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Centred differences ``[-1, 0, 1]`` along rows and columns, 0 on the border.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)

    Returns
    -------
    g_row, g_col : ndarray of float32, shape (n, h, w)
    """
    images = np.asarray(images, dtype=np.float32)
    g_row = np.zeros_like(images)
    g_col = np.zeros_like(images)
    g_row[:, 1:-1, :] = images[:, 2:, :] - images[:, :-2, :]
    g_col[:, :, 1:-1] = images[:, :, 2:] - images[:, :, :-2]
    return g_row, g_col


def cell_histograms(images: npt.NDArray[np.floating], cell: int, orientations: int) -> npt.NDArray[np.float32]:
    """Gradient-magnitude-weighted histograms of unsigned gradient orientation per cell.

    Orientations are folded into [0, 180) degrees; each pixel splits its
    magnitude linearly between the two nearest bin centres (bin ``k`` is
    centred on ``(k + 0.5) * 180 / orientations``, wrapping around). Rows and
    columns that do not fill a whole cell are dropped.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
    cell : int
        Cell side, pixels.
    orientations : int
        Number of orientation bins.

    Returns
    -------
    ndarray of float32, shape (n, h // cell, w // cell, orientations)
        Mean vote per pixel of each cell.
    """
    g_row, g_col = gradients(images)
    magnitude = np.hypot(g_row, g_col)  # (n, h, w)
    angle = np.rad2deg(np.arctan2(g_row, g_col)) % 180.0
    position = angle / (180.0 / orientations) - 0.5  # in bin units, bin centres at integers
    lower = np.floor(position)
    upper_weight = (position - lower).astype(np.float32)
    lower_bin = np.where(lower < 0, orientations - 1, lower).astype(np.int32)  # bin -1 wraps to the last
    upper_bin = np.where(lower_bin == orientations - 1, 0, lower_bin + 1).astype(np.int32)
    n, h, w = magnitude.shape
    cy, cx = h // cell, w // cell
    # flat index of (image, cell row, cell column) for every pixel; pixels outside whole cells are dropped
    cell_of = (np.arange(n)[:, None, None] * cy + np.arange(h)[None, :, None] // cell) * cx + np.arange(w) // cell
    inside = (np.arange(h)[:, None] < cy * cell) & (np.arange(w)[None, :] < cx * cell)  # (h, w)
    inside = np.broadcast_to(inside, magnitude.shape)
    size = n * cy * cx * orientations
    out = np.zeros(size, dtype=np.float64)
    for bins, weight in ((lower_bin, 1 - upper_weight), (upper_bin, upper_weight)):
        index = (cell_of * orientations + bins)[inside]
        out += np.bincount(index, weights=(magnitude * weight)[inside], minlength=size)
    return (out / (cell * cell)).astype(np.float32).reshape(n, cy, cx, orientations)


def normalize_blocks(histograms: npt.NDArray[np.floating], block: int) -> npt.NDArray[np.float32]:
    """L2-Hys normalization of every ``block`` x ``block`` group of cells (stride one cell).

    Parameters
    ----------
    histograms : ndarray, shape (n, cy, cx, orientations)

    Returns
    -------
    ndarray of float32, shape (n, cy - block + 1, cx - block + 1, block * block * orientations)
    """
    n, cy, cx, orientations = histograms.shape
    by, bx = cy - block + 1, cx - block + 1
    if by < 1 or bx < 1:
        raise ValueError(f"A block of {block}x{block} cells does not fit in a {cy}x{cx} grid of cells.")
    blocks = np.stack(
        [histograms[:, i : i + by, j : j + bx] for i in range(block) for j in range(block)], axis=3
    ).reshape(n, by, bx, block * block * orientations)
    blocks = blocks / np.sqrt((blocks**2).sum(axis=-1, keepdims=True) + EPS**2)
    blocks = np.minimum(blocks, HYS_CLIP)
    return (blocks / np.sqrt((blocks**2).sum(axis=-1, keepdims=True) + EPS**2)).astype(np.float32)


def hog(
    images: npt.NDArray[np.floating], cell: int = 4, block: int = 3, orientations: int = 9
) -> npt.NDArray[np.float32]:
    """HOG descriptors of a batch of grey images.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
        Any consistent intensity scale (the block normalization removes it).
    cell : int
        Cell side, pixels.
    block : int
        Block side, cells.
    orientations : int
        Unsigned orientation bins over 180 degrees.

    Returns
    -------
    ndarray of float32, shape (n, d)
        ``d = (h // cell - block + 1) * (w // cell - block + 1) * block**2 * orientations``
        (2025 for 28x28 images with the defaults, chosen on the validation
        split by ``benchmarks/hog_settings.py``).
    """
    blocks = normalize_blocks(cell_histograms(images, cell, orientations), block)
    return blocks.reshape(len(blocks), -1)
