"""Evaluation set 2, rows of digits, built from MNIST **test** digits only (and training rows of train digits).

:func:`digit_strings`: 2-10 digits in a row with varied spacing, some pairs
touching or overlapping, sometimes ``.`` ``,`` ``-`` between groups, on
paper with milder degradations than :func:`digits.data.synth.photo_digits`;
each digit's box is known. Deterministic like the other sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.data import printed, render, signs
from digits.data.samples import Box, StringSample
from digits.data.synth import (
    STRINGS,
    _check_digits,
    _check_n,
    _choose,
    _pen,
    _pen_style,
    _place,
    _rng,
    _shift,
)
from digits.errors import InputError

PUNCTUATION = ".,-"
LOOSE_SCALE = (0.6, 1.12)
"""Heights of the digits of a row written loosely, as real hands write a number, in the row's size
(the evaluation set's: 0.88-1.08); a digit under the size sits anywhere from the baseline up to the
line's top (a small 0 raised)."""
LOOSE_STRAY = 0.08
"""How far the digits of a row written loosely stray off its baseline besides the 0.04 of every row, a
std in the row's size: a 7 or 9 hanging below the others, a digit written higher."""


@dataclass(frozen=True)
class RowStyle:
    """How the rows of :func:`digit_strings` are written besides their digits: each field a fraction, 0 to 1.

    Attributes
    ----------
    loose : float
        Rows written loosely: digits of uneven heights (:data:`LOOSE_SCALE`)
        off a common baseline (:data:`LOOSE_STRAY`). The evaluation set has
        none; ``digits train-reader --loose`` sets it for the line reader's
        training rows (the shipped readers: 0).
    words : float
        With ``training``, rows with a printed word before the digits (a
        label: "Date:", 70%) or after them (a unit: "kg"),
        :mod:`digits.data.printed`; ``written`` holds it. ``digits
        train-reader --words`` sets it.
    text_lines : float
        With ``training``, rows of print alone, no digit (a heading, a
        caption: ``text`` is empty, ``written`` holds the words). ``digits
        train-reader --text-lines`` sets it.
    hand_words : float
        Those words, and lines of print, written by hand with the row's pen
        instead (:func:`digits.data.printed.pen_alpha`). ``digits
        train-reader --hand-words`` sets it.
    """

    loose: float = field(default=0.0, metadata={"of": "rows written loosely"})
    words: float = field(default=0.0, metadata={"of": "rows with a printed word"})
    text_lines: float = field(default=0.0, metadata={"of": "rows of print alone"})
    hand_words: float = field(default=0.0, metadata={"of": "words written by hand"})

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not 0.0 <= value <= 1.0:
                raise InputError(f"{f.name} is the fraction of {f.metadata['of']}, from 0 to 1; got {value}.")


PLAIN = RowStyle()
"""Rows of digits and punctuation only, as in the evaluation set."""


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


def _layout(rng: np.random.Generator, k: int, training: bool, words: float) -> tuple[dict[int, str], set[int]]:
    """Marks written before digit ``i`` ({i: marks}, ``i == k``: after the last) and the digits ``i``
    that touch digit ``i - 1``. Punctuation only, unless ``training`` (:func:`_signs`; a printed word
    before or after the digits with probability ``words``, :mod:`digits.data.printed`)."""
    marks: dict[int, str] = {}
    if k >= 2 and rng.random() < 0.5:
        char = _pick(rng, PUNCTUATION)
        for i in _gaps(rng, k, 3):
            marks[i] = _pick(rng, PUNCTUATION) if rng.random() < 0.2 else char
    if training:
        marks.update(_signs(rng, k))
        if words > 0 and rng.random() < words:
            after = rng.random() < 0.3
            marks[k if after else 0] = printed.word(rng, after)
    free = [i for i in range(1, k) if i not in marks]
    touching: set[int] = set()
    if free and rng.random() < 0.4:
        touching = {int(i) for i in rng.choice(free, min(len(free), int(rng.integers(1, 3))), replace=False)}
    return marks, touching


def _signs(rng: np.random.Generator, k: int) -> dict[int, str]:
    """Other signs for about 40% of the rows: a currency sign or ``#`` before the digits, ``%`` after
    them, ``/`` or ``:`` between groups, or brackets around the first group (:mod:`digits.data.signs`)."""
    if rng.random() >= 0.4:
        return {}
    kind = rng.random()
    if kind < 0.45:
        return {0: _pick(rng, signs.PREFIXES)}
    if kind < 0.6:
        return {k: _pick(rng, signs.SUFFIXES)}
    if kind < 0.85 and k >= 2:
        char = _pick(rng, signs.BETWEEN)
        return dict.fromkeys(_gaps(rng, k, 2), char)
    close = int(rng.integers(1, k + 1))
    return {0: "(", close: ")"}


def _pick(rng: np.random.Generator, chars: str) -> str:
    """One of ``chars``, at random."""
    return chars[int(rng.integers(len(chars)))]


def _gaps(rng: np.random.Generator, k: int, most: int) -> list[int]:
    """1 to ``most`` different gaps between ``k >= 2`` digits, at random: gap ``i`` comes before digit ``i``."""
    return [int(i) for i in rng.choice(np.arange(1, k), int(rng.integers(1, min(most, k - 1) + 1)), replace=False)]


@dataclass(frozen=True)
class _Row:
    ink: npt.NDArray[np.float32]  # (h, w) alpha of the whole row
    boxes: list[Box]
    marks: dict[int, str]  # punctuation written before digit i
    touching: list[int]  # i where digits i and i + 1 share ink
    size: float  # the height the digits were written at


def _row_ink(rng: np.random.Generator, digits: npt.NDArray[np.uint8], training: bool, style: RowStyle) -> _Row:
    """Lay out digits (k, 28, 28) left to right, with punctuation (and other signs, printed words), on an
    ample canvas; written loosely (:data:`LOOSE_SCALE`, :data:`LOOSE_STRAY`) with probability ``style.loose``.
    No digits (k = 0): a line of print alone (:func:`digits.data.printed.phrase`). A fraction
    ``style.hand_words`` of the words are written with the pen (:func:`digits.data.printed.pen_alpha`)
    rather than printed."""
    k, size = len(digits), rng.uniform(20, 64)
    marks, touching = _layout(rng, k, training, style.words) if k else ({0: printed.phrase(rng)}, set())
    room = sum(len(m) for m in marks.values())
    canvas = np.zeros((int(3.5 * size), int((k + room) * 2 * size + 4 * size)), np.float32)
    base, pen, x, after_mark = 2.2 * size, _pen_style(rng), int(size), 0
    width = size * pen.get("ratio", rng.uniform(0.09, 0.16)) if training else 0.0
    boxes: list[Box] = []
    touched: list[int] = []
    loosely = style.loose > 0 and rng.random() < style.loose
    for i, digit in enumerate(digits):
        if i in marks:
            after_mark = _write_marks(rng, canvas, marks[i], size, width, base, style.hand_words)
        scale = rng.uniform(*LOOSE_SCALE) if loosely else rng.uniform(0.88, 1.08)
        alpha = _pen(digit, size * scale, pen, aspect=rng.uniform(0.85, 1.15), angle=rng.uniform(-6, 6))
        y = round(base - alpha.shape[0] + rng.normal(0, 0.04 * size))
        if loosely:  # a small digit sits anywhere from the baseline up to the line's top; any digit may stray
            y -= round(rng.uniform(0, max(0.0, size - alpha.shape[0])) + rng.normal(0, LOOSE_STRAY * size))
        if i:
            x = _next_x(rng, canvas, alpha, y, boxes[-1], size, touch=i in touching, after=after_mark)
            if x < _free_x(canvas, alpha, y):
                touched.append(i - 1)
        elif after_mark:
            x = after_mark + int(size * rng.uniform(0.08, 0.3))
        _place(canvas, alpha, x, y)
        boxes.append(_shift(render.ink_box(alpha), x, y))
    if k in marks:
        _write_marks(rng, canvas, marks[k], size, width, base, style.hand_words)
    if boxes and training and rng.random() < 0.08:
        left, right = boxes[0][0] - size * rng.uniform(0, 0.3), boxes[-1][0] + boxes[-1][2] + size * rng.uniform(0, 0.3)
        line = signs.underline(right - left, width, rng)
        x, y = max(0, int(left)), min(int(base + size * rng.uniform(0.08, 0.3)), canvas.shape[0] - line.shape[0])
        _place(canvas, line[:, : canvas.shape[1] - x], x, y)
    return _Row(canvas, boxes, marks, touched, size)


def _write_marks(
    rng: np.random.Generator,
    canvas: npt.NDArray[np.float32],
    marks: str,
    size: float,
    width: float,
    base: float,
    hand: float,
) -> int:
    """Write ``marks`` after the ink on ``canvas`` (in place) and return the column after them; a word
    is written with the pen (``width`` px) with probability ``hand``, else printed."""
    right = int(size) // 2
    for char in [marks] if printed.is_word(marks) else marks:
        if printed.is_word(char) and hand > 0 and rng.random() < hand:
            alpha, lift = printed.pen_alpha(char, size, width, rng)
        elif printed.is_word(char):
            alpha, lift = printed.printed_alpha(char, size, rng)
        else:
            alpha, lift = _mark(char, size, rng) if char in PUNCTUATION else signs.sign_alpha(char, size, width, rng)
        used = np.flatnonzero((canvas > render.INK_LEVEL).any(axis=0))
        mx = int(used[-1] + 1 + size * rng.uniform(0.06, 0.2)) if used.size else right
        _place(canvas, alpha, mx, int(base) + lift)
        right = mx + alpha.shape[1]
    return right


def _string(
    rng: np.random.Generator, digits: npt.NDArray[np.uint8], training: bool, style: RowStyle
) -> tuple[npt.NDArray[np.uint8], _Row]:
    """A photographed row of ``digits``: the row's ink cropped with margins, on paper, mildly degraded."""
    row = _row_ink(rng, digits, training, style)
    size = float(np.median([b[3] for b in row.boxes])) if row.boxes else row.size
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
    return image, _Row(ink, boxes, row.marks, row.touching, row.size)


def digit_strings(
    n: int,
    seed: int,
    images: npt.ArrayLike,
    labels: npt.ArrayLike,
    *,
    min_digits: int = 2,
    max_digits: int = 10,
    training: bool = False,
    style: RowStyle = PLAIN,
) -> list[StringSample]:
    """Pictures of rows of 2-10 MNIST digits on paper, some touching, some with punctuation.

    Parameters
    ----------
    n, seed, images, labels
        As in :func:`photo_digits`; digits are drawn at random (with replacement).
    min_digits, max_digits : int
        Range of the number of digits per row.
    training : bool
        Rows for training the line reader: also other signs
        (:mod:`digits.data.signs`: currency signs, ``/``, brackets, ...) in
        about 40% of the rows and an underline under 8%. The evaluation set
        has neither.
    style : RowStyle
        How the rows are written besides their digits (loosely, with words,
        print alone); the evaluation set: the default, none of these.

    Returns
    -------
    list of StringSample
        RGB images; about half the rows have ``.`` ``,`` or ``-`` between
        groups and about 40% a touching or overlapping pair. ``written``
        holds every mark but underlines.
    """
    _check_n(n)
    if not 1 <= min_digits <= max_digits:
        raise InputError(f"Need 1 <= min_digits <= max_digits, got {min_digits} and {max_digits}.")
    x, y = _check_digits(images, labels)
    out = []
    for i in range(n):
        rng = _rng(seed, STRINGS, i)
        src = rng.integers(0, len(x), size=int(rng.integers(min_digits, max_digits + 1)))
        if training and style.text_lines > 0 and rng.random() < style.text_lines:
            src = src[:0]
        image, row = _string(rng, x[src], training, style)
        text = "".join(str(int(d)) for d in y[src])
        written = "".join(row.marks.get(j, "") + c for j, c in enumerate(text)) + row.marks.get(len(text), "")
        sources = tuple(int(s) for s in src)
        out.append(StringSample(image, text, tuple(row.boxes), written, sources, tuple(row.touching)))
    return out
