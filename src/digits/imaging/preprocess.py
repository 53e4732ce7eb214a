"""Named preprocessing of MNIST-style batches, for feature pipelines and the preprocessing study.

Every entry of :data:`PREPROCESSORS` maps images of shape (n, 28, 28),
uint8 0-255 with white ink on black, to images of the same shape and dtype.
They are thin batch wrappers around the single-image operations of
:mod:`digits.imaging.filters`, :mod:`digits.imaging.deskew` and
:mod:`digits.imaging.enhance`, with settings chosen for 28x28 digits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging import filters
from digits.imaging.deskew import deskew as _deskew_float
from digits.imaging.enhance import denoise_wavelet

Images = npt.NDArray[np.uint8]
FloatImages = npt.NDArray[np.float32]
Preprocessor = Callable[[Images], Images]

GAUSSIAN_SIGMA = 0.8
"""Standard deviation of the ``gaussian`` smoothing, pixels."""
MEDIAN_SIZE = 3
"""Window side of the ``median`` filter, pixels."""
ADAPTIVE_BLOCK, ADAPTIVE_OFFSET = 9, 0.05
"""Window side and margin (fraction of full scale) of the ``adaptive`` threshold."""
CLAHE_TILES, CLAHE_CLIP = (4, 4), 2.0
"""Tile grid and clip limit of ``clahe`` (7x7-pixel tiles on a 28x28 digit)."""
SOBEL_FULL_SCALE = 4.0
"""Sobel magnitude of a full black-to-white step; it maps to 255 in ``edges``."""


def _to_float(images: Images) -> FloatImages:
    """(n, 28, 28) uint8 -> float32 in [0, 1]."""
    return np.asarray(images, dtype=np.float32) / np.float32(255)


def _to_uint8(images: npt.NDArray[np.floating]) -> Images:
    """Float images in [0, 1] -> uint8 0-255 (rounded, clipped)."""
    return np.rint(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)


def _per_image(function: Callable[[FloatImages], npt.NDArray[np.floating]]) -> Preprocessor:
    """Lift a single-image float operation to a uint8 batch preprocessor."""

    def apply(images: Images) -> Images:
        floats = _to_float(images)
        out = np.empty_like(floats)
        for i, image in enumerate(floats):
            out[i] = function(image)
        return _to_uint8(out)

    return apply


def _whole_batch(function: Callable[[FloatImages], npt.NDArray[np.floating]]) -> Preprocessor:
    """Lift a batch float operation, (n, h, w) -> (n, h, w), to a uint8 preprocessor."""

    def apply(images: Images) -> Images:
        return _to_uint8(function(_to_float(images)))

    return apply


def _otsu(image: FloatImages) -> FloatImages:
    """Binarize at Otsu's level (a blank image stays blank)."""
    return (image > filters.otsu_threshold(image)).astype(np.float32)


def _adaptive(image: FloatImages) -> FloatImages:
    """Binarize against the local mean plus a margin (the margin keeps flat background black)."""
    return filters.adaptive_threshold(image, ADAPTIVE_BLOCK, ADAPTIVE_OFFSET).astype(np.float32)


def _equalize(image: FloatImages) -> FloatImages:
    """Global histogram equalization with the darkest level mapped to black (as OpenCV's ``cdf_min``)."""
    return filters.equalize_histogram(image - image.min())


def _clahe(image: FloatImages) -> FloatImages:
    """CLAHE, shifted so the darkest pixel is black again (clipping lifts a black background a little)."""
    out = filters.clahe(image, tiles=CLAHE_TILES, clip_limit=CLAHE_CLIP)
    return out - out.min()


PREPROCESSORS: dict[str, Preprocessor] = {
    "none": lambda images: np.array(images, dtype=np.uint8),
    "deskew": _whole_batch(_deskew_float),
    "gaussian": _whole_batch(lambda x: ndimage.gaussian_filter(x, (0, GAUSSIAN_SIGMA, GAUSSIAN_SIGMA), mode="reflect")),
    "median": _whole_batch(lambda x: ndimage.median_filter(x, size=(1, MEDIAN_SIZE, MEDIAN_SIZE), mode="reflect")),
    "otsu": _per_image(_otsu),
    "adaptive": _per_image(_adaptive),
    "equalize": _per_image(_equalize),
    "clahe": _per_image(_clahe),
    "stretch": _per_image(filters.stretch_contrast),
    "wavelet": _whole_batch(denoise_wavelet),
    "edges": _per_image(lambda x: filters.sobel_edges(x) / SOBEL_FULL_SCALE),
}
"""Name -> preprocessor mapping (n, 28, 28) uint8 to (n, 28, 28) uint8, white ink on black."""


def preprocess(images: npt.ArrayLike, name: str) -> Images:
    """Apply the preprocessor called ``name`` to a batch of MNIST-style images.

    Parameters
    ----------
    images : array-like of uint8, shape (n, h, w)
        Grey levels 0-255, white ink on black.
    name : str
        A key of :data:`PREPROCESSORS`.

    Returns
    -------
    ndarray of uint8, shape (n, h, w)

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or images
        that are not a uint8 batch of shape (n, h, w).
    """
    if name not in PREPROCESSORS:
        raise ValueError(f"Unknown preprocessing {name!r}. Valid names: {', '.join(PREPROCESSORS)}.")
    return PREPROCESSORS[name](uint8_batch(images))


def uint8_batch(images: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """``images`` as an array, checked to be a uint8 batch of shape (n, h, w); ValueError otherwise."""
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        hint = " Use images[None] for a single image." if images.ndim == 2 else ""
        raise ValueError(
            f"Expected a uint8 batch of shape (n, h, w), got dtype {images.dtype} and shape {images.shape}.{hint}"
        )
    return images
