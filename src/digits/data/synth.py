"""Evaluation sets that look like real inputs, built from MNIST **test** digits only.

MNIST's clean 28x28 digits say little about photos of paper or drawings on a
canvas, so these generators re-render test digits the way a user would
supply them (the digit shapes are always MNIST's; only the rendering is new):

- :func:`photo_digits`: one digit written in dark ink on paper, photographed
  (paper colour and texture, ruled lines, uneven light, shadows, rotation,
  blur, noise, JPEG), 40-400 pixels a side, RGB or grey;
- :func:`digit_strings`: 2-10 digits in a row with varied spacing, some
  pairs touching or overlapping, sometimes ``.`` ``,`` ``-`` between
  groups, on paper with milder degradations; each digit's box is known;
- :func:`drawn_digits`: the digit redrawn with a round brush on a white
  canvas (as a web page or a Tk window produces), its pen path traced from
  the thinned MNIST digit.

Every generator is deterministic: sample ``i`` of a set depends only on the
seed, the set and ``i`` (so the first 10 of 100 samples are the 10 samples of
a set of 10). Train on none of this: it is test data.
:func:`write_set` stores a set as image files plus ``labels.json``;
:func:`read_set` loads it back.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.data import render
from digits.errors import DataError, InputError
from digits.fileio import atomic_directory, atomic_write_bytes, atomic_write_json

Box = tuple[int, int, int, int]
"""(x, y, width, height) in pixels of the image: x from the left, y from the top."""

PHOTO, STRINGS, DRAWN = 1, 2, 3  # mixed into the seeds so the sets differ for one seed
LABELS_FILE = "labels.json"
PUNCTUATION = ".,-"


@dataclass(frozen=True)
class Sample:
    """One picture of one digit.

    Attributes
    ----------
    image : ndarray of uint8, shape (h, w, 3) or (h, w)
        RGB or grey, dark ink on light paper.
    label : int
        The digit.
    box : (x, y, w, h)
        The ink's bounding box in ``image``.
    source : int
        Index of the MNIST test image it was drawn from.
    """

    image: npt.NDArray[np.uint8] = field(repr=False)
    label: int
    box: Box
    source: int


@dataclass(frozen=True)
class StringSample:
    """One picture of a row of digits.

    Attributes
    ----------
    image : ndarray of uint8, shape (h, w, 3)
    text : str
        The digits, left to right, without punctuation ("12345").
    boxes : tuple of (x, y, w, h)
        One box per digit of ``text``, same order.
    written : str
        What is on the paper, punctuation included ("12.345").
    sources : tuple of int
        MNIST test index of each digit.
    touching : tuple of int
        ``i`` for each pair of digits ``i`` and ``i + 1`` whose ink touches or overlaps.
    """

    image: npt.NDArray[np.uint8] = field(repr=False)
    text: str
    boxes: tuple[Box, ...]
    written: str
    sources: tuple[int, ...]
    touching: tuple[int, ...] = ()


# ---------------------------------------------------------------- shared


def _check_digits(images: npt.ArrayLike, labels: npt.ArrayLike) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """MNIST-style digits (n, 28, 28) uint8 white on black, and their labels (n,)."""
    x, y = np.asarray(images), np.asarray(labels)
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8:
        raise InputError(
            f"Expected MNIST digits of shape (n, 28, 28) and dtype uint8, got {x.shape} {x.dtype}. "
            "Pass load_mnist().test.images."
        )
    if y.shape != (len(x),) or len(x) == 0:
        raise InputError(f"Expected one label per image ({len(x)}), got labels of shape {y.shape}.")
    if not (x.reshape(len(x), -1).max(axis=1) > 128).all():
        raise InputError("Some images hold no ink (no pixel above 128); MNIST digits are white on black.")
    return x, y.astype(np.int64)


def _check_n(n: int) -> None:
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError(f"n must be a non-negative integer, got {n!r}.")


def _rng(seed: int, kind: int, i: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), kind, i])


def _sources(n: int, seed: int, kind: int, count: int) -> npt.NDArray[np.int64]:
    """``n`` indices into ``count`` digits: a seeded permutation, repeated (re-shuffled) when n > count."""
    rng = np.random.default_rng([int(seed), kind])
    rounds = -(-n // count) if n else 0
    return np.concatenate([rng.permutation(count) for _ in range(rounds)] or [np.zeros(0, int)])[:n]


def _choose(rng: np.random.Generator, weights: dict[str, float]) -> str:
    names = list(weights)
    p = np.array([weights[k] for k in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _place(canvas: npt.NDArray[np.float32], patch: npt.NDArray[np.float32], x: int, y: int) -> None:
    """Lay ``patch`` onto ``canvas`` at column ``x``, row ``y`` (ink overlapping ink: the darker wins)."""
    region = canvas[y : y + patch.shape[0], x : x + patch.shape[1]]
    np.maximum(region, patch, out=region)


def _shift(box: Box | None, x: int, y: int) -> Box:
    assert box is not None, "a placed digit always has ink"
    return (box[0] + x, box[1] + y, box[2], box[3])


# ---------------------------------------------------------------- set 1: photos of single digits


def _pen_style(rng: np.random.Generator) -> dict[str, float]:
    """A felt pen (MNIST's own strokes, 65%: ``edge``) or a ballpoint (traced, thin: width/height ``ratio``)."""
    return {"edge": rng.uniform(0.25, 0.55)} if rng.random() < 0.65 else {"ratio": rng.uniform(0.04, 0.09)}


def _pen(digit: npt.NDArray[np.uint8], height: float, style: dict[str, float], *, aspect: float, angle: float) -> Any:
    """Ink alpha of ``digit`` ``height`` px tall written with the pen ``style``."""
    if "edge" in style:
        return render.ink_alpha(digit, height, aspect=aspect, edge=style["edge"], angle=angle)
    return render.pen_alpha(digit, height, max(1.0, height * style["ratio"]), aspect=aspect, angle=angle)


def _margins(frame: tuple[int, int], patch: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(side, extent, margin) per axis: keep about 3% of the frame clear around the patch where it fits."""
    return [
        (side, extent, min(int(0.03 * side) + 1, (side - extent) // 2))
        for side, extent in zip(frame, patch, strict=True)
    ]


def _photo(rng: np.random.Generator, digit: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], Box]:
    side = np.exp(rng.uniform(np.log(40), np.log(400)))
    h = int(np.clip(round(side), 40, 400))
    w = int(np.clip(round(side * rng.uniform(0.75, 1.33)), 40, 400))
    height = rng.uniform(0.35, 0.8) * min(h, w)
    alpha = _pen(digit, height, _pen_style(rng), aspect=rng.uniform(0.85, 1.15), angle=rng.uniform(-15, 15))
    fit = min(0.9 * h / alpha.shape[0], 0.9 * w / alpha.shape[1])
    if fit < 1:  # rotation made it too big for the frame
        shrunk = (max(1, int(alpha.shape[1] * fit)), max(1, int(alpha.shape[0] * fit)))
        alpha = np.asarray(Image.fromarray(alpha, mode="F").resize(shrunk, Image.Resampling.BOX))
    y, x = (int(rng.integers(m, side - extent - m + 1)) for side, extent, m in _margins((h, w), alpha.shape))
    ink = np.zeros((h, w), np.float32)
    _place(ink, alpha, x, y)
    sheet = render.paper(rng, (h, w))
    if rng.random() < 0.35:
        lines = render.ruled_lines(rng, (h, w), height * rng.uniform(0.45, 1.2), grid=rng.random() < 0.25)
        sheet = render.print_lines(sheet, lines, rng)
    pen = _choose(rng, {"black": 3, "soft black": 1.5, "dark blue": 2, "blue ballpoint": 2, "pencil": 1})
    darkness = rng.uniform(0.7, 0.9) if pen == "pencil" else rng.uniform(0.85, 1.0)
    scene = render.apply_ink(sheet, ink * darkness, render.INKS[pen])
    scene = scene * render.lighting(rng, (h, w), rng.uniform(0.3, 1.0))
    if rng.random() < 0.35:
        scene = scene * render.soft_shadow(rng, (h, w), rng.uniform(0.15, 0.45))[:, :, None]
    blur = rng.uniform(0.0, 0.9) * max(1.0, max(h, w) / 150)
    image = render.camera(rng, scene, blur=blur, noise=rng.uniform(0.005, 0.035), quality=int(rng.integers(40, 91)))
    if rng.random() < 0.15:  # a greyscale photo or scan
        image = np.asarray(Image.fromarray(image).convert("L"))
    return image, _shift(render.ink_box(alpha), x, y)


def _single_digits(
    n: int,
    seed: int,
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    kind: int,
    render_one: Callable[[np.random.Generator, npt.NDArray[np.uint8]], tuple[npt.NDArray[np.uint8], Box]],
) -> list[Sample]:
    """``n`` pictures of one digit each, sample ``i`` drawn by ``render_one`` from ``(seed, kind, i)``."""
    _check_n(n)
    x, y = _check_digits(images, labels)
    out = []
    for i, src in enumerate(_sources(n, seed, kind, len(x))):
        image, box = render_one(_rng(seed, kind, i), x[src])
        out.append(Sample(image, int(y[src]), box, int(src)))
    return out


def photo_digits(n: int, seed: int, images: npt.ArrayLike, labels: npt.ArrayLike) -> list[Sample]:
    """Photo-like pictures of single MNIST digits written in dark ink on paper.

    Two pens: a felt pen (65%) whose ink follows the smoothly enlarged MNIST
    digit, its darkness the digit's grey level, and a ballpoint (35%) that
    retraces the digit's skeleton 4-9% of its height wide. Black, blue or
    pencil ink on coloured, textured paper (35% ruled or squared), rotated up
    to 15 degrees, 35-80% of the frame tall, under uneven light (35% with a
    soft shadow), blurred, noisy and JPEG-compressed at quality 40-90.

    Parameters
    ----------
    n : int
        Number of samples.
    seed : int
        Seed; sample ``i`` depends only on ``seed`` and ``i``.
    images : array of uint8, shape (m, 28, 28)
        MNIST **test** digits, white on black.
    labels : array of int, shape (m,)

    Returns
    -------
    list of Sample
        Images of 40-400 pixels a side (RGB, about 15% grey), each digit used
        once before any repeats.
    """
    return _single_digits(n, seed, images, labels, PHOTO, _photo)


# ---------------------------------------------------------------- set 2: strings of digits


def _capsules(shape: tuple[int, int], segments: list[tuple[tuple[float, float], tuple[float, float], float]]) -> Any:
    """Anti-aliased alpha (h, w) of round-ended segments ((x0, y0), (x1, y1), radius)."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    alpha = np.zeros(shape, np.float32)
    for (x0, y0), (x1, y1), r in segments:
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0.0, 1.0)
        alpha = np.maximum(alpha, np.clip(r + 0.5 - np.hypot(xx - x0 - t * dx, yy - y0 - t * dy), 0.0, 1.0))
    return alpha


def _mark(char: str, size: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], int]:
    """Alpha of a punctuation mark beside digits ``size`` px tall, and its top row relative to the baseline.

    ``.`` sits on the baseline, ``,`` too with its tail below it, ``-`` at mid-height.
    """
    if char == "-":
        length, r = size * rng.uniform(0.22, 0.4), size * rng.uniform(0.04, 0.06)
        rise = rng.uniform(-0.05, 0.05) * length
        top = r + 1 + max(0.0, -rise)
        alpha = _capsules(
            (int(2 * r + abs(rise) + 3), int(length + 2 * r + 3)), [((r + 1, top), (r + 1 + length, top + rise), r)]
        )
        return alpha, -round(size * rng.uniform(0.4, 0.55) + alpha.shape[0] / 2)
    r = size * rng.uniform(0.05, 0.08)
    dot = (r + 2 if char == "." else r + 2 + 0.4 * r, r + 1)
    segments = [(dot, dot, r)]
    tail = size * rng.uniform(0.15, 0.25) if char == "," else 0.0
    if tail:
        segments.append((dot, (dot[0] - 0.4 * r, dot[1] + r + tail), 0.55 * r))
    alpha = _capsules((int(2 * r + tail + 3), int(2 * r + 0.4 * r + 4)), segments)
    return alpha, -round(2 * r + 1)


def _free_x(canvas: npt.NDArray[np.float32], patch: npt.NDArray[np.float32], y: int) -> int:
    """Smallest column at which ``patch`` placed at row ``y`` shares no ink pixel with ``canvas``."""
    ink, mine = canvas[y : y + patch.shape[0]] > render.INK_LEVEL, patch > render.INK_LEVEL
    rows = ink.any(axis=1) & mine.any(axis=1)
    if not rows.any():
        used = np.flatnonzero((canvas > render.INK_LEVEL).any(axis=0))
        return int(used[-1] + 1 - np.flatnonzero(mine.any(axis=0))[0]) if used.size else 0
    right = ink.shape[1] - 1 - np.argmax(ink[rows, ::-1], axis=1)
    left = np.argmax(mine[rows], axis=1)
    return int(np.max(right - left) + 1)


def _next_x(
    rng: np.random.Generator, canvas: Any, alpha: Any, y: int, previous: Box, size: float, *, touch: bool, after: int
) -> int:
    """Column for the next digit: a gap after the ink already there, or (``touch``) a little into it.

    Digits may tuck under an overhang (a 7's bar), but their boxes overlap by at
    most 15% (35% when touching) of the narrower one; nothing goes left of ``after``.
    """
    free = _free_x(canvas, alpha, y)
    left, _, width, _ = render.ink_box(alpha) or (0, 0, 1, 1)
    overlap = (0.35 if touch else 0.15) * min(previous[2], width)
    lowest = int(np.ceil(previous[0] + previous[2] - overlap)) - left
    if touch:  # one column into the other's ink, or deeper
        return max(free - 1 - int(rng.uniform(0, 0.08) * size), lowest)
    return max(free, after - left, lowest) + max(2, int(rng.uniform(0.06, 0.35) * size))


def _layout(rng: np.random.Generator, k: int) -> tuple[dict[int, str], set[int]]:
    """Punctuation before digit ``i`` ({i: mark}) and the digits ``i`` that touch digit ``i - 1``."""
    marks: dict[int, str] = {}
    if k >= 2 and rng.random() < 0.5:
        char = PUNCTUATION[int(rng.integers(3))]
        for i in rng.choice(np.arange(1, k), int(rng.integers(1, min(3, k - 1) + 1)), replace=False):
            marks[int(i)] = PUNCTUATION[int(rng.integers(3))] if rng.random() < 0.2 else char
    free = [i for i in range(1, k) if i not in marks]
    touching: set[int] = set()
    if free and rng.random() < 0.4:
        touching = {int(i) for i in rng.choice(free, min(len(free), int(rng.integers(1, 3))), replace=False)}
    return marks, touching


@dataclass(frozen=True)
class _Row:
    ink: npt.NDArray[np.float32]  # (h, w) alpha of the whole row
    boxes: list[Box]
    marks: dict[int, str]  # punctuation written before digit i
    touching: list[int]  # i where digits i and i + 1 share ink


def _row_ink(rng: np.random.Generator, digits: npt.NDArray[np.uint8]) -> _Row:
    """Lay out digits (k, 28, 28) left to right, with punctuation, on an ample canvas."""
    k, size = len(digits), rng.uniform(20, 64)
    marks, touching = _layout(rng, k)
    canvas = np.zeros((int(3 * size), int((k + len(marks)) * 2 * size + 4 * size)), np.float32)
    base, pen, x, after_mark = 2.2 * size, _pen_style(rng), int(size), 0
    boxes: list[Box] = []
    touched: list[int] = []
    for i, digit in enumerate(digits):
        if i in marks:
            alpha, lift = _mark(marks[i], size, rng)
            used = np.flatnonzero((canvas > render.INK_LEVEL).any(axis=0))
            mx = int(used[-1] + 1 + size * rng.uniform(0.06, 0.2))
            _place(canvas, alpha, mx, int(base) + lift)
            after_mark = mx + alpha.shape[1]
        alpha = _pen(
            digit, size * rng.uniform(0.88, 1.08), pen, aspect=rng.uniform(0.85, 1.15), angle=rng.uniform(-6, 6)
        )
        y = round(base - alpha.shape[0] + rng.normal(0, 0.04 * size))
        if i:
            x = _next_x(rng, canvas, alpha, y, boxes[-1], size, touch=i in touching, after=after_mark)
            if x < _free_x(canvas, alpha, y):
                touched.append(i - 1)
        _place(canvas, alpha, x, y)
        boxes.append(_shift(render.ink_box(alpha), x, y))
    return _Row(canvas, boxes, marks, touched)


def _string(rng: np.random.Generator, digits: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], _Row]:
    """A photographed row of ``digits``: the row's ink cropped with margins, on paper, mildly degraded."""
    row = _row_ink(rng, digits)
    size = float(np.median([b[3] for b in row.boxes]))
    used = row.ink > 0.02
    rows, cols = np.flatnonzero(used.any(axis=1)), np.flatnonzero(used.any(axis=0))
    top, bottom, left, right = (int(size * rng.uniform(0.2, hi)) for hi in (0.7, 0.7, 0.8, 0.8))
    ink = np.pad(row.ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], ((top, bottom), (left, right)))
    boxes = [(int(bx - cols[0] + left), int(by - rows[0] + top), bw, bh) for bx, by, bw, bh in row.boxes]
    h, w = ink.shape
    sheet = render.paper(rng, (h, w))
    if rng.random() < 0.2:
        sheet = render.print_lines(sheet, render.ruled_lines(rng, (h, w), size * rng.uniform(1.2, 1.7)), rng)
    pen = _choose(rng, {"black": 3, "soft black": 1, "dark blue": 2, "blue ballpoint": 2})
    scene = render.apply_ink(sheet, ink * rng.uniform(0.88, 1.0), render.INKS[pen])
    scene = scene * render.lighting(rng, (h, w), rng.uniform(0.0, 0.5))
    if rng.random() < 0.15:
        scene = scene * render.soft_shadow(rng, (h, w), rng.uniform(0.1, 0.25))[:, :, None]
    quality = int(rng.integers(60, 96))
    image = render.camera(rng, scene, blur=rng.uniform(0, 0.6), noise=rng.uniform(0.0, 0.015), quality=quality)
    return image, _Row(ink, boxes, row.marks, row.touching)


def digit_strings(
    n: int, seed: int, images: npt.ArrayLike, labels: npt.ArrayLike, *, min_digits: int = 2, max_digits: int = 10
) -> list[StringSample]:
    """Pictures of rows of 2-10 MNIST digits on paper, some touching, some with punctuation.

    Parameters
    ----------
    n, seed, images, labels
        As in :func:`photo_digits`; digits are drawn at random (with replacement).
    min_digits, max_digits : int
        Range of the number of digits per row.

    Returns
    -------
    list of StringSample
        RGB images; about half the rows have ``.`` ``,`` or ``-`` between
        groups and about 40% a touching or overlapping pair.
    """
    _check_n(n)
    if not 1 <= min_digits <= max_digits:
        raise InputError(f"Need 1 <= min_digits <= max_digits, got {min_digits} and {max_digits}.")
    x, y = _check_digits(images, labels)
    out = []
    for i in range(n):
        rng = _rng(seed, STRINGS, i)
        src = rng.integers(0, len(x), size=int(rng.integers(min_digits, max_digits + 1)))
        image, row = _string(rng, x[src])
        text = "".join(str(int(d)) for d in y[src])
        written = "".join(row.marks.get(j, "") + c for j, c in enumerate(text))
        sources = tuple(int(s) for s in src)
        out.append(StringSample(image, text, tuple(row.boxes), written, sources, tuple(row.touching)))
    return out


# ---------------------------------------------------------------- set 3: digits drawn on a canvas


def _brush(rng: np.random.Generator, height: float) -> float:
    """A brush width: thin pen, pen, marker or thick marker, never over a fifth of the digit's height."""
    low, high = [(2, 5), (6, 12), (13, 24), (25, 40)][int(rng.choice(4, p=[0.2, 0.35, 0.3, 0.15]))]
    return float(np.clip(rng.uniform(low, high), 2.0, max(2.0, 0.2 * height)))


def _pose(rng: np.random.Generator, paths: list[render.Path2D]) -> list[render.Path2D]:
    """Paths slanted, rotated, stretched and trembling a little, as a hand draws with a mouse or finger."""
    shear, angle, aspect = rng.uniform(-0.25, 0.25), np.radians(rng.uniform(-10, 10)), rng.uniform(0.8, 1.2)
    c, s = np.cos(angle), np.sin(angle)
    matrix = np.array([[c, -s], [s, c]]) @ np.array([[aspect, shear], [0.0, 1.0]])
    posed = []
    for path in paths:
        tremor = rng.normal(0, 1, path.shape)
        if len(path) > 4:
            tremor = np.stack([np.convolve(tremor[:, k], np.ones(3) / 3, mode="same") for k in (0, 1)], axis=1)
        posed.append(path @ matrix.T + tremor * 0.8)
    return posed


def _canvas_size(rng: np.random.Generator) -> tuple[int, int]:
    """(width, height): 280x280 (40%), else 200-600 pixels a side, square half the time."""
    if rng.random() < 0.4:
        return 280, 280
    w = int(rng.integers(200, 601))
    return w, (w if rng.random() < 0.5 else int(rng.integers(200, 601)))


def _stroked(
    rng: np.random.Generator, hand: np.random.Generator, paths: list[render.Path2D], size: tuple[int, int],
    height: float, brush: float, smooth: bool, dabs: bool,
) -> npt.NDArray[np.uint8]:  # fmt: skip
    """A white canvas (h, w) with the posed ``paths`` drawn ``height`` px tall in black, ``brush`` px wide."""
    (w, h), frame = size, np.array(size)
    paths = _pose(hand, paths)
    points = np.concatenate(paths)
    low, span = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1.0)
    scale = min((height - brush) / span[1], 0.9 * (w - brush) / span[0])
    extent = span * scale + brush
    margin = np.minimum(0.02 * frame + 2, (frame - extent) / 2)
    origin = rng.uniform(margin, frame - extent - margin) + brush / 2
    ss = 4 if smooth else 1  # anti-aliased like an HTML canvas, or hard-edged like Tk
    canvas = Image.new("L", (w * ss, h * ss), 255)
    render.draw_paths(canvas, [((p - low) * scale + origin) * ss for p in paths], brush * ss, dabs=dabs)
    return np.asarray(canvas.resize((w, h), Image.Resampling.BOX) if smooth else canvas).copy()


def _painted(
    rng: np.random.Generator, hand: np.random.Generator, digit: npt.NDArray[np.uint8], size: tuple[int, int],
    height: float, smooth: bool,
) -> npt.NDArray[np.uint8]:  # fmt: skip
    """A white canvas (h, w) with the digit's own shape in black: for blobs that do not trace (a thick marker)."""
    (w, h) = size
    alpha = render.ink_alpha(digit, height, aspect=hand.uniform(0.8, 1.2), angle=hand.uniform(-10, 10), edge=0.45)
    fit = min(1.0, 0.9 * w / alpha.shape[1], 0.9 * h / alpha.shape[0])
    shape = (max(1, int(alpha.shape[1] * fit)), max(1, int(alpha.shape[0] * fit)))
    alpha = np.asarray(Image.fromarray(alpha, mode="F").resize(shape, Image.Resampling.BOX))
    y, x = (int(rng.integers(m, side - extent - m + 1)) for side, extent, m in _margins((h, w), alpha.shape))
    ink = np.zeros((h, w), np.float32)
    _place(ink, alpha if smooth else (alpha > 0.5).astype(np.float32), x, y)
    return np.rint(255 * (1 - ink)).astype(np.uint8)


def _drawn(rng: np.random.Generator, digit: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8], Box]:
    (w, h), hand = _canvas_size(rng), rng.spawn(1)[0]
    height = rng.uniform(0.3, 0.85) * min(h, 1.4 * w)
    brush, smooth, dabs = _brush(rng, height), rng.random() < 0.5, rng.random() < 0.15
    strokes = render.digit_strokes(digit)
    if strokes.fidelity < render.MIN_FIDELITY:
        image = _painted(rng, hand, digit, (w, h), height, smooth)
    else:
        image = _stroked(rng, hand, strokes.paths, (w, h), height, brush, smooth, dabs)
    box = render.ink_box(1.0 - image / 255.0, level=0.5)
    assert box is not None, "a drawn digit always leaves ink"
    return (np.repeat(image[:, :, None], 3, axis=2) if rng.random() < 0.3 else image), box


def drawn_digits(n: int, seed: int, images: npt.ArrayLike, labels: npt.ArrayLike) -> list[Sample]:
    """MNIST digits redrawn with a round brush on a white canvas, like a drawing in the GUI or web page.

    The pen path is the traced skeleton of the enlarged MNIST digit, posed
    (slant, rotation, stretch, tremor), scaled to 30-85% of the canvas and
    drawn in black with a brush 2-40 pixels wide (at most a fifth of the
    digit's height); half the canvases are anti-aliased, 15% stamp discs.
    The ~2% of digits too blobby to trace (:data:`render.MIN_FIDELITY`) are
    painted in their own shape instead, like a thick marker.

    Parameters
    ----------
    n, seed, images, labels
        As in :func:`photo_digits`.

    Returns
    -------
    list of Sample
        White canvases of 200-600 pixels a side (40% exactly 280x280), grey
        or (30%) RGB.
    """
    return _single_digits(n, seed, images, labels, DRAWN, _drawn)


# ---------------------------------------------------------------- files


def _encode(image: npt.NDArray[np.uint8], image_format: Literal["png", "jpeg"]) -> bytes:
    buffer = io.BytesIO()
    if image_format == "jpeg":
        Image.fromarray(image).save(buffer, format="JPEG", quality=95)
    else:
        Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _record(sample: Sample | StringSample, name: str) -> dict[str, Any]:
    if isinstance(sample, Sample):
        return {"file": name, "label": sample.label, "box": list(sample.box), "source": sample.source}
    return {
        "file": name,
        "text": sample.text,
        "written": sample.written,
        "boxes": [list(b) for b in sample.boxes],
        "sources": list(sample.sources),
        "touching": list(sample.touching),
    }


def write_set(
    samples: Sequence[Sample | StringSample],
    folder: str | os.PathLike[str],
    *,
    image_format: Literal["png", "jpeg"] = "png",
    info: dict[str, Any] | None = None,
) -> Path:
    """Write samples as ``0000.png`` ... plus ``labels.json``, replacing the folder atomically.

    Parameters
    ----------
    samples : list of Sample or list of StringSample
    folder : path-like
        Created, or replaced if it holds an earlier set (a ``labels.json``).
    image_format : {"png", "jpeg"}
        PNG keeps the pixels exactly; JPEG (quality 95) is smaller.
    info : dict, optional
        Extra JSON-ready facts stored in ``labels.json`` (generator, seed, ...).

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    if image_format not in ("png", "jpeg"):
        raise InputError(f"image_format must be 'png' or 'jpeg', got {image_format!r}.")
    kinds = {type(s) for s in samples}
    if len(kinds) > 1:
        raise InputError(f"A set holds one kind of sample, got {sorted(k.__name__ for k in kinds)}.")
    kind = "strings" if kinds == {StringSample} else "digits"
    suffix = "png" if image_format == "png" else "jpg"
    with atomic_directory(Path(folder), marker=LABELS_FILE) as tmp:
        records = []
        for i, sample in enumerate(samples):
            name = f"{i:04d}.{suffix}"
            atomic_write_bytes(tmp / name, _encode(sample.image, image_format))
            records.append(_record(sample, name))
        atomic_write_json(tmp / LABELS_FILE, {"kind": kind, "info": info or {}, "samples": records})
    return Path(folder)


def read_set(folder: str | os.PathLike[str]) -> list[Sample] | list[StringSample]:
    """Load a set written by :func:`write_set` (images as uint8 arrays, RGB or grey as stored).

    Raises
    ------
    DataError
        If ``labels.json`` or an image is missing or unreadable.
    """
    path = Path(folder) / LABELS_FILE
    try:
        meta = json.loads(path.read_text())
        samples = []
        for rec in meta["samples"]:
            with Image.open(Path(folder) / rec["file"]) as pic:
                image = np.asarray(pic).copy()
            if meta["kind"] == "strings":
                boxes = tuple(tuple(b) for b in rec["boxes"])
                samples.append(
                    StringSample(
                        image, rec["text"], boxes, rec["written"], tuple(rec["sources"]), tuple(rec["touching"])
                    )  # type: ignore[arg-type]
                )
            else:
                samples.append(Sample(image, int(rec["label"]), tuple(rec["box"]), int(rec["source"])))  # type: ignore[arg-type]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{folder} does not hold a readable synthetic set ({type(exc).__name__}: {exc}).") from exc
    return samples  # type: ignore[return-value]
