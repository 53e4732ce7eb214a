"""Seeded degradations of MNIST test images: noise, blur, low contrast, rotation.

Each degradation maps images of shape (n, 28, 28), uint8, white ink on black,
to degraded copies of the same shape and dtype. Its strength is one number
with a fixed meaning (see :data:`DEGRADATIONS` for the values the study
uses); strength 0 returns the images unchanged. Random ones (noise,
rotation) draw from a :class:`numpy.random.Generator` seeded by the caller,
so a degraded test set is the same on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging.filters import gaussian_blur

Images = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Degradation:
    """One named degradation at the strength the study uses.

    Attributes
    ----------
    name : str
        Key in :data:`DEGRADATIONS`.
    strength : float
        The default strength, in ``unit``.
    unit : str
        What the strength measures.
    description : str
        One line for the report.
    """

    name: str
    strength: float
    unit: str
    description: str


def _to_uint8(images: npt.NDArray[np.floating]) -> Images:
    return np.clip(np.rint(images), 0, 255).astype(np.uint8)


def add_noise(images: Images, sigma: float, rng: np.random.Generator) -> Images:
    """Add Gaussian pixel noise of standard deviation ``sigma`` (a fraction of 255), then clip to 0-255."""
    if sigma == 0:
        return images.copy()
    noise = rng.normal(0.0, sigma * 255.0, size=images.shape)  # (n, 28, 28)
    return _to_uint8(images + noise)


def blur(images: Images, sigma: float, rng: np.random.Generator | None = None) -> Images:
    """Gaussian blur of standard deviation ``sigma`` pixels (deterministic; ``rng`` is unused)."""
    if sigma == 0:
        return images.copy()
    return _to_uint8(np.stack([gaussian_blur(image, sigma) for image in images]))


def low_contrast(images: Images, strength: float, rng: np.random.Generator | None = None) -> Images:
    """Pull every grey level towards mid-grey: ``(1 - strength) * x + strength * 127.5``.

    At strength 0.7 the black background becomes 89 and full ink 166, like a
    faint pencil digit photographed on grey paper. Deterministic.
    """
    if not 0 <= strength < 1:
        raise ValueError(f"Contrast strength must be in [0, 1), got {strength}.")
    if strength == 0:
        return images.copy()
    return _to_uint8((1.0 - strength) * images.astype(np.float64) + strength * 127.5)


def rotate(images: Images, degrees: float, rng: np.random.Generator) -> Images:
    """Rotate each image by ``degrees`` about its centre, clockwise or counter-clockwise at random."""
    if degrees == 0:
        return images.copy()
    signs = rng.choice((-1.0, 1.0), size=len(images))
    out = np.empty_like(images)
    for i, (image, sign) in enumerate(zip(images, signs, strict=True)):
        turned = ndimage.rotate(image.astype(np.float32), sign * degrees, reshape=False, order=1, mode="constant")
        out[i] = _to_uint8(turned)
    return out


DegradeFn = Callable[[Images, float, np.random.Generator], Images]

FUNCTIONS: dict[str, DegradeFn] = {"noise": add_noise, "blur": blur, "contrast": low_contrast, "rotation": rotate}

DEGRADATIONS: dict[str, Degradation] = {
    "noise": Degradation("noise", 0.3, "std of 255", "additive Gaussian noise, std 0.3 x 255, clipped to 0-255"),
    "blur": Degradation("blur", 1.5, "pixels", "Gaussian blur, std 1.5 px"),
    "contrast": Degradation("contrast", 0.7, "fraction", "contrast cut to 30 % around mid-grey (background 89)"),
    "rotation": Degradation("rotation", 20.0, "degrees", "rotated by 20 degrees, direction random per image"),
}
"""The degraded test sets of the study, at fixed strengths."""


def degrade(images: Images, name: str, *, strength: float | None = None, seed: int = 0) -> Images:
    """A degraded copy of ``images``.

    Parameters
    ----------
    images : ndarray of uint8, shape (n, 28, 28)
        White ink on black.
    name : str
        A key of :data:`DEGRADATIONS`: 'noise', 'blur', 'contrast' or 'rotation'.
    strength : float, optional
        Overrides the default strength of :data:`DEGRADATIONS` (0: unchanged).
    seed : int
        Seeds the noise and the rotation directions.

    Returns
    -------
    ndarray of uint8, shape (n, 28, 28)
    """
    if name not in FUNCTIONS:
        raise ValueError(f"Unknown degradation {name!r}. Valid names: {', '.join(FUNCTIONS)}.")
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"Expected uint8 images of shape (n, 28, 28), got {images.dtype} {images.shape}. "
            "Pass MNIST-style images (white ink on black, 0-255)."
        )
    value = DEGRADATIONS[name].strength if strength is None else float(strength)
    return FUNCTIONS[name](images, value, np.random.default_rng(seed))
