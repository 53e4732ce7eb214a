"""What was drawn: round-brush strokes and the picture they make.

The drawing window paints every stroke twice, on the Tk canvas for the eye
and here into a PIL image for the recognizer, so the recognizer reads exactly
the strokes (no screen grab, no anti-aliasing or overlay from the screen).
This module knows nothing of Tk: it is plain Python, testable without a
display.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

PAPER = 255
"""Grey level of the blank picture (white)."""

INK = 0
"""Grey level of the strokes (black)."""

Point = tuple[float, float]


@dataclass
class Stroke:
    """One press-drag-release of the mouse.

    Attributes
    ----------
    width : int
        Brush diameter in pixels.
    points : list of (x, y)
        The pointer's positions in picture pixels, in order.
    """

    width: int
    points: list[Point] = field(default_factory=list)


class Drawing:
    """Strokes on a white picture of ``size`` (width, height) pixels.

    Parameters
    ----------
    size : (int, int)
        Width and height of the picture in pixels.

    Attributes
    ----------
    image : PIL.Image.Image, mode "L", size ``size``
        White paper (255) with every stroke in black (0), round brush.
    strokes : list of Stroke
        In drawing order; the last one grows while the button is held.
    """

    def __init__(self, size: tuple[int, int]) -> None:
        if min(size) < 1:
            raise ValueError(f"A drawing needs a positive width and height, got {size}.")
        self.size = size
        self.strokes: list[Stroke] = []
        self.image = Image.new("L", size, PAPER)
        self._pen = ImageDraw.Draw(self.image)

    @property
    def blank(self) -> bool:
        """Whether nothing has been drawn."""
        return not self.strokes

    def begin(self, point: Point, width: int) -> Stroke:
        """Start a stroke of brush diameter ``width`` at ``point`` (a round dot)."""
        if width < 1:
            raise ValueError(f"The brush width must be at least 1 pixel, got {width}.")
        stroke = Stroke(width, [point])
        self.strokes.append(stroke)
        _dot(self._pen, point, width)
        return stroke

    def extend(self, point: Point) -> None:
        """Continue the current stroke to ``point`` with a round-jointed line."""
        if not self.strokes:
            raise RuntimeError("extend() before begin(): a stroke starts with a button press.")
        stroke = self.strokes[-1]
        _segment(self._pen, stroke.points[-1], point, stroke.width)
        stroke.points.append(point)

    def undo(self) -> Stroke | None:
        """Remove the last stroke and repaint the rest; return it (None when there was none)."""
        if not self.strokes:
            return None
        removed = self.strokes.pop()
        self._pen.rectangle((0, 0, *self.size), fill=PAPER)
        for stroke in self.strokes:
            _paint(self._pen, stroke)
        return removed

    def clear(self) -> None:
        """Remove every stroke: back to white paper."""
        self.strokes.clear()
        self._pen.rectangle((0, 0, *self.size), fill=PAPER)


def _paint(pen: ImageDraw.ImageDraw, stroke: Stroke) -> None:
    """Paint a whole stroke, exactly as :meth:`Drawing.begin` and :meth:`Drawing.extend` did piece by piece."""
    _dot(pen, stroke.points[0], stroke.width)
    for start, end in itertools.pairwise(stroke.points):
        _segment(pen, start, end, stroke.width)


def _segment(pen: ImageDraw.ImageDraw, start: Point, end: Point, width: int) -> None:
    """A line of ``width`` pixels with round ends (a dot at ``end``; ``start`` already has one)."""
    pen.line((start, end), fill=INK, width=width, joint="curve")
    _dot(pen, end, width)


def _dot(pen: ImageDraw.ImageDraw, point: Point, width: int) -> None:
    """A filled disc of diameter ``width`` centred on ``point``."""
    r = width / 2
    x, y = point
    pen.ellipse((x - r, y - r, x + r, y + r), fill=INK)
