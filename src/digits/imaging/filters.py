"""Small operations on float grey images, shared by the normalization and studies.

Conventions: images are 2-D float arrays of shape (h, w); masks are 2-D bool
arrays. Functions that talk about "ink" expect it *bright* (ink-bright: ink
high, background low), which is what :mod:`digits.imaging.normalize` works
with after it has found the ink's polarity. Nothing here knows about models.
Operations on thresholded masks are in :mod:`digits.imaging.shapes`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage

FloatImage = npt.NDArray[np.floating]
Mask = npt.NDArray[np.bool_]


# ---------------------------------------------------------------- smoothing, edges


def gaussian_blur(image: FloatImage, sigma: float) -> npt.NDArray[np.float32]:
    """Gaussian smoothing (edges mirrored); ``sigma <= 0`` returns a copy. Shape (h, w) in and out."""
    image = np.asarray(image, dtype=np.float32)
    return ndimage.gaussian_filter(image, sigma, mode="reflect") if sigma > 0 else image.copy()


def median_blur(image: FloatImage, size: int = 3) -> npt.NDArray[np.float32]:
    """Median of each ``size`` x ``size`` window (removes salt-and-pepper noise). Shape (h, w)."""
    return ndimage.median_filter(np.asarray(image, dtype=np.float32), size=size, mode="reflect")


def sobel_edges(image: FloatImage) -> npt.NDArray[np.float32]:
    """Gradient magnitude from the 3x3 Sobel operators, shape (h, w)."""
    image = np.asarray(image, dtype=np.float32)
    return np.hypot(ndimage.sobel(image, axis=0), ndimage.sobel(image, axis=1))


def estimate_noise(image: FloatImage) -> float:
    """Robust standard deviation of pixel noise, from the median absolute horizontal difference.

    Edges are a minority of pixel pairs, so the median ignores them; for i.i.d.
    Gaussian noise of std ``s`` the difference has std ``s * sqrt(2)``.
    """
    diff = np.diff(np.asarray(image, dtype=np.float32), axis=1)
    if diff.size == 0:
        return 0.0
    return float(np.median(np.abs(diff - np.median(diff))) * 1.4826 / np.sqrt(2.0))


def resize(image: FloatImage, shape: tuple[int, int]) -> npt.NDArray[np.float32]:
    """Resample to ``shape`` = (h, w): area averaging when shrinking, bilinear when enlarging.

    Area averaging (Pillow's BOX filter) is the anti-aliasing MNIST's size
    normalization needs; it never rings, so a zero background stays zero.
    """
    image = np.asarray(image, dtype=np.float32)
    h, w = shape
    if (h, w) == image.shape:
        return image.copy()
    shrink = h <= image.shape[0] and w <= image.shape[1]
    method = Image.Resampling.BOX if shrink else Image.Resampling.BILINEAR
    return np.array(Image.fromarray(image, mode="F").resize((w, h), method), dtype=np.float32)


# ---------------------------------------------------------------- contrast


def stretch_contrast(image: FloatImage, low: float = 1.0, high: float = 99.0) -> npt.NDArray[np.float32]:
    """Map the ``low`` and ``high`` percentiles to 0 and 1, clipping outside. Shape (h, w)."""
    image = np.asarray(image, dtype=np.float32)
    lo, hi = np.percentile(image, [low, high])
    if hi - lo < 1e-6:
        return np.zeros_like(image)
    return np.clip((image - lo) / (hi - lo), 0.0, 1.0)


def equalize_histogram(image: FloatImage, bins: int = 256) -> npt.NDArray[np.float32]:
    """Global histogram equalization of an image in [0, 1]; returns values in [0, 1], shape (h, w)."""
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    index = np.minimum((image * bins).astype(np.intp), bins - 1)
    cdf = np.cumsum(np.bincount(index.ravel(), minlength=bins)).astype(np.float64)
    span = cdf[-1] - cdf[0]
    if span <= 0:
        return image.copy()
    return ((cdf[index] - cdf[0]) / span).astype(np.float32)


def clahe(
    image: FloatImage, tiles: tuple[int, int] = (8, 8), clip_limit: float = 2.0, bins: int = 256
) -> npt.NDArray[np.float32]:
    """Contrast-limited adaptive histogram equalization of an image in [0, 1].

    Each tile's histogram is clipped at ``clip_limit`` times its mean bin count
    (the excess spread evenly), turned into a mapping by its cumulative sum,
    and each pixel blends the mappings of its four nearest tile centres
    bilinearly (Zuiderveld, Graphics Gems IV).

    Parameters
    ----------
    image : ndarray, shape (h, w)
    tiles : (rows, cols)
        Number of tiles along each axis (reduced when the image is smaller).

    Returns
    -------
    ndarray of float32, shape (h, w), values in [0, 1]
    """
    image = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0)
    h, w = image.shape
    ty, tx = max(1, min(tiles[0], h)), max(1, min(tiles[1], w))
    index = np.minimum((image * bins).astype(np.intp), bins - 1)
    rows, cols = np.linspace(0, h, ty + 1).astype(int), np.linspace(0, w, tx + 1).astype(int)
    maps = np.empty((ty, tx, bins), dtype=np.float32)
    for i in range(ty):
        for j in range(tx):
            hist = np.bincount(index[rows[i] : rows[i + 1], cols[j] : cols[j + 1]].ravel(), minlength=bins)
            limit = max(1.0, clip_limit * hist.sum() / bins)
            excess = np.maximum(hist - limit, 0).sum()
            hist = np.minimum(hist, limit) + excess / bins
            maps[i, j] = np.cumsum(hist) / hist.sum()
    # fractional tile coordinates of every pixel, measured between tile centres
    fy = np.clip((np.arange(h) + 0.5) / (h / ty) - 0.5, 0, ty - 1)
    fx = np.clip((np.arange(w) + 0.5) / (w / tx) - 0.5, 0, tx - 1)
    y0, x0 = np.floor(fy).astype(int), np.floor(fx).astype(int)
    y1, x1 = np.minimum(y0 + 1, ty - 1), np.minimum(x0 + 1, tx - 1)
    wy, wx = (fy - y0)[:, None], (fx - x0)[None, :]
    top = maps[y0[:, None], x0[None, :], index] * (1 - wx) + maps[y0[:, None], x1[None, :], index] * wx
    bottom = maps[y1[:, None], x0[None, :], index] * (1 - wx) + maps[y1[:, None], x1[None, :], index] * wx
    return (top * (1 - wy) + bottom * wy).astype(np.float32)


# ---------------------------------------------------------------- thresholds


def otsu_threshold(values: FloatImage, bins: int = 256) -> float:
    """Otsu's threshold: the level that maximises the between-class variance.

    Works on any value range (the histogram spans min..max). Returns the
    upper edge of the last bin of the lower class, so ``values > t`` is the
    upper class; when empty bins separate the classes, the middle of the gap.
    A constant input returns its value.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-12:
        return lo
    hist, edges = _histogram(values, bins, lo, hi)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)[:-1].astype(np.float64)
    w1 = hist.sum() - w0
    m0 = np.cumsum(hist * centres)[:-1] / np.maximum(w0, 1)
    m1 = ((hist * centres).sum() - np.cumsum(hist * centres)[:-1]) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    best = np.flatnonzero(between >= between.max() * (1 - 1e-9))  # a gap between the classes is a plateau
    return float(edges[1 + (best[0] + best[-1]) // 2])


def is_zero_at(values: npt.ArrayLike, q: float) -> bool:
    """Whether the ``q``-th percentile of non-negative ``values`` is exactly 0, from a count of zeros.

    Then so is every lower percentile. A flat paper's ink strength is 0 almost
    everywhere, and this answers without sorting: ``np.percentile``
    interpolates between order statistics ``floor(i)`` and ``floor(i) + 1``,
    ``i = q / 100 * (n - 1)``, both zeros when fewer values are positive.
    """
    flat = np.asarray(values).ravel()
    zeros = flat.size - np.count_nonzero(flat)
    return bool(zeros and np.floor(q / 100.0 * (flat.size - 1)) + 1 < zeros)


def _histogram(
    values: npt.NDArray[np.float64], bins: int, lo: float, hi: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """``np.histogram(values, bins, range=(lo, hi))`` for values within [lo, hi], three times faster.

    Each value's bin is computed from its position, then moved by one where
    rounding put it on the wrong side of an edge, so the counts are the same.
    """
    edges = np.linspace(lo, hi, bins + 1)
    index = np.minimum(((values - lo) * (bins / (hi - lo))).astype(np.intp), bins - 1)
    index -= values < edges[index]
    index += (values >= edges[index + 1]) & (index < bins - 1)
    return np.bincount(index, minlength=bins), edges


def adaptive_threshold(
    image: FloatImage, block_size: int, offset: float = 0.0, method: Literal["mean", "gaussian"] = "mean"
) -> Mask:
    """Pixels brighter than their local mean plus ``offset`` (ink-bright convention).

    Parameters
    ----------
    image : ndarray, shape (h, w)
    block_size : int
        Side of the local window (``mean``) or 6 sigma of the Gaussian (``gaussian``).
    offset : float
        Margin above the local mean a pixel needs to count as ink.

    Returns
    -------
    ndarray of bool, shape (h, w)
    """
    image = np.asarray(image, dtype=np.float32)
    if method == "mean":
        local = ndimage.uniform_filter(image, size=block_size, mode="reflect")
    elif method == "gaussian":
        local = ndimage.gaussian_filter(image, block_size / 6.0, mode="reflect")
    else:
        raise ValueError(f"method must be 'mean' or 'gaussian', got {method!r}.")
    return image > local + offset


# ---------------------------------------------------------------- background


def estimate_background(
    image: FloatImage, size: int, method: Literal["opening", "median"] = "opening"
) -> npt.NDArray[np.float32]:
    """The background under bright ink: what remains when features narrower than ``size`` go.

    ``opening`` is a grey opening (minimum then maximum filter over a
    ``size`` x ``size`` square), smoothed by a box of the same size: any ink
    stroke narrower than ``size`` disappears while steps such as a shadow's
    edge are kept. ``median`` is a median filter computed on a copy reduced so
    the window is about 9 pixels (fast at any size); it needs the ink to be a
    minority in every window but does not need to know its polarity.

    Parameters
    ----------
    image : ndarray, shape (h, w)
    size : int
        Window side in pixels; make it larger than the widest stroke.

    Returns
    -------
    ndarray of float32, shape (h, w)
    """
    image = np.asarray(image, dtype=np.float32)
    size = max(1, int(size))
    if method == "opening":
        opened = ndimage.grey_opening(image, size=(size, size), mode="reflect")
        return np.minimum(ndimage.uniform_filter(opened, size=size, mode="reflect"), image.max())
    if method == "median":
        factor = max(1, size // 9)
        small = resize(image, (max(1, image.shape[0] // factor), max(1, image.shape[1] // factor)))
        small = ndimage.median_filter(small, size=max(1, size // factor) | 1, mode="reflect")
        return resize(small, image.shape)
    raise ValueError(f"method must be 'opening' or 'median', got {method!r}.")


def flatten_background(image: FloatImage, background: FloatImage) -> npt.NDArray[np.float32]:
    """Ink strength above the background, as a fraction of the room left above it.

    ``(image - background) / (1 - background)``, clipped to [0, 1]. On an
    inverted photo (``1 - luminance``) this equals ``1 - luminance / paper``,
    the ink's darkness relative to the local paper, so shading, shadows and
    coloured paper cancel out.

    Parameters
    ----------
    image, background : ndarray, shape (h, w), values in [0, 1], ink bright

    Returns
    -------
    ndarray of float32, shape (h, w)
    """
    image = np.asarray(image, dtype=np.float32)
    room = np.maximum(1.0 - np.asarray(background, dtype=np.float32), 1e-3)
    return np.clip((image - background) / room, 0.0, 1.0)
