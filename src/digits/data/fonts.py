"""Numbers written in handwriting fonts: pictures that owe nothing to MNIST, for checking ``read``.

Debian packages a few handwriting fonts (``apt-get install fonts-comic-neue
fonts-dancingscript fonts-kaushanscript fonts-klee fonts-rufscript
fonts-humor-sans fonts-breip fonts-bwht fonts-dkg-handwriting``);
:func:`handwriting_fonts` finds those installed, :func:`written` writes a
text with one and :func:`stacked` writes several lines. ``benchmarks/font_rows.py``
and ``tests/test_read_fonts.py`` use them.
"""

from __future__ import annotations

import glob

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

FONT_FOLDERS = (
    "comic-neue", "dancingscript", "kaushanscript", "klee", "rufscript", "humor-sans", "breip", "bwht", "fifthhorseman",
)  # fmt: skip
"""Folders under ``/usr/share/fonts/*/`` of the Debian handwriting-font packages."""


def handwriting_fonts(folders: tuple[str, ...] = FONT_FOLDERS) -> list[str]:
    """Paths of the installed fonts in ``folders``, sorted; empty when none is installed."""
    return sorted(p for folder in folders for p in glob.glob(f"/usr/share/fonts/*/{folder}/*.[ot]tf"))


def written(text: str, font_path: str, size: int) -> npt.NDArray[np.uint8]:
    """``text`` in the font at ``size`` px: grey (h, w), black on white with a margin of half a line."""
    font = ImageFont.truetype(font_path, size)
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), text, font=font)
    image = Image.new("L", (right - left + 2 * size, bottom - top + size), 255)
    ImageDraw.Draw(image).text((size - left, size // 2 - top), text, font=font, fill=0)
    return np.asarray(image)


def labelled(number: str, hand_path: str, word: str, print_path: str, *, after: bool = False) -> npt.NDArray[np.uint8]:
    """``number`` written in the font ``hand_path`` (60 px) with ``word`` printed in the font ``print_path``
    (40 px) before it, or ``after`` it: grey (h, w), black on white."""
    ink = written(number, hand_path, 60)
    image = Image.new("L", (ink.shape[1] + 260, max(ink.shape[0], 80)), 255)
    image.paste(Image.fromarray(ink), (20 if after else 240, 0))
    x = ink.shape[1] if after else 20
    ImageDraw.Draw(image).text((x, image.height // 2 - 25), word, font=ImageFont.truetype(print_path, 40), fill=0)
    return np.asarray(image)


def stacked(lines: list[tuple[str, str, int]]) -> npt.NDArray[np.uint8]:
    """Lines of text one under the other, left-aligned, each ``(text, font_path, size)`` as :func:`written`
    writes it (a line of print above a handwritten number): grey (h, w), black on white."""
    inks = [written(text, path, size) for text, path, size in lines]
    image = np.full((sum(ink.shape[0] for ink in inks), max(ink.shape[1] for ink in inks)), 255, np.uint8)
    top = 0
    for ink in inks:
        image[top : top + ink.shape[0], : ink.shape[1]] = ink
        top += ink.shape[0]
    return image
