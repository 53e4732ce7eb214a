"""A picture turned about its middle, and boxes found in it taken back to the picture as it was.

:meth:`digits.Recognizer.read` reads lines of digits photographed at a steep
tilt (:func:`digits.imaging.segment.steep_tilt`) from the picture turned
level, and reports where the digits are in the picture it was given.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.imaging import filters

FloatImage = npt.NDArray[np.float32]
Box = tuple[int, int, int, int]


def turn(grey: FloatImage, degrees: float) -> FloatImage:
    """``grey`` (h, w, luminance 0-1) turned ``degrees`` counter-clockwise about its middle, enlarged to hold
    all of it: (h', w'). The corners it leaves are paper: the median of the picture's border, as noisy as
    the picture (flat paint would make the noise stand out, and a seam between them would be a line)."""
    border = np.concatenate((grey[0], grey[-1], grey[:, 0], grey[:, -1]))
    paper = float(np.median(border))
    turned = _turned(grey, degrees, paper)
    inside = _turned(np.ones_like(grey), degrees, 0.0) > 0.5
    noise = np.random.default_rng(0).normal(0.0, filters.estimate_noise(grey), turned.shape)
    return np.where(inside, turned, np.clip(paper + noise, 0.0, 1.0)).astype(np.float32)


def box_before_turn(box: Box, degrees: float, before: tuple[int, int], after: tuple[int, int]) -> Box:
    """A box (x, y, w, h) in the picture turned by :func:`turn` (shape ``after``, (h', w')) as the box
    around the same place in the picture before (shape ``before``, (h, w)), clipped to it."""
    x, y, w, h = box
    corners = np.array([(x, y), (x + w, y), (x, y + h), (x + w, y + h)], dtype=float)
    middle_after = np.array([after[1], after[0]], dtype=float) / 2
    middle_before = np.array([before[1], before[0]], dtype=float) / 2
    a = np.radians(degrees)
    back = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])  # undoes a turn counter-clockwise
    points = (corners - middle_after) @ back.T + middle_before
    left, top = np.clip(np.floor(points.min(axis=0)), 0, [before[1], before[0]]).astype(int)
    right, bottom = np.clip(np.ceil(points.max(axis=0)), 0, [before[1], before[0]]).astype(int)
    return int(left), int(top), int(right - left), int(bottom - top)


def _turned(grey: FloatImage, degrees: float, fill: float) -> FloatImage:
    """``grey`` (h, w) turned (bilinear) with ``fill`` where nothing comes in: (h', w')."""
    picture = Image.fromarray(np.asarray(grey, np.float32))  # mode "F"
    rotated = picture.rotate(degrees, Image.Resampling.BILINEAR, expand=True, fillcolor=fill)
    return np.asarray(rotated, np.float32)
