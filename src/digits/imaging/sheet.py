"""A sheet of paper lying on a darker surface: the surface painted over with the sheet's own light.

A phone photo of a note, a card or a page on a table shows the table all
round the sheet. Where the table covers much of the picture, the median is
no longer paper, and the polarity, the background estimate and the threshold
of :mod:`digits.imaging.ink` take the bright sheet for the ink: a digit on a
white note on a brown desk was read as 0 or 8. :func:`lift_sheet` finds such
a sheet (:func:`find_sheet`) and paints everything around it, and its rim,
with the sheet's light nearby, so the rest of the normalization sees paper
with writing on it. A desk along one edge of a page is left to
:func:`digits.imaging.ink._desk`: here the sheet's outline must lie mostly
inside the picture.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from digits.imaging import filters, shapes

FloatImage = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

COARSE = 192
"""Longer side, in pixels, of the smoothed copy a sheet is looked for in: writing vanishes in it, a sheet does not."""
SMOOTH = 0.06
"""Side of the grey closing that takes dark writing out of the coarse copy, as a fraction of its longer side."""
SHARP = 0.25
"""Least luminance step per coarse pixel across a sheet's outline (the median over it), as a fraction of the
difference between sheet and surround: a sheet's edge is sharp, light falling off across paper is not."""
SHEET_CONTRAST = 0.1
"""Least difference between the median luminance (0-1) of the sheet and of its surround."""
SHEET_DARKER = 0.8
"""The surround's median luminance is at most this fraction of the sheet's."""
SHEET_AREA = 0.02
"""Least share of the picture a sheet covers."""
INSIDE = 0.5
"""Least share of the sheet's outline inside the picture rather than on its edge, and of the picture's edge
that the surround reaches: a sheet lies on the desk. A page filling the picture but for a desk along one edge,
paper lit on one side only, or the paper of a picture cut right at a bold digit's ink is not a sheet here."""
RECT_FILL = 0.8
"""Least share of its smallest enclosing rectangle a sheet fills: 1 for a rectangle, 0.9 for a page seen
at a slant, 0.79 for an ellipse."""
THIN = 0.15
"""Marks on a sheet are writing when no disc of a radius over this fraction of the sheet's shorter side fits
in them (a bold white "0" on black is no sheet with a dark blob on it)."""
MARKED = 0.35
"""The most of a sheet its marks cover: writing covers far less, a dark picture on a light ground more."""
BLANK_ASPECT = 2.0
"""A sheet with no marks on it (a blank note: no digit) is no longer than this for its width; a bold white
bar on black (a "1" on a dark canvas) is."""
RIM = 0.02
"""The sheet's rim, painted with the surround, as a fraction of its shorter side (blur and shadow at its edge,
and a sliver of desk where the sheet runs out of the picture)."""
WRITTEN_ON = 0.005
"""A region with more than this fraction of its pixels under half its median light (and under it by four times
the noise) has writing in it: paper in a shadow, not a desk."""
OBJECT = 0.5
"""A dark mark on the desk longer (its box's diagonal) than this fraction of the sheet's shorter side, and than
every mark on the sheet, is a thing lying there (a pen, a pencil, a cable), not writing; so is one thicker than
any writing on a sheet may be (:data:`THIN`: a phone, a wallet)."""


def dark_marks(grey: FloatImage, region: Mask, noise: float) -> Mask:
    """The pixels (h, w) of ``region`` (h, w) under half its median light in ``grey`` (h, w), and under it by
    four times the ``noise``: ink in a shadow is still far darker than the shadow; a desk is one material."""
    inside = grey[region]
    if inside.size == 0:
        return np.zeros(grey.shape, bool)
    shade = float(np.median(inside))
    return region & (grey < min(0.5 * shade, shade - 4.0 * noise))


def holds_writing(marks: Mask, region: Mask) -> bool:
    """Whether ``region`` (h, w) has writing in it: its :func:`dark_marks` ``marks`` (h, w) cover more than
    :data:`WRITTEN_ON` of it."""
    return bool(marks.sum() > WRITTEN_ON * region.sum())


def lift_sheet(grey: FloatImage) -> FloatImage:
    """``grey`` (h, w, luminance 0-1) with the surface around a sheet of paper, and the sheet's rim, painted
    with the sheet's light nearby (:func:`find_sheet`); ``grey`` itself when there is no such sheet.

    Each pixel off the sheet takes the light of the nearest pixel on it, from a copy of the sheet with its
    writing left out and smoothed, plus noise as strong as the picture's (flat paint around a noisy sheet
    would make the noise stand out).
    """
    inner = find_sheet(grey)
    if inner is None:
        return grey
    level, sigma = float(np.median(grey[inner])), max(1.0, RIM * _shorter_side(inner))
    paper = np.where(inner & (grey >= 0.75 * level), grey, 0.0)
    weight = filters.gaussian_blur((paper > 0).astype(np.float32), sigma)  # the desk and writing do not blur in
    paper = filters.gaussian_blur(paper, sigma) / np.maximum(weight, 1e-6)
    _, (rows, cols) = ndimage.distance_transform_edt(~inner, return_indices=True)
    noise = np.random.default_rng(0).normal(0.0, filters.estimate_noise(grey), grey.shape)
    return np.where(inner, grey, np.clip(paper[rows, cols] + noise, 0.0, 1.0)).astype(np.float32)


def find_sheet(grey: FloatImage) -> Mask | None:
    """The sheet of paper lying on a darker surface in ``grey`` (h, w, luminance 0-1), less its rim
    (:data:`RIM`): a mask (h, w), or None.

    In a copy at most :data:`COARSE` pixels long with dark writing closed over
    (:data:`SMOOTH`), Otsu's threshold splits light from dark. The largest light
    region, as it is in the copy before the closing and with its holes filled,
    is a sheet when it covers :data:`SHEET_AREA` of the picture or more, is
    brighter than its surround (:data:`SHEET_CONTRAST`, :data:`SHEET_DARKER`),
    lies mostly inside the picture with the surround along most of its edge (:data:`INSIDE`), is nearly rectangular
    (:data:`RECT_FILL`), has a sharp outline (:data:`SHARP`), holds thin dark
    marks or none (:data:`THIN`, :data:`MARKED`, :data:`BLANK_ASPECT`), and nothing is written on its surround
    (:func:`holds_writing`; a pen lying there is no writing, :data:`OBJECT`), which can then be painted over.
    """
    h, w = grey.shape
    factor = min(1.0, COARSE / max(h, w))
    small = filters.median_blur(filters.resize(grey, (max(1, round(h * factor)), max(1, round(w * factor)))), 3)
    side = 2 * round(SMOOTH * max(small.shape) / 2) + 1
    closed = ndimage.grey_closing(small, size=(side, side))
    level = filters.otsu_threshold(closed)
    labels, parts = shapes.connected_components(closed > level)
    if not parts:
        return None
    # a strip of desk narrower than the closing is not part of the sheet
    coarse = ndimage.binary_fill_holes((labels == max(parts, key=lambda c: c.area).label) & (small > level))
    if not SHEET_AREA <= float(coarse.mean()) < 1.0:
        return None
    light, dark = float(np.median(closed[coarse])), float(np.median(closed[~coarse]))
    if light - dark < SHEET_CONTRAST or dark > SHEET_DARKER * light:
        return None
    fill, aspect = _rectangle(coarse)
    outline = coarse & ~ndimage.binary_erosion(coarse, border_value=1)  # inside the picture
    frame = np.concatenate((coarse[0], coarse[-1], coarse[1:-1, 0], coarse[1:-1, -1]))  # along its edge
    inside = outline.sum() / max(outline.sum() + frame.sum(), 1)
    if inside < INSIDE or float(frame.mean()) > 1.0 - INSIDE or fill < RECT_FILL:
        return None
    if _edge_step(closed, outline) < SHARP * (light - dark):
        return None
    sheet = filters.resize(coarse.astype(np.float32), (h, w)) > 0.5
    shorter = _shorter_side(sheet)
    rim = max(1.0, RIM * shorter)
    inner = ~shapes.dilate(np.pad(~sheet, 1, constant_values=True), rim)[1:-1, 1:-1]  # the frame is an edge too
    if not inner.any():
        return None
    paper = float(np.median(grey[inner]))
    marks = inner & (grey < paper - 0.5 * (paper - dark))
    marked = marks.sum() / inner.sum()
    if marked > MARKED or (marked == 0 and aspect > BLANK_ASPECT):
        return None
    if float(ndimage.distance_transform_edt(marks).max()) > THIN * shorter:
        return None
    surround = ~shapes.dilate(sheet, rim)
    desk_marks = dark_marks(grey, surround, filters.estimate_noise(grey))
    if holds_writing(desk_marks, surround):  # unless the marks are things lying on the desk
        longest = max([_length(c) for c in shapes.connected_components(marks)[1]], default=0.0)
        things = _objects(desk_marks, max(longest, OBJECT * shorter), THIN * shorter)
        if holds_writing(desk_marks & ~things, surround):
            return None
    return inner


def _length(component: shapes.Component) -> float:
    """The diagonal of ``component``'s box, in pixels."""
    top, left, bottom, right = component.bbox
    return float(np.hypot(bottom - top, right - left))


def _objects(marks: Mask, longer: float, thicker: float) -> Mask:
    """The components (h, w) of ``marks`` (h, w) longer than ``longer`` pixels (:func:`_length`) or with a disc
    of radius over ``thicker`` pixels in them: things lying on the desk (:data:`OBJECT`)."""
    labels, parts = shapes.connected_components(marks)
    thick = set(np.unique(labels[ndimage.distance_transform_edt(marks) > thicker]))
    found = [c.label for c in parts if _length(c) > longer or c.label in thick]
    return np.isin(labels, found)


def _edge_step(small: FloatImage, outline: Mask) -> float:
    """The median luminance step per pixel (Sobel) of ``small`` (h, w) along ``outline`` (h, w)."""
    return float(np.median(filters.sobel_edges(small)[outline])) / 8.0 if outline.any() else 0.0


def _rectangle(region: Mask) -> tuple[float, float]:
    """The share that ``region`` (h, w) fills of the smallest rectangle around it (at any angle, in 1 degree
    steps), and that rectangle's length over its width; (0, inf) for a line or a point."""
    points = np.argwhere(region).astype(np.float64)
    try:
        corners = points[ConvexHull(points).vertices]
    except (QhullError, ValueError):
        return 0.0, float("inf")
    angles = np.deg2rad(np.arange(90))
    x = corners[:, 1, None] * np.cos(angles) + corners[:, 0, None] * np.sin(angles)
    y = -corners[:, 1, None] * np.sin(angles) + corners[:, 0, None] * np.cos(angles)
    sides = np.stack([np.ptp(x, axis=0) + 1, np.ptp(y, axis=0) + 1])
    best = int(np.argmin(sides.prod(axis=0)))
    return float(region.sum() / sides[:, best].prod()), float(sides[:, best].max() / sides[:, best].min())


def _shorter_side(region: Mask) -> float:
    """The shorter side of ``region``'s bounding box, in pixels."""
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    return float(min(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))
