"""Signs that are not digits, written with a pen beside them: ``$ € £ / ( ) # + % x :`` and underlines.

People write amounts as "$1,280.00", dates as "21/11/2026" and phone numbers
as "(555) 123-4567"; ``read`` must give only the digits. MNIST has no such
signs, so they are drawn here as pen paths: each sign is a few polylines in
a digit's frame (x to the right, y down, 0 at the digits' top and 1 on their
baseline), varied in size, slant, stretch and tremor, then drawn with a round
pen as wide as the row's strokes. :func:`digits.data.strings.digit_strings`
puts them in the rows that train the line reader (``training=True``); the
evaluation rows keep only ``.`` ``,`` ``-``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from digits.data.strokes import Path2D, paths_alpha

SIGNS = "$€£/()#+%x:"
"""The signs :func:`sign_alpha` draws."""

PREFIXES, SUFFIXES, BETWEEN = "$€£#+x(", "%)€", "/:"
"""Where signs go in a row: before its digits, after them, or between two groups."""


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, n: int = 12) -> Path2D:
    """Points (n, 2) of an elliptic arc from angle ``start`` to ``stop`` (degrees, y down: 90 is the bottom)."""
    t = np.radians(np.linspace(start, stop, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _line(*points: tuple[float, float]) -> Path2D:
    return np.array(points, np.float64)


def _dot(x: float, y: float) -> Path2D:
    return np.array([[x, y], [x + 0.01, y + 0.01]])


def sign_paths(char: str, rng: np.random.Generator) -> list[Path2D]:
    """The pen paths of one sign, each (m, 2) of (x, y) in the digits' frame (top 0, baseline 1).

    Raises
    ------
    KeyError
        For a character not in :data:`SIGNS`.
    """
    u = rng.uniform
    if char == "/":  # leaning 18-40 degrees, so some look like a slanted 1 (BENCHMARKS.md: 30-45 did worse)
        over = u(0.0, 0.15)
        return [_line((np.tan(np.radians(u(18, 40))) * (1 + 2 * over), -over), (0.0, 1 + over))]
    if char in "()":
        ry, rx = u(0.55, 0.68), u(0.18, 0.3)
        arc = _arc(rx, 0.5, rx, ry, u(95, 110), u(250, 265))
        return [arc if char == "(" else np.stack([rx - arc[:, 0] + rx, arc[:, 1]], axis=1)]
    if char == "$":
        w = u(0.4, 0.6)
        top = _arc(w / 2, 0.28, w / 2, 0.22, u(-40, -10), -270)
        bottom = _arc(w / 2, 0.72, w / 2, 0.22, -90, u(150, 180))
        s_curve = np.concatenate([top, bottom[1:]])
        reach = u(0.05, 0.2)
        bars = [_line((w / 2, -reach), (w / 2, 1 + reach))] if u() < 0.7 else [
            _line((w / 2, -reach), (w / 2, 0.08)), _line((w / 2, 0.92), (w / 2, 1 + reach))]  # fmt: skip
        return [s_curve, *bars]
    if char == "€":
        r = u(0.4, 0.5)
        c = _arc(0.5, 0.5, r * u(0.8, 1.0), r, u(-60, -35), u(-325, -300), 16)
        return [c, _line((0.0, 0.42), (0.55, 0.42)), _line((0.0, 0.6), (0.5, 0.6))]
    if char == "£":
        hook = _arc(0.45, 0.25, u(0.15, 0.22), 0.22, u(-20, 10), -180)
        stem = np.concatenate([hook, _line((0.22, 0.7), (0.12, 0.95), (0.0, 1.0))])
        return [stem, _line((0.0, 1.0), (u(0.55, 0.75), 1.0)), _line((0.0, 0.55), (0.48, 0.55))]
    if char == "#":
        a, b = u(0.1, 0.3), u(0.6, 0.75)
        return [_line((0.25, 0.05), (0.15, 0.95)), _line((0.55, 0.05), (0.45, 0.95)),
                _line((0.0, a + 0.2), (0.7, a + 0.2)), _line((-0.05, b), (0.65, b))]  # fmt: skip
    if char == "+":
        arm = u(0.2, 0.3)
        return [_line((0.0, 0.55), (2 * arm, 0.55)), _line((arm, 0.55 - arm), (arm, 0.55 + arm))]
    if char == "%":
        r = u(0.09, 0.13)
        return [
            _line((0.62, 0.0), (0.05, 1.0)),
            _arc(0.15, 0.18, r, r * 1.2, 0, 360),
            _arc(0.55, 0.82, r, r * 1.2, 0, 360),
        ]
    if char == "x":
        w = u(0.3, 0.45)
        return [_line((0.0, 0.45), (w, 1.0)), _line((w, 0.45), (0.0, 1.0))]
    if char == ":":
        return [_dot(0.05, u(0.35, 0.5)), _dot(0.05, u(0.9, 0.97))]
    raise KeyError(f"No sign {char!r}; the signs are {SIGNS!r}.")


def _posed(paths: list[Path2D], rng: np.random.Generator) -> list[Path2D]:
    """Paths slanted, stretched and trembling as in one person's writing."""
    shear, stretch = rng.uniform(-0.1, 0.25), rng.uniform(0.8, 1.2)
    matrix = np.array([[stretch, -shear], [0.0, 1.0]])  # y down: a positive shear leans the top to the right
    return [(p - [0.0, 1.0]) @ matrix.T + [0.0, 1.0] + rng.normal(0, 0.012, p.shape) for p in paths]


def sign_alpha(char: str, size: float, width: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], int]:
    """Ink alpha (h, w) of a sign beside digits ``size`` px tall, drawn ``width`` px wide, and its top row
    relative to the baseline (negative: above it), as :func:`digits.data.strings._mark` gives for punctuation."""
    scale = size * rng.uniform(0.85, 1.1)
    alpha, low = _draw([p * scale for p in _posed(sign_paths(char, rng), rng)], width)
    return alpha, int(np.floor(low[1] - scale))


def underline(length: float, width: float, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """Ink alpha (h, w) of a hand-drawn line ``length`` px long, ``width`` px wide, to go under a row."""
    xs = np.linspace(0.0, length, 8)
    ys = np.cumsum(rng.normal(0, 0.004 * length, 8)) + xs * rng.uniform(-0.03, 0.03)
    return _draw([np.stack([xs, ys], axis=1)], width)[0]


def _draw(paths: list[Path2D], width: float) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """Anti-aliased ink alpha (h, w) of pixel paths drawn with a round pen ``width`` px wide, and the
    (x, y) of its top-left pixel in the paths' coordinates."""
    points = np.concatenate(paths)
    low = np.floor(points.min(axis=0) - width)
    w, h = (int(v) for v in np.ceil(points.max(axis=0) + width - low) + 1)
    return paths_alpha([p - low for p in paths], width, (w, h)), low
