"""Steps 1-5 of the one normalization: where the ink is in any picture.

Every reader of digits starts here: :func:`digits.imaging.normalize.normalize_digit`
(one digit) and :func:`digits.imaging.segment.segment_digits` (several).
:func:`find_ink` decodes the image, paints over a desk round a sheet of paper
(:mod:`digits.imaging.sheet`), decides the polarity (ink is the
minority, the tail reaching farther from the median), removes the background
(a grey opening wider than the strokes, divided out only where it varies),
denoises and thresholds at half the ink's own strength, never below the
background's noise; ruled lines, the sides of printed boxes
(:mod:`digits.imaging.boxes`) and a desk at the edges are cut out of the mask. Which marks are
digits is the caller's choice (:mod:`digits.imaging.components`); if it finds
none in a picture that looks cut right at its ink, :func:`find_ink` offers a
second view with a margin of paper added around it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from digits.imaging import filters, shapes
from digits.imaging.boxes import cut_boxes, cut_enclosures
from digits.imaging.components import EDGE_REACH, EDGE_REGION, cut_ruled_lines, inner_distance, is_spanning_line
from digits.imaging.io import ImageSource, read_image
from digits.imaging.sheet import dark_marks, holds_writing, lift_sheet

if TYPE_CHECKING:
    from digits.imaging.normalize import NormalizeOptions

log = logging.getLogger(__name__)

FloatImage = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class InkImage:
    """An image's ink, as :func:`find_ink` found it (steps 1-5), in working pixels.

    Attributes
    ----------
    strength : ndarray of float32, shape (h, w)
        Ink strength, 0 paper .. 1 black, background removed and denoised.
    mask : ndarray of bool, shape (h, w)
        Pixels stronger than ``level``; ruled lines, the sides of printed boxes and a desk at
        the picture's edges (:func:`_desk`) cut out.
    cut : ndarray of bool, shape (h, w)
        The ink cut out: the ruled lines, box sides and desk above ``level``, and box sides
        that only fainter pixels show (a form printed in a light colour).
    level : float
        The threshold separating ink from paper.
    paper : float
        The paper's ink strength (the median).
    polarity, background
        As in :class:`NormalizedDigit`.
    original : (int, int)
        The input image's (height, width).
    decoded : (int, int)
        Its (height, width) as decoded (after ``max_side``, before ``min_side``).
    margin : int
        Working pixels of paper added on each side (a picture cropped tight to its ink).
    tight : bool
        Whether the picture looks cut right at its ink (without a margin): ink
        at its edges may then be the digit's strokes, not a desk or a frame.
    """

    strength: FloatImage = field(repr=False)
    mask: Mask = field(repr=False)
    cut: Mask = field(repr=False)
    level: float
    paper: float
    polarity: Literal["dark-on-light", "light-on-dark"]
    background: Literal["uniform", "uneven"]
    original: tuple[int, int]
    decoded: tuple[int, int]
    margin: int = 0
    tight: bool = False

    @property
    def size(self) -> tuple[int, int]:
        """The picture's (height, width) in working pixels, without the margin."""
        return self.mask.shape[0] - 2 * self.margin, self.mask.shape[1] - 2 * self.margin

    @property
    def scale(self) -> tuple[float, float]:
        """Input-image pixels per working pixel, vertically and horizontally."""
        return self.original[0] / self.size[0], self.original[1] / self.size[1]

    def to_input(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A (top, left, bottom, right) box of working pixels (margin included) in the input image's pixels."""
        (sy, sx), m = self.scale, self.margin
        scaled = ((box[0] - m) * sy, (box[1] - m) * sx, (box[2] - m) * sy, (box[3] - m) * sx)
        top, left, bottom, right = (
            min(max(round(v), 0), limit) for v, limit in zip(scaled, self.original * 2, strict=True)
        )
        return top, left, bottom, right


def _working_image(grey: FloatImage, min_side: int) -> FloatImage:
    """Enlarge a small image (bilinear) so its longer side is ``min_side`` pixels."""
    scale = min_side / max(grey.shape)
    if scale <= 1:
        return grey
    return filters.resize(grey, (max(1, round(grey.shape[0] * scale)), max(1, round(grey.shape[1] * scale))))


TAIL_PIXELS = 20
"""The polarity compares the picture's tails at its 0.1th percentiles, or at its 20th most
extreme pixels when 0.1 % of it is more than that: a 60 px digit on a 1200x900 page covers
0.1 % of it, and the 0.1th percentile then lands on paper."""


def _is_dark_ink(grey: FloatImage) -> bool:
    """Whether the ink is darker than the paper.

    Ink covers a minority of the picture and changes faster than the light
    does. With the slow changes removed (the mean over a square window as
    wide as the shorter side takes out gradients, vignettes and shadows, and
    is far wider than a marker's stroke), the ink is the tail reaching
    farther from zero, compared at the 0.1th and 99.9th percentiles of a
    lightly smoothed copy. On train-digit renderings: compared around the
    median instead, a bright corner of unevenly lit paper outreached thin grey
    ink in 11 of 1,000 and 3 of 300 photo-like digits; a window 0.43 of the
    side was too narrow for a thick marker "0" (its hole then stands out
    bright); this window got all 1,300 right, and 300 drawn, 300 MNIST, 300
    inverted MNIST and 300 inverted photo-like digits.
    """
    smooth = filters.gaussian_blur(grey, 1.0)
    detail = smooth - ndimage.uniform_filter(smooth, min(grey.shape), mode="reflect")
    tail = min(0.1, 100.0 * TAIL_PIXELS / detail.size)  # percent; a small digit on a large page is < 0.1 %
    low, high = np.percentile(detail, [tail, 100.0 - tail])
    return bool(-low >= high)


def _ink_strength(bright: FloatImage, uneven_limit: float) -> tuple[FloatImage, Literal["uniform", "uneven"]]:
    """Ink strength (0 paper .. 1 black) of an ink-bright image (h, w), background removed.

    A flat paper (:func:`_is_flat`, or a background estimate varying by less
    than ``uneven_limit`` of the ink's contrast) is taken as the constant
    median: clean drawings stay exact. Otherwise the estimate of
    :func:`_uneven_background` is divided out.
    """
    level = float(np.median(bright))
    contrast = max(float(np.percentile(bright, 99.9)) - level, 1e-3)
    flat = _is_flat(bright, level, contrast, uneven_limit)  # a canvas or a clean scan: no estimate needed
    background = None if flat else _uneven_background(bright, contrast, uneven_limit)
    if background is None:
        return filters.flatten_background(bright, np.full_like(bright, level)), "uniform"
    return filters.flatten_background(bright, background), "uneven"


def _uneven_background(bright: FloatImage, contrast: float, uneven_limit: float) -> FloatImage | None:
    """The background under the ink (h, w), or None when it varies by less than ``uneven_limit`` of ``contrast``.

    A grey opening with a window over twice the widest stroke, so even a
    thick marker's strokes are not in it. That width is twice the 95th
    percentile of the ink's distance to the paper, on a rough Otsu mask of
    the image less a wide median background: without the detrending, uneven
    light splits the paper itself into a bright and a dark half; with a
    ridge median, thin ruled lines and specks outvote the digit. Either way
    the window came out narrower than a marker's stroke and the opening
    hollowed it out (a thick "1" read as "0", a "2" as "8").
    """
    detrended = bright - filters.estimate_background(bright, max(3, min(bright.shape) // 3), method="median")
    rough = detrended > filters.otsu_threshold(detrended)
    width = 2.0 * float(np.percentile(ndimage.distance_transform_edt(rough)[rough], 95)) if rough.any() else 1.0
    size = int(np.clip(2 * width + 3, min(bright.shape) / 16, min(bright.shape) / 3))
    background = filters.estimate_background(bright, max(size, 3), method="opening")
    low, high = np.percentile(background, [5.0, 95.0])
    return None if (high - low) / contrast < uneven_limit else background


def _is_flat(bright: FloatImage, level: float, contrast: float, uneven_limit: float) -> bool:
    """Whether the paper around the ink is flat: a drawn canvas or a clean scan (image (h, w), ink bright).

    The marks are the pixels off the median by over half of ``uneven_limit``
    of the ink's contrast; each must reach half the contrast somewhere (be
    ink, not a shade), and their faint fringes may not outweigh their strong
    cores 1.5 to 1 (a shadow or gradient is all fringe; an anti-aliased thin
    stroke enlarged 4x has up to 1.3 times its core: the 99th percentile of 300
    MNIST test digits). Then the background estimate
    would find nothing to remove and is skipped; a single noisy pixel, a
    shadow or a gradient sends the image down the full path.
    """
    tolerance = 0.5 * uneven_limit * contrast
    marks, n = ndimage.label(np.abs(bright - level) > tolerance, structure=np.ones((3, 3), bool))
    strong = bright > level + 0.5 * contrast
    inky = np.zeros(n + 1, bool)
    inky[marks[strong]] = True
    faint = (marks > 0) & ~strong
    return bool(inky[1:].all() and faint.sum() <= 1.5 * strong.sum())


def find_ink(image: ImageSource, opts: NormalizeOptions) -> Iterator[InkImage]:
    """Steps 1-5 of the normalization, shared by every reader of digits: the image's ink.

    Decodes ``image``, paints over a desk round a sheet of paper (:func:`~digits.imaging.sheet.lift_sheet`),
    decides the polarity, removes the background, denoises and thresholds; ruled lines and box sides
    are cut out of the mask. Which marks are digits is left to the caller (:func:`normalize_digit` takes one,
    :mod:`digits.imaging.segment` several), who asks for a second view only if
    the first holds no digit: the picture with a margin of paper around it,
    when it looks cropped tight to its ink (:func:`_tight_crop_paper`).

    Yields
    ------
    InkImage
        The picture as it is, then (lazily, only if it looks cropped tight)
        with a margin of paper; none when the image holds no ink strong
        enough to be a digit.
    """
    grey, original = read_image(image, max_side=opts.max_side)
    work = lift_sheet(_working_image(grey, opts.min_side))
    decoded = (grey.shape[0], grey.shape[1])
    shade = _tight_crop_paper(work, opts.min_contrast)
    ink = _ink(work, opts, original, decoded, 0, tight=shade is not None)
    if ink is not None:
        yield ink
    if shade is not None:
        margin = max(2, round(TIGHT_MARGIN * max(work.shape)))
        ink = _ink(_with_margin(work, shade, margin), opts, original, decoded, margin, tight=False)
        if ink is not None and _relative_stroke(ink.mask) >= TIGHT_STROKE:
            yield ink


FAINT = 0.5
"""Printed boxes are looked for in the pixels this far from the paper to the threshold (``level``): boxes
printed in a light colour (red, light blue) are mostly under the threshold, but pieces of their sides are not."""
TIGHT_COVER = 0.8
"""Ink along more of an edge than this fraction of it is a page edge, a table or a frame, not a digit cut tight."""
TIGHT_MARGIN = 0.1
"""The paper added around a picture cropped tight, as a fraction of its longer side, each side."""
TIGHT_STROKE = 0.15
"""Least stroke width of the ink a margin brings out, in pixels of a 20-pixel box around it: the lines
of blank ruled or squared paper come out at 0.05; photo-like digits cut at their ink at 0.33 or more (99 % of
300), enlarged MNIST digits at 1.24 or more. A thin pen on a large canvas can be under it (5 % of 300 drawn digits
cut at their ink): those need the second view only if their strokes run along an edge."""


def _tight_crop_paper(grey: FloatImage, min_contrast: float) -> float | None:
    """The paper's shade (luminance) of a picture (h, w) that looks cropped tight to its ink, else None.

    Cropped tight, a bold digit covers up to half the picture: the median is
    no longer paper, the ink no longer the minority, and strokes along the
    edges look like a page edge, so the first view finds no digit (75 of 200
    MNIST train digits, enlarged and cropped to their ink). The paper is the
    border's median; ink differs from it by over half the picture's largest
    difference. The picture looks cropped tight when its ink, straight lines
    left out (a ruled line crosses the whole picture), reaches two opposite
    edges (within :data:`~digits.imaging.components.EDGE_REACH` of the longer
    side; a desk in a corner does not) and covers none of its four edges'
    outermost pixels over :data:`TIGHT_COVER` of their length: a page edge,
    a table or a printed box does.
    """
    paper = float(np.median(np.concatenate((grey[0], grey[-1], grey[:, 0], grey[:, -1]))))
    far = np.abs(grey - paper)
    largest = float(far.max())
    if largest < min_contrast:
        return None
    labels, pieces = shapes.connected_components(far > 0.5 * largest)
    ink = np.isin(labels, [c.label for c in pieces if not is_spanning_line(c, labels)])
    band = max(1, round(EDGE_REACH * max(grey.shape)))
    near = (ink[:band].any(), ink[-band:].any(), ink[:, :band].any(), ink[:, -band:].any())
    along = max(ink[0].mean(), ink[-1].mean(), ink[:, 0].mean(), ink[:, -1].mean())  # on the outermost pixels
    if ((near[0] and near[1]) or (near[2] and near[3])) and along <= TIGHT_COVER:
        return paper
    return None


def _relative_stroke(mask: Mask) -> float:
    """The stroke width of the ink ``mask`` (h, w) in pixels of a 20-pixel box around it; 0 without ink."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0.0
    return shapes.stroke_width(mask) * 20.0 / max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)


def _with_margin(grey: FloatImage, shade: float, margin: int) -> FloatImage:
    """``grey`` (h, w) inside ``margin`` pixels of paper of its ``shade`` and noise: (h + 2 margin, w + 2 margin).

    The added paper is as noisy as the picture (Gaussian noise of the
    picture's estimated std, a fixed seed): flat paper around a patch of
    noise would make the noise stand out as a digit.
    """
    noise = np.random.default_rng(0).normal(
        0.0, filters.estimate_noise(grey), (grey.shape[0] + 2 * margin, grey.shape[1] + 2 * margin)
    )
    padded = np.clip(shade + noise, 0.0, 1.0).astype(np.float32)
    padded[margin:-margin, margin:-margin] = grey
    return padded


def _ink(
    work: FloatImage,
    opts: NormalizeOptions,
    original: tuple[int, int],
    decoded: tuple[int, int],
    margin: int,
    *,
    tight: bool,
) -> InkImage | None:
    """Steps 2-5 on the working image (h, w), which has ``margin`` pixels of added paper on each side."""
    dark_ink = _is_dark_ink(work)
    strength, background = _ink_strength(1.0 - work if dark_ink else work, opts.uneven_limit)
    if filters.estimate_noise(strength) > 0.01:
        strength = filters.gaussian_blur(strength, 1.0)
    if filters.is_zero_at(strength, 50.0):  # a flat paper: its strength is exactly 0
        paper = spread = 0.0
    else:
        paper = float(np.median(strength))
        spread = 1.4826 * float(np.median(np.abs(strength - paper)))  # the background's std, robustly
    ink = strength[strength > filters.otsu_threshold(strength)]
    if ink.size == 0:
        return _none("the image is blank")
    strongest = float(np.percentile(ink, 90)) - paper
    if strongest < opts.min_contrast:
        return _none(f"the strongest marks reach {strongest:.3f}, below min_contrast")
    level = paper + max(0.5 * strongest, opts.min_snr * spread)
    polarity: Literal["dark-on-light", "light-on-dark"] = "dark-on-light" if dark_ink else "light-on-dark"
    above, faint = strength > level, strength > paper + FAINT * (level - paper)
    unboxed = cut_enclosures(cut_boxes(faint))  # a box's sides are found whole where its faintest print shows
    # a desk is dark: none on a light-on-dark picture; nor on one cut at its ink (or its view with a
    # margin), which may be all bold strokes
    desk = _desk(work) if dark_ink and not (tight or margin) else np.zeros_like(above)
    mask = cut_ruled_lines(above) & unboxed & ~desk
    cut = (above & ~mask) | (faint & ~unboxed)
    return InkImage(strength, mask, cut, level, paper, polarity, background, original, decoded, margin, tight)


DESK_DARK = 0.67
"""A desk is at least this far from the paper's shade towards the strongest marks' (a hard shadow over half
a photo, 0.55 times the paper's light, is not)."""
DESK_MARGIN = 0.03
"""What the background estimate leaves of a desk reaches this fraction of the picture's shorter side past it."""
CORNER = 0.45
"""An opening by a disc of radius r takes a square corner off up to (sqrt(2) - 1) r from what it leaves."""


def _desk(grey: FloatImage) -> Mask:
    """Solid regions at the edges of a picture (h, w) of dark ink (a desk), grown by :data:`DESK_MARGIN` (h, w).

    ``grey`` is the picture's luminance, before the background is removed. A
    region is a desk when it is :data:`DESK_DARK` as far from the paper's
    shade (the median) as the strongest marks, holds a disc of radius
    :data:`~digits.imaging.components.EDGE_REGION` times the shorter side
    (the edges it touches taken as going on beyond the picture), and has
    nothing written in it (:func:`~digits.imaging.sheet.holds_writing`). The background estimate
    takes away a desk's middle but leaves its rim, which the digit's rules
    cannot tell from strokes (a band along the desk read as a "1", an L as a
    "5"); the rim lies within the desk or just past it. A straight stroke from
    edge to edge (a 1 cut at its ink) is no desk, and none is looked for in a
    picture cut right at its ink (:attr:`InkImage.tight`), whose bold strokes
    may be as solid.
    """
    darkest, paper = (float(v) for v in np.percentile(grey, [0.1, 50.0]))
    dark = grey < paper - DESK_DARK * (paper - darkest)
    if darkest >= paper or not (dark[0].any() or dark[-1].any() or dark[:, 0].any() or dark[:, -1].any()):
        return np.zeros(grey.shape, bool)  # nothing dark reaches an edge
    labels, regions = shapes.connected_components(dark)
    shorter = min(grey.shape)
    radius = EDGE_REGION * shorter
    noise = filters.estimate_noise(grey)

    def written_on(c: shapes.Component) -> bool:
        top, left, bottom, right = c.bbox
        region = labels[top:bottom, left:right] == c.label
        return holds_writing(dark_marks(grey[top:bottom, left:right], region, noise), region)

    desk = np.zeros(grey.shape, bool)
    for c in regions:
        if c.touches_edge and c.area >= radius**2 and not is_spanning_line(c, labels):
            inside = inner_distance(c, labels)
            if inside.max() >= radius and not written_on(c):
                box = (slice(c.bbox[0], c.bbox[2]), slice(c.bbox[1], c.bbox[3]))
                desk[box] |= _without_strokes(labels[box] == c.label, inside, 0.5 * radius, c.bbox, grey.shape)
    return shapes.dilate(desk, DESK_MARGIN * shorter) if desk.any() else desk


def _without_strokes(
    mine: Mask, inside: npt.NDArray[np.float64], radius: float, bbox: tuple[int, int, int, int], size: tuple[int, int]
) -> Mask:
    """A desk region (h, w, its bounding box ``bbox`` in a picture of ``size``) less the strokes that touch it.

    Strokes narrower than ``2 radius`` go in an opening by a disc of ``radius``
    (``inside``: each pixel's distance out of the region). What the opening
    takes off is still the desk's own where it reaches the picture's edge (the
    tip of a desk across a corner) or stays within :data:`CORNER` ``radius`` of
    what is left (a square corner, rounded off); the rest is a digit's strokes
    written up to it.
    """
    opened = shapes.dilate(inside >= radius, radius) & mine
    pieces, _ = ndimage.label(mine & ~opened, structure=np.ones((3, 3), bool))
    top, left, bottom, right = bbox
    edges = [pieces[0] if top == 0 else None, pieces[-1] if bottom == size[0] else None]
    edges += [pieces[:, 0] if left == 0 else None, pieces[:, -1] if right == size[1] else None]
    far = pieces[~shapes.dilate(opened, CORNER * radius)]  # pieces with pixels farther out than a corner's
    own = np.setdiff1d(pieces, np.setdiff1d(far, np.concatenate([e for e in edges if e is not None])))
    return opened | np.isin(pieces, own[own > 0])


def ink_contrast(ink: InkImage, keep: Mask, opts: NormalizeOptions, *, ignore: Mask | None = None) -> float | None:
    """The median ink strength of the pixels ``keep`` (h, w) over the paper; None if too faint or noisy.

    ``ignore`` (h, w): ink that is neither the digit nor paper (a frame, a desk at the edge), left
    out of the paper's noise, as are the lines cut out of :attr:`InkImage.mask` (ruled lines, the
    sides of boxes); unless the picture looks cut right at its ink (:attr:`InkImage.tight`): then
    ink at the edges may be paper taken for ink, and the digit a hole left in it.
    """
    strength = ink.strength
    # the paper away from the digit: its upper spread (84th - 50th percentile) is what noise adds to the ink
    paper = ~shapes.dilate(keep, 3.0)
    if not ink.tight:
        paper &= ~shapes.dilate(ink.cut, 1.5)
        if ignore is not None:
            paper &= ~ignore
    if not paper.any():
        low = high = float(np.median(strength))
    else:
        away = strength[paper]
        low, high = (0.0, 0.0) if filters.is_zero_at(away, 84.0) else np.percentile(away, [50.0, 84.0])
    contrast = float(np.median(strength[keep]) - low)
    if contrast < opts.min_contrast or contrast < opts.min_snr * (high - low):
        return _none(f"ink too faint or noisy (contrast {contrast:.3f}, background noise {high - low:.3f})")
    return contrast


def soft_ink(strength: FloatImage, level: float, keep: Mask, within: Mask | None = None) -> FloatImage:
    """Ink strength (h, w) around the pixels ``keep``, scaled so the threshold is 0.5; 0 elsewhere.

    ``strength`` and ``level`` are those of an :class:`InkImage` (or a crop
    of its strength). The grey edges within 2 pixels of ``keep`` place its
    outline to a fraction of a pixel for :func:`to_mnist`; ``within`` (h, w),
    if given, limits them (to leave out a neighbouring digit's ink).
    """
    near = shapes.dilate(keep, 2.0) if within is None else shapes.dilate(keep, 2.0) & within
    return np.where(near, np.clip(strength / (2.0 * level), 0.0, 1.0), 0.0).astype(np.float32)


def _none(reason: str) -> None:
    log.debug("no digit found: %s", reason)
    return None
