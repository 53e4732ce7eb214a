"""Which marks on a thresholded page are digits: ruled lines, frames and the digit's components.

These work on the boolean ink mask (h, w) that :mod:`digits.imaging.normalize`
thresholds. :func:`select_digit` picks the one digit of a picture (the
largest plausible component and the sizeable ones near it);
:mod:`digits.imaging.segment` uses :func:`cut_ruled_lines` and
:func:`is_frame` before it groups the marks into several digits.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging import shapes

log = logging.getLogger(__name__)

Mask = npt.NDArray[np.bool_]
Labels = npt.NDArray[np.int32]


def cut_ruled_lines(mask: Mask, *, relative: float | None = None) -> Mask:
    """Remove ruled lines from the ink (h, w), mending strokes that cross them.

    A straight horizontal run longer than 40% of the image's width is a ruled
    line when it sticks out on both sides of the other ink it touches by more
    than 10% of that ink's width: a digit's own bar ends where its other
    strokes begin, a ruled line runs on past them. With ``relative``, a run
    at least that many times as long as the tallest mark it touches is a
    ruled line too (one crossing a whole row of digits does not stick out of
    the row). Where ink lies above and below a removed line, the line's
    pixels are put back. Vertical lines are left alone (a "1" is one); lines
    tilted by over a pixel are not found.
    """
    lines = shapes.long_lines(mask, int(0.4 * mask.shape[1]), axis=1)
    if not lines.any():
        return mask
    eight = np.ones((3, 3), dtype=bool)
    owners, n_owners = ndimage.label(mask, structure=eight)
    pieces, _ = ndimage.label(lines, structure=eight)
    rest, ruled = mask & ~lines, np.zeros_like(lines)
    if relative is not None:
        marks, _ = ndimage.label(rest, structure=eight)
        heights = [0] + [s[0].stop - s[0].start for s in ndimage.find_objects(marks)]
    for i, piece in enumerate(ndimage.find_objects(pieces), start=1):
        here = pieces == i
        touched = np.zeros(n_owners + 1, dtype=bool)  # the components this line is part of
        touched[owners[here]] = True
        columns = np.flatnonzero((rest & touched[owners]).any(axis=0))
        if columns.size:
            margin = 0.1 * (columns[-1] - columns[0] + 1)
            inside = piece[1].start >= columns[0] - margin or piece[1].stop - 1 <= columns[-1] + margin
            if inside and relative is not None:
                touching = np.unique(marks[ndimage.binary_dilation(here, eight) & rest])
                inside = piece[1].stop - piece[1].start < relative * max((heights[t] for t in touching), default=0)
            if inside:
                continue
        ruled |= here
    if not ruled.any():
        return mask
    rest = mask & ~ruled
    reach = int(np.ceil(shapes.stroke_width(ruled))) + 2
    above = ndimage.maximum_filter1d(rest, reach, axis=0, origin=(reach - 1) // 2)
    below = ndimage.maximum_filter1d(rest, reach, axis=0, origin=-(reach // 2))
    return rest | (ruled & above & below)


def select_digit(mask: Mask, *, speck_fraction: float, join_distance: float, min_extent: float) -> Mask | None:
    """The digit's pixels (h, w): the largest plausible component and the sizeable ones near it.

    Frames, page edges and ruled lines are never the digit. Straight strokes
    running between two image edges (margin lines, paper edges) are used
    only when nothing else is there: a "1" drawn from edge to edge.

    Parameters
    ----------
    mask : ndarray of bool, shape (h, w)
    speck_fraction : float
        Components smaller than this fraction of the largest are specks.
    join_distance : float
        Components within this fraction of the digit's size join it (a 5's bar).
    min_extent : float
        Least longer side of the digit, pixels; a smaller digit gives None.
    """
    labels, components = shapes.connected_components(mask)
    candidates = [c for c in components if not is_frame(c, labels, components)]
    lines = {c.label for c in candidates if is_spanning_line(c, labels)}
    for pool in ([c for c in candidates if c.label not in lines], candidates):
        chosen = _gather(pool, speck_fraction, join_distance, min_extent)
        if chosen:
            return np.isin(labels, chosen)
    log.debug("no digit found: no ink that could be a digit among %d marks", len(components))
    return None


def _gather(pool: list[shapes.Component], speck_fraction: float, join_distance: float, min_extent: float) -> list[int]:
    """Labels of the largest component and the non-specks near it; empty if they are too small."""
    if not pool:
        return []
    main = max(pool, key=lambda c: c.area)
    chosen, (top, left, bottom, right) = [main.label], main.bbox
    for c in sorted(pool, key=lambda c: -c.area):
        if c is main or c.area < speck_fraction * main.area:
            continue
        gap = max(c.bbox[0] - bottom, top - c.bbox[2], c.bbox[1] - right, left - c.bbox[3], 0)
        if gap <= join_distance * max(bottom - top, right - left):
            chosen.append(c.label)
            top, left = min(top, c.bbox[0]), min(left, c.bbox[1])
            bottom, right = max(bottom, c.bbox[2]), max(right, c.bbox[3])
    return chosen if max(bottom - top, right - left) >= min_extent else []


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


def is_spanning_line(c: shapes.Component, labels: Labels) -> bool:
    """Whether a component touches two image edges and is straight (ten times longer than wide)."""
    top, left, bottom, right = c.bbox
    if (top == 0) + (left == 0) + (bottom == labels.shape[0]) + (right == labels.shape[1]) < 2:
        return False
    ys, xs = np.nonzero(labels[top:bottom, left:right] == c.label)
    spread = np.linalg.eigvalsh(np.cov(np.stack([ys, xs]).astype(float))) if ys.size > 2 else np.zeros(2)
    return bool(spread[0] * 100 <= spread[1])
