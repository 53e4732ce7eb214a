"""Deskewing by image moments (as in LeCun et al.'s MNIST table), of one digit or of a line of them."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging.shapes import connected_components


def deskew(images: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
    """Remove the slant of each digit with a shear fitted from its second moments.

    For each image the shear ``alpha = mu11 / mu02`` (covariance of x and y
    over the variance of y, ink-weighted) is undone about the centre of mass,
    so a digit leaning right stands upright. Blank images are returned as is.

    Parameters
    ----------
    images : ndarray, shape (n, h, w) or (h, w)
        Grey images, ink bright on a dark (zero) background.

    Returns
    -------
    ndarray of float32, same shape
        The deskewed images, clipped to the input's value range.
    """
    single = images.ndim == 2
    batch = np.asarray(images, dtype=np.float32)[None] if single else np.asarray(images, dtype=np.float32)
    out = np.empty_like(batch)
    ys, xs = np.mgrid[: batch.shape[1], : batch.shape[2]].astype(np.float32)
    for i, img in enumerate(batch):
        if img.sum() <= 0:
            out[i] = img
            continue
        alpha, cy = _slant(img, ys, xs)
        # output pixel (y, x) samples input (y, x + alpha * (y - cy)): a shear about row cy
        matrix = np.array([[1.0, 0.0], [alpha, 1.0]], dtype=np.float32)
        offset = np.array([0.0, -alpha * cy], dtype=np.float32)
        out[i] = ndimage.affine_transform(img, matrix, offset=offset, order=1, mode="constant")
    np.clip(out, batch.min(), batch.max(), out=out)
    return out[0] if single else out


def line_slant(ink: npt.NDArray[np.floating], min_height: float) -> float | None:
    """The slant of a line of writing (h, w; ink strength, 0 where none): columns per row down, 0 upright.

    Each piece of ink (8-connected, above 0.5) at least ``min_height`` rows tall is one digit or a
    few touching ones, or a sign; the line's slant is the median of theirs (``mu11 / mu02``,
    ink-weighted), so that one "/" in a date does not tilt it. None with fewer than two such pieces:
    the slant of one digit is more its shape than its writer's hand.
    """
    image = np.asarray(ink, np.float64)
    labels, components = connected_components(image > 0.5)
    slants = []
    for c in components:
        if c.height < min_height:
            continue
        top, left, bottom, right = c.bbox
        weight = np.where(labels[top:bottom, left:right] == c.label, image[top:bottom, left:right], 0.0)
        ys, xs = np.mgrid[top:bottom, left:right]
        slants.append(float(_slant(weight, ys, xs)[0]))
    return float(np.median(slants)) if len(slants) >= 2 else None


def _slant(
    weight: npt.NDArray[np.floating], ys: npt.NDArray[np.floating], xs: npt.NDArray[np.floating]
) -> tuple[float, float]:
    """The slant ``mu11 / mu02`` of ink ``weight`` (h, w; total > 0) at rows ``ys`` and columns ``xs`` (h, w), 0 when it
    has no height, and its centre row."""
    total = weight.sum()
    cy, cx = (ys * weight).sum() / total, (xs * weight).sum() / total
    mu02 = (((ys - cy) ** 2) * weight).sum() / total
    mu11 = ((xs - cx) * (ys - cy) * weight).sum() / total
    return (mu11 / mu02 if mu02 > 1e-6 else 0.0), cy
