"""Fourier features: magnitudes of the lowest spatial frequencies of the 2-D DFT."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def fourier(images: npt.NDArray[np.floating], k: int = 5) -> npt.NDArray[np.float32]:
    """Magnitudes of the 2-D DFT at frequencies ``|u| <= k`` (rows) and ``0 <= v <= k`` (columns).

    Magnitudes do not change when the digit moves (circularly), so these
    describe the shape regardless of position; the other half-plane of
    frequencies mirrors this one for real images and is left out. Divided
    by the pixel count, so the zero frequency is the mean intensity.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
    k : int
        Highest frequency kept along each axis (cycles per image).

    Returns
    -------
    ndarray of float32, shape (n, (2k + 1) * (k + 1))
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w = images.shape
    if not 0 <= k < min(h, w) // 2:
        raise ValueError(f"k must be between 0 and {min(h, w) // 2 - 1} for {h}x{w} images, got {k}.")
    spectrum = np.abs(np.fft.rfft2(images)) / (h * w)  # (n, h, w // 2 + 1)
    rows = np.r_[0 : k + 1, h - k : h]  # frequencies 0..k and -k..-1
    return spectrum[:, rows, : k + 1].reshape(n, -1).astype(np.float32)
