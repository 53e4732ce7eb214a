"""Operations on binary masks (h, w): components, dilation, medial ridge, skeleton, stroke width, lines.

They work on the ink thresholded by :mod:`digits.imaging.ink`; the grey-image
operations they complement are in :mod:`digits.imaging.filters`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import ndimage

Mask = npt.NDArray[np.bool_]


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
    Only the ink's bounding box is computed (the same ridge: a digit on a page is small).
    """
    mask = np.asarray(mask, dtype=bool)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0.0
    ridge_mask, distance = ridge(mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
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
    if mask.size == 0 or mask.sum(axis=axis).max() < min_length:  # no row (column) holds that much ink
        return np.zeros_like(mask)
    runs = mask if axis == 1 else mask.T
    out = np.zeros_like(runs)
    steps = np.diff(np.pad(runs, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(steps == 1)  # row-major order pairs each start with its end
    _, stops = np.nonzero(steps == -1)
    long = stops - starts >= min_length
    for row, start, stop in zip(rows[long], starts[long], stops[long], strict=True):
        out[row, start:stop] = True
    return out if axis == 1 else out.T


def bridge(mask: Mask, gap: int, axis: Literal[0, 1] = 1) -> Mask:
    """``mask`` (h, w) with gaps of at most ``gap`` pixels between runs along ``axis`` filled (a closing by a line)."""
    if gap < 1:
        return mask
    pad = [(0, 0), (0, 0)]
    pad[axis] = (gap, gap)
    shape = [1, 1]
    shape[axis] = gap + 1
    closed = ndimage.binary_closing(np.pad(mask, pad), structure=np.ones(shape, dtype=bool))
    return mask | closed[gap : gap + mask.shape[0], :] if axis == 0 else mask | closed[:, gap : gap + mask.shape[1]]


def mend(mask: Mask, removed: Mask, axis: Literal[0, 1], width: float | None = None) -> Mask:
    """``mask`` (h, w) with the pixels of removed lines ``removed`` put back where ink lies on both sides.

    ``axis`` is the direction across the lines (0 for horizontal lines): a
    stroke crossing a ruled line or a box's side stays whole. ``width``: how
    thick the removed lines are (measured on ``removed`` if not given).
    """
    if not removed.any():
        return mask
    reach = int(np.ceil(stroke_width(removed) if width is None else width)) + 2
    before = ndimage.maximum_filter1d(mask, reach, axis=axis, origin=(reach - 1) // 2)
    after = ndimage.maximum_filter1d(mask, reach, axis=axis, origin=-(reach // 2))
    return mask | (removed & before & after)
