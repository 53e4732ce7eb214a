"""Printed boxes on a form: a box around a number, a row of boxes (a comb), separate boxes, one per digit.

Forms ask for a zip code or an amount in boxes. Their sides are no part of
the digits, but a comb's inner walls look like a row of "1"s, and a box that
does not fill the picture is no page edge (:func:`digits.imaging.components.is_frame`).
:func:`cut_boxes` finds rectangles of straight lines in the thresholded ink
and removes their sides, mending strokes that cross them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging import shapes

Mask = npt.NDArray[np.bool_]

RUN = 0.02
"""Straight runs at least this fraction of the picture's longer side (8 pixels at least) may be sides of a box."""
OVERLAP = 0.9
"""A box's top and bottom run along each other for this fraction of the longer one at least."""
EDGE = 1.5
"""Pixels by which the edges of a box's side may stray from straight lines."""
SMALLEST = 16
"""Least height and width of a box, in working pixels: smaller rectangles are the loops of small digits."""
THIN = 0.2
"""A box's sides are at most this fraction of its shorter side thick."""
EMPTY_THIN = 0.08
"""A single box with nothing in its middle has sides at most this fraction of its shorter side thick
(a printed box: 0.02-0.05; the circles of a % sign and the loops of digits are bolder for their size)."""
SKEW = 0.05
"""Most difference in slope between a box's top and bottom, and between its walls and the square to them
(3 degrees: the two sides that a digit's loop offers are seldom that parallel)."""


ENCLOSED = 0.25
"""A closed outline holding a mark at least this fraction of its hole's height tall is a box around writing."""


def cut_enclosures(mask: Mask) -> Mask:
    """The ink ``mask`` (h, w) without closed outlines that hold other marks: boxes of any shape.

    :func:`cut_boxes` finds boxes of straight lines meeting at sharp corners.
    A box with rounded corners, a comb of them, or a ring drawn around a
    number is a mark with a hole, at least :data:`SMALLEST` pixels across,
    that holds another mark at least :data:`ENCLOSED` of the hole's height
    tall, drawn with a line thin for the hole (:data:`THIN` of its shorter
    side). A digit's loop holds specks at most, and a "0" around a dot is bold
    for its hole. Only the outline's pixels between two of its cells, or a
    cell and the outside, go (:func:`_outline`): a digit written across the
    outline joins it, and keeps its strokes but where they cross the line.
    """
    mask = np.asarray(mask, dtype=bool)
    labels, components = shapes.connected_components(mask)
    out = mask.copy()
    for c in components:
        if c.height < SMALLEST or c.width < SMALLEST:
            continue
        crop = (slice(c.bbox[0], c.bbox[2]), slice(c.bbox[1], c.bbox[3]))
        mine = labels[crop] == c.label
        filled = ndimage.binary_fill_holes(mine)
        holes, _ = ndimage.label(filled & ~mine)
        spans = ndimage.find_objects(holes)
        holding = _holding(holes, spans, mask[crop] & ~mine)
        if not holding:
            if _empty_boxes(mine, filled, holes, spans, mask[crop] & ~mine):
                out[crop] &= ~mine
            continue
        line = shapes.stroke_width(mine)  # the same for every hole: measured once
        if line <= THIN * max(holding):
            out[crop] &= ~_outline(mine, filled, holes, spans, line)
    return out


OUTLINE_REST = 0.05
"""At most this fraction of an empty box's ink lies off its outline (printed boxes: none; a digit written
across squared paper: 60-75 % of the grid's ink)."""
SQUARE_FILL = 0.88
"""An empty hole filling at least this fraction of its bounding box is a box's inside, rounded corners and all
(a rectangle with corners rounded by a third of its shorter side: 0.9); a digit's loop is an ellipse (0.79)."""


def _empty_boxes(
    mine: Mask, filled: Mask, holes: npt.NDArray[np.int32], spans: list[tuple[slice, slice]], others: Mask
) -> bool:
    """Whether a mark ``mine`` (h, w) is a printed box, or a comb of them, with nothing written in it.

    :func:`cut_boxes` needs sharp corners. A box with rounded corners is a mark whose holes (labelled in
    ``holes``, boxed by ``spans``) that are its cells (:func:`_cells`, at least :data:`SMALLEST` across)
    hold no mark of ``others`` at all, each fill :data:`SQUARE_FILL` of its bounding box, and are outlined
    thinly for their size (:data:`EMPTY_THIN`): an empty "0" is an ellipse, and a bold one. Its ink is all
    outline (:func:`_outline`; ``filled`` is ``mine`` with its holes filled): a digit written across
    squared paper joins the grid, whose cells are empty and square.
    """
    cells = _cells(spans, SMALLEST)
    if not cells:
        return False
    for k in cells:
        inside = holes[spans[k - 1]] == k
        if others[spans[k - 1]][inside].any() or inside.mean() < SQUARE_FILL:
            return False
    line = shapes.stroke_width(mine)
    if line > EMPTY_THIN * min(min(holes[spans[k - 1]].shape) for k in cells):
        return False
    return (mine & ~_outline(mine, filled, holes, spans, line)).sum() <= OUTLINE_REST * mine.sum()


CELL = 0.7
"""A box's cells are its holes at least this fraction as tall as the tallest: a digit's loop that joined the
outline is a smaller hole, and no cell."""


def _cells(spans: list[tuple[slice, slice]], least: int = 0) -> list[int]:
    """The labels (1..n) of the holes boxed by ``spans`` that are a box's cells: at least ``least`` pixels
    across, and at least :data:`CELL` times as tall as the tallest such hole."""
    sizes = [(sl[0].stop - sl[0].start, sl[1].stop - sl[1].start) for sl in spans]
    tallest = max((h for h, w in sizes if min(h, w) >= least), default=0)
    return [k for k, (h, w) in enumerate(sizes, start=1) if min(h, w) >= least and h >= CELL * tallest]


def _holding(holes: npt.NDArray[np.int32], spans: list[tuple[slice, slice]], others: Mask) -> list[int]:
    """The shorter sides of the holes (labelled 1..n in ``holes``, boxed by ``spans``), at least
    :data:`SMALLEST` across, that hold a mark of ``others`` at least :data:`ENCLOSED` of their height tall."""
    sides = []
    for k, hole in enumerate(spans, start=1):
        height, width = hole[0].stop - hole[0].start, hole[1].stop - hole[1].start
        held = others[hole] & (holes[hole] == k)
        if min(height, width) < SMALLEST or not held.any():
            continue
        tallest = max(sl[0].stop - sl[0].start for sl in ndimage.find_objects(ndimage.label(held)[0]))
        if tallest >= ENCLOSED * height:
            sides.append(min(height, width))
    return sides


def _outline(
    mine: Mask, filled: Mask, holes: npt.NDArray[np.int32], spans: list[tuple[slice, slice]], width: float
) -> Mask:
    """The pixels of an enclosing mark ``mine`` (h, w) that lie between two of its cells, or a cell and
    the outside: its outline and inner walls, not the strokes of a digit written across them.

    ``filled`` is ``mine`` with its holes filled; ``holes`` labels the holes 1..n, boxed by ``spans``,
    of which the cells are :func:`_cells`.
    """
    cells = _cells(spans)
    size = 2 * int(np.ceil(width)) + 5  # a wall of two lines (boxes drawn side by side) is between too
    regions = np.pad(np.where(np.isin(holes, cells), holes, 0), size)
    regions[np.pad(~filled, size, constant_values=True)] = len(spans) + 1  # the outside
    high = ndimage.maximum_filter(regions, size=size)
    low = ndimage.minimum_filter(np.where(regions == 0, len(spans) + 2, regions), size=size)
    between = ((high != low) & (low <= len(spans) + 1))[size:-size, size:-size]
    return mine & between


@dataclass(frozen=True)
class _Side:
    """A straight horizontal line of ink (walls are found in the transposed mask): where it runs, how thick.

    ``start`` and ``stop`` are the columns it spans, ``at(t)`` its row at
    column ``t`` (a fitted straight line: a page may be tilted).
    """

    start: int
    stop: int
    slope: float
    offset: float
    thickness: float

    @property
    def length(self) -> int:
        return self.stop - self.start

    def at(self, t: float) -> float:
        return self.slope * t + self.offset


def cut_boxes(mask: Mask) -> Mask:
    """The ink ``mask`` (h, w) without the sides of printed boxes; strokes crossing a side are mended.

    A box is a rectangle of four straight lines: a top and a bottom that run
    along each other, and a wall at each end spanning the height between
    them. Walls in between (a comb's) and further lines of the same extent
    (a grid of cells) go with it. Sides are found as runs of at least
    :data:`RUN` of the picture's longer side, so a page tilted by a degree or
    two still gives straight sides. The loop of a digit is no box: its
    corners are rounded.
    """
    mask = np.asarray(mask, dtype=bool)
    run = max(8, round(RUN * max(mask.shape)))
    across = _sides(mask, run)
    pairs = [(top, bottom) for i, top in enumerate(across) for bottom in across[i + 1 :] if _may_be_box(top, bottom)]
    if not pairs:
        return mask
    down = _sides(mask.T, run)
    removed_across, removed_down, width = np.zeros_like(mask), np.zeros_like(mask.T), 0.0
    for top, bottom in pairs:
        walls = _walls(top, bottom, down, mask)
        if walls:
            removed_across |= _band(top, mask.shape) | _band(bottom, mask.shape)
            for wall in walls:
                removed_down |= _band(wall, mask.T.shape)
            width = max(width, *(side.thickness + 2 for side in (top, bottom, *walls)))  # as wide as the bands
    if not removed_across.any():
        return mask
    out = shapes.mend(mask & ~removed_across & ~removed_down.T, removed_across & mask, axis=0, width=width)
    return shapes.mend(out, removed_down.T & mask, axis=1, width=width)


def _sides(mask: Mask, run: int) -> list[_Side]:
    """Straight horizontal lines of ``mask`` (h, w) made of runs at least ``run`` long, top to bottom."""
    lines = shapes.long_lines(mask, run, axis=1)
    if not lines.any():
        return []
    pieces, _ = ndimage.label(lines, structure=np.ones((3, 3), dtype=bool))
    sides = []
    for i, box in enumerate(ndimage.find_objects(pieces), start=1):
        if box[1].stop - box[1].start < SMALLEST:  # too short for a box's side
            continue
        rows, cols = np.nonzero(pieces[box] == i)
        side = _fit(rows + box[0].start, cols + box[1].start)
        if side is not None:
            sides.append(side)
    return sorted(sides, key=lambda s: s.at((s.start + s.stop) / 2))


def _fit(rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]) -> _Side | None:
    """The straight line through a piece's pixels (row, col), or None if the piece is not a straight line.

    One of its edges must be straight, within :data:`EDGE` pixels of a fitted
    line in :data:`OVERLAP` of its columns: a digit written in a box may
    touch its side from inside, while the side of a digit's loop is curved
    on both edges.
    """
    first, stop = int(cols.min()), int(cols.max()) + 1
    t = np.arange(first, stop)  # a piece is connected: every column holds some of it
    upper, lower = np.full(t.size, rows.max()), np.full(t.size, rows.min())
    np.minimum.at(upper, cols - first, rows)
    np.maximum.at(lower, cols - first, rows)
    fits: list[tuple[float, float]] = []
    straight: list[npt.NDArray[np.bool_]] = []
    for profile in (upper, lower):
        slope, offset = np.polyfit(t, profile, 1) if t.size > 1 else (0.0, float(profile[0]))
        fits.append((float(slope), float(offset)))
        straight.append(np.abs(profile - (slope * t + offset)) <= EDGE)
    if max(s.mean() for s in straight) < OVERLAP:
        return None
    edge = 0 if straight[0].mean() >= straight[1].mean() else 1  # the straighter edge: 0 upper, 1 lower
    both, across = straight[0] & straight[1], lower - upper + 1
    # where a digit touches the side, the piece is thicker; if it touches most of it, its thinner quarter is the side
    thickness = float(np.median(across[both]) if both.mean() >= 0.25 else np.percentile(across[straight[edge]], 25))
    slope, offset = fits[edge]
    return _Side(first, stop, slope, offset + (1 - 2 * edge) * (thickness - 1) / 2, thickness)


def _may_be_box(top: _Side, bottom: _Side) -> bool:
    """Whether two horizontal sides may be a box's top and bottom: parallel (:data:`SKEW`), running
    along each other (:data:`OVERLAP`), apart by :data:`SMALLEST` and thin for it (:data:`THIN`)."""
    start, stop = max(top.start, bottom.start), min(top.stop, bottom.stop)
    if stop - start < OVERLAP * max(top.length, bottom.length) or abs(top.slope - bottom.slope) > SKEW:
        return False
    side = min(bottom.at((start + stop) / 2) - top.at((start + stop) / 2), stop - start)
    return side >= SMALLEST and max(top.thickness, bottom.thickness) <= THIN * side


def _walls(top: _Side, bottom: _Side, down: list[_Side], mask: Mask) -> list[_Side]:
    """The walls of the box whose top and bottom are ``top`` and ``bottom`` in ``mask`` (h, w); empty if no box.

    The two lines are such that :func:`_may_be_box`. A wall reaches into
    both (a "1" written in a box does not) and is square to them
    (:data:`SKEW`); there must be one at each end of the lines, within three
    thicknesses or 3 % of their length. There is ink at the four corners,
    and paper just inside three in four of the corners of its cells (digits
    may touch some): the loop of a digit is rounded at its corners, outside
    or, when bold, inside. A single box that holds no ink in its middle must
    be thin-lined for its size (:data:`EMPTY_THIN`): a % sign's circles are
    empty loops too.
    """
    start, stop = max(top.start, bottom.start), min(top.stop, bottom.stop)
    height = bottom.at((start + stop) / 2) - top.at((start + stop) / 2)
    thickness = max(top.thickness, bottom.thickness)
    reach = max(3 * thickness, 0.03 * (stop - start))
    walls = []
    for wall in down:  # in transposed pixels: ``start``/``stop`` are rows, ``at(row)`` its column
        col = wall.at((wall.start + wall.stop) / 2)
        square = abs(wall.slope + (top.slope + bottom.slope) / 2) <= SKEW  # a page turned by t: slopes t and -t
        if not start - reach <= col <= stop + reach or wall.thickness > THIN * height or not square:
            continue
        reaches_top = wall.start <= top.at(col) + 0.5 * top.thickness + 2
        if reaches_top and wall.stop >= bottom.at(col) - 0.5 * bottom.thickness - 2:
            walls.append(wall)
    if len(walls) < 2:
        return []
    left, right = (min(walls, key=lambda w: abs(_corner(top, w)[1] - end)) for end in (start, stop))
    # the lines run from wall to wall, ending at their outer edges (a circle's flat top stops short of them)
    if left is right or not all(
        abs(_corner(line, wall)[1] - end) <= 0.5 * (thickness + wall.thickness) + 2
        for line in (top, bottom)
        for wall, end in ((left, line.start), (right, line.stop))
    ):
        return []
    near, inside = max(1.0, 0.5 * thickness), thickness + 2
    if not all(_inked(mask, _corner(line, wall), near) for wall in (left, right) for line in (top, bottom)):
        return []  # no ink at a corner: a rounded loop
    walls = sorted(walls, key=lambda w: _corner(top, w)[1])
    empty = len(walls) == 2 and not _holds_ink(top, bottom, left, right, mask)
    if empty and thickness > EMPTY_THIN * min(height, stop - start):
        return []  # an empty loop is part of a digit or a sign (a % sign's circles, an 8's loop)
    inner = []  # just inside each corner of each cell: paper in a box, ink in a bold loop
    for i, wall in enumerate(walls):
        sideways = [s for s in (-1, 1) if not (i == 0 and s < 0) and not (i == len(walls) - 1 and s > 0)]
        for line, below in ((top, 1), (bottom, -1)):
            row, col = _corner(line, wall)
            inner += [(row + below * inside, col + s * inside) for s in sideways]
    clear = sum(not _inked(mask, point, 1) for point in inner)
    return walls if clear >= 0.75 * len(inner) else []


def _holds_ink(top: _Side, bottom: _Side, left: _Side, right: _Side, mask: Mask) -> bool:
    """Whether ``mask`` (h, w) holds ink in the middle of a box: the middle half of its height and width."""
    (r0, c0), (r1, c1) = _corner(top, left), _corner(bottom, right)
    rows = slice(round(r0 + 0.25 * (r1 - r0)), round(r1 - 0.25 * (r1 - r0)) + 1)
    cols = slice(round(c0 + 0.25 * (c1 - c0)), round(c1 - 0.25 * (c1 - c0)) + 1)
    return bool(mask[rows, cols].any())


def _inked(mask: Mask, point: tuple[float, float], radius: float) -> bool:
    """Whether ``mask`` (h, w) holds ink within ``radius`` pixels (a square) of ``point`` (row, col)."""
    r, c, k = round(point[0]), round(point[1]), round(radius)
    return bool(mask[max(r - k, 0) : r + k + 1, max(c - k, 0) : c + k + 1].any())


def _corner(line: _Side, wall: _Side) -> tuple[float, float]:
    """Where a horizontal side and a wall (transposed) cross: (row, col)."""
    # row = a * col + b and col = c * row + d
    a, b, c, d = line.slope, line.offset, wall.slope, wall.offset
    row = (a * d + b) / (1 - a * c)
    return row, c * row + d


def _band(side: _Side, shape: tuple[int, int]) -> Mask:
    """The pixels (h, w) within half a thickness and a pixel of a horizontal side, along its length."""
    band = np.zeros(shape, dtype=bool)
    t = np.arange(max(side.start, 0), min(side.stop, shape[1]))
    half = 0.5 * side.thickness + 1
    rows = np.arange(shape[0])[:, None]
    band[:, t] = np.abs(rows - (side.slope * t + side.offset)[None, :]) <= half
    return band
