"""Single digits in everyday situations the evaluation sets do not cover, one row each.

Each situation places MNIST **train** digits (200 by default, a fixed random
choice) the way a user might supply them: in a printed form box, on a
transparent canvas (RGBA PNG), on a dark-mode canvas, as faint pencil on a
noisy scan, blue on yellow paper, on squared paper, cropped tight to the ink
(enlarged MNIST, photo-like and drawn renderings), as a small digit on a
large page, and on paper photographed with the desk showing at its edge. Prints
how many ``Recognizer.predict`` reads right, how many it declines (no digit
found), and, for the page, how many ``Recognizer.read`` reads right.

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/situations.py [N]
"""

from __future__ import annotations

import io
import os
import platform
import sys
import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from digits.data.mnist import load_mnist
from digits.data.samples import Sample
from digits.data.synth import drawn_digits, photo_digits
from digits.recognizer import Recognizer

Picture = np.ndarray | bytes


def enlarged(digit: np.ndarray, size: int) -> np.ndarray:
    """An MNIST digit as ink coverage in [0, 1], ``size`` x ``size`` (bicubic)."""
    return np.asarray(Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC), np.float32) / 255


def on_paper(
    shape: tuple[int, int], digit: np.ndarray, size: int, at: tuple[int, int], paper: float = 240
) -> np.ndarray:
    """Dark ink (200 grey levels at full coverage) of a ``size`` px digit at ``at`` (row, col) on grey ``paper``."""
    page = np.full(shape, float(paper))
    page[at[0] : at[0] + size, at[1] : at[1] + size] -= 200 * enlarged(digit, size)
    return np.clip(page, 0, 255).astype(np.uint8)


def form_box(digit: np.ndarray, margin: int) -> np.ndarray:
    """The digit written in a printed box ``margin`` pixels from its ink's square, scanned."""
    side = 120 + 2 * (margin + 10)
    image = Image.fromarray(on_paper((side, side), digit, 120, (margin + 10, margin + 10), paper=245))
    ImageDraw.Draw(image).rectangle([10, 10, side - 10, side - 10], outline=60, width=3)
    return np.asarray(image)


def transparent_canvas(digit: np.ndarray) -> bytes:
    """Black strokes on a transparent 280x280 canvas, as a web canvas exports them (RGBA PNG)."""
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[40:240, 40:240, 3] = (255 * enlarged(digit, 200)).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, format="PNG")
    return out.getvalue()


def dark_mode(digit: np.ndarray) -> np.ndarray:
    """Light strokes on a near-black 280x280 canvas."""
    return 255 - on_paper((280, 280), digit, 200, (40, 40), paper=225)


def pencil(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Faint grey pencil (a third of the paper's brightness at most) on a noisy 300x300 scan."""
    page = np.full((300, 300), 235.0) + rng.normal(0, 6, (300, 300))
    page[50:250, 50:250] -= 80 * enlarged(digit, 200)
    return np.clip(page, 0, 255).astype(np.uint8)


def blue_on_yellow(digit: np.ndarray) -> np.ndarray:
    ink = enlarged(digit, 200)[..., None]
    canvas = np.ones((280, 280, 3)) * [250, 235, 120]
    canvas[40:240, 40:240] = canvas[40:240, 40:240] * (1 - ink) + np.array([20, 40, 160]) * ink
    return canvas.astype(np.uint8)


def squared_paper(digit: np.ndarray, spacing: int, width: int) -> np.ndarray:
    """The digit (120 px) written on squared paper: grey (150) lines ``width`` px wide every ``spacing`` px."""
    page = np.full((240, 240), 245.0)
    for offset in range(width):
        page[offset::spacing, :] = 150
        page[:, offset::spacing] = 150
    page[60:180, 60:180] *= 1 - (200 / 245) * enlarged(digit, 120)  # ink darkens paper and lines alike
    return np.clip(page, 0, 255).astype(np.uint8)


def on_a_desk(digit: np.ndarray, desk: str, noise: float, rng: np.random.Generator) -> np.ndarray:
    """The digit (120 px) on a 240x320 photo of paper (grey 230) whose edge shows dark desk (50).

    ``desk``: ``"side"`` (a 60 px strip along the left), ``"corner"`` (a triangle 100 px along two
    sides) or ``"two sides"`` (30 px along the top and 40 px along the left); ``noise``: its std.
    """
    page = on_paper((240, 320), digit, 120, (60, 130), paper=230).astype(float) + rng.normal(0, noise, (240, 320))
    rows, cols = np.mgrid[:240, :320]
    shown = {"side": cols < 60, "corner": rows + cols < 100, "two sides": (rows < 30) | (cols < 40)}[desk]
    page[shown] = 50 + rng.normal(0, noise, int(shown.sum()))
    return np.clip(page, 0, 255).astype(np.uint8)


def tight_crop(digit: np.ndarray, margin: int) -> np.ndarray:
    """The digit's ink box (grey > 30) plus ``margin`` px, enlarged so its longer side is 200 px, dark on white."""
    rows, cols = np.flatnonzero(digit.max(axis=1) > 30), np.flatnonzero(digit.max(axis=0) > 30)
    crop = np.pad(digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], margin)
    scale = 200 / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return 255 - np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC))


def cut_at_box(render: Callable[..., list[Sample]], digit: np.ndarray, seed: int) -> np.ndarray:
    """A rendering of ``digit`` (``render``: ``photo_digits`` or ``drawn_digits``) cut to its ink's bounding box."""
    sample = render(1, seed, digit[None], [0])[0]
    x, y, w, h = sample.box
    return sample.image[y : y + h, x : x + w]


def small_on_page(digit: np.ndarray) -> np.ndarray:
    """A 60x60 digit on a 1200x900 page: under 4 % of the page's side, which ``predict`` declines."""
    return on_paper((1200, 900), digit, 60, (500, 400))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    train = load_mnist(download=False).train
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(train.images), n, replace=False)
    recognizer = Recognizer()

    def seed() -> int:
        return int(rng.integers(1 << 30))

    situations: list[tuple[str, Callable[[np.ndarray], Picture]]] = [
        ("printed form box, 25 px margin", lambda d: form_box(d, 25)),
        ("printed form box, 12 px margin", lambda d: form_box(d, 12)),
        ("transparent canvas (RGBA PNG)", transparent_canvas),
        ("dark-mode canvas", dark_mode),
        ("faint pencil, noisy scan", lambda d: pencil(d, rng)),
        ("blue ink on yellow paper", blue_on_yellow),
        ("squared paper, 40 px, 2 px lines", lambda d: squared_paper(d, 40, 2)),
        ("squared paper, 30 px, 1 px lines", lambda d: squared_paper(d, 30, 1)),
        ("tight crop, ink touching the edges", lambda d: tight_crop(d, 0)),
        ("tight crop, 1 px margin (7 px at 200)", lambda d: tight_crop(d, 1)),
        ("photo-like digit cut at its ink box", lambda d: cut_at_box(photo_digits, d, seed())),
        ("drawn digit cut at its ink box", lambda d: cut_at_box(drawn_digits, d, seed())),
        ("60 px digit on a 1200x900 page", small_on_page),
        ("desk along one side, photo (noise 5)", lambda d: on_a_desk(d, "side", 5, rng)),
        ("desk along one side, clean scan", lambda d: on_a_desk(d, "side", 0, rng)),
        ("desk in a corner, photo", lambda d: on_a_desk(d, "corner", 5, rng)),
        ("desk along two sides, photo", lambda d: on_a_desk(d, "two sides", 5, rng)),
    ]
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, {n} train digits")
    print("| situation | predict right | predict: no digit | read right |")
    print("|---|---:|---:|---:|")
    for name, make in situations:
        right = declined = read_right = 0
        for index in chosen:
            picture, label = make(train.images[index]), int(train.labels[index])
            answer = recognizer.predict(picture).digit
            right += answer == label
            declined += answer is None
            read_right += recognizer.read(picture).text == str(label)
        print(f"| {name} | {right}/{n} | {declined} | {read_right}/{n} |", flush=True)


if __name__ == "__main__":
    main()
