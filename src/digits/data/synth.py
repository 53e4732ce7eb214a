"""Evaluation sets of single digits that look like real inputs, built from MNIST **test** digits only.

MNIST's clean 28x28 digits say little about photos of paper or drawings on a
canvas, so these generators re-render test digits the way a user would
supply them (the digit shapes are always MNIST's; only the rendering is new):

- :func:`photo_digits`: one digit written in dark ink on paper, photographed
  (paper colour and texture, ruled lines, uneven light, shadows, rotation,
  blur, noise, JPEG), 40-400 pixels a side, RGB or grey;
- :func:`drawn_digits`: the digit redrawn with a round brush on a white
  canvas (as a web page or a Tk window produces), its pen path traced from
  the thinned MNIST digit;
- rows of digits are :func:`digits.data.strings.digit_strings`.

Every generator is deterministic: sample ``i`` of a set depends only on the
seed, the set and ``i`` (so the first 10 of 100 samples are the 10 samples of
a set of 10). Evaluate on these, never train on them;
:mod:`digits.data.renderings` renders **train** digits the same way for training.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.data import render, strokes
from digits.data.samples import Box, Sample
from digits.errors import InputError

PHOTO, STRINGS, DRAWN = 1, 2, 3  # mixed into the seeds so the sets differ for one seed


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
    return strokes.pen_alpha(digit, height, max(1.0, height * style["ratio"]), aspect=aspect, angle=angle)


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


def _iter_single(
    n: int,
    seed: int,
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    kind: int,
    render_one: Callable[[np.random.Generator, npt.NDArray[np.uint8]], tuple[npt.NDArray[np.uint8], Box]],
    start: int = 0,
    stop: int | None = None,
) -> Iterator[Sample]:
    _check_n(n)
    x, y = _check_digits(images, labels)
    sources = _sources(n, seed, kind, len(x))
    for i in range(max(0, start), min(n, n if stop is None else stop)):
        image, box = render_one(_rng(seed, kind, i), x[sources[i]])
        yield Sample(image, int(y[sources[i]]), box, int(sources[i]))


def iter_digits(
    style: Literal["photo", "drawn"], n: int, seed: int, images: npt.ArrayLike, labels: npt.ArrayLike,
    *, start: int = 0, stop: int | None = None,
) -> Iterator[Sample]:  # fmt: skip
    """Samples ``start`` to ``stop`` of :func:`photo_digits` or :func:`drawn_digits` (``n``, ``seed``) one at a time.

    For sets too large to hold, or rendered in parallel in slices.
    """
    render_one = {"photo": _photo, "drawn": _drawn}.get(style)
    if render_one is None:
        raise InputError(f"style must be 'photo' or 'drawn', got {style!r}.")
    return _iter_single(n, seed, images, labels, PHOTO if style == "photo" else DRAWN, render_one, start, stop)


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
    return list(_iter_single(n, seed, images, labels, PHOTO, _photo))


# ---------------------------------------------------------------- set 3: digits drawn on a canvas


def _brush(rng: np.random.Generator, height: float) -> float:
    """A brush width: thin pen, pen, marker or thick marker, never over a fifth of the digit's height."""
    low, high = [(2, 5), (6, 12), (13, 24), (25, 40)][int(rng.choice(4, p=[0.2, 0.35, 0.3, 0.15]))]
    return float(np.clip(rng.uniform(low, high), 2.0, max(2.0, 0.2 * height)))


def _pose(rng: np.random.Generator, paths: list[strokes.Path2D]) -> list[strokes.Path2D]:
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
    rng: np.random.Generator, hand: np.random.Generator, paths: list[strokes.Path2D], size: tuple[int, int],
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
    strokes.draw_paths(canvas, [((p - low) * scale + origin) * ss for p in paths], brush * ss, dabs=dabs)
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
    traced = strokes.digit_strokes(digit)
    if traced.fidelity < strokes.MIN_FIDELITY:
        image = _painted(rng, hand, digit, (w, h), height, smooth)
    else:
        image = _stroked(rng, hand, traced.paths, (w, h), height, brush, smooth, dabs)
    box = render.ink_box(1.0 - image / 255.0, level=0.5)
    assert box is not None, "a drawn digit always leaves ink"
    return (np.repeat(image[:, :, None], 3, axis=2) if rng.random() < 0.3 else image), box


def drawn_digits(n: int, seed: int, images: npt.ArrayLike, labels: npt.ArrayLike) -> list[Sample]:
    """MNIST digits redrawn with a round brush on a white canvas, like a drawing in the GUI or web page.

    The pen path is the traced skeleton of the enlarged MNIST digit, posed
    (slant, rotation, stretch, tremor), scaled to 30-85% of the canvas and
    drawn in black with a brush 2-40 pixels wide (at most a fifth of the
    digit's height); half the canvases are anti-aliased, 15% stamp discs.
    The ~2% of digits too blobby to trace (:data:`strokes.MIN_FIDELITY`) are
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
    return list(_iter_single(n, seed, images, labels, DRAWN, _drawn))
