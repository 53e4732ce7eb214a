"""Which marks on a thresholded page are digits: ruled lines, frames and the digit's components.

These work on the boolean ink mask (h, w) that :mod:`digits.imaging.normalize`
thresholds. :func:`select_digit` picks the one digit of a picture (the
largest plausible component and the sizeable ones near it);
:mod:`digits.imaging.segment` uses :func:`cut_ruled_lines` and
:func:`is_frame` before it groups the marks into several digits.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging import shapes

log = logging.getLogger(__name__)

Mask = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.int32]


GRID_LENGTH = 0.9
"""A vertical run at least this fraction of the image's height may be a grid or margin line."""
GRID_MARGIN = 0.25
"""... and is one when it sticks out above and below the ink it touches by this fraction of its height."""
BRIDGED_THICKNESS = 4
"""A gap of one pixel in a horizontal run of ink at most this many pixels thick is bridged when looking for ruled
lines: in a photo's deep shade, dark ruled lines come out of the threshold broken by noise, and the piece
beyond the break, left as the ink the line touches, made it look like a digit's bar that stops at its stroke."""
DASH_GAP = 0.05
"""Pale ruled lines (a notebook's, beside pencil or in a photo's light) come out of the threshold as dashes in a
row; gaps up to this fraction of the image's width are bridged to look for such lines ..."""
DASH_COVER = 0.2
"""... and a bridged run is a dashed line when dashes (thin pieces of ink apart from any other) cover at least
this fraction of it ..."""
DASHES = 3
"""... in at least this many dashes."""
WOBBLE = 1
"""A line sheared level (:func:`_level_shift`) steps up or down by this many rows along its length."""
RULED_TILT = 6.0
"""Ruled lines tilted by up to this many degrees (a page photographed a little turned) are found: the ink is
sheared level first (:func:`_level_shift`)."""


def cut_ruled_lines(mask: Mask, *, relative: float | None = None) -> Mask:
    """Remove ruled and grid lines from the ink (h, w), mending strokes that cross them.

    A straight horizontal run longer than 40% of the image's width is a ruled
    line when it sticks out on both sides of the other ink it touches by more
    than 10% of that ink's width: a digit's own bar ends where its other
    strokes begin, a ruled line runs on past them. With ``relative``, a run
    at least that many times as long as the tallest mark it touches is a
    ruled line too (one crossing a whole row of digits does not stick out of
    the row). A vertical run over :data:`GRID_LENGTH` of the height (squared
    paper, a margin) is a line when it touches other ink and sticks out above
    and below it by :data:`GRID_MARGIN` of its height; a vertical stroke on
    its own may be a "1" and stays. Long lines of either direction do not
    count as the ink a vertical line touches (on squared paper every line
    touches all the others), and vertical lines found to be grid lines do not
    count for the horizontal ones, while a frame's sides do (its top and
    bottom end at them: frames are left to :func:`is_frame`). Where ink lies
    on both sides of a removed line, the line's pixels are put back. Lines
    tilted by up to :data:`RULED_TILT` degrees are found in the ink sheared
    level (each column moved up or down; the lines' pixels are cut in the
    sheared ink and the rest moved back), lines curved or tilted further are not.
    """
    # the tilt of ruled lines, and the lean of a margin's or a grid's
    rise, lean = _level_shift(mask, int(0.4 * mask.shape[1])), _level_shift(mask.T, int(GRID_LENGTH * mask.shape[0]))
    if rise is None and lean is None:
        return _cut_level(mask, relative, mask.shape, wobble=0)
    ys, xs = np.nonzero(mask)
    to_y = ys - rise[xs] if rise is not None else ys
    to_x = xs - lean[ys] if lean is not None else xs
    to_y, to_x = to_y - to_y.min(), to_x - to_x.min()
    level = np.zeros((int(to_y.max()) + 1, int(to_x.max()) + 1), dtype=bool)
    level[to_y, to_x] = True
    out = np.zeros_like(mask)
    out[ys, xs] = _cut_level(level, relative, mask.shape, wobble=WOBBLE)[to_y, to_x]
    return out


def _level_shift(mask: Mask, length: int) -> npt.NDArray[np.intp] | None:
    """How far to move each column of ``mask`` (h, w) down to lay its tilted ruled lines level, shape (w,);
    None when a row holds ``length`` pixels already (a level line), or no line that long is tilted.

    The tilt is the one, up to :data:`RULED_TILT` degrees, at which the most ink lines up in one row (two
    rows: a line sheared level steps by a pixel); it is a line's when the ink sheared level by it holds
    a run ``length`` long within :data:`WOBBLE` rows of one, perhaps in dashes (:data:`DASH_GAP`).
    """
    h, w = mask.shape
    if mask.sum(axis=1).max() >= length or mask.sum() < length:
        return None
    ys, xs = np.nonzero(mask)
    step = max(1, ys.size // 20000)  # the peak stands out as well in a sample
    most = int(w * np.tan(np.radians(RULED_TILT)))

    def peak(rise: int) -> int:
        counts = np.bincount(ys[::step] - np.round((xs[::step] - w // 2) * rise / w).astype(np.intp) + most)
        return int((counts[1:] + counts[:-1]).max())

    best = max(range(-most, most + 1, 3), key=peak)
    best = max(range(best - 2, best + 3), key=peak)
    if best == 0:
        return None
    shift = np.round((np.arange(w) - w // 2) * best / w).astype(np.intp)
    to = ys - shift[xs] + most
    level = np.zeros((h + 2 * most + 1, w), dtype=bool)
    level[to, xs] = True
    band = shapes.bridge(ndimage.maximum_filter1d(level, 2 * WOBBLE + 1, axis=0), round(DASH_GAP * w), axis=1)
    return shift if shapes.long_lines(band, length, axis=1).any() else None


def _cut_level(mask: Mask, relative: float | None, size: tuple[int, int], *, wobble: int) -> Mask:
    """:func:`cut_ruled_lines` of lines lying level in ``mask``, each within ``wobble`` rows (columns) of a
    straight one; ``size``: the picture's (h, w), which the lines' lengths are measured against (``mask``
    is the ink sheared level, cropped to it)."""
    height, width = size
    # a ruled line broken by a pixel of noise is one line, not a line and a sliver; a bold stroke's specks stay
    thin = mask & ~shapes.long_lines(mask, BRIDGED_THICKNESS + 1, axis=0)
    bridged = mask.copy()
    bridged[:, 1:-1] |= thin[:, :-2] & thin[:, 2:]
    across = shapes.long_lines(_banded(bridged, wobble, axis=0), int(0.4 * width), axis=1)
    across = (ndimage.maximum_filter1d(across, 4 * wobble + 1, axis=0) if wobble else across) & mask
    eight = np.ones((3, 3), dtype=bool)
    owners, n_owners = ndimage.label(mask, structure=eight)
    dashed = _dashed_lines(thin & ~across, owners, int(0.4 * width), round(DASH_GAP * width))
    across |= dashed & thin
    down = shapes.long_lines(_banded(mask, wobble, axis=1), int(GRID_LENGTH * height), axis=0)
    down = (ndimage.maximum_filter1d(down, 4 * wobble + 1, axis=1) if wobble else down) & mask
    if not across.any() and not down.any():
        return mask
    ruled_down, unlined = np.zeros_like(mask), mask & ~across & ~down
    for here, extent in _line_pieces(down, axis=0):
        span = _touched_span(here, owners, n_owners, unlined, axis=0)
        if span is not None and not _inside(extent, span, GRID_MARGIN):
            ruled_down |= here
    rest = mask & ~across & ~ruled_down  # a frame's sides stay: its top and bottom then end at them
    marks = heights = None
    if relative is not None:
        marks, _ = ndimage.label(rest, structure=eight)
        heights = [0] + [s[0].stop - s[0].start for s in ndimage.find_objects(marks)]
    ruled_across = np.zeros_like(mask)
    solid = across & ~dashed
    pieces = itertools.chain(_line_pieces(solid, axis=1), ((p & thin, e) for p, e in _line_pieces(dashed, axis=1)))
    for here, extent in pieces:
        span = _touched_span(here, owners, n_owners, rest, axis=1)
        if span is not None and _inside(extent, span, 0.1):
            if relative is None or extent[1] - extent[0] < relative * _tallest(here, marks, heights, rest):
                continue
        ruled_across |= here
    band = 4 * wobble + 1 if wobble else None  # a line taken with the rows it may step to
    mended = shapes.mend(mask & ~ruled_across & ~ruled_down, ruled_across, axis=0, width=band)
    return shapes.mend(mended, ruled_down, axis=1, width=band)


def _banded(mask: Mask, wobble: int, axis: Literal[0, 1]) -> Mask:
    """``mask`` (h, w) as it is (``wobble`` 0), or each pixel spread ``wobble`` pixels along ``axis`` (across the
    lines looked for) and gaps of ``wobble`` pixels along them bridged: a line sheared level steps and tears."""
    if not wobble:
        return mask
    along: Literal[0, 1] = 1 if axis == 0 else 0
    return shapes.bridge(ndimage.maximum_filter1d(mask, 2 * wobble + 1, axis=axis), wobble, axis=along)


def _dashed_lines(thin: Mask, owners: Labels, min_length: int, gap: int) -> Mask:
    """Horizontal lines, at least ``min_length`` long, that the threshold broke into dashes (h, w).

    Gaps up to ``gap`` pixels are bridged. The dashes are pieces of ink (``owners``: the mask's
    components) no thicker than :data:`BRIDGED_THICKNESS`, apart from any other ink: the flat feet of
    a row of digits are not dashes. A line's dashes may wander by a row; the line is given with that
    row on either side, gaps included, and holds the ``thin`` ink of the strokes it crosses.
    """
    band = ndimage.maximum_filter1d(thin, 3, axis=0)
    if band.sum(axis=1).max() < DASH_COVER * min_length:
        return np.zeros_like(thin)
    heights = np.array([0] + [s[0].stop - s[0].start for s in ndimage.find_objects(owners)])
    flat = thin & (heights[owners] <= BRIDGED_THICKNESS)
    ink = ndimage.maximum_filter1d(owners > 0, 3, axis=0)  # a line runs on through the strokes it crosses
    runs = shapes.long_lines(shapes.bridge(ink, gap, axis=1), min_length, axis=1)
    if not runs.any():
        return runs
    pieces, n = ndimage.label(runs, structure=[[0, 0, 0], [1, 1, 1], [0, 0, 0]])  # a run per row
    index = np.arange(1, n + 1)
    dashes_band = ndimage.maximum_filter1d(flat, 3, axis=0)
    cover = ndimage.mean(dashes_band, pieces, index)
    starts = dashes_band & ~np.pad(dashes_band, ((0, 0), (1, 0)))[:, :-1]
    dashes = ndimage.sum(starts, pieces, index)
    keep = np.zeros(n + 1, dtype=bool)
    keep[1:] = (cover >= DASH_COVER) & (dashes >= DASHES)
    return ndimage.maximum_filter1d(keep[pieces], 3, axis=0)


def _line_pieces(lines: Mask, axis: int) -> Iterator[tuple[Mask, tuple[int, int]]]:
    """Each connected piece of ``lines`` (h, w) with its extent (first, stop) along ``axis``."""
    if not lines.any():
        return
    pieces, _ = ndimage.label(lines, structure=np.ones((3, 3), dtype=bool))
    for i, box in enumerate(ndimage.find_objects(pieces), start=1):
        yield pieces == i, (box[axis].start, box[axis].stop)


def _touched_span(here: Mask, owners: Labels, n_owners: int, rest: Mask, axis: int) -> tuple[int, int] | None:
    """The extent along ``axis`` of the other ink (``rest``) in the components a line is part of; None if none."""
    touched = np.zeros(n_owners + 1, dtype=bool)
    touched[owners[here]] = True
    index = np.flatnonzero((rest & touched[owners]).any(axis=1 - axis))
    return None if index.size == 0 else (int(index[0]), int(index[-1]) + 1)


def _inside(extent: tuple[int, int], span: tuple[int, int], margin: float) -> bool:
    """Whether a line's ``extent`` stops within ``margin`` of ``span``'s length at one of its ends at least."""
    slack = margin * (span[1] - span[0])
    return extent[0] >= span[0] - slack or extent[1] <= span[1] + slack


def _tallest(here: Mask, marks: Labels | None, heights: list[int] | None, rest: Mask) -> int:
    """The height of the tallest mark of ``rest`` that a line touches."""
    assert marks is not None and heights is not None
    touching = np.unique(marks[ndimage.binary_dilation(here, np.ones((3, 3), dtype=bool)) & rest])
    return max((heights[t] for t in touching), default=0)


def select_digit(
    mask: Mask, *, speck_fraction: float, join_distance: float, min_extent: float
) -> tuple[Mask, Mask] | None:
    """The digit's pixels (h, w): the largest plausible component and the sizeable ones near it.

    Frames, page edges, ruled lines and solid regions at the edge (a desk)
    are never the digit. Straight strokes running between two image edges
    (margin lines, paper edges) are used only when nothing else is there: a
    "1" drawn from edge to edge.

    Parameters
    ----------
    mask : ndarray of bool, shape (h, w)
    speck_fraction : float
        Components smaller than this fraction of the largest are specks.
    join_distance : float
        Components within this fraction of the digit's size join it (a 5's bar).
    min_extent : float
        Least longer side of the digit, pixels; a smaller digit gives None.

    Returns
    -------
    (digit, scenery) or None
        Masks (h, w) of the digit and of the ink away from it that is not
        writing (frames, page edges, desk, straight lines not used; those
        within ``join_distance`` of it are left out, as they may be strokes of a
        digit cut at its ink); None if there is no digit.
    """
    labels, components = shapes.connected_components(mask)
    scenery = {c.label for c in components if is_frame(c, labels, components) or is_edge_region(c, labels)}
    candidates = [c for c in components if c.label not in scenery]
    lines = {c.label for c in candidates if is_spanning_line(c, labels)}
    for pool in ([c for c in candidates if c.label not in lines], candidates):
        chosen = _gather(pool, speck_fraction, join_distance, min_extent)
        if chosen:
            digit = np.isin(labels, chosen)
            rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
            reach = join_distance * max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
            unused = np.isin(labels, [*scenery, *(lines - set(chosen))])
            return digit, unused & ~shapes.dilate(digit, reach)
    log.debug("no digit found: no ink that could be a digit among %d marks", len(components))
    return None


PEN_LIFT = 0.25
"""A component at least this fraction of the largest one's area, and no longer than :data:`PEN_LIFT_REACH`
times its longer side, may be a stroke of the digit written after a pen lift (a 2's base, a 4's stem, a 5's
flag apart from the rest): it joins when its gap is within ``join_distance`` of the size of the two together,
not of the largest alone. Six such two-stroke digits drawn on a canvas 100 times each
(``benchmarks/hand_styles.py``), their strokes 0.25 / 0.35 of the height apart, were read right 588 / 408
of 600 times with the largest alone as the measure and 600 / 566 with this; drawn and photo-like renderings
of 2,000 validation digits each were read exactly as before."""
PEN_LIFT_REACH = 2.0
"""A ruled line or a page's edge runs on far beyond the digit; a stroke of the digit does not."""


def _side(bbox: tuple[int, int, int, int]) -> int:
    """The longer side of a box (top, left, bottom, right)."""
    return max(bbox[2] - bbox[0], bbox[3] - bbox[1])


def _gather(pool: list[shapes.Component], speck_fraction: float, join_distance: float, min_extent: float) -> list[int]:
    """Labels of the largest component and the non-specks near it (:data:`PEN_LIFT`); empty if they are too small."""
    if not pool:
        return []
    main = max(pool, key=lambda c: c.area)
    chosen, (top, left, bottom, right) = [main.label], main.bbox
    for c in sorted(pool, key=lambda c: -c.area):
        if c is main or c.area < speck_fraction * main.area:
            continue
        gap = max(c.bbox[0] - bottom, top - c.bbox[2], c.bbox[1] - right, left - c.bbox[3], 0)
        joined = min(top, c.bbox[0]), min(left, c.bbox[1]), max(bottom, c.bbox[2]), max(right, c.bbox[3])
        lifted = c.area >= PEN_LIFT * main.area and _side(c.bbox) <= PEN_LIFT_REACH * _side(main.bbox)
        reach = joined if lifted else (top, left, bottom, right)
        if gap <= join_distance * _side(reach):
            chosen.append(c.label)
            top, left, bottom, right = joined
    return chosen if _side((top, left, bottom, right)) >= min_extent else []


def is_frame(c: shapes.Component, labels: Labels, components: list[shapes.Component]) -> bool:
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


EDGE_REACH = 0.05
"""Ink this close to an edge, as a fraction of the picture's longer side, reaches it."""
EDGE_REGION = 0.2
"""A desk's region holds a disc whose radius is this fraction of the picture's shorter side."""
CORNER_LINE = 5.0
"""A line from one edge of the picture to the next is straight when this many times longer than wide
(the rim of a desk across a corner, widened by ``read``'s hysteresis: about 8)."""


def is_edge_region(c: shapes.Component, labels: Labels) -> bool:
    """Whether a component is a solid region at the picture's edge (a desk in a corner of a photo), not strokes.

    It touches an edge without reaching the opposite one (within
    :data:`EDGE_REACH`: a digit cut at its ink spans the picture), and either
    runs straight from one edge to the next (the paper's edge across a
    corner, or the rim of a desk whose inside the background estimate took
    away) or is solid: a disc of radius :data:`EDGE_REGION` times the
    picture's shorter side fits in it, the edges it touches taken as going
    on beyond the picture (as a desk does). Strokes are far thinner: a bold
    marker's half-width is 5-8 % of the digit's height. A desk along a whole
    side is a frame (:func:`is_frame`).
    """
    (h, w), (top, left, bottom, right) = labels.shape, c.bbox
    near = EDGE_REACH * max(h, w)
    if not c.touches_edge or (top <= near and bottom >= h - near) or (left <= near and right >= w - near):
        return False
    if is_spanning_line(c, labels, elongation=CORNER_LINE):  # the paper's edge, what is left of a desk
        return True
    return is_solid(c, labels, EDGE_REGION * min(h, w))


def is_solid(c: shapes.Component, labels: Labels, radius: float) -> bool:
    """Whether a disc of ``radius`` fits in a component, the picture's edges it touches taken as going on beyond."""
    return float(inner_distance(c, labels).max()) >= radius


def inner_distance(c: shapes.Component, labels: Labels) -> npt.NDArray[np.float64]:
    """Each pixel's distance to the nearest pixel not in the component, in its bounding box (bottom - top,
    right - left); the picture's edges it touches are taken as going on beyond."""
    (h, w), (top, left, bottom, right) = labels.shape, c.bbox
    mine = np.pad(labels[top:bottom, left:right] == c.label, 1)
    mine[0] |= top == 0
    mine[-1] |= bottom == h
    mine[:, 0] |= left == 0
    mine[:, -1] |= right == w
    return np.asarray(ndimage.distance_transform_edt(mine))[1:-1, 1:-1]


def is_spanning_line(c: shapes.Component, labels: Labels, *, elongation: float = 10.0) -> bool:
    """Whether a component touches two image edges and is straight (``elongation`` times longer than wide)."""
    top, left, bottom, right = c.bbox
    if (top == 0) + (left == 0) + (bottom == labels.shape[0]) + (right == labels.shape[1]) < 2:
        return False
    ys, xs = np.nonzero(labels[top:bottom, left:right] == c.label)
    spread = np.linalg.eigvalsh(np.cov(np.stack([ys, xs]).astype(float))) if ys.size > 2 else np.zeros(2)
    return bool(spread[0] * elongation**2 <= spread[1])
