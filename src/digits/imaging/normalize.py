"""The one normalization: any picture of a digit becomes a 28x28 MNIST-style digit.

A canvas drawing, a phone photo, a scan and an MNIST image all go through
:func:`normalize_digit`; already segmented ink goes through its final part,
:func:`to_mnist`. The output is what MNIST's makers produced: white ink on an
exactly black background, the digit fitted into 20x20 with its aspect ratio
kept and anti-aliased grey levels, in 28x28 with its centre of mass on pixel
(14, 14) (row, column from 0; MNIST's test images average 13.99, 14.00).

Steps 1-5 live in :mod:`digits.imaging.ink`, step 6 in :mod:`digits.imaging.components`:

1. decode to luminance, at most ``max_side`` and at least ``min_side`` pixels;
   a sheet lying on a darker desk has the desk painted over with its own light
   (:func:`digits.imaging.sheet.lift_sheet`);
2. polarity: ink is the minority, the tail reaching farther from the median;
3. background: a grey opening wider than the strokes; if it varies (shading,
   shadows, coloured paper) it is divided out, else the median is used. The
   result is *ink strength*, 0 (paper) .. 1 (black);
4. a small Gaussian if the image is noisy;
5. threshold at half the ink's own strength (found by Otsu), never below the
   background's noise: faint ruled lines and paper texture fall below it;
6. components: ruled lines cut out, frames, page edges and a desk showing at
   the edge of a photo dropped (and left out of the paper's noise), the largest
   component and sizeable ones near it kept; too little, too faint or too
   noisy ink gives ``None``. A picture cut right at its ink (a bold digit then
   covers up to half of it) is then looked at once more with a margin of its
   paper around it (:func:`digits.imaging.ink.find_ink`);
7. :func:`to_mnist`: crop, stroke width brought into MNIST's interquartile
   range, fitted into 20x20 by area averaging, placed by centre of mass;
   optionally deskewed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.errors import InputError
from digits.imaging import filters, shapes
from digits.imaging.components import select_digit
from digits.imaging.deskew import deskew as deskew_images
from digits.imaging.ink import InkImage, find_ink, ink_contrast, soft_ink
from digits.imaging.io import ImageSource

FloatImage = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

MNIST_SIDE, MNIST_BOX, MNIST_CENTRE = 28, 20, (14.0, 14.0)
MNIST_STROKE_RANGE = (1.75, 2.67)
"""Quartiles of MNIST's stroke width, pixels at 28x28: :func:`shapes.stroke_width` on
2,000 test digits enlarged 4x (median 2.25, 10th-90th percentile 1.55-3.25)."""
MIN_DIGIT_PIXELS = 8
"""A digit spans at least this many pixels of the input image, whatever its size."""
WORK_SIDE = 80
"""Strokes are measured and reshaped with the digit's longer side 80-160 pixels, then
area-averaged down to 20: the anti-aliasing of MNIST's size normalization."""


@dataclass(frozen=True)
class NormalizeOptions:
    """Settings of :func:`normalize_digit`; the defaults suit canvases, photos and scans.

    Attributes
    ----------
    max_side, min_side : int
        Longer side of the image analysed: larger images are shrunk, smaller
        enlarged. min_side 112 rather than 160 read 2,000 MNIST test digits
        (dark on white, 28x28) 99.40 % vs 99.45 % right and 500 photo-like
        digits 99.0 % both, in 3.9 instead of 5.9 ms each.
    stroke_range : (float, float) or None
        Stroke widths (pixels at 28x28) outside it go to its nearest end; None keeps them.
    min_contrast : float
        Least ink strength (0 paper .. 1 black, relative to the local paper) of a digit.
    min_snr : float
        Least ratio of ink strength to the background's noise (std).
    min_size : float
        Least longer side of the digit, as a fraction of the image's longer side.
    speck_fraction : float
        Components smaller than this fraction of the largest are specks.
    join_distance : float
        Components within this fraction of the digit's size join it (a 5's bar).
    uneven_limit : float
        Background range (5th-95th percentile) over ink contrast above which
        the background is flattened rather than taken as constant.
    """

    max_side: int = 1024
    min_side: int = 112
    stroke_range: tuple[float, float] | None = MNIST_STROKE_RANGE
    min_contrast: float = 0.1
    min_snr: float = 4.0
    min_size: float = 0.04
    speck_fraction: float = 0.05
    join_distance: float = 0.3
    uneven_limit: float = 0.1

    def __post_init__(self) -> None:
        if not 28 <= self.min_side <= self.max_side:
            raise InputError(
                f"Need 28 <= min_side <= max_side, got min_side={self.min_side}, max_side={self.max_side}."
            )
        _check_stroke_range(self.stroke_range)


@dataclass(frozen=True)
class NormalizedDigit:
    """A digit in MNIST's style and what was found on the way.

    Attributes
    ----------
    image : ndarray of uint8, shape (28, 28)
        White ink (up to 255) on black (exactly 0).
    bbox : (top, left, bottom, right)
        The digit's box in the input image's pixels (bottom, right exclusive).
    polarity : {"dark-on-light", "light-on-dark"}
    background : {"uniform", "uneven"}
        Whether the background was taken as constant or flattened.
    threshold, contrast : float
        Ink strength separating ink from paper, and the digit's median strength.
    stroke_width : float
        The stroke width as drawn, in pixels of the 28x28 image.
    """

    image: npt.NDArray[np.uint8] = field(repr=False)
    bbox: tuple[int, int, int, int]
    polarity: Literal["dark-on-light", "light-on-dark"]
    background: Literal["uniform", "uneven"]
    threshold: float
    contrast: float
    stroke_width: float


def normalize_digit(
    image: ImageSource, *, deskew: bool = False, options: NormalizeOptions | None = None
) -> NormalizedDigit | None:
    """Turn a picture of one handwritten digit into a 28x28 MNIST-style image.

    Parameters
    ----------
    image : path, bytes, file object, PIL image or ndarray
        Anything :func:`digits.imaging.io.load_image` reads, of either polarity.
    deskew : bool
        Also remove the slant (:func:`digits.imaging.deskew.deskew`), for
        models trained on deskewed MNIST.
    options : NormalizeOptions, optional

    Returns
    -------
    NormalizedDigit or None
        None when there is no digit: a blank canvas, empty paper, noise only,
        ink too faint or too small. Never a guess.

    Raises
    ------
    ImageDecodeError, ImageTooLargeError
        From decoding (see :func:`digits.imaging.io.read_image`).
    """
    opts = options or NormalizeOptions()
    for ink in find_ink(image, opts):  # a second view only if the first holds no digit
        found = _digit(ink, deskew, opts)
        if found is not None:
            return found
    return None


def _digit(ink: InkImage, deskew: bool, opts: NormalizeOptions) -> NormalizedDigit | None:
    """Steps 6-7 of :func:`normalize_digit` on one view of a picture's ink."""
    side = max(ink.size)
    min_extent = max(smallest_digit(ink), opts.min_size * side)
    selected = select_digit(
        ink.mask, speck_fraction=opts.speck_fraction, join_distance=opts.join_distance, min_extent=min_extent
    )
    if selected is None:
        return None
    keep, scenery = selected
    contrast = ink_contrast(ink, keep, opts, ignore=scenery)
    if contrast is None:
        return None
    result, width = _to_mnist(soft_ink(ink.strength, ink.level, keep), opts.stroke_range)
    if deskew:
        result = np.rint(deskew_images(result.astype(np.float32))).astype(np.uint8)
    rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
    box = ink.to_input((rows[0], cols[0], rows[-1] + 1, cols[-1] + 1))
    return NormalizedDigit(result, box, ink.polarity, ink.background, ink.level, contrast, width)


def smallest_digit(ink: InkImage) -> float:
    """The least longer side of a digit in ``ink``'s working pixels: :data:`MIN_DIGIT_PIXELS` of the decoded picture."""
    return MIN_DIGIT_PIXELS * max(ink.size) / max(ink.decoded)


def to_mnist(
    ink: npt.ArrayLike, *, stroke_range: tuple[float, float] | None = MNIST_STROKE_RANGE
) -> npt.NDArray[np.uint8]:
    """The final steps of the normalization, for one already segmented digit.

    Crops to the ink, brings the stroke width into ``stroke_range``, fits the
    digit into 20x20 keeping its aspect ratio (area averaging gives the
    anti-aliased grey levels) and places it in 28x28 with its centre of mass
    at (14, 14).

    Parameters
    ----------
    ink : array_like, shape (h, w)
        Ink bright: a bool mask, uint8 (ink >= 128) or float in [0, 1] (ink >=
        0.5). Grey edges place the outline to a fraction of a pixel.
    stroke_range : (float, float) or None
        See :class:`NormalizeOptions`.

    Returns
    -------
    ndarray of uint8, shape (28, 28)
        White ink on black, background exactly 0.

    Raises
    ------
    InputError
        If ``ink`` is not 2-D, of an unsupported dtype, or holds no ink.
    """
    _check_stroke_range(stroke_range)
    return _to_mnist(_as_ink(ink), stroke_range)[0]


def _check_stroke_range(stroke_range: tuple[float, float] | None) -> None:
    if stroke_range is not None and not 0 < stroke_range[0] <= stroke_range[1] < MNIST_BOX / 2:
        raise InputError(
            f"stroke_range must be (low, high) with 0 < low <= high < 10 pixels, got {stroke_range}; "
            f"MNIST's own interquartile range is {MNIST_STROKE_RANGE}, None keeps strokes as drawn."
        )


# ---------------------------------------------------------------- steps of to_mnist


def _as_ink(ink: npt.ArrayLike) -> FloatImage:
    """Ink as float32 in [0, 1] with the ink/background boundary at 0.5, shape (h, w)."""
    array = np.asarray(ink)
    if array.ndim != 2:
        raise InputError(f"Expected a 2-D ink image (h, w), got shape {array.shape}. Pass one digit at a time.")
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if np.issubdtype(array.dtype, np.floating):
        return np.clip(np.nan_to_num(array.astype(np.float32)), 0.0, 1.0)
    raise InputError(f"Expected ink as bool, uint8 or float in [0, 1], got dtype {array.dtype}.")


def _to_mnist(ink: FloatImage, stroke_range: tuple[float, float] | None) -> tuple[npt.NDArray[np.uint8], float]:
    """:func:`to_mnist` on float ink; also returns the stroke width as drawn (pixels at 28x28)."""
    binary, width, current = _work_mask(ink, stroke_range)
    if stroke_range is not None and not stroke_range[0] <= width <= stroke_range[1]:
        binary = _restroke(binary, current, float(np.clip(width, *stroke_range)))
    return np.rint(_fit_and_place(binary) * 255.0).astype(np.uint8), width


def _work_mask(ink: FloatImage, stroke_range: tuple[float, float] | None) -> tuple[Mask, float, float]:
    """The ink cropped, thresholded at 0.5, its longer side brought to 80-160 pixels.

    Small ink is enlarged (bilinear, then thresholded: smooth outlines). Large
    ink is area-averaged down, after widening strokes that would end up under
    3 pixels (they are below MNIST's range and would be widened anyway).

    Returns
    -------
    binary : ndarray of bool, shape (h', w'), cropped to the ink
    width : float
        Stroke width as drawn, in pixels of the 28x28 image.
    current : float
        Stroke width of ``binary``, in pixels of the 28x28 image: ``width``
        unless large ink was widened and shrunk.
    """
    rows, cols = np.flatnonzero((ink >= 0.5).any(axis=1)), np.flatnonzero((ink >= 0.5).any(axis=0))
    if rows.size == 0:
        raise InputError("The ink image holds no ink (no value >= half of full scale); nothing to normalize.")
    crop = ink[max(rows[0] - 1, 0) : rows[-1] + 2, max(cols[0] - 1, 0) : cols[-1] + 2]
    longest = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    if longest < WORK_SIDE:
        factor = WORK_SIDE / longest
        enlarged = filters.resize(crop, (round(crop.shape[0] * factor), round(crop.shape[1] * factor)))
        binary = _crop(enlarged >= min(0.5, float(enlarged.max())))  # a lone pixel's peak may fall between samples
        width = shapes.stroke_width(binary) * MNIST_BOX / max(binary.shape)
        return binary, width, width
    binary = _crop(crop >= 0.5)
    width = shapes.stroke_width(binary) * MNIST_BOX / max(binary.shape)
    if longest <= 2 * WORK_SIDE:
        return binary, width, width
    factor = 2 * WORK_SIDE / longest
    thinnest, drawn = 3.0 / factor, width * longest / MNIST_BOX  # in pixels of this crop
    if stroke_range is not None and drawn < thinnest:
        binary = shapes.dilate(np.pad(binary, int(thinnest)), (thinnest - drawn) / 2)
    shape = (round(binary.shape[0] * factor), round(binary.shape[1] * factor))
    binary = _crop(filters.resize(binary.astype(np.float32), shape) >= 0.5)
    return binary, width, shapes.stroke_width(binary) * MNIST_BOX / max(binary.shape)


def _crop(mask: Mask) -> Mask:
    """``mask`` cut to the bounding box of its True pixels."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _restroke(binary: Mask, width: float, target: float) -> Mask:
    """Redraw the strokes of a cropped mask ``target`` wide at 28x28 (``width`` now).

    Widening dilates the mask. Narrowing peels ``-delta`` layers of boundary
    pixels without breaking strokes (blobs shrink but do not collapse to a
    line) and keeps parts already thinner than the target as they were (the
    mask within the target half-width of its skeleton). Each side moves by
    ``delta``, which allows for
    the box growing with the strokes, as the box is what is scaled to 20
    pixels: ``(w + 2 delta) / (L + 2 delta) = target / 20``.
    """
    longest = max(binary.shape)
    current = width * longest / MNIST_BOX  # pixels of this mask
    delta = (target * longest / MNIST_BOX - current) / (2.0 * (1.0 - target / MNIST_BOX))
    binary = np.pad(binary, int(np.ceil(max(delta, 0.0))) + 1)
    if delta > 0:
        return _crop(shapes.dilate(binary, delta))
    peeled = shapes.skeletonize(binary, iterations=round(-delta))  # thick strokes and blobs lose -delta layers
    tube = shapes.dilate(shapes.skeletonize(binary), (current + 2.0 * delta - 1.0) / 2.0) & binary  # thin parts
    thinned = peeled | tube
    return _crop(thinned if thinned.any() else binary)  # a solid blob peels away entirely: keep it as it is


def _fit_and_place(binary: Mask) -> FloatImage:
    """Fit a cropped mask into 20x20 (aspect kept), centre of mass on (14, 14); (28, 28) in [0, 1].

    The mask is scaled so its longer side is 80 pixels, placed at whole pixels
    of a 112x112 canvas and area-averaged 4x down: placement exact to a
    quarter pixel with no blur beyond the anti-aliasing. The shift is clamped
    so no ink leaves the image.
    """
    factor, side = WORK_SIDE // MNIST_BOX, MNIST_SIDE * WORK_SIDE // MNIST_BOX
    scale = WORK_SIDE / max(binary.shape)
    shape = (max(1, round(binary.shape[0] * scale)), max(1, round(binary.shape[1] * scale)))
    fine = np.clip(filters.resize(binary.astype(np.float32), shape), 0.0, 1.0)
    cy, cx = ndimage.center_of_mass(fine)
    # fine pixel i covers [i, i + 1); coarse pixel j is centred on fine coordinate factor * (j + 0.5)
    top = int(np.clip(round(factor * (MNIST_CENTRE[0] + 0.5) - 0.5 - cy), 0, side - shape[0]))
    left = int(np.clip(round(factor * (MNIST_CENTRE[1] + 0.5) - 0.5 - cx), 0, side - shape[1]))
    canvas = np.zeros((side, side), dtype=np.float32)
    canvas[top : top + shape[0], left : left + shape[1]] = fine
    return canvas.reshape(MNIST_SIDE, factor, MNIST_SIDE, factor).mean(axis=(1, 3))
