"""The one normalization: any picture of a digit becomes a 28x28 MNIST-style digit.

A canvas drawing, a phone photo, a scan and an MNIST image all go through
:func:`normalize_digit`; already segmented ink goes through its final part,
:func:`to_mnist`. The output is what MNIST's makers produced: white ink on an
exactly black background, the digit fitted into 20x20 with its aspect ratio
kept and anti-aliased grey levels, in 28x28 with its centre of mass on pixel
(14, 14) (row, column from 0; MNIST's test images average 13.99, 14.00).

1. decode to luminance, at most ``max_side`` and at least ``min_side`` pixels;
2. polarity: ink is the minority, the tail reaching farther from the median;
3. background: a grey opening wider than the strokes; if it varies (shading,
   shadows, coloured paper) it is divided out, else the median is used. The
   result is *ink strength*, 0 (paper) .. 1 (black);
4. a small Gaussian if the image is noisy;
5. threshold at half the ink's own strength (found by Otsu), never below the
   background's noise: faint ruled lines and paper texture fall below it;
6. components: ruled lines cut out, frames and page edges dropped, the largest
   component and sizeable ones near it kept; too little, too faint or too
   noisy ink gives ``None``;
7. :func:`to_mnist`: crop, stroke width brought into MNIST's interquartile
   range, fitted into 20x20 by area averaging, placed by centre of mass;
   optionally deskewed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.errors import InputError
from digits.imaging import filters
from digits.imaging.deskew import deskew as deskew_images
from digits.imaging.io import ImageSource, read_image

log = logging.getLogger(__name__)

FloatImage = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

MNIST_SIDE, MNIST_BOX, MNIST_CENTRE = 28, 20, (14.0, 14.0)
MNIST_STROKE_RANGE = (1.75, 2.67)
"""Quartiles of MNIST's stroke width, pixels at 28x28: :func:`filters.stroke_width` on
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
        Longer side of the image analysed: larger images are shrunk, smaller enlarged.
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
    min_side: int = 160
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


class _Found(NamedTuple):
    soft: FloatImage  # (h, w) ink strength scaled so the threshold is 0.5; 0 away from the digit
    keep: Mask  # (h, w) the digit's pixels
    level: float
    contrast: float


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
    grey, original = read_image(image, max_side=opts.max_side)
    work = _working_image(grey, opts.min_side)
    dark_ink = _is_dark_ink(work)
    strength, background = _ink_strength(1.0 - work if dark_ink else work, opts.uneven_limit)
    min_extent = max(MIN_DIGIT_PIXELS * max(work.shape) / max(grey.shape), opts.min_size * max(work.shape))
    found = _find_digit(strength, opts, min_extent)
    if found is None:
        return None
    result, width = _to_mnist(found.soft, opts.stroke_range)
    if deskew:
        result = np.rint(deskew_images(result.astype(np.float32))).astype(np.uint8)
    rows, cols = np.flatnonzero(found.keep.any(axis=1)), np.flatnonzero(found.keep.any(axis=0))
    sy, sx = original[0] / work.shape[0], original[1] / work.shape[1]
    box = (rows[0] * sy, cols[0] * sx, (rows[-1] + 1) * sy, (cols[-1] + 1) * sx)
    top, left, bottom, right = (min(round(v), limit) for v, limit in zip(box, original * 2, strict=True))
    polarity: Literal["dark-on-light", "light-on-dark"] = "dark-on-light" if dark_ink else "light-on-dark"
    return NormalizedDigit(result, (top, left, bottom, right), polarity, background, found.level, found.contrast, width)


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


# ---------------------------------------------------------------- steps of normalize_digit


def _working_image(grey: FloatImage, min_side: int) -> FloatImage:
    """Enlarge a small image (bilinear) so its longer side is ``min_side`` pixels."""
    scale = min_side / max(grey.shape)
    if scale <= 1:
        return grey
    return filters.resize(grey, (max(1, round(grey.shape[0] * scale)), max(1, round(grey.shape[1] * scale))))


def _is_dark_ink(grey: FloatImage) -> bool:
    """Whether the ink is darker than the paper.

    Ink covers a minority of the picture, so the median is paper (shading
    included) and the ink is the tail reaching farther from it, compared at
    the 0.1th and 99.9th percentiles of a lightly smoothed copy.
    """
    low, median, high = np.percentile(filters.gaussian_blur(grey, 1.0), [0.1, 50.0, 99.9])
    return bool(median - low >= high - median)


def _ink_strength(bright: FloatImage, uneven_limit: float) -> tuple[FloatImage, Literal["uniform", "uneven"]]:
    """Ink strength (0 paper .. 1 black) of an ink-bright image (h, w), background removed.

    The background is a grey opening with a window over twice the stroke
    width (measured on a rough Otsu mask), so even a thick marker's strokes
    are not in it. If it varies by less than ``uneven_limit`` of the ink's
    contrast, the constant median is used instead: clean drawings stay exact.
    """
    level = float(np.median(bright))
    contrast = max(float(np.percentile(bright, 99.9)) - level, 1e-3)
    rough = bright > filters.otsu_threshold(bright)
    width = filters.stroke_width(rough) if rough.any() else 1.0
    size = int(np.clip(2 * width + 3, min(bright.shape) / 16, min(bright.shape) / 3))
    background = filters.estimate_background(bright, max(size, 3), method="opening")
    low, high = np.percentile(background, [5.0, 95.0])
    if (high - low) / contrast < uneven_limit:
        return filters.flatten_background(bright, np.full_like(bright, level)), "uniform"
    return filters.flatten_background(bright, background), "uneven"


def _find_digit(strength: FloatImage, opts: NormalizeOptions, min_extent: float) -> _Found | None:
    """Denoise and threshold the ink strength (h, w); keep the digit's components, ``min_extent`` px or more."""
    if filters.estimate_noise(strength) > 0.01:
        strength = filters.gaussian_blur(strength, 1.0)
    paper = float(np.median(strength))
    spread = 1.4826 * float(np.median(np.abs(strength - paper)))  # the background's std, robustly
    ink = strength[strength > filters.otsu_threshold(strength)]
    if ink.size == 0:
        return _none("the image is blank")
    strongest = float(np.percentile(ink, 90)) - paper
    if strongest < opts.min_contrast:
        return _none(f"the strongest marks reach {strongest:.3f}, below min_contrast")
    level = paper + max(0.5 * strongest, opts.min_snr * spread)
    keep = _select_components(_cut_ruled_lines(strength > level), opts, min_extent)
    if keep is None:
        return None
    # the paper away from the digit: its upper spread (84th - 50th percentile) is what noise adds to the ink
    low, high = np.percentile(strength[~filters.dilate(keep, 3.0)], [50.0, 84.0]) if not keep.all() else (paper, paper)
    contrast = float(np.median(strength[keep]) - low)
    if contrast < opts.min_contrast or contrast < opts.min_snr * (high - low):
        return _none(f"ink too faint or noisy (contrast {contrast:.3f}, background noise {high - low:.3f})")
    soft = np.where(filters.dilate(keep, 2.0), np.clip(strength / (2.0 * level), 0.0, 1.0), 0.0)
    return _Found(soft.astype(np.float32), keep, level, contrast)


def _none(reason: str) -> None:
    log.debug("no digit found: %s", reason)
    return None


def _cut_ruled_lines(mask: Mask) -> Mask:
    """Remove ruled lines from the ink (h, w), mending strokes that cross them.

    A straight horizontal run longer than 40% of the image's width is a ruled
    line when it sticks out on both sides of the other ink it touches by more
    than 10% of that ink's width: a digit's own bar ends where its other
    strokes begin, a ruled line runs on past them. Where ink lies above and
    below a removed line, the line's pixels are put back. Vertical lines are
    left alone (a "1" is one); lines tilted by over a pixel are not found.
    """
    lines = filters.long_lines(mask, int(0.4 * mask.shape[1]), axis=1)
    if not lines.any():
        return mask
    eight = np.ones((3, 3), dtype=bool)
    owners, _ = ndimage.label(mask, structure=eight)
    pieces, _ = ndimage.label(lines, structure=eight)
    rest, ruled = mask & ~lines, np.zeros_like(lines)
    for i, piece in enumerate(ndimage.find_objects(pieces), start=1):
        here = pieces == i
        columns = np.flatnonzero((rest & np.isin(owners, np.unique(owners[here]))).any(axis=0))
        if columns.size:
            margin = 0.1 * (columns[-1] - columns[0] + 1)
            if piece[1].start >= columns[0] - margin or piece[1].stop - 1 <= columns[-1] + margin:
                continue
        ruled |= here
    if not ruled.any():
        return mask
    rest = mask & ~ruled
    reach = int(np.ceil(filters.stroke_width(ruled))) + 2
    above = ndimage.maximum_filter1d(rest, reach, axis=0, origin=(reach - 1) // 2)
    below = ndimage.maximum_filter1d(rest, reach, axis=0, origin=-(reach // 2))
    return rest | (ruled & above & below)


def _select_components(mask: Mask, opts: NormalizeOptions, min_extent: float) -> Mask | None:
    """The digit's pixels (h, w): the largest plausible component and the sizeable ones near it.

    Frames, page edges and ruled lines are never the digit. Straight strokes
    running between two image edges (margin lines, paper edges) are used
    only when nothing else is there: a "1" drawn from edge to edge.
    """
    labels, components = filters.connected_components(mask)
    candidates = [c for c in components if not _is_frame(c, labels, components)]
    lines = {c.label for c in candidates if _is_spanning_line(c, labels)}
    for pool in ([c for c in candidates if c.label not in lines], candidates):
        chosen = _gather(pool, opts, min_extent)
        if chosen:
            return np.isin(labels, chosen)
    return _none(f"no ink that could be a digit among {len(components)} marks")


def _gather(pool: list[filters.Component], opts: NormalizeOptions, min_extent: float) -> list[int]:
    """Labels of the largest component and the non-specks near it; empty if they are too small."""
    if not pool:
        return []
    main = max(pool, key=lambda c: c.area)
    chosen, (top, left, bottom, right) = [main.label], main.bbox
    for c in sorted(pool, key=lambda c: -c.area):
        if c is main or c.area < opts.speck_fraction * main.area:
            continue
        gap = max(c.bbox[0] - bottom, top - c.bbox[2], c.bbox[1] - right, left - c.bbox[3], 0)
        if gap <= opts.join_distance * max(bottom - top, right - left):
            chosen.append(c.label)
            top, left = min(top, c.bbox[0]), min(left, c.bbox[1])
            bottom, right = max(bottom, c.bbox[2]), max(right, c.bbox[3])
    return chosen if max(bottom - top, right - left) >= min_extent else []


def _is_frame(c: filters.Component, labels: npt.NDArray[np.int32], components: list[filters.Component]) -> bool:
    """Whether a component is a frame, page edge or ruled line rather than part of a digit.

    It is a horizontal line (half the image's width, eight times longer than
    high); or it touches an image edge and runs along it for half its length;
    or it spans 85% of the image both ways, is hollow and encloses other ink.
    """
    h, w = labels.shape
    if c.width >= 0.5 * w and c.height * 8 <= c.width:
        return True
    if c.touches_edge and c.area >= min(h, w) / 2:
        band, mine = max(2, round(0.03 * min(h, w))), labels == c.label
        sides = (mine[:band].any(0), mine[-band:].any(0), mine[:, :band].any(1), mine[:, -band:].any(1))
        touched = (c.bbox[0] == 0, c.bbox[2] == h, c.bbox[1] == 0, c.bbox[3] == w)
        if any(t and side.mean() >= 0.5 for t, side in zip(touched, sides, strict=True)):
            return True
    if c.height >= 0.85 * h and c.width >= 0.85 * w and c.area < 0.2 * c.height * c.width:
        inner = [o.bbox for o in components if o is not c]  # encloses: top, left <= and bottom, right >=
        return any(all(a <= b for a, b in zip(c.bbox[:2] + o[2:], o[:2] + c.bbox[2:], strict=True)) for o in inner)
    return False


def _is_spanning_line(c: filters.Component, labels: npt.NDArray[np.int32]) -> bool:
    """Whether a component touches two image edges and is straight (ten times longer than wide)."""
    top, left, bottom, right = c.bbox
    if (top == 0) + (left == 0) + (bottom == labels.shape[0]) + (right == labels.shape[1]) < 2:
        return False
    ys, xs = np.nonzero(labels[top:bottom, left:right] == c.label)
    spread = np.linalg.eigvalsh(np.cov(np.stack([ys, xs]).astype(float))) if ys.size > 2 else np.zeros(2)
    return bool(spread[0] * 100 <= spread[1])


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
    binary, width = _work_mask(ink, stroke_range)
    if stroke_range is not None and not stroke_range[0] <= width <= stroke_range[1]:
        current = filters.stroke_width(binary) * MNIST_BOX / max(binary.shape)
        binary = _restroke(binary, current, float(np.clip(width, *stroke_range)))
    return np.rint(_fit_and_place(binary) * 255.0).astype(np.uint8), width


def _work_mask(ink: FloatImage, stroke_range: tuple[float, float] | None) -> tuple[Mask, float]:
    """The ink cropped, thresholded at 0.5, its longer side brought to 80-160 pixels.

    Small ink is enlarged (bilinear, then thresholded: smooth outlines). Large
    ink is area-averaged down, after widening strokes that would end up under
    3 pixels (they are below MNIST's range and would be widened anyway).

    Returns
    -------
    binary : ndarray of bool, shape (h', w'), cropped to the ink
    width : float
        Stroke width as drawn, in pixels of the 28x28 image.
    """
    rows, cols = np.flatnonzero((ink >= 0.5).any(axis=1)), np.flatnonzero((ink >= 0.5).any(axis=0))
    if rows.size == 0:
        raise InputError("The ink image holds no ink (no value >= half of full scale); nothing to normalize.")
    crop = ink[max(rows[0] - 1, 0) : rows[-1] + 2, max(cols[0] - 1, 0) : cols[-1] + 2]
    longest = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    if longest < WORK_SIDE:
        factor = WORK_SIDE / longest
        binary = _crop(filters.resize(crop, (round(crop.shape[0] * factor), round(crop.shape[1] * factor))) >= 0.5)
        return binary, filters.stroke_width(binary) * MNIST_BOX / max(binary.shape)
    binary = _crop(crop >= 0.5)
    width = filters.stroke_width(binary) * MNIST_BOX / max(binary.shape)
    if longest <= 2 * WORK_SIDE:
        return binary, width
    factor = 2 * WORK_SIDE / longest
    thinnest, drawn = 3.0 / factor, width * longest / MNIST_BOX  # in pixels of this crop
    if stroke_range is not None and drawn < thinnest:
        binary = filters.dilate(np.pad(binary, int(thinnest)), (thinnest - drawn) / 2)
    shape = (round(binary.shape[0] * factor), round(binary.shape[1] * factor))
    return _crop(filters.resize(binary.astype(np.float32), shape) >= 0.5), width


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
        return _crop(filters.dilate(binary, delta))
    peeled = filters.skeletonize(binary, iterations=round(-delta))  # thick strokes and blobs lose -delta layers
    tube = filters.dilate(filters.skeletonize(binary), (current + 2.0 * delta - 1.0) / 2.0) & binary  # thin parts
    return _crop(peeled | tube)


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
