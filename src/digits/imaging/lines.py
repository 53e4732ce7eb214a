"""A line of handwriting as one strip, for a reader of whole lines (:mod:`digits.models.line_reader`).

:func:`digits.imaging.segment.segment_lines` finds a line's marks; this
module cuts their ink out of the picture, without other lines' ink, and
scales it so that the line's digits are :data:`DIGIT_HEIGHT` pixels high in
a strip :data:`HEIGHT` pixels high, white ink on black like MNIST.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from digits.imaging import filters, shapes
from digits.imaging.deskew import line_slant
from digits.imaging.ink import InkImage, soft_ink

HEIGHT = 32
"""Strip height, pixels."""
DIGIT_HEIGHT = 22
"""A typical digit's height in the strip; a line taller than 30 pixels (a slanted row) is shrunk to fit."""
MAX_WIDTH = 2048
"""Widest strip: a longer line is squeezed to this width."""
STROKE_RANGE = (0.6, 4.0)
"""Stroke widths in strip pixels left as they are; the training rows' (``digit_strings``, 300 rows)
run from 0.46 to 3.56 (1st-99th percentile). A canvas drawing's thin brush (10% of 300 drawn digits
under 0.31) is widened to 0.6, a marker thinned to 4.0, then drawn binary at the same size. On 400
drawn validation digits ``read`` then found one right digit 399 times, against 390 without; on 1,000
rows of validation digits it read 92.0% exactly, against 92.4% (the (1.0, 3.6) range: 400 and 91.5%)."""
TYPICAL_SLANT = -0.11
"""How rows of MNIST digits lean, columns per row down (negative: leaning right, the top ahead): the
median of :func:`digits.imaging.deskew.line_slant` over the strips of 300 rows of validation digits
(``digit_strings``, seed 4242: -0.107; 10th-90th percentile -0.31 to 0.07). The line readers learnt on such rows."""
SLANT_LIMIT = 0.35
"""A strip leaning more than this beyond :data:`TYPICAL_SLANT` is also read stood up to it
(:func:`upright_strip`). With the two strips read and the likelier text kept, 1,000 validation rows leaning
0.35 (19 degrees) further read 892 -> 918 exactly, and 5,000 rows as written lost 6 (BENCHMARKS.md, nineteenth
session, with the limits 0.2-0.45 and the other versions tried)."""

Mask = npt.NDArray[np.bool_]
ArrayT = TypeVar("ArrayT", bound=np.generic)


@dataclass(frozen=True)
class Strip:
    """A line's ink scaled to :data:`HEIGHT` rows.

    Attributes
    ----------
    image : ndarray of float32, shape (HEIGHT, w)
        Ink strength 0..1 (threshold at 0.5), ink only from the line's marks.
    origin : (int, int)
        Working pixel (row, column) of the strip's top-left corner, counted from the
        picture's corner (not from a margin added around it: :attr:`InkImage.margin`).
    scale : (float, float)
        Strip pixels per working pixel, vertically and horizontally.
    keep : ndarray of bool, shape (h, w)
        The line's ink above the threshold in working pixels, from ``origin`` (for boxes).
    to_input : (float, float)
        Input-image pixels per working pixel, vertically and horizontally.
    shifts : ndarray of int, shape (h,), or None
        Where the writing leaned and was stood up (:func:`upright_strip`): per row of
        ``keep``, how many working pixels its ink moved left. None where it was not.
    """

    image: npt.NDArray[np.float32] = field(repr=False)
    origin: tuple[int, int]
    scale: tuple[float, float]
    keep: Mask = field(repr=False)
    to_input: tuple[float, float]
    shifts: npt.NDArray[np.int_] | None = field(default=None, repr=False)

    def input_x(self, column: float) -> float:
        """The input-image column of strip column ``column`` (in the line's middle row, where writing stood up
        did not move)."""
        return (self.origin[1] + column / self.scale[1]) * self.to_input[1]

    def box(self, start: float, stop: float) -> tuple[int, int, int, int] | None:
        """The input-pixel box (x, y, w, h) of the line's ink in strip columns ``start`` to ``stop``; None if none."""
        shift = 0 if self.shifts is None else self.shifts[:, None]
        a = np.maximum(int(np.floor(start / self.scale[1])) + shift, 0)
        b = np.maximum(int(np.ceil(stop / self.scale[1])) + shift, 0)
        columns = np.arange(self.keep.shape[1])
        part = self.keep & (columns >= a) & (columns < b)
        rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
        if not rows.size:
            return None
        (sy, sx), (oy, ox) = self.to_input, self.origin
        top, bottom = round((oy + rows[0]) * sy), round((oy + rows[-1] + 1) * sy)
        left, right = round((ox + cols[0]) * sx), round((ox + cols[-1] + 1) * sx)
        return left, top, right - left, bottom - top


def line_strip(ink: InkImage, keep: Mask, digit_height: float, slope: float = 0.0) -> Strip:
    """The ink ``keep`` (h, w: working pixels, the whole picture) of one line as a strip.

    Parameters
    ----------
    ink : InkImage
        The picture's ink (:func:`digits.imaging.ink.find_ink`).
    keep : ndarray of bool, shape (h, w)
        The line's marks (grown ink included).
    digit_height : float
        Height of a typical digit of the line, working pixels.
    slope : float
        The line's tilt, rows per column (a tilted photo): each column is moved
        up or down so that the line runs level in the strip (a shear: columns,
        and the boxes found from them, stay where they are).

    The line as written; :func:`upright_strip` stands it up where it leans far.
    """
    return _strip(ink, keep, digit_height, slope, 0.0)


def upright_strip(ink: InkImage, keep: Mask, digit_height: float, slope: float, strip: Strip) -> Strip | None:
    """The line of :func:`line_strip` ``strip`` stood up as rows of MNIST digits stand, if it leans further
    from upright than they do (:data:`TYPICAL_SLANT`, :data:`SLANT_LIMIT`); else None.

    Each row of pixels is moved sideways by a whole number of pixels, the line's middle row staying
    (:attr:`Strip.shifts`; the boxes found from the strip's columns follow).
    """
    slant = line_slant(strip.image, DIGIT_HEIGHT / 2)
    if slant is None or abs(slant - TYPICAL_SLANT) <= SLANT_LIMIT:
        return None
    return _strip(ink, keep, digit_height, slope, slant - TYPICAL_SLANT)


def _strip(ink: InkImage, keep: Mask, digit_height: float, slope: float, lean: float) -> Strip:
    """:func:`line_strip` with the line stood up by ``lean`` (columns per row down, 0: as it is)."""
    if not slope and not lean:
        image, window, strong = _level_strip(ink.strength, ink.mask, ink.level, keep, digit_height)
        r0, c0, shifts = window[0], window[1], None
    else:  # the line stood up and sheared level, in a crop around it; its boxes come from the line as it is
        top, left, bottom, right = _bounds(keep)
        pad = round(2 * digit_height + abs(lean) * (bottom - top))
        crop = (top - pad, left - pad, bottom + pad, right + pad)
        middle = (left + right) / 2 - crop[1]
        moved = np.rint(lean * (np.arange(crop[0], crop[2]) - (top + bottom) / 2)).astype(int)

        def straightened(image: npt.NDArray[ArrayT]) -> npt.NDArray[ArrayT]:
            return _shear(_shift_rows(_crop(image, crop), moved), slope, middle)

        strength, mask, line = straightened(ink.strength), straightened(ink.mask), straightened(keep)
        image, window, _ = _level_strip(strength, mask, ink.level, line, digit_height)
        r0, c0 = top, crop[1] + window[1]
        strong = _crop(keep & ink.mask, (top, c0, bottom, c0 + window[3] - window[1]))
        shifts = moved[top - crop[0] : bottom - crop[0]] if lean else None
    scale = (HEIGHT / (window[2] - window[0]), image.shape[1] / (window[3] - window[1]))
    return Strip(image, (r0 - ink.margin, c0 - ink.margin), scale, strong, ink.scale, shifts)


def _shift_rows(image: npt.NDArray[ArrayT], moved: npt.NDArray[np.int_]) -> npt.NDArray[ArrayT]:
    """``image`` (h, w) with row ``y`` moved left by ``moved[y]`` pixels (right if negative; zeros come in)."""
    h, w = image.shape
    cols = np.arange(w)[None, :] + moved[:, None]
    inside = (cols >= 0) & (cols < w)
    out = np.zeros_like(image)
    rows = np.broadcast_to(np.arange(h)[:, None], (h, w))
    out[inside] = image[rows[inside], cols[inside]]
    return out


def _level_strip(
    strength: npt.NDArray[np.float32], mask: Mask, level: float, keep: Mask, digit_height: float
) -> tuple[npt.NDArray[np.float32], tuple[int, int, int, int], Mask]:
    """The strip image of a level line ``keep`` (h, w) in an ink image (``strength``, ``mask`` and
    ``level`` as in :class:`InkImage`), the window (top, left, bottom, right) of working pixels it was
    cut from, and the line's ink above the threshold in that window."""
    top, left, bottom, right = _bounds(keep)
    scale = min(DIGIT_HEIGHT / max(digit_height, 1.0), (HEIGHT - 2) / (bottom - top))
    needed = right - left + 0.5 * digit_height  # a quarter of a digit's height of margin at each end
    across = min(scale, MAX_WIDTH / needed)
    width = max(1, round(needed * across))
    span_y, span_x = HEIGHT / scale, width / across
    y0, x0 = (top + bottom) / 2 - span_y / 2, (left + right) / 2 - span_x / 2
    window = (int(np.floor(y0)), int(np.floor(x0)), int(np.ceil(y0 + span_y)), int(np.ceil(x0 + span_x)))
    strong = _crop(keep & mask, window)
    drawn = _restroke(strong, scale) if strong.any() else None
    if drawn is None:
        inside = _crop(keep, window)
        drawn = soft_ink(_crop(strength, window), level, inside, within=~(_crop(mask, window) & ~inside))
    return np.clip(filters.resize(drawn, (HEIGHT, width)), 0.0, 1.0), window, strong


def _bounds(keep: Mask) -> tuple[int, int, int, int]:
    """The (top, left, bottom, right) box of the pixels ``keep`` (h, w), bottom and right exclusive."""
    rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _shear(image: npt.NDArray[ArrayT], slope: float, middle: float) -> npt.NDArray[ArrayT]:
    """``image`` (h, w) with each column moved up by ``slope`` times its distance from column ``middle``
    (rounded to whole pixels; zeros where nothing comes in): a line tilted by ``slope`` comes out level."""
    h, w = image.shape
    shifts = np.rint(slope * (np.arange(w) - middle)).astype(int)
    rows = np.arange(h)[:, None] + shifts[None, :]
    inside = (rows >= 0) & (rows < h)
    out = np.zeros_like(image)
    cols = np.broadcast_to(np.arange(w)[None, :], (h, w))
    out[inside] = image[rows[inside], cols[inside]]
    return out


def _restroke(strong: Mask, scale: float) -> npt.NDArray[np.float32] | None:
    """The ink ``strong`` (h, w) redrawn with strokes :data:`STROKE_RANGE` wide once scaled by
    ``scale``: widened (dilated) or thinned (boundary layers peeled); None when already in range."""
    drawn = shapes.stroke_width(strong)
    low, high = STROKE_RANGE[0] / scale, STROKE_RANGE[1] / scale
    if drawn < low:
        return shapes.dilate(strong, (low - drawn) / 2).astype(np.float32)
    if drawn > high:
        return shapes.skeletonize(strong, iterations=max(1, round((drawn - high) / 2))).astype(np.float32)
    return None


def _crop(image: npt.NDArray[ArrayT], box: tuple[int, int, int, int]) -> npt.NDArray[ArrayT]:
    """``image[top:bottom, left:right]`` for a ``box`` that may reach past the image: zeros there."""
    r0, c0, r1, c1 = box
    h, w = image.shape
    out = np.zeros((r1 - r0, c1 - c0), image.dtype)
    t, lft, b, r = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
    out[t - r0 : b - r0, lft - c0 : r - c0] = image[t:b, lft:r]
    return out
