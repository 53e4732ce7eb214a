"""Pen strokes from an MNIST digit: its skeleton traced into paths, redrawn with a round brush.

:func:`digit_strokes` thins a digit and walks its skeleton into smooth pen
paths (:func:`trace_skeleton`, :func:`smooth_path`), with a fidelity score
that says whether redrawing them gives the digit back; :func:`draw_paths`
and :func:`pen_alpha` draw them. :mod:`digits.data.synth` uses them for the
drawn set and for rows written with one pen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw
from scipy import ndimage

from digits.data.render import FloatImage, crop_ink, ink_alpha, resize_float
from digits.imaging.shapes import skeletonize, stroke_width

Path2D = npt.NDArray[np.float64]  # (m, 2) points (x, y)


_OFFSETS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))  # 4-neighbours first


@dataclass
class _Skeleton:
    pixels: set[tuple[int, int]]

    def neighbours(self, p: tuple[int, int]) -> list[tuple[int, int]]:
        return [(p[0] + dy, p[1] + dx) for dy, dx in _OFFSETS if (p[0] + dy, p[1] + dx) in self.pixels]


_RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))  # clockwise from north


def _crossings(skeleton: _Skeleton, p: tuple[int, int]) -> int:
    """How many separate strokes leave pixel ``p``: 0/1 at an end, 2 inside a stroke, 3+ at a fork.

    The crossing number (off-to-on steps around the 8 neighbours), except
    that a 4-neighbour bridges the two diagonals beside it, so a staircase
    (a 4-connected diagonal stroke) counts as one stroke, not a fork.
    """
    on = [(p[0] + dy, p[1] + dx) in skeleton.pixels for dy, dx in _RING]
    for k in range(0, 8, 2):  # a diagonal next to an occupied 4-neighbour belongs to its stroke
        if on[k]:
            on[k - 1] = on[(k + 1) % 8] = False
    runs = sum(on[k] and not on[k - 1] for k in range(8))
    return runs if any(on) else 0


def _walk(skeleton: _Skeleton, path: list[tuple[int, int]], visited: set, junctions: set) -> list[tuple[int, int]]:
    """Extend ``path`` along unvisited skeleton pixels until a junction or a dead end."""
    while True:
        previous = path[-2] if len(path) > 1 else None
        steps = [q for q in skeleton.neighbours(path[-1]) if q not in visited and q != previous]
        if not steps:
            return path
        step = steps[0]
        path.append(step)
        if step in junctions:
            return path
        visited.add(step)


def trace_skeleton(skeleton_mask: npt.NDArray[np.bool_], min_spur: float = 0.0) -> list[Path2D]:
    """Polylines (each (m, 2) of x, y) covering a one-pixel-wide skeleton.

    Strokes run between end points (one neighbour) and junctions (three or
    more); closed loops (a 0) come out as closed polylines. Branches that end
    freely and are shorter than ``min_spur`` pixels (thinning artefacts) are dropped.
    """
    skeleton = _Skeleton({(int(r), int(c)) for r, c in np.argwhere(skeleton_mask)})
    degree = {p: _crossings(skeleton, p) for p in skeleton.pixels}
    junctions = {p for p, d in degree.items() if d >= 3}
    ends = sorted(p for p, d in degree.items() if d <= 1)
    visited: set[tuple[int, int]] = set()
    raw: list[list[tuple[int, int]]] = []
    for end in ends:
        if end not in visited:
            visited.add(end)
            raw.append(_walk(skeleton, [end], visited, junctions))
    for junction in sorted(junctions):
        for q in skeleton.neighbours(junction):
            if q not in visited and q not in junctions:
                visited.add(q)
                raw.append(_walk(skeleton, [junction, q], visited, junctions))
    for p in sorted(skeleton.pixels - visited - junctions):  # loops with no end and no junction
        if p not in visited:
            visited.add(p)
            loop = _walk(skeleton, [p], visited, junctions)
            raw.append([*loop, p] if len(loop) > 2 else loop)
    paths = []
    for path in raw:
        length = float(np.sum(np.hypot(*np.diff(np.array(path), axis=0).T))) if len(path) > 1 else 0.0
        free_end = degree[path[0]] <= 1 or degree[path[-1]] <= 1
        touches_junction = path[0] in junctions or path[-1] in junctions
        if free_end and touches_junction and length < min_spur:
            continue
        paths.append(np.array(path, dtype=np.float64)[:, ::-1])  # (row, col) -> (x, y)
    return paths


def smooth_path(path: Path2D, window: int) -> Path2D:
    """Moving average of a polyline's points over ``window`` points, keeping its ends (or closure)."""
    if len(path) < 3 or window < 2:
        return path
    closed = len(path) > 3 and np.array_equal(path[0], path[-1])
    half = window // 2
    kernel = np.ones(2 * half + 1) / (2 * half + 1)
    if closed:
        ring = path[:-1]
        padded = np.concatenate([ring[-half:], ring, ring[:half]]) if half else ring
        smooth = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in (0, 1)], axis=1)
        return np.concatenate([smooth, smooth[:1]])
    padded = np.concatenate([np.repeat(path[:1], half, 0), path, np.repeat(path[-1:], half, 0)])
    smooth = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in (0, 1)], axis=1)
    smooth[0], smooth[-1] = path[0], path[-1]
    return smooth


@dataclass(frozen=True)
class Strokes:
    """Pen paths traced from an MNIST digit.

    Attributes
    ----------
    paths : list of ndarray, shape (m, 2)
        Smoothed polylines (x, y) in the pixels of the enlarged digit.
    fidelity : float
        Share of the enlarged digit's ink that the paths, redrawn at its own
        stroke width, cover (to 3 px). Thick blobs with filled loops trace
        badly (a 6 whose loop is solid becomes a bare stroke): below
        :data:`MIN_FIDELITY` the paths should not stand for the digit.
    """

    paths: list[Path2D]
    fidelity: float


MIN_FIDELITY = 0.85
"""Least :attr:`Strokes.fidelity` for a traced digit to be drawn from its paths (about 98% of MNIST's test digits)."""


def digit_strokes(digit: npt.NDArray[np.uint8], work_height: int = 96) -> Strokes:
    """Pen paths of an MNIST digit (28, 28): enlarge its ink to ``work_height`` pixels, threshold, thin, trace."""
    crop = crop_ink(digit)
    scale = work_height / max(crop.shape[0] - 2, 1)
    grey = resize_float(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))))
    mask = np.pad(ndimage.gaussian_filter(grey, 0.3 * scale) > 0.45, 2)
    width = stroke_width(mask)
    paths = trace_skeleton(skeletonize(mask), min_spur=1.2 * width)
    window, step = max(3, round(0.6 * width) | 1), max(1, int(width // 4))
    smoothed = []
    for path in paths:
        if len(path) > 8:
            smooth = smooth_path(path, window)
            path = smooth[::step] if (len(smooth) - 1) % step == 0 else np.concatenate([smooth[::step], smooth[-1:]])
        smoothed.append(path)
    redrawn = Image.new("L", mask.shape[::-1], 0)
    draw_paths(redrawn, smoothed, max(width, 2.0), fill=255)
    covered = mask & ndimage.binary_dilation(np.asarray(redrawn) > 0, iterations=3)
    return Strokes(smoothed, float(covered.sum() / max(mask.sum(), 1)))


def draw_paths(
    canvas: Image.Image, paths: list[Path2D], width: float, *, fill: int | tuple[int, ...] = 0, dabs: bool = False
) -> None:
    """Draw polylines on ``canvas`` with a round brush ``width`` pixels wide (in place).

    ``dabs`` imitates canvases that stamp a disc at each pointer event
    instead of joining them: discs along the path at intervals of about a radius.
    """
    draw = ImageDraw.Draw(canvas)
    r = width / 2
    for path in paths:
        points = [(float(x), float(y)) for x, y in path]
        if dabs:
            step = np.hypot(*np.diff(path, axis=0).T) if len(path) > 1 else np.zeros(0)
            along = np.concatenate([[0.0], np.cumsum(step)])
            marks = np.arange(0.0, along[-1] + 1e-9, max(r * 0.9, 1.0))
            xs, ys = np.interp(marks, along, path[:, 0]), np.interp(marks, along, path[:, 1])
            points = list(zip(xs.tolist(), ys.tolist(), strict=True))
        else:
            if len(points) > 1:
                draw.line(points, fill=fill, width=max(1, round(width)), joint="curve")
            points = [points[0], points[-1]]
        for x, y in points:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)


def pen_alpha(
    digit: npt.NDArray[np.uint8], height: float, width: float, *, aspect: float = 1.0, angle: float = 0.0
) -> FloatImage:
    """Ink (alpha, (h, w)) of an MNIST digit redrawn along its traced skeleton with a round pen ``width`` px wide.

    The ink is ``height`` pixels tall, stretched by ``aspect`` and rotated by
    ``angle`` degrees counter-clockwise; drawn 4x larger and area-averaged
    down, so edges are anti-aliased like a photographed ballpoint line. A
    digit that does not trace faithfully (:data:`MIN_FIDELITY`) is drawn by
    :func:`ink_alpha` instead, with its own strokes.
    """
    strokes = digit_strokes(digit)
    if strokes.fidelity < MIN_FIDELITY:
        return ink_alpha(digit, height, aspect=aspect, angle=angle, edge=0.5)
    paths = strokes.paths
    a = np.radians(angle)
    rotation = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # y points down
    paths = [(p * [aspect, 1.0]) @ rotation.T for p in paths]
    points = np.concatenate(paths)
    low, span = points.min(axis=0), np.maximum(np.ptp(points, axis=0), 1.0)
    scale = max(height - width, 1.0) / span[1]
    size = np.ceil(span * scale + width + 2).astype(int)
    return paths_alpha([(p - low) * scale + width / 2 + 1 for p in paths], width, (int(size[0]), int(size[1])))


def paths_alpha(paths: list[Path2D], width: float, size: tuple[int, int], supersample: int = 4) -> FloatImage:
    """Ink (alpha (h, w), for ``size`` (w, h)) of pixel paths drawn with a round pen ``width`` px wide,
    drawn ``supersample`` times larger and area-averaged down, so edges are anti-aliased."""
    canvas = Image.new("L", (size[0] * supersample, size[1] * supersample), 0)
    draw_paths(canvas, [p * supersample for p in paths], width * supersample, fill=255)
    return np.asarray(canvas.resize(size, Image.Resampling.BOX), dtype=np.float32) / 255.0
