"""Printed words beside a handwritten number, as forms print them: "Date:", "Qty", "kg".

A form prints a label before the field ("Date:", "Order No.") and a unit
may follow the number ("kg", "pcs"); ``read`` must give only the digits.
:func:`digits.data.strings.digit_strings` puts such words in a fraction of
the rows that train the line reader (``words``), and :func:`phrase` makes
lines of print alone (``text_lines``), printed with the fonts
matplotlib ships (DejaVu Serif, DejaVu Sans Mono, STIX, Computer Modern),
so a reader learns to skip letters as it skips signs. DejaVu Sans and the
labels of ``benchmarks/labelled_numbers.py`` ("ZIP", "Total:", ...) are
left out of training, so that benchmark measures words and a font the
reader has not seen.
"""

from __future__ import annotations

import functools
import string
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from digits.data import strokes

FONTS = (
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf",
    "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmb10.ttf", "cmti10.ttf",
)  # fmt: skip
"""The fonts words are printed in, from matplotlib's ``mpl-data/fonts/ttf`` (installed with digits)."""

LABELS = (
    "Date", "Phone", "Fax", "Qty", "Price", "Sum", "Page", "Apt", "Box", "Code", "PIN", "ID", "Ref", "Acct",
    "Order", "Invoice", "Item", "Unit", "Floor", "Zone", "Age", "Year", "Tax", "Net", "Due", "Paid", "Cash",
    "Bill", "Mobile", "Postcode", "Street", "Route", "Flight", "Seat", "Gate", "Lot", "Batch", "Serial",
    "Model", "Part", "Case", "Line", "Score", "Account", "Number", "Customer", "Weight", "Height",
)  # fmt: skip
"""Words printed before a number (never those of ``benchmarks/labelled_numbers.py``)."""

UNITS = ("kg", "cm", "mm", "km", "min", "hrs", "pcs", "lbs", "EUR", "USD", "pages", "days", "units", "ml", "pts")
"""Words printed after a number."""

CAP_HEIGHT = (0.45, 0.95)
"""A printed word's capital height, in the handwritten digits' height: print is mostly smaller."""

PEN_FONTS = ("scripts", "scriptc", "cursive", "futural", "rowmans")
"""The Hershey stroke fonts (the ``Hershey-Fonts`` package) that words written by hand are drawn with:
joined script, and the plain strokes of block capitals and lower case."""

PEN_CAP_HEIGHT = (0.6, 1.1)
"""A handwritten word's capital height, in the digits' height: written with the same hand and pen."""


def is_word(marks: str) -> bool:
    """Whether the marks written at one place in a row are a printed word, not signs written one by one
    (a word has two or more characters and starts with a letter; a sign is one character, "x" among them)."""
    return len(marks) >= 2 and marks[0].isalpha()


def word(rng: np.random.Generator, after: bool) -> str:
    """A word to print before a number (a label, or 2-7 random letters) or ``after`` it (a unit).

    Labels come as written, in capitals or in lower case, sometimes followed by ":" or ".".
    """
    if after:
        return str(rng.choice(UNITS))
    if rng.random() < 0.35:
        text = "".join(rng.choice(list(string.ascii_letters), int(rng.integers(2, 8))))
    else:
        text = str(rng.choice(LABELS))
        case = rng.random()
        text = text.upper() if case < 0.3 else text.lower() if case < 0.5 else text
    end = rng.random()
    return text + (":" if end < 0.3 else "." if end < 0.4 else "")


def phrase(rng: np.random.Generator) -> str:
    """A line of print with no digit, such as a heading or a caption: 1-4 words (:func:`word`'s labels and
    units, or 2-9 random letters), as :func:`word` writes them."""
    words = []
    for _ in range(int(rng.integers(1, 5))):
        if rng.random() < 0.35:
            words.append("".join(rng.choice(list(string.ascii_letters), int(rng.integers(2, 10)))))
        else:
            words.append(str(rng.choice(LABELS + UNITS)))
    text = " ".join(words)
    case = rng.random()
    text = text.upper() if case < 0.2 else text.lower() if case < 0.5 else text
    end = rng.random()
    return text + (":" if end < 0.2 else "." if end < 0.35 else "")


def font_path(name: str) -> str:
    """The path of one of the fonts matplotlib ships (``mpl-data/fonts/ttf``), such as ``"DejaVuSans.ttf"``."""
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


@functools.lru_cache(maxsize=256)
def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(name), px)


@functools.lru_cache(maxsize=len(FONTS))
def _cap_ratio(name: str) -> float:
    """A font's capital height over its size in pixels."""
    _, top, _, bottom = _font(name, 100).getbbox("H", anchor="ls")
    return (bottom - top) / 100


@functools.lru_cache(maxsize=len(PEN_FONTS))
def _pen_font(name: str) -> tuple[Any, float, float]:
    """A Hershey font, and its baseline and capital height in its own units (y up)."""
    from HersheyFonts import HersheyFonts  # type: ignore[import-untyped]

    font = HersheyFonts()
    font.load_default_font(name)
    font.normalize_rendering(100)
    base = min(y for stroke in font.strokes_for_text("x") for _, y in stroke)
    top = max(y for stroke in font.strokes_for_text("H") for _, y in stroke)
    return font, base, top - base


def pen_alpha(text: str, size: float, width: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], int]:
    """Ink alpha (h, w) of ``text`` written by hand beside digits ``size`` px tall with a pen ``width``
    px wide (a Hershey stroke font, slanted and stretched at random), with a blank margin either side,
    and its top row relative to the baseline, as :func:`printed_alpha` gives."""
    font, base, cap = _pen_font(str(rng.choice(PEN_FONTS)))
    scale = size * rng.uniform(*PEN_CAP_HEIGHT) / cap
    slant, stretch = rng.uniform(-0.1, 0.35), rng.uniform(0.85, 1.2)
    paths = []
    for stroke in font.strokes_for_text(text):
        xy = np.asarray(stroke, np.float64)
        up = (xy[:, 1] - base) * scale
        paths.append(np.stack([xy[:, 0] * scale * stretch + slant * up, -up], axis=1))
    points = np.concatenate(paths)
    pad = max(width, 1.0) + 1
    margin = size * rng.uniform(0.15, 0.8)
    left, top = points.min(axis=0) - (margin + pad, pad)
    w, h = (int(np.ceil(v)) for v in points.max(axis=0) - (left, top) + (margin + pad, pad))
    alpha = strokes.paths_alpha([p - (left, top) for p in paths], max(width, 1.0), (w, h))
    return alpha, int(np.floor(top))


def printed_alpha(text: str, size: float, rng: np.random.Generator) -> tuple[npt.NDArray[np.float32], int]:
    """Ink alpha (h, w) of ``text`` printed beside digits ``size`` px tall, with a blank margin either
    side (the space between a label and the number), and its top row relative to the baseline, as
    :func:`digits.data.signs.sign_alpha` gives."""
    name = str(rng.choice(FONTS))
    px = max(6, round(size * rng.uniform(*CAP_HEIGHT) / _cap_ratio(name)))
    font = _font(name, px)
    left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor="ls"))
    margin = int(size * rng.uniform(0.15, 0.8))
    image = Image.new("L", (right - left + 2 * margin + 2, bottom - top + 2), 0)
    ImageDraw.Draw(image).text((margin - left, 1 - top), text, font=font, fill=255, anchor="ls")
    return (np.asarray(image, dtype=np.float32) / 255.0).astype(np.float32), top - 1
