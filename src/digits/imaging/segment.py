"""Cutting a picture of several digits into single digits, in reading order.

The ink is found as for one digit (:func:`digits.imaging.ink.find_ink`: the
same polarity, background and threshold decisions) and every digit found
goes through :func:`digits.imaging.normalize.to_mnist`. In between:

1. marks: connected components of the ink, grown through fainter pixels
   next to it (hysteresis: a faint stretch of a stroke no longer breaks it);
   frames, page edges and specks dropped;
2. broken strokes merged: marks whose horizontal extents overlap strongly
   and that are vertically close, relative to their height (a 5 whose flag
   is detached, a 4 in two pieces); a thin mark below another (an
   underline) is not merged into it;
3. lines: marks clustered by vertical overlap, tallest first, so a comma
   joins the line of its digits; lines top to bottom, marks left to right.
   In a photo held askew, the lines' tilt is found first and each mark is
   moved by it, so that tilted lines cluster as level ones;
4. non-digits dropped by size relative to their line's height: dots,
   commas, dashes, underlines, stray marks, and lines made only of them
   (commas hanging below a line's baseline, too); a line's small marks
   stay in its strip for the line reader (they may be pieces of a broken
   digit);
5. touching digits: a mark wide for its height is offered cut into 2..k
   pieces at the deepest valleys of its vertical projection.

:func:`segment_digits` returns the marks of step 5; :func:`segment_lines`
stops at step 4 and returns each line as a strip for a reader of whole
lines (:mod:`digits.imaging.lines`), with its marks each read whole.
Whether to cut a wide mark, and whether a tall odd mark (a currency sign) is
a digit at all, takes a classifier: that is decided in
:class:`digits.recognizer.Recognizer`, which scores every alternative.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging import shapes
from digits.imaging.components import cut_ruled_lines, is_edge_region, is_frame, is_spanning_line
from digits.imaging.ink import InkImage, find_ink, ink_contrast, soft_ink
from digits.imaging.io import ImageSource
from digits.imaging.lines import Strip, line_strip, upright_strip
from digits.imaging.normalize import NormalizeOptions, smallest_digit, to_mnist

Mask = npt.NDArray[np.bool_]
Box = tuple[int, int, int, int]  # (top, left, bottom, right) in working pixels, bottom and right exclusive
RULED = 3.0
"""A straight run 3 times as long as the tallest mark it touches is a ruled line (:func:`cut_ruled_lines`)."""


@dataclass(frozen=True)
class SegmentOptions:
    """Settings of :func:`segment_digits`; fractions are of a line's (or mark's) height.

    Attributes
    ----------
    normalize : NormalizeOptions
        Decoding and thresholding (shared with :func:`normalize_digit`); pictures
        of several digits are analysed up to 2048 pixels wide.
    speck : float
        Marks whose longer side is under this fraction of the digits' height are specks.
    merge_overlap : float
        Marks merge when their horizontal extents overlap by this fraction of the narrower one ...
    merge_gap : float
        ... and the vertical gap between them is at most this fraction of the taller one ...
    merge_height : float
        ... and together they are at most this fraction of the digits' height.
    stack_gap : float
        Two lines of one digit-sized mark each are one digit when the marks
        overlap as for merging and the gap between them is at most this
        fraction of the taller one, whatever their height (:func:`_join_stacked`).
    comma_gap : float
        A line under half as tall as another is punctuation hanging below
        it, not writing, when it overlaps it or starts at most this fraction
        of its height below it, in a gap between its digits (a comma under
        the baseline).
    end_reach : float
        A line's strip keeps its small marks between its digits and within
        this fraction of its digits' height beyond the first and last.
    min_height : float
        Marks shorter than this fraction of their line's height are not digits (., - _).
    min_line : float
        Lines shorter than this fraction of the digits' height hold no digits (an underline).
    split_aspect : float
        Marks at least this wide (fraction of their height) are offered cut into pieces.
    min_piece : float
        Narrowest piece of a cut, fraction of the mark's height (a "1").
    max_pieces : int
        Most pieces one mark is cut into.
    grow : float
        Hysteresis: ink reaching the threshold is grown through connected
        pixels stronger than this fraction of the threshold (over the paper),
        mending faint breaks in a stroke; 1: off.
    """

    normalize: NormalizeOptions = field(default_factory=lambda: NormalizeOptions(max_side=2048))
    speck: float = 0.1
    merge_overlap: float = 0.5
    merge_gap: float = 0.3
    merge_height: float = 1.3
    stack_gap: float = 0.1
    comma_gap: float = 0.25
    end_reach: float = 0.5
    min_height: float = 0.5
    min_line: float = 0.4
    split_aspect: float = 0.8
    min_piece: float = 0.15
    max_pieces: int = 4
    grow: float = 0.5


@dataclass(frozen=True)
class Piece:
    """One digit's worth of ink.

    Attributes
    ----------
    image : ndarray of uint8, shape (28, 28)
        The ink through :func:`to_mnist`: white on black, MNIST style.
    box : (x, y, w, h)
        Its bounding box in the input image's pixels.
    """

    image: npt.NDArray[np.uint8] = field(repr=False, compare=False)
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class Candidate:
    """A mark that may be one digit or several touching ones.

    Attributes
    ----------
    whole : Piece
        The mark read as one digit.
    splits : tuple of tuple of Piece
        Alternative readings as 2..k digits, left to right (empty unless the mark is wide).
    line : int
        Its line, 0 the top one.
    line_height : float
        The height of a typical digit of its line, input pixels.
    """

    whole: Piece
    splits: tuple[tuple[Piece, ...], ...]
    line: int
    line_height: float


@dataclass(frozen=True)
class Line:
    """One line of writing, for a reader of whole lines: its ink as a strip and where its marks are.

    Attributes
    ----------
    strip : Strip
        The ink of all its marks, small ones (punctuation, pieces of a broken
        digit) included (:func:`digits.imaging.lines.line_strip`).
    marks : list of Piece
        Its digit-sized marks left to right, each whole as one MNIST-style digit, boxed in input pixels.
    slope : float
        The tilt of the picture's lines of writing, rows per column (0 when level).
    upright : Strip or None
        Where the line leans further from upright than rows of MNIST digits do, its
        strip stood up as they stand (:func:`digits.imaging.lines.upright_strip`); else None.
    """

    strip: Strip
    marks: list[Piece]
    slope: float = 0.0
    upright: Strip | None = None

    @property
    def spread(self) -> float:
        """How unevenly the line is written: the standard deviation of the tops of its marks at
        least half as tall as the tallest, the tilt taken out, over their median height.

        Rows of validation digits written one height on one baseline (``digit_strings``) spread
        0.03-0.10 (10th-90th percentile, median 0.06); written loosely (``RowStyle(loose=1.0)``: a small 0
        high beside a 9 hanging low), 0.06-0.22 (median 0.15). 0 with fewer than two such marks.
        """
        boxes = np.array([m.box for m in self.marks], float).reshape(-1, 4)
        tall = boxes[boxes[:, 3] >= 0.5 * boxes[:, 3].max()] if len(boxes) else boxes
        if len(tall) < 2:
            return 0.0
        tops = tall[:, 1] - self.slope * (tall[:, 0] + tall[:, 2] / 2)
        return float(np.std(tops) / np.median(tall[:, 3]))


def segment_digits(image: ImageSource, options: SegmentOptions | None = None) -> list[Candidate]:
    """Find the digits in a picture of several, in reading order.

    Parameters
    ----------
    image : path, bytes, file object, PIL image or ndarray
        Anything :func:`digits.imaging.io.load_image` reads, of either polarity.
    options : SegmentOptions, optional

    Returns
    -------
    list of Candidate
        Line by line, left to right; empty when there is no ink, or it is too
        faint or noisy to be writing.

    Raises
    ------
    ImageDecodeError, ImageTooLargeError
        From decoding (see :func:`digits.imaging.io.read_image`).
    """
    opts = options or SegmentOptions()
    found = _find_lines(image, opts)
    if found is None:
        return []
    ink, labels, lines, _ = found
    return [
        _candidate(ink, labels, mark, number, _digit_height(line), opts)
        for number, line in enumerate(lines)
        for mark in _digit_marks(line, opts)
    ]


def segment_lines(image: ImageSource, options: SegmentOptions | None = None) -> list[Line]:
    """The lines of writing in a picture, top to bottom, found as in :func:`segment_digits`
    (same arguments and errors), each as a strip and its marks, without cutting marks into digits."""
    opts = options or SegmentOptions()
    found = _find_lines(image, opts)
    if found is None:
        return []
    ink, labels, lines, slope = found
    result = []
    for line in lines:
        digits = _digit_marks(line, opts)
        keep = np.isin(labels, [label for mark in _strip_marks(line, digits, opts) for label in mark.labels])
        regions = [_region(ink, labels, mark) for mark in digits]
        pieces = [_piece(ink, region, region.keep, opts) for region in regions]
        height = _digit_height(line)
        strip = line_strip(ink, keep, height, slope)
        result.append(Line(strip, pieces, slope, upright_strip(ink, keep, height, slope, strip)))
    return result


_Found = tuple[InkImage, npt.NDArray[np.int32], list[list["_Mark"]], float]
"""A picture's ink, the label image of its marks, the marks line by line, and the lines' slope (:func:`_slope`)."""


def _find_lines(image: ImageSource, opts: SegmentOptions) -> _Found | None:
    """The picture's ink, the labels of its marks and the marks line by line; None without writing."""
    for ink in find_ink(image, opts.normalize):  # a second view only if the first holds no writing
        found = _lines_of(ink, opts)
        if found is not None:
            return found
    return None


def _lines_of(ink: InkImage, opts: SegmentOptions) -> _Found | None:
    """:func:`_find_lines` on one view of the picture's ink."""
    strong = cut_ruled_lines(ink.mask, relative=RULED)
    labels, marks, scenery = _marks(_grown(ink, strong, opts.grow), strong, opts)
    # as for one digit: specks alone are no writing
    if not marks or max(max(m.height, m.width) for m in marks) < smallest_digit(ink):
        return None
    height = _digit_height(marks)
    merged = _merge(marks, height, opts)
    slope = _slope(merged, height)
    lines = _lines(merged, height, opts, slope)
    digits = [mark for line in lines for mark in _digit_marks(line, opts)]
    if not digits:
        return None
    used = [label for mark in digits for label in mark.labels]
    # the contrast of the ink above the threshold, as for one digit (grown faint pixels would lower it),
    # with the paper's noise measured without the scenery away from the digits
    writing = np.isin(labels, used)
    apart = np.isin(labels, scenery) & ~shapes.dilate(writing, opts.normalize.join_distance * height)
    if ink_contrast(ink, writing & strong, opts.normalize, ignore=apart) is None:
        return None
    return ink, labels, lines, slope


# ---------------------------------------------------------------- marks, merging and lines


def _grown(ink: InkImage, strong: Mask, grow: float) -> Mask:
    """The ink ``strong`` (h, w) grown through fainter connected pixels (hysteresis).

    Growth reaches at most 1.5 stroke widths from the ink: it mends a faint
    stretch of a stroke, but a faint ruled line (which the threshold leaves
    out, and which may be tilted) only adds stubs to the digits it crosses
    instead of joining them. Ruled lines and boxes cut out of the ink
    (:attr:`InkImage.cut`) stay out.
    """
    if grow >= 1.0 or not strong.any():
        return strong
    near = shapes.dilate(strong, 1.5 * shapes.stroke_width(strong))
    faint = cut_ruled_lines(ink.strength > ink.paper + grow * (ink.level - ink.paper), relative=RULED) & near
    ruled = ((ink.strength > ink.level) & ~strong) | ink.cut
    if ruled.any():
        faint &= ~shapes.dilate(ruled, 2.0)
    labels, _ = ndimage.label(faint | strong, structure=np.ones((3, 3), bool))
    seeds = np.unique(labels[strong])
    return np.isin(labels, seeds[seeds > 0])


@dataclass(frozen=True)
class _Mark:
    """Connected components taken together: their labels and bounding box (working pixels)."""

    labels: tuple[int, ...]
    box: Box

    @property
    def height(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def width(self) -> int:
        return self.box[3] - self.box[1]

    def __or__(self, other: _Mark) -> _Mark:
        a, b = self.box, other.box
        return _Mark(self.labels + other.labels, (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])))


def _digit_height(marks: list[_Mark]) -> float:
    """The height of a typical digit: the median of the marks at least half as tall as the tallest."""
    heights = np.array([m.height for m in marks], dtype=float)
    return float(np.median(heights[heights >= 0.5 * heights.max()]))


def _marks(mask: Mask, strong: Mask, opts: SegmentOptions) -> tuple[npt.NDArray[np.int32], list[_Mark], list[int]]:
    """The label image of ``mask`` (h, w), the marks that may belong to digits, and the labels of scenery.

    A mark's box is that of its ``strong`` ink (above the threshold); marks
    without any, and specks, are dropped. A solid region at the edge (a desk:
    :func:`is_edge_region`) is scenery. A frame (:func:`is_frame`) or a
    straight line between two edges (:func:`is_spanning_line`) is scenery
    when it is a horizontal line or over 1.5 digit heights, or when there is
    nothing but frames, desk and two or more such lines (blank squared
    paper); otherwise it is a digit touching the edge of a tightly cropped
    image (a 1 from edge to edge).
    """
    labels, components = shapes.connected_components(mask)
    boxes = ndimage.find_objects(np.where(strong, labels, 0), max_label=len(components))
    components = [c for c, box in zip(components, boxes, strict=True) if box is not None]
    frames = {c.label for c in components if is_frame(c, labels, components)}
    lines = {c.label for c in components if is_spanning_line(c, labels)}
    regions = {c.label for c in components if is_edge_region(c, labels)}
    marks = []
    for c in components:
        rows, cols = boxes[c.label - 1]
        marks.append(_Mark((c.label,), (rows.start, cols.start, rows.stop, cols.stop)))
    # a box, a page edge, a desk, or lines from edge to edge (a grid) alone: nothing written; one such line may be a 1
    blank = frames | regions | (lines if len(lines) > 1 else set())
    if all(m.labels[0] in blank for m in marks):
        return labels, [], [m.labels[0] for m in marks]
    edges = frames | lines
    height = _digit_height([m for m in marks if m.labels[0] not in edges | regions] or marks)
    kept, scenery = [], []
    for m in marks:
        line_like = m.height * 8 <= m.width or max(m.height, m.width) > 1.5 * height
        if m.labels[0] in regions or (m.labels[0] in edges and line_like):
            scenery.append(m.labels[0])
        elif max(m.height, m.width) >= opts.speck * height:
            kept.append(m)
    return labels, kept, scenery


def _merge(marks: list[_Mark], height: float, opts: SegmentOptions) -> list[_Mark]:
    """Marks joined while two of them belong together (:func:`_together`), until none do."""
    marks = sorted(marks, key=lambda m: m.box[1])
    changed = True
    while changed:
        changed = False
        for i in range(len(marks)):
            j = i + 1
            while i < len(marks) and j < len(marks):
                if _together(marks[i], marks[j], opts, gap=opts.merge_gap, tallest=opts.merge_height * height):
                    marks[i] = marks[i] | marks.pop(j)
                    changed, j = True, i + 1
                else:
                    j += 1
    return marks


def _together(a: _Mark, b: _Mark, opts: SegmentOptions, *, gap: float, tallest: float) -> bool:
    """Whether two marks are pieces of one digit: one above the other, close, together not too tall.

    They overlap sideways by ``merge_overlap`` of the narrower, the gap between
    them is at most ``gap`` of the taller, and together they are at most
    ``tallest`` pixels high. A thin mark wholly below a taller one (an
    underline) stays apart.
    """
    overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    if overlap < opts.merge_overlap * min(a.width, b.width):
        return False
    if max(b.box[0] - a.box[2], a.box[0] - b.box[2], 0) > gap * max(a.height, b.height):
        return False
    if max(a.box[2], b.box[2]) - min(a.box[0], b.box[0]) > tallest:
        return False
    thin, tall = (a, b) if a.height <= b.height else (b, a)
    underline = thin.height <= 0.25 * tall.height and thin.width >= 2 * thin.height
    return not (underline and thin.box[0] >= tall.box[2] - 0.1 * tall.height)


SLANTS = np.arange(-20, 21)
"""The tilts of a photo's lines of writing tried by :func:`_slope`, degrees."""
LEAST_SLANT = 3
"""Lines tilted by less than this many degrees are read as they are."""
STEEP = np.concatenate((np.arange(-45, -20), np.arange(21, 46)))
"""Tilts, degrees, beyond the :data:`SLANTS` that :func:`steep_tilt` tries: a line so steep is not
levelled by shearing it (its digits stay turned) but read from the picture turned level."""


def _slope(marks: list[_Mark], height: float) -> float:
    """The slope (rows per column) of the lines of writing in a tilted photo; 0 when they are level.

    The marks at least half the digits' ``height`` tall vote: under each of
    the :data:`SLANTS`, their middles are projected along it, and the tilt
    is the one (the middle one of a run of equals) under which the most
    pairs of them lie within a quarter of ``height`` of each other, if that
    is more pairs than level and it is at least :data:`LEAST_SLANT` degrees.
    """
    tall = [m for m in marks if m.height >= 0.5 * height]
    if len(tall) < 3:
        return 0.0
    middles = [((m.box[1] + m.box[3]) / 2, (m.box[0] + m.box[2]) / 2) for m in tall]
    pairs = _aligned_pairs(middles, SLANTS, height)
    best = np.flatnonzero(pairs == pairs.max())
    chosen = int(best[len(best) // 2])
    if pairs[chosen] <= pairs[int(np.flatnonzero(SLANTS == 0)[0])] or abs(SLANTS[chosen]) < LEAST_SLANT:
        return 0.0
    return float(np.tan(np.radians(SLANTS[chosen])))


def steep_tilt(boxes: list[tuple[int, int, int, int]]) -> float:
    """The tilt, degrees (positive: the lines run down to the right), of lines of digits boxed ``boxes``
    (x, y, w, h) when it lies beyond the :data:`SLANTS`, among the :data:`STEEP` tilts; 0 when it does not.

    Counted as :func:`_slope` counts, over the boxes at least half as tall as the tallest: a steep tilt
    must align more pairs of their middles than any of the :data:`SLANTS` does.
    """
    heights = np.array([b[3] for b in boxes], dtype=float)
    tall = [b for b in boxes if b[3] >= 0.5 * heights.max()] if boxes else []
    if len(tall) < 3:
        return 0.0
    height = float(np.median([b[3] for b in tall]))
    middles = [(b[0] + b[2] / 2, b[1] + b[3] / 2) for b in tall]
    steep, level = _aligned_pairs(middles, STEEP, height), _aligned_pairs(middles, SLANTS, height)
    if steep.max() <= level.max():
        return 0.0
    best = np.flatnonzero(steep == steep.max())
    return float(STEEP[int(best[len(best) // 2])])


def _aligned_pairs(
    middles: list[tuple[float, float]], tilts: npt.NDArray[np.int_], height: float
) -> npt.NDArray[np.int_]:
    """For each of the ``tilts`` (degrees), how many pairs of the ``middles`` (x, y) lie within a quarter of
    ``height`` of each other when projected along it."""
    x, y = np.array(middles, dtype=float).T
    pairs = []
    for slope in np.tan(np.radians(tilts)):
        level = np.sort(y - slope * x)
        within = np.searchsorted(level, level + 0.25 * height, side="right") - np.arange(1, level.size + 1)
        pairs.append(int(within.sum()))
    return np.array(pairs)


def _lines(marks: list[_Mark], height: float, opts: SegmentOptions, slope: float = 0.0) -> list[list[_Mark]]:
    """Marks grouped into lines of writing (:func:`_level_lines`) as if the lines had no ``slope``.

    With a slope (a tilted photo), each mark's box is first moved up or down
    by ``slope`` times its middle column, so that the tilted lines are level;
    the lines hold the marks as they are.
    """
    if not slope:
        return _level_lines(marks, height, opts)
    moved = []
    for m in marks:
        shift = round(slope * (m.box[1] + m.box[3]) / 2)
        moved.append(_Mark(m.labels, (m.box[0] - shift, m.box[1], m.box[2] - shift, m.box[3])))
    owner = {label: m for m in marks for label in m.labels}
    return [
        [functools.reduce(operator.or_, dict.fromkeys(owner[label] for label in m.labels)) for m in line]
        for line in _level_lines(moved, height, opts)
    ]


def _level_lines(marks: list[_Mark], height: float, opts: SegmentOptions) -> list[list[_Mark]]:
    """Marks grouped into lines of writing; top to bottom, left to right.

    The tallest marks found the lines; a mark joins the line it overlaps
    most if that covers half of the shorter of the two. Lines that are
    stacked pieces of one digit are joined (:func:`_join_stacked`). Then
    lines under ``min_line`` of the digits' height, and lines under half as
    tall as a line they overlap or hang just under (``comma_gap``: commas
    below its baseline), are dropped. A line keeps its small marks
    (punctuation, pieces of a broken digit); :func:`_digit_marks` picks its
    digit-sized ones.
    """
    lines: list[tuple[list[_Mark], list[int]]] = []  # members, [top, bottom] of the tall ones
    for mark in sorted(marks, key=lambda m: -m.height):
        top, bottom = mark.box[0], mark.box[2]
        overlaps = [min(bottom, span[1]) - max(top, span[0]) for _, span in lines]
        best = int(np.argmax(overlaps)) if overlaps else -1
        if best < 0 or overlaps[best] < 0.5 * min(mark.height, lines[best][1][1] - lines[best][1][0]):
            lines.append(([mark], [top, bottom]))
            continue
        members, span = lines[best]
        members.append(mark)
        if mark.height >= 0.7 * members[0].height:
            span[:] = [min(span[0], top), max(span[1], bottom)]
    ordered = _join_stacked([members for members, span in sorted(lines, key=lambda line: sum(line[1]))], opts)
    heights = [_digit_height(members) for members in ordered]
    digits = [_digit_marks(members, opts) for members in ordered]
    reach = [(min(m.box[0] for m in members), max(m.box[2] for m in members)) for members in ordered]
    result = []
    for i, members in enumerate(ordered):
        tall = heights[i]
        hanging = any(  # commas below a line's baseline form a short line of their own, overlapping it ...
            heights[j] >= 2 * tall
            and (
                (reach[i][0] < reach[j][1] and reach[j][0] < reach[i][1])
                or (  # ... or just under it, in a gap between its digits
                    reach[j][1] <= reach[i][0] <= reach[j][1] + opts.comma_gap * heights[j]
                    and _in_a_gap(members, digits[j])
                )
            )
            for j in range(len(ordered))
        )
        if tall >= opts.min_line * height and not hanging:
            result.append(sorted(members, key=lambda m: m.box[1]))
    return result


def _in_a_gap(marks: list[_Mark], digits: list[_Mark]) -> bool:
    """Whether the middle of ``marks`` lies between the first and the last of ``digits``, under none of them."""
    middle = (min(m.box[1] for m in marks) + max(m.box[3] for m in marks)) / 2
    inside = min(d.box[1] for d in digits) < middle < max(d.box[3] for d in digits)
    return inside and not any(d.box[1] <= middle <= d.box[3] for d in digits)


def _join_stacked(lines: list[list[_Mark]], opts: SegmentOptions) -> list[list[_Mark]]:
    """Lines made of one digit-sized mark each that are pieces of one digit, joined into one line.

    A digit drawn as stacked pieces that do not touch (an 8 drawn as two
    loops, a 9 whose tail came apart) gives two marks that :func:`_merge`
    leaves apart when they are all the picture holds: the digits' height is
    then measured on the pieces themselves, and together they are too tall.
    Next lines (top to bottom) whose only digit-sized marks belong together
    by :func:`_together`, their height aside and with a gap of at most
    ``stack_gap``, become one line with those marks joined.
    """
    lines = list(lines)
    i = 0
    while i + 1 < len(lines):
        upper, lower = _digit_marks(lines[i], opts), _digit_marks(lines[i + 1], opts)
        if len(upper) == len(lower) == 1 and _together(upper[0], lower[0], opts, gap=opts.stack_gap, tallest=math.inf):
            rest = [m for m in lines[i] + lines[i + 1] if m not in (upper[0], lower[0])]
            lines[i : i + 2] = [sorted([*rest, upper[0] | lower[0]], key=lambda m: m.box[1])]
        else:
            i += 1
    return lines


def _strip_marks(line: list[_Mark], digits: list[_Mark], opts: SegmentOptions) -> list[_Mark]:
    """The marks of a line for its strip: its digit-sized ones ``digits`` and the small ones near them.

    The strip spans the digit-sized marks and ``end_reach`` digit heights
    beyond; a small mark reaching into it is kept and widens it the same way
    (the pieces of a broken first digit), so punctuation and broken digits
    stay, but not the stub of a ruled line away from the writing.
    """
    reach = opts.end_reach * _digit_height(line)
    left, right = min(d.box[1] for d in digits) - reach, max(d.box[3] for d in digits) + reach
    kept, rest = list(digits), [m for m in line if m not in digits]
    while near := [m for m in rest if m.box[3] > left and m.box[1] < right]:
        kept += near
        rest = [m for m in rest if m not in near]
        left, right = min(left, *(m.box[1] - reach for m in near)), max(right, *(m.box[3] + reach for m in near))
    return kept


def _digit_marks(line: list[_Mark], opts: SegmentOptions) -> list[_Mark]:
    """The marks of a line tall enough to be digits: at least ``min_height`` of its digits' height."""
    tall = _digit_height(line)
    return [m for m in line if m.height >= opts.min_height * tall]


# ---------------------------------------------------------------- pieces and cuts


@dataclass(frozen=True)
class _Region:
    """A mark's surroundings (h, w) at ``origin``: its pixels, all ink above the threshold, the ink strength."""

    keep: Mask
    ink: Mask
    strength: npt.NDArray[np.float32]
    origin: tuple[int, int]


def _region(ink: InkImage, labels: npt.NDArray[np.int32], mark: _Mark) -> _Region:
    rows, cols = slice(max(mark.box[0] - 3, 0), mark.box[2] + 3), slice(max(mark.box[1] - 3, 0), mark.box[3] + 3)
    strength = ink.strength[rows, cols]
    return _Region(np.isin(labels[rows, cols], mark.labels), strength > ink.level, strength, (rows.start, cols.start))


def _candidate(
    ink: InkImage, labels: npt.NDArray[np.int32], mark: _Mark, line: int, tall: float, opts: SegmentOptions
) -> Candidate:
    """A mark as one digit and, if it is wide, cut into 2..k digits at projection valleys."""
    region = _region(ink, labels, mark)
    splits: list[tuple[Piece, ...]] = []
    if mark.width >= opts.split_aspect * mark.height:
        pieces: dict[tuple[int, int], Piece | None] = {}  # cuts share pieces: each is normalized once
        for cuts in _cuts(region.keep & region.ink, opts):  # valleys of the ink above the threshold
            edges = list(itertools.pairwise((0, *cuts, region.keep.shape[1])))
            for start, stop in edges:
                if (start, stop) not in pieces:
                    keep = _clean(_columns(region.keep, start, stop))
                    strong = (keep & region.ink).any()  # grown faint pixels alone are no digit
                    pieces[start, stop] = _piece(ink, region, keep, opts) if strong else None
            split = tuple(piece for edge in edges if (piece := pieces[edge]) is not None)
            if len(split) == len(edges):
                splits.append(split)
    whole = _piece(ink, region, region.keep, opts)
    return Candidate(whole, tuple(splits), line, tall * ink.scale[0])


def _piece(ink: InkImage, region: _Region, keep: Mask, opts: SegmentOptions) -> Piece:
    """The ink ``keep`` (h, w) of a region as an MNIST digit, with its box in input pixels."""
    soft = soft_ink(region.strength, ink.level, keep, within=~(region.ink & ~keep))
    image = to_mnist(soft, stroke_range=opts.normalize.stroke_range)
    inked = keep & region.ink  # the box of the ink above the threshold, without grown faint pixels
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    oy, ox = region.origin
    top, left, bottom, right = ink.to_input((oy + rows[0], ox + cols[0], oy + rows[-1] + 1, ox + cols[-1] + 1))
    return Piece(image, (left, top, right - left, bottom - top))


def _clean(piece: Mask) -> Mask:
    """A cut piece (h, w) without the crumbs of its neighbours' strokes (under 5% of its ink)."""
    labels, n = ndimage.label(piece, structure=np.ones((3, 3), bool))
    if n <= 1:
        return piece
    areas = np.bincount(labels.ravel())[1:]
    return np.isin(labels, 1 + np.flatnonzero(areas >= 0.05 * areas.sum()))


def _columns(keep: Mask, start: int, stop: int) -> Mask:
    """The pixels of ``keep`` (h, w) in columns ``start`` to ``stop`` (exclusive)."""
    band = np.zeros_like(keep)
    band[:, start:stop] = keep[:, start:stop]
    return band


def _cuts(keep: Mask, opts: SegmentOptions) -> list[tuple[int, ...]]:
    """Columns at which to cut a wide mark (h, w) into 2..k pieces: tuples of ascending columns.

    Valleys are local minima of the vertical projection (smoothed over 6% of
    the height), at least ``min_piece`` heights from the ends and from each
    other; the five deepest are combined into every cut into up to
    ``max_pieces`` pieces no narrower on average than 0.3 heights. (Cuts along
    the ink's slant gave the right pieces for fewer touching MNIST pairs: 84%, not 88%.)
    """
    rows, cols = np.flatnonzero(keep.any(axis=1)), np.flatnonzero(keep.any(axis=0))
    height, first, last = rows[-1] - rows[0] + 1, cols[0], cols[-1] + 1
    profile = ndimage.uniform_filter1d(keep.sum(axis=0).astype(float), max(1, round(0.06 * height)))
    gap = max(1, round(opts.min_piece * height))
    inner = range(first + gap, last - gap + 1)
    valleys = [c for c in inner if profile[c] <= profile[c - 1] and profile[c] <= profile[c + 1]]
    chosen: list[int] = []
    for c in sorted(valleys, key=lambda c: (profile[c], c)):
        if all(abs(c - o) >= gap for o in chosen):
            chosen.append(c)
        if len(chosen) == 5:
            break
    most = min(opts.max_pieces, max(2, int((last - first) / (0.3 * height))))
    return [
        cut
        for k in range(2, most + 1)
        for cut in itertools.combinations(sorted(chosen), k - 1)
        if all(b - a >= gap for a, b in itertools.pairwise(cut))
    ]
