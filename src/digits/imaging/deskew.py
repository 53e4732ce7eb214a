"""Deskewing by image moments (as in LeCun et al.'s MNIST table)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage


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
        total = img.sum()
        if total <= 0:
            out[i] = img
            continue
        cy, cx = (ys * img).sum() / total, (xs * img).sum() / total
        mu02 = (((ys - cy) ** 2) * img).sum() / total
        mu11 = ((xs - cx) * (ys - cy) * img).sum() / total
        alpha = mu11 / mu02 if mu02 > 1e-6 else 0.0
        # output pixel (y, x) samples input (y, x + alpha * (y - cy)): a shear about row cy
        matrix = np.array([[1.0, 0.0], [alpha, 1.0]], dtype=np.float32)
        offset = np.array([0.0, -alpha * cy], dtype=np.float32)
        out[i] = ndimage.affine_transform(img, matrix, offset=offset, order=1, mode="constant")
    np.clip(out, batch.min(), batch.max(), out=out)
    return out[0] if single else out
