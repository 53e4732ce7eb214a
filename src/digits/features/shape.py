"""Global and local shape features: size, position and ink; holes, Euler number, skeleton ends and junctions.

All functions take a batch of float images (n, h, w), ink bright on a dark
background, and binarize them at :data:`INK_LEVEL`. Connected components
are counted per image with a 3-D labelling whose structuring element never
links neighbouring images, so a whole batch is labelled in one call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging.shapes import skeletonize

INK_LEVEL = 0.5
"""Pixels at or above this fraction of full scale count as ink."""

SHAPE_NAMES = (
    "height", "width", "aspect", "centroid_row", "centroid_col", "ink_area",
    "components", "holes", "euler", "hole_row", "endpoints", "junctions",
)  # fmt: skip
"""Column order of :func:`shape_features`."""

_EIGHT = np.zeros((3, 3, 3), bool)
_EIGHT[1] = True  # 8-connected within an image, nothing across images
_FOUR = np.zeros((3, 3, 3), bool)
_FOUR[1] = ndimage.generate_binary_structure(2, 1)


def _count_per_image(labels: npt.NDArray[np.integer], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Number of labels ``l`` with ``keep[l]`` in each image of a (n, h, w) label array."""
    image_of = np.zeros(len(keep), dtype=np.intp)
    n_idx = np.broadcast_to(np.arange(len(labels))[:, None, None], labels.shape)
    image_of[labels.ravel()] = n_idx.ravel()
    keep = keep.copy()
    keep[0] = False  # label 0 is the background of the labelling
    return np.bincount(image_of[keep], minlength=len(labels))


def holes(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Holes: 4-connected regions of background that do not reach the image border.

    Parameters
    ----------
    mask : ndarray of bool, shape (n, h, w)
        Ink.

    Returns
    -------
    count : ndarray of int64, shape (n,)
    hole_mask : ndarray of bool, shape (n, h, w)
        The pixels inside holes.
    """
    labels, n_labels = ndimage.label(~mask, structure=_FOUR)
    border = np.zeros(n_labels + 1, dtype=bool)
    for edge in (labels[:, 0, :], labels[:, -1, :], labels[:, :, 0], labels[:, :, -1]):
        border[edge.ravel()] = True
    is_hole = ~border
    return _count_per_image(labels, is_hole), is_hole[labels] & (labels > 0)


def components(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Number of 8-connected pieces of ink in each image, shape (n,), of a mask (n, h, w)."""
    labels, n_labels = ndimage.label(mask, structure=_EIGHT)
    return _count_per_image(labels, np.ones(n_labels + 1, dtype=bool))


def crossing_number(skeleton: npt.NDArray[np.bool_]) -> npt.NDArray[np.int16]:
    """Number of background-to-skeleton steps going once around each pixel's eight neighbours.

    1 at a stroke's end, 2 along a stroke (also on its diagonal staircase
    steps, which is why this beats counting neighbours), 3 or more where
    strokes branch.

    Parameters
    ----------
    skeleton : ndarray of bool, shape (n, h, w)

    Returns
    -------
    ndarray of int16, shape (n, h, w)
    """
    padded = np.pad(skeleton, ((0, 0), (1, 1), (1, 1))).astype(np.int16)
    h, w = skeleton.shape[1:]
    # neighbours clockwise from north, as (row, col) offsets into the padded image
    ring = [(0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0)]
    p = [padded[:, r : r + h, c : c + w] for r, c in ring]
    return sum((1 - p[i]) * p[(i + 1) % 8] for i in range(8))


def skeletonize_batch(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Zhang-Suen skeleton of every mask of a batch, shape (n, h, w) in and out.

    The masks are stacked into one tall image with a blank row between
    neighbours; thinning only looks at 3x3 neighbourhoods, so each mask is
    thinned exactly as on its own, in one vectorized call.
    """
    n, h, w = mask.shape
    tall = np.zeros((n, h + 1, w), dtype=bool)
    tall[:, :h] = mask
    return skeletonize(tall.reshape(n * (h + 1), w)).reshape(n, h + 1, w)[:, :h]


def skeleton_points(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Stroke ends and junctions of the Zhang-Suen skeleton of each mask.

    An end is a skeleton pixel with crossing number 1; a junction is a group
    of touching skeleton pixels with crossing number 3 or more (thinning may
    leave two such pixels where strokes meet, and they count once).

    Parameters
    ----------
    mask : ndarray of bool, shape (n, h, w)

    Returns
    -------
    endpoints, junctions : ndarray of int64, shape (n,)
    """
    skeleton = skeletonize_batch(mask)
    crossings = np.where(skeleton, crossing_number(skeleton), 0)
    endpoints = (crossings == 1).sum(axis=(1, 2))
    labels, n_labels = ndimage.label(crossings >= 3, structure=_EIGHT)
    return endpoints.astype(np.int64), _count_per_image(labels, np.ones(n_labels + 1, dtype=bool))


def shape_features(images: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Global and local shape measurements, in the column order of :data:`SHAPE_NAMES`.

    Global: bounding-box ``height`` and ``width`` (fractions of the image
    side), ``aspect`` (width / height), ink-weighted centroid (fractions of
    the side), ``ink_area`` (fraction of pixels that are ink). Local:
    ``components``, ``holes``, ``euler`` (components - holes), ``hole_row``
    (mean height of the hole pixels within the bounding box, 0 top .. 1
    bottom; 0 without holes: it tells a 6 from a 9), stroke ``endpoints``
    and ``junctions`` of the skeleton. A blank image gives zeros and a
    centroid of 0.5.

    Parameters
    ----------
    images : ndarray, shape (n, h, w), values in [0, 1]

    Returns
    -------
    ndarray of float32, shape (n, 12)
    """
    images = np.asarray(images, dtype=np.float32)
    h, w = images.shape[1:]
    mask = images >= INK_LEVEL
    rows, cols = mask.any(axis=2), mask.any(axis=1)  # (n, h), (n, w)
    top, bottom = rows.argmax(axis=1), h - rows[:, ::-1].argmax(axis=1)
    left, right = cols.argmax(axis=1), w - cols[:, ::-1].argmax(axis=1)
    blank = ~rows.any(axis=1)
    height, width = np.where(blank, 0, bottom - top), np.where(blank, 0, right - left)
    total = images.sum(axis=(1, 2))
    safe_total = np.where(total > 0, total, 1.0)
    centroid_row = np.where(total > 0, (images.sum(axis=2) @ np.arange(h)) / safe_total / (h - 1), 0.5)
    centroid_col = np.where(total > 0, (images.sum(axis=1) @ np.arange(w)) / safe_total / (w - 1), 0.5)
    n_holes, hole_mask = holes(mask)
    hole_pixels = hole_mask.sum(axis=(1, 2))
    hole_rows = hole_mask.sum(axis=2) @ np.arange(h) / np.maximum(hole_pixels, 1)
    hole_row = np.where(hole_pixels > 0, (hole_rows - top + 0.5) / np.maximum(height, 1), 0.0)
    n_components = components(mask)
    endpoints, junctions = skeleton_points(mask)
    columns = [
        height / h, width / w, width / np.maximum(height, 1), centroid_row, centroid_col, mask.mean(axis=(1, 2)),
        n_components, n_holes, n_components - n_holes, hole_row, endpoints, junctions,
    ]  # fmt: skip
    return np.stack(columns, axis=1).astype(np.float32)
