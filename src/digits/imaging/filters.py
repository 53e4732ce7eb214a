"""Small image operations on float grey images, shared by the normalization and studies.

Conventions: images are 2-D float arrays of shape (h, w); masks are 2-D bool
arrays. Functions that talk about "ink" expect it *bright* (ink-bright: ink
high, background low), which is what :mod:`digits.imaging.normalize` works
with after it has found the ink's polarity. Nothing here knows about models.
"""

from __future__ import annotations

from dataclasses import dataclass
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


# ---------------------------------------------------------------- binary shapes


@dataclass(frozen=True)
class Component:
    """One connected component of a mask.

    Attributes
    ----------
    label : int
        Its value in the label image.
    area : int
        Pixel count.
    bbox : (top, left, bottom, right)
        Bounding box, ``bottom`` and ``right`` exclusive.
    touches_edge : bool
        Whether it reaches the first or last row or column.
    """

    label: int
    area: int
    bbox: tuple[int, int, int, int]
    touches_edge: bool

    @property
    def height(self) -> int:
        return self.bbox[2] - self.bbox[0]

    @property
    def width(self) -> int:
        return self.bbox[3] - self.bbox[1]


def connected_components(mask: Mask, connectivity: Literal[4, 8] = 8) -> tuple[npt.NDArray[np.int32], list[Component]]:
    """Label the connected components of ``mask`` (shape (h, w)) and measure each.

    Returns
    -------
    labels : ndarray of int32, shape (h, w)
        0 for background, 1..n for the components.
    components : list of Component
        In label order.
    """
    structure = np.ones((3, 3), bool) if connectivity == 8 else ndimage.generate_binary_structure(2, 1)
    labels, n = ndimage.label(np.asarray(mask, dtype=bool), structure=structure)
    h, w = labels.shape
    areas = np.bincount(labels.ravel(), minlength=n + 1)
    components = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        top, bottom, left, right = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        edge = top == 0 or left == 0 or bottom == h or right == w
        components.append(Component(i, int(areas[i]), (top, left, bottom, right), edge))
    return labels.astype(np.int32), components


def dilate(mask: Mask, radius: float) -> Mask:
    """Dilation by a Euclidean disc of ``radius`` pixels (exact).

    Small discs (radius up to 3) dilate directly, larger ones threshold the
    distance transform; both give the same mask, the first 2-5x faster. Only
    the ink's bounding box grown by the radius is computed.
    """
    mask = np.asarray(mask, dtype=bool)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if radius <= 0 or rows.size == 0:
        return mask.copy()
    k = int(np.floor(radius))  # the work is done on the ink's box grown by k: a digit on a page is small
    top, left = max(rows[0] - k, 0), max(cols[0] - k, 0)
    bottom, right = min(rows[-1] + k + 1, mask.shape[0]), min(cols[-1] + k + 1, mask.shape[1])
    crop = mask[top:bottom, left:right]
    if radius <= 3:
        dy, dx = np.mgrid[-k : k + 1, -k : k + 1]
        grown = ndimage.binary_dilation(crop, structure=dy * dy + dx * dx <= radius * radius)
    else:
        grown = ndimage.distance_transform_edt(~crop) <= radius
    out = np.zeros_like(mask)
    out[top:bottom, left:right] = grown
    return out


def ridge(mask: Mask) -> tuple[Mask, npt.NDArray[np.float64]]:
    """The medial ridge of a mask: pixels whose distance to the background is a local maximum.

    Returns
    -------
    ridge : ndarray of bool, shape (h, w)
        Local maxima (3x3) of the distance transform inside the mask.
    distance : ndarray of float64, shape (h, w)
        Euclidean distance of each ink pixel to the nearest background pixel
        (1 for ink pixels touching the background).
    """
    mask = np.asarray(mask, dtype=bool)
    distance = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    return mask & (distance >= ndimage.maximum_filter(distance, size=3)), distance


def skeletonize(mask: Mask, iterations: int | None = None) -> Mask:
    """Zhang-Suen thinning (CACM 27(3), 1984): the 8-connected skeleton of a mask, or a thinner mask.

    Each iteration peels one layer of boundary pixels in two sub-passes (south
    and east, then north and west) but never a pixel whose removal would
    break connectivity or shorten a stroke's end.

    Parameters
    ----------
    mask : ndarray of bool, shape (h, w)
    iterations : int, optional
        Stop after this many iterations: strokes get about two pixels
        thinner each, blobs shrink by a layer, topology is kept. Default:
        until one pixel wide.

    Returns
    -------
    ndarray of bool, shape (h, w)
    """
    image = np.pad(np.asarray(mask, dtype=np.uint8), 1)
    changed, done = True, 0
    while changed and (iterations is None or done < iterations):
        changed, done = False, done + 1
        for step in (0, 1):
            c = image[1:-1, 1:-1]
            # neighbours P2..P9, clockwise from north
            p = [image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:], image[2:, 2:],
                 image[2:, 1:-1], image[2:, :-2], image[1:-1, :-2], image[:-2, :-2]]  # fmt: skip
            count = sum(q.astype(np.int16) for q in p)
            transitions = sum(((p[i] == 0) & (p[(i + 1) % 8] == 1)).astype(np.int16) for i in range(8))
            if step == 0:
                side = (p[0] * p[2] * p[4] == 0) & (p[2] * p[4] * p[6] == 0)
            else:
                side = (p[0] * p[2] * p[6] == 0) & (p[0] * p[4] * p[6] == 0)
            remove = (c == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & side
            if remove.any():
                c[remove] = 0
                changed = True
    return image[1:-1, 1:-1].astype(bool)


def stroke_width(mask: Mask) -> float:
    """Typical stroke width of the ink in ``mask`` (shape (h, w)), in pixels.

    Twice the median distance-to-background along the medial ridge, minus one
    (a pixel touching the background is at distance 1): exact for strokes an
    odd number of pixels wide, one short for even widths. 0 for an empty mask.
    """
    ridge_mask, distance = ridge(mask)
    if not ridge_mask.any():
        return 0.0
    return float(2.0 * np.median(distance[ridge_mask]) - 1.0)


def long_lines(mask: Mask, min_length: int, axis: Literal[0, 1] = 1) -> Mask:
    """Pixels of ``mask`` lying on straight runs at least ``min_length`` long, shape (h, w).

    ``axis=1`` finds horizontal runs (ruled lines), ``axis=0`` vertical ones
    (margins, frames). The same as a binary opening with a 1-pixel-thick
    line, computed from run lengths in time independent of ``min_length``.
    """
    mask = np.asarray(mask, dtype=bool)
    runs = mask if axis == 1 else mask.T
    out = np.zeros_like(runs)
    if runs.size == 0 or runs.sum(axis=1).max() < min_length:  # no row holds that much ink
        return out if axis == 1 else out.T
    steps = np.diff(np.pad(runs, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(steps == 1)  # row-major order pairs each start with its end
    _, stops = np.nonzero(steps == -1)
    long = stops - starts >= min_length
    for row, start, stop in zip(rows[long], starts[long], stops[long], strict=True):
        out[row, start:stop] = True
    return out if axis == 1 else out.T
