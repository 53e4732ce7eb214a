"""Wavelet denoising and elastic distortion of grey images, one image or a batch at once.

Both work on float images in [0, 1] of shape (h, w) or (n, h, w); the last
two axes are the image. Nothing here knows about models.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pywt
from scipy import ndimage

FloatImages = npt.NDArray[np.floating]


def denoise_wavelet(images: FloatImages, wavelet: str = "db1", levels: int = 2) -> npt.NDArray[np.float32]:
    """Wavelet shrinkage denoising with BayesShrink thresholds (Chang, Yu and Vetterli 2000).

    Each image is decomposed into ``levels`` levels of ``wavelet``; its noise
    standard deviation ``sigma`` is estimated from the finest diagonal
    details (``median(|d|) / 0.6745``) and every detail sub-band is
    soft-thresholded at ``sigma**2 / sigma_x``, where ``sigma_x**2 =
    max(mean(d**2) - sigma**2, 0)`` is the sub-band's signal variance (a
    sub-band of pure noise is zeroed). The approximation is left alone, so
    the mean intensity is kept. BayesShrink beat VisuShrink's universal
    threshold on noisy MNIST digits (which it blurs).

    Parameters
    ----------
    images : ndarray, shape (h, w) or (n, h, w), values in [0, 1]
    wavelet : str
        A PyWavelets wavelet name.
    levels : int
        Decomposition depth (at least 1).

    Returns
    -------
    ndarray of float32, same shape, clipped to [0, 1]
    """
    images = np.asarray(images, dtype=np.float32)
    if levels < 1:
        raise ValueError(f"levels must be at least 1, got {levels}.")
    h, w = images.shape[-2:]
    coeffs = pywt.wavedec2(images, wavelet, level=levels, mode="symmetric", axes=(-2, -1))
    sigma = np.median(np.abs(coeffs[-1][2]), axis=(-2, -1), keepdims=True) / 0.6745  # (..., 1, 1)
    shrunk = [coeffs[0]]
    for level in coeffs[1:]:
        bands = []
        for d in level:
            signal = np.sqrt(np.maximum((d**2).mean(axis=(-2, -1), keepdims=True) - sigma**2, 0.0))
            threshold = np.where(signal > 0, sigma**2 / np.maximum(signal, 1e-12), np.abs(d).max())
            bands.append(_soft_threshold(d, threshold))
        shrunk.append(tuple(bands))
    out = pywt.waverec2(shrunk, wavelet, mode="symmetric", axes=(-2, -1))[..., :h, :w]
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _soft_threshold(values: npt.NDArray[np.floating], threshold: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """Shrink towards zero by ``threshold``: ``sign(v) * max(|v| - t, 0)``."""
    return np.sign(values) * np.maximum(np.abs(values) - threshold, 0.0)


def elastic_distort(
    images: FloatImages, alpha: float, sigma: float, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """Elastic distortion (Simard, Steinkraus and Platt 2003), each image with its own random field.

    A displacement field with components uniform in [-1, 1] is smoothed by a
    Gaussian of ``sigma`` pixels, scaled by ``alpha`` pixels and applied with
    bilinear interpolation; samples from outside the image read as 0
    (background). ``alpha = 0`` returns the images unchanged.

    Parameters
    ----------
    images : ndarray, shape (h, w) or (n, h, w)
    alpha : float
        Strength of the displacement, pixels (Simard et al. use 34 with sigma 4).
    sigma : float
        Smoothness of the field, pixels (positive).
    rng : numpy.random.Generator
        Source of the random fields; the same seed gives the same distortion.

    Returns
    -------
    ndarray of float32, same shape
    """
    images = np.asarray(images, dtype=np.float32)
    if sigma <= 0:
        raise ValueError(f"sigma must be a positive number of pixels, got {sigma}.")
    if alpha == 0:
        return images.copy()
    batch = images.reshape(-1, *images.shape[-2:])  # (n, h, w)
    n, h, w = batch.shape
    field = rng.uniform(-1.0, 1.0, size=(2, n, h, w))
    # smooth within each image only: no blur across the batch axis
    field = alpha * ndimage.gaussian_filter(field, sigma=(0, 0, sigma, sigma), mode="constant")
    index, rows, cols = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
    coords = np.stack([index, rows + field[0], cols + field[1]])  # (3, n, h, w)
    out = ndimage.map_coordinates(batch, coords, order=1, mode="constant", cval=0.0)
    return out.reshape(images.shape).astype(np.float32)
