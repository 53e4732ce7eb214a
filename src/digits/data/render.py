"""Drawing pieces for the synthetic evaluation sets: paper, ink, light and camera.

Everything works on float32 arrays with values in [0, 1]: colour images are
(h, w, 3), ink is an *alpha* (h, w) that says how much of the paper a pen
covers (0 none .. 1 fully). Randomness always comes from an explicit
:class:`numpy.random.Generator`. :mod:`digits.data.synth` builds the sets
from these pieces and from the pen strokes of :mod:`digits.data.strokes`;
nothing here knows about labels.

The model of a photo: paper colour with fibre texture and mottling, ruled
lines printed on it, ink multiplied on top (ink is a filter: on beige paper
black ink stays black, blue ink turns darker), then the scene's light (a
gradient, a vignette, a colour cast, sometimes a soft shadow), then the camera
(defocus blur, sensor noise, JPEG compression).
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage

FloatImage = npt.NDArray[np.float32]

PAPERS: dict[str, tuple[float, float, float]] = {
    "white": (0.96, 0.96, 0.95),
    "off-white": (0.94, 0.92, 0.86),
    "beige": (0.90, 0.84, 0.71),
    "light grey": (0.83, 0.83, 0.81),
    "yellow note": (0.98, 0.92, 0.60),
    "pale blue": (0.84, 0.89, 0.95),
    "pale green": (0.86, 0.93, 0.83),
    "pink": (0.97, 0.86, 0.88),
}
"""Paper colours (linear-ish RGB in [0, 1]) before lighting."""

INKS: dict[str, tuple[float, float, float]] = {
    "black": (0.07, 0.07, 0.08),
    "soft black": (0.16, 0.15, 0.16),
    "dark blue": (0.07, 0.10, 0.32),
    "blue ballpoint": (0.12, 0.17, 0.48),
    "pencil": (0.30, 0.30, 0.32),
}
"""Ink colours: the share of each channel of the light the ink lets through."""

INK_LEVEL = 0.3
"""Alpha above which a pixel counts as ink (ground-truth boxes, touching tests)."""


# ---------------------------------------------------------------- paper


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> FloatImage:
    """Zero-mean, unit-std noise (h, w) varying over about ``cell`` pixels (coarse grid, bicubic)."""
    h, w = shape
    gh, gw = max(2, int(np.ceil(h / cell)) + 2), max(2, int(np.ceil(w / cell)) + 2)
    coarse = Image.fromarray(rng.standard_normal((gh, gw)).astype(np.float32), mode="F")
    field = np.asarray(coarse.resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)
    return (field - field.mean()) / max(float(field.std()), 1e-6)


def paper(rng: np.random.Generator, shape: tuple[int, int], *, colour: str | None = None) -> FloatImage:
    """A sheet of paper (h, w, 3): a colour from :data:`PAPERS`, mottling and fibre grain."""
    name = colour or str(rng.choice(list(PAPERS)))
    base = np.array(PAPERS[name], dtype=np.float32) + rng.uniform(-0.025, 0.025, 3).astype(np.float32)
    mottle = _smooth_noise(rng, shape, rng.uniform(0.1, 0.4) * max(shape)) * rng.uniform(0.005, 0.025)
    grain = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), 0.7) * rng.uniform(0.01, 0.04)
    sheet = base[None, None, :] * (1.0 + mottle + grain)[:, :, None]
    return np.clip(sheet, 0.0, 1.0).astype(np.float32)


def ruled_lines(rng: np.random.Generator, shape: tuple[int, int], spacing: float, *, grid: bool = False) -> FloatImage:
    """Alpha (h, w) of printed ruled lines ``spacing`` pixels apart, slightly tilted, anti-aliased."""
    h, w = shape
    thickness = max(1.0, spacing * rng.uniform(0.025, 0.06))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    tilt = np.tan(np.radians(rng.uniform(-1.5, 1.5)))

    def lines(coord: FloatImage) -> FloatImage:
        offset = (coord - rng.uniform(0, spacing)) % spacing
        distance = np.minimum(offset, spacing - offset)
        return np.clip(thickness / 2 + 0.5 - distance, 0.0, 1.0)

    alpha = lines(yy + tilt * xx)
    if grid:
        alpha = np.maximum(alpha, lines(xx - tilt * yy))
    return (alpha * rng.uniform(0.35, 0.75)).astype(np.float32)


def print_lines(sheet: FloatImage, alpha: FloatImage, rng: np.random.Generator) -> FloatImage:
    """Ruled lines in light blue or grey printed on ``sheet`` (h, w, 3)."""
    colour = np.array([(0.45, 0.62, 0.88), (0.55, 0.55, 0.58), (0.50, 0.72, 0.80)][rng.integers(3)], np.float32)
    return apply_ink(sheet, alpha, colour)


def apply_ink(sheet: FloatImage, alpha: FloatImage, colour: npt.ArrayLike) -> FloatImage:
    """Ink of ``colour`` (RGB transmittance) where ``alpha`` (h, w) covers ``sheet`` (h, w, 3)."""
    filt = np.asarray(colour, dtype=np.float32)[None, None, :]
    a = alpha[:, :, None]
    return (sheet * (1.0 - a + a * filt)).astype(np.float32)


# ---------------------------------------------------------------- light and camera


def lighting(rng: np.random.Generator, shape: tuple[int, int], strength: float) -> FloatImage:
    """Multiplicative light (h, w, 3): exposure, a linear gradient, a vignette and a colour cast.

    ``strength`` in [0, 1] scales how uneven the light may be.
    """
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / max(h - 1, 1) - 0.5, xx / max(w - 1, 1) - 0.5
    theta = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(theta) * xx + np.sin(theta) * yy) / 0.71 + 0.5  # about 0 .. 1 across the frame
    cy, cx = rng.uniform(-0.3, 0.3, 2)
    vignette = (yy - cy) ** 2 + (xx - cx) ** 2
    light = 1.0 - strength * (rng.uniform(0.0, 0.4) * ramp + rng.uniform(0.0, 0.5) * vignette)
    cast = np.array([(1.0, 1.0, 1.0), (1.0, 0.95, 0.84), (0.93, 0.97, 1.0)][rng.integers(3)], np.float32)
    exposure = rng.uniform(0.8, 1.05) if strength > 0 else 1.0
    return (exposure * light[:, :, None] * cast[None, None, :]).astype(np.float32)


def soft_shadow(rng: np.random.Generator, shape: tuple[int, int], depth: float) -> FloatImage:
    """Multiplicative shadow (h, w) of a hand or phone: a half-plane with a blurred edge, ``depth`` dark."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, 2 * np.pi)
    px, py = rng.uniform(0.15, 0.85) * w, rng.uniform(0.15, 0.85) * h
    distance = np.cos(theta) * (xx - px) + np.sin(theta) * (yy - py)
    softness = rng.uniform(0.04, 0.2) * max(h, w)
    inside = 1.0 / (1.0 + np.exp(-distance / softness))
    return (1.0 - depth * inside).astype(np.float32)


def camera(
    rng: np.random.Generator, scene: FloatImage, *, blur: float, noise: float, quality: int | None
) -> npt.NDArray[np.uint8]:
    """Photograph ``scene`` (h, w, 3): Gaussian defocus ``blur`` (px), sensor ``noise`` (std), JPEG ``quality``."""
    image = ndimage.gaussian_filter(scene, (blur, blur, 0)) if blur > 0 else scene
    if noise > 0:
        luma_noise = rng.standard_normal(image.shape[:2]).astype(np.float32)[:, :, None]
        chroma_noise = rng.standard_normal(image.shape).astype(np.float32) * 0.4
        image = image + noise * np.sqrt(np.clip(image, 0.05, 1.0)) * (luma_noise + chroma_noise)
    pixels = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    return pixels if quality is None else jpeg_roundtrip(pixels, quality)


def jpeg_roundtrip(pixels: npt.NDArray[np.uint8], quality: int) -> npt.NDArray[np.uint8]:
    """Encode ``pixels`` (h, w) or (h, w, 3) as JPEG at ``quality`` with Pillow and decode it again."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB" if pixels.ndim == 3 else "L")).copy()


# ---------------------------------------------------------------- ink from an MNIST digit


def crop_ink(digit: npt.NDArray[np.uint8], level: int = 12) -> npt.NDArray[np.float32]:
    """The digit (28, 28, white on black) cropped to its ink (> ``level``) with one pixel to spare, in [0, 1]."""
    ink = digit > level
    if not ink.any():
        raise ValueError("The digit image holds no ink.")
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    top, bottom = max(rows[0] - 1, 0), min(rows[-1] + 2, digit.shape[0])
    left, right = max(cols[0] - 1, 0), min(cols[-1] + 2, digit.shape[1])
    return digit[top:bottom, left:right].astype(np.float32) / 255.0


def resize_float(image: FloatImage, size: tuple[int, int]) -> FloatImage:
    """Bicubic resampling of a float image to ``size`` = (width, height); anti-aliased when shrinking."""
    pil = Image.fromarray(np.ascontiguousarray(image, dtype=np.float32), mode="F")
    return np.asarray(pil.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)


def ink_alpha(
    digit: npt.NDArray[np.uint8], height: float, *, aspect: float = 1.0, edge: float = 0.4, angle: float = 0.0
) -> FloatImage:
    """Pen ink (alpha, shape (h, w)) tracing an MNIST digit scaled so its ink is ``height`` pixels tall.

    Enlarging 28 pixels smoothly gives blurry strokes, so the alpha is built
    from two parts: *coverage*, a sharp edge (about 1.5 px wide) at grey level
    ``edge`` of the smoothly enlarged digit (lower ``edge`` = thicker pen), and
    *darkness*, the digit's local peak intensity, so faint MNIST strokes stay
    faint. When shrinking, the grey levels are used as they are. ``aspect``
    stretches the width; ``angle`` rotates (degrees, counter-clockwise).
    """
    crop = crop_ink(digit)
    scale = height / max(crop.shape[0] - 2, 1)
    size = (max(1, round(crop.shape[1] * scale * aspect)), max(1, round(crop.shape[0] * scale)))
    grey = np.clip(resize_float(crop, size), 0.0, 1.0)
    if scale > 1.0:
        grey = ndimage.gaussian_filter(grey, 0.3 * scale)
        gain = 2.0 * scale / 1.5  # MNIST's edges span ~2 px; make them span ~1.5 output pixels
        coverage = np.clip((grey - edge) * gain + 0.5, 0.0, 1.0)
        peak = ndimage.gaussian_filter(ndimage.maximum_filter(grey, size=int(2 * scale) | 1), scale)
        grey = coverage * np.clip(peak / 0.8, 0.0, 1.0)
    if angle:
        rotated = Image.fromarray(grey.astype(np.float32), mode="F").rotate(
            angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0.0
        )
        grey = np.asarray(rotated, dtype=np.float32)
    return np.clip(grey, 0.0, 1.0).astype(np.float32)


def ink_box(alpha: npt.NDArray[np.floating], level: float = INK_LEVEL) -> tuple[int, int, int, int] | None:
    """Bounding box (x, y, w, h) of the pixels of ``alpha`` (h, w) above ``level``; None if there are none."""
    ink = alpha > level
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)
