"""A note, a card or a page lying on a desk, photographed with the desk all round it: are its digits read?

Each picture is a 1200x900 phone-style photo: a desk (dark wood, mid brown
or grey; plain or with a wood grain), a sheet on it (white paper or a
yellow note, its side 0.3-0.9 of the picture's height, turned up to
12 degrees), an MNIST **train** digit (a fixed random choice) written on the
sheet in blue-black or black ink, light falling off across the picture and
a little blur. Variants: the sheet seen at a slant (perspective), partly
out of the frame (its writing in the picture), a pen lying on the desk (along an edge, or anywhere at any
angle, the sheet perhaps over it), a phone lying there, a shadow across picture, ruled
paper, four digits in a row (read by ``read``), and a blank sheet (the right
answer is no digit). Prints how many ``Recognizer.predict`` and
``Recognizer.read`` get right.

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/sheets_on_desks.py [N]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from digits.data.mnist import load_mnist
from digits.recognizer import Recognizer

W, H = 1200, 900
DESKS = {"dark": (60, 45, 35), "mid": (120, 100, 80), "grey": (150, 150, 150)}
SHEETS = {"white": (245, 245, 238), "yellow": (250, 235, 120)}
SIDES = (0.3, 0.5, 0.7, 0.9)
VARIANTS = (
    "plain",
    "perspective",
    "cut",
    "wood",
    "pen",
    "shadow",
    "ruled",
    "four digits",
    "blank",
    "pen at any angle",
    "phone",
)
INKS = ((30, 30, 90), (20, 20, 20))


def photo(
    rng: np.random.Generator, digits: list[npt.NDArray[np.uint8]], side: float, desk: str, sheet: str, variant: str
) -> npt.NDArray[np.uint8]:
    """An RGB photo (900, 1200, 3) of ``digits`` (28x28, white on black) written on a sheet lying on a desk."""
    base = np.array(DESKS[desk], float)
    img = np.ones((H, W, 3)) * base + rng.normal(0, 5, (H, W, 3))
    if variant == "wood":
        grain = np.arange(W)[None, :] + 30 * np.sin(np.arange(H)[:, None] / 60)
        img *= (1 + 0.15 * np.sin(grain / 7) + 0.08 * np.sin(grain / 23))[..., None]
    if variant in ("pen at any angle", "phone"):
        img = things(rng, img, variant)
    sh = int(side * H)
    sw = min(2 * sh, W - 100) if variant == "four digits" else sh
    paper = np.ones((sh, sw, 3)) * np.array(SHEETS[sheet]) * rng.uniform(0.85, 1.0)
    if variant == "ruled":
        for y in range(int(sh * 0.1), sh, max(4, int(sh * 0.12))):
            paper[y : y + 2] = (150, 170, 220)
    if variant == "four digits":
        size, x = int(sw / 4.2), int(sw * 0.08)
    else:
        size = int(sh * rng.uniform(0.4, 0.6))
        x = int(0.3 * sw) if variant == "cut" else int(rng.uniform(0.1, 0.3) * (sw - size))
    y, ink = int(rng.uniform(0.1, 0.9) * (sh - size)), np.array(INKS[int(rng.integers(0, 2))], float)
    for digit in digits:
        alpha = np.asarray(Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC), float)[..., None]
        alpha /= 255
        paper[y : y + size, x : x + size] = paper[y : y + size, x : x + size] * (1 - alpha) + ink * alpha
        x += int(size * 0.75)
    left = int(rng.uniform(-0.25, -0.1) * sw) if variant == "cut" else int(rng.uniform(20, W - sw - 20))
    top = int(rng.uniform(20, H - sh - 20))
    img[top : top + sh, max(left, 0) : left + sw] = paper[:, max(0, -left) :]
    if variant == "pen":
        y0 = int(rng.uniform(0.02, 0.06) * H) if top > 0.15 * H else H - int(rng.uniform(0.04, 0.08) * H)
        img[y0 : y0 + 14, 60 : 60 + int(W * 0.3)] = (15, 15, 20)
    img *= np.linspace(rng.uniform(0.75, 1), rng.uniform(0.75, 1), W)[None, :, None]
    picture = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if variant == "perspective":
        d = rng.uniform(0.08, 0.15) * W
        quad = (d, 0, 0, H, W, H, W - d, 0)
        picture = picture.transform((W, H), Image.Transform.QUAD, quad, Image.Resampling.BILINEAR)
    picture = picture.rotate(float(rng.uniform(-12, 12)), fillcolor=tuple(int(v * 0.8) for v in base))
    out = np.asarray(picture.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5))), float)
    if variant == "shadow":
        out = out * (1 - 0.4 / (1 + np.exp(-(np.arange(W)[None, :] - rng.uniform(0.3, 0.7) * W) / 40)))[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def things(rng: np.random.Generator, img: npt.NDArray[np.float64], variant: str) -> npt.NDArray[np.float64]:
    """``img`` (H, W, 3) with a pen (black, dark blue or red; 10-24 px thick, 0.2-0.45 of the width long, at
    any angle) or a phone (a black slab, 0.25-0.4 of the height wide) lying somewhere on it; the sheet may
    then cover part of it."""
    shape = Image.new("L", (W, H))
    draw, x, y = ImageDraw.Draw(shape), rng.uniform(0.1, 0.9) * W, rng.uniform(0.1, 0.9) * H
    if variant == "phone":
        w, colour = rng.uniform(0.25, 0.4) * H, (12, 12, 14)
        draw.rounded_rectangle((x - w / 2, y - w, x + w / 2, y + w), radius=w / 8, fill=255)
        shape = shape.rotate(float(rng.uniform(-30, 30)), center=(x, y), resample=Image.Resampling.BILINEAR)
    else:
        angle, half = rng.uniform(0, np.pi), rng.uniform(0.1, 0.225) * W
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        colour = [(15, 15, 20), (20, 25, 70), (120, 20, 20)][int(rng.integers(0, 3))]
        draw.line((x - dx, y - dy, x + dx, y + dy), fill=255, width=int(rng.integers(10, 25)))
    alpha = np.asarray(shape, float)[..., None] / 255
    return img * (1 - alpha) + np.array(colour, float) * alpha


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=20, help="pictures per cell (default 20)")
    args = parser.parse_args()
    split, recognizer, start = load_mnist().train, Recognizer(), time.time()
    print(f"{args.n} pictures per cell; {platform.node()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")

    def score(variant: str, side: float, desk: str, sheet: str, seed: int) -> tuple[int, int]:
        rng, predicted, read = np.random.default_rng(seed), 0, 0
        for _ in range(args.n):
            count = {"blank": 0, "four digits": 4}.get(variant, 1)
            picks = rng.integers(0, len(split.labels), count)
            text = "".join(str(split.labels[k]) for k in picks)
            picture = photo(rng, [split.images[k] for k in picks], side, desk, sheet, variant)
            digit = recognizer.predict(picture).digit
            predicted += (digit is None) if variant == "blank" else str(digit) == text
            read += recognizer.read(picture).text == text
        return predicted, read

    print("plain sheets, predict / read right by the sheet's side (of the picture's height):\n")
    print("| desk | sheet | " + " | ".join(f"side {s}" for s in SIDES) + " |\n|---|---|" + "---:|" * len(SIDES))
    for d, desk in enumerate(DESKS):
        for k, sheet in enumerate(SHEETS):
            cells = [score("plain", side, desk, sheet, 100 * d + 10 * k + j) for j, side in enumerate(SIDES)]
            print(f"| {desk} | {sheet} | " + " | ".join(f"{p}/{r}" for p, r in cells) + " |", flush=True)

    print("\nvariants (white sheet, side 0.4-0.6; four digits: read only), predict / read right:\n")
    print("| variant | dark desk | mid desk |\n|---|---:|---:|")
    for v, variant in enumerate(VARIANTS):
        cells = [score(variant, 0.5, desk, "white", 1000 + 10 * v + d) for d, desk in enumerate(("dark", "mid"))]
        shown = [f"{r}/{args.n}" if variant == "four digits" else f"{p} / {r}" for p, r in cells]
        print(f"| {variant} | " + " | ".join(shown) + " |", flush=True)
    print(f"\n{time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
