"""Digits written in the printed boxes of a form: read by ``read`` (rows) and ``predict`` (one digit).

Rows of 3-6 MNIST **train** digits (a fixed random choice) written in a
row of boxes that share their walls (a comb), in boxes apart, or in one box
around the number, with thin, thick, red or light blue lines, square or
rounded corners, small cells, digits that touch the lines, and the page photographed tilted by 0-3
degrees (blur, uneven light, noise). Prints, per layout and tilt, how many
rows ``Recognizer.read`` reads exactly; then single digits in a box that
does not fill the picture (``predict``) and empty boxes (which hold no digit).

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/forms.py [N]
"""

from __future__ import annotations

import platform
import sys
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from situations import enlarged

from digits.data.mnist import Subset, load_mnist
from digits.recognizer import Recognizer

TILTS = (0, 1, 2, 3)


@dataclass(frozen=True)
class Form:
    """How the boxes of a row are printed and filled; sizes in pixels."""

    digit: int = 60
    cell: int = 80
    gap: int = 0  # 0: a comb; > 0: boxes apart; < 0: one box around the whole number
    line: int = 2
    colour: tuple[int, int, int] = (60, 60, 60)
    touch: bool = False  # digits placed off centre and larger, so they touch or cross the lines
    radius: float = 0.0  # corners rounded with this fraction of the cell


LAYOUTS = {
    "comb, 2 px lines": Form(),
    "comb, 1 px lines": Form(line=1),
    "comb, 4 px lines": Form(line=4),
    "comb, 36 px cells": Form(digit=28, cell=36),
    "comb, digits touching the lines": Form(digit=66, touch=True),
    "boxes 14 px apart": Form(gap=14),
    "one box around the number": Form(gap=-1),
    "comb, red lines": Form(colour=(230, 90, 90)),
    "comb, light blue lines": Form(colour=(150, 190, 240)),
    "comb, rounded corners": Form(radius=0.25),
    "rounded comb, digits touching the lines": Form(digit=66, touch=True, radius=0.25),
    "rounded boxes 14 px apart": Form(gap=14, radius=0.25),
    "one rounded box around the number": Form(gap=-1, radius=0.4),
}


def filled(form: Form, digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """An RGB scan (h, w, 3) of ``digits`` (28x28 MNIST) written in ``form``'s boxes, near-black ink."""
    n, cell = len(digits), form.cell
    step = cell + max(form.gap, 0) if form.gap >= 0 else 0.7 * cell
    width = round(n * step + 40 + (0.6 * cell if form.gap < 0 else 0))
    picture = Image.new("RGB", (width, cell + 40), (245, 245, 245))
    draw = ImageDraw.Draw(picture)
    radius = round(form.radius * cell)

    def box(left: float, right: float) -> None:
        draw.rounded_rectangle([left, 20, right, 20 + cell], radius=radius, outline=form.colour, width=form.line)

    if form.gap < 0:
        box(20, width - 20)
    else:
        for k in range(n):
            left = 20 + round(k * step)
            if form.gap > 0 or k == 0:
                box(left, left + cell)
            else:
                draw.line([left, 20, left, 20 + cell], fill=form.colour, width=form.line)
        if form.gap == 0:
            box(20, 20 + n * cell)
    page = np.asarray(picture, dtype=float)
    size, offset = form.digit, (cell - form.digit) // 2
    for k, digit in enumerate(digits):
        jitter = rng.integers(-12, 13, 2) if form.touch else (0, 0)
        left = 20 + round(k * step) + offset + (round(0.3 * cell) if form.gap < 0 else 0) + int(jitter[1])
        top = 20 + offset + int(jitter[0])
        write(page, digit, top, left, size, 0.85)
    return np.clip(page, 0, 255).astype(np.uint8)


def write(page: np.ndarray, digit: np.ndarray, top: int, left: int, size: int, cover: float) -> None:
    """Write a 28x28 MNIST ``digit`` ``size`` px tall at (``top``, ``left``) on an RGB ``page`` (h, w, 3),
    in near-black ink covering ``cover`` of the paper where the digit is solid."""
    ink = cover * enlarged(digit, size)[..., None]
    page[top : top + size, left : left + size] = page[top : top + size, left : left + size] * (1 - ink) + 20 * ink


def begin(unit: str) -> tuple[int, Subset, Recognizer, np.random.Generator]:
    """The command line's count N (default 40), the train split, the shipped recognizer and the
    random generator (seed 0), after printing what is measured where and when."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    print(f"{n} {unit} per cell; {platform.node()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    return n, load_mnist(download=False).train, Recognizer(), np.random.default_rng(0)


def photographed(scan: np.ndarray, tilt: float, rng: np.random.Generator) -> np.ndarray:
    """The scan (h, w, 3) turned by ``tilt`` degrees, blurred, lit unevenly from one side, with noise."""
    if tilt == 0:
        return scan
    turned = Image.fromarray(scan).rotate(tilt, Image.Resampling.BICUBIC, expand=True, fillcolor=(245, 245, 245))
    page = np.asarray(turned.filter(ImageFilter.GaussianBlur(0.8)), dtype=float)
    page *= (0.75 + 0.25 * np.linspace(0, 1, page.shape[1]))[None, :, None]
    return np.clip(page + rng.normal(0, 4, page.shape), 0, 255).astype(np.uint8)


def boxed_digit(digit: np.ndarray, margin: int) -> np.ndarray:
    """One 60 px digit centred in a 100 px printed box, ``margin`` pixels of paper around the box."""
    side = 100 + 2 * margin
    page = np.full((side, side), 245.0)
    at = margin + 20
    page[at : at + 60, at : at + 60] -= 200 * enlarged(digit, 60)
    picture = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8))
    ImageDraw.Draw(picture).rectangle([margin, margin, margin + 100, margin + 100], outline=60, width=2)
    return np.asarray(picture)


def empty_comb(cells: int, cell: int) -> np.ndarray:
    """A comb of ``cells`` empty boxes on a scan."""
    picture = Image.new("L", (cells * cell + 40, cell + 40), 245)
    draw = ImageDraw.Draw(picture)
    draw.rectangle([20, 20, 20 + cells * cell, 20 + cell], outline=60, width=2)
    for k in range(1, cells):
        draw.line([20 + k * cell, 20, 20 + k * cell, 20 + cell], fill=60, width=2)
    return np.asarray(picture)


def main() -> None:
    n, train, recognizer, rng = begin("rows")
    print("| layout | " + " | ".join(f"tilt {t} deg" for t in TILTS) + " |")
    print("|---|" + "---:|" * len(TILTS))
    start = time.perf_counter()
    for name, form in LAYOUTS.items():
        right = []
        for tilt in TILTS:
            count = 0
            for _ in range(n):
                chosen = rng.integers(0, len(train.labels), int(rng.integers(3, 7)))
                picture = photographed(filled(form, list(train.images[chosen]), rng), tilt, rng)
                count += recognizer.read(picture).text == "".join(str(d) for d in train.labels[chosen])
            right.append(f"{count}/{n}")
        print(f"| {name} | " + " | ".join(right) + " |", flush=True)
    chosen = rng.integers(0, len(train.labels), 4 * n)
    print("\n| single digit (`predict`) | right | no digit |\n|---|---:|---:|")
    for margin in (10, 40, 100):
        answers = [recognizer.predict(boxed_digit(train.images[i], margin)).digit for i in chosen]
        right = sum(a == train.labels[i] for a, i in zip(answers, chosen, strict=True))
        print(f"| in a box, {margin} px of paper around it | {right}/{len(chosen)} | {answers.count(None)} |")
    empties = [empty_comb(cells, cell) for cells in (1, 3, 5, 8) for cell in (40, 80, 120)]
    nothing = sum(recognizer.read(picture).text == "" for picture in empties)
    print(f"\nempty combs (1-8 boxes of 40-120 px) read as nothing: {nothing}/{len(empties)}")
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
