"""Digits written on a ruled notebook page, scanned or photographed: are they read?

Each picture is a 600x800 page of a notebook: pale blue ruled lines every
28-40 px (2 px, or 1 px and paler), a red margin line on half the pages,
and MNIST **train** digits (a fixed random choice) written in pen (blue-black)
or pencil (grey, as faint as the ruled lines) sitting on a ruled line, their
ink 0.7-1.0 of the line spacing tall. A page holds one digit, or a number of
3-6 digits. It is scanned (a little noise), photographed (light falling off
across the page, noise, blur, JPEG), or photographed with the page turned by
1-3 degrees (the page fills the picture). Prints how many single digits and how many numbers
``Recognizer.read`` reads exactly. (``predict`` declines a digit under 4 % of
the picture's longer side, as most of these are: crop to the digit for it.)

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/notebook_pages.py [N]
"""

from __future__ import annotations

import argparse
import io
import platform
import time

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from digits.data.mnist import load_mnist
from digits.recognizer import Recognizer

W, H = 600, 800
M = 40  # the page is drawn this much larger all round, and cropped after it is turned
PAPER = (246, 244, 236)
RULES = {"2 px": ((150, 190, 225), 2), "1 px, pale": ((185, 208, 235), 1)}
INKS = {"pen": ((30, 35, 110), 1.0), "pencil": ((120, 120, 125), 0.8)}
CAPTURES = ("scan", "photo", "photo, turned 1-3 deg")


def page(
    rng: np.random.Generator, digits: list[npt.NDArray[np.uint8]], rule: str, ink: str, capture: str
) -> bytes | npt.NDArray[np.uint8]:
    """A notebook page with ``digits`` (28x28, white on black) written in a row on a ruled line: an RGB array
    (H, W, 3) when scanned, JPEG bytes when photographed."""
    colour, width = RULES[rule]
    picture = Image.new("RGB", (W + 2 * M, H + 2 * M), PAPER)
    draw = ImageDraw.Draw(picture)
    spacing, first = int(rng.integers(28, 41)), M + int(rng.integers(60, 100))
    rows = list(range(first, M + H - 20, spacing))
    for y in range(first % spacing, H + 2 * M, spacing):
        draw.line([(0, y), (W + 2 * M, y)], fill=colour, width=width)
    margin = int(rng.uniform(0.12, 0.18) * W) if rng.random() < 0.5 else 0
    if margin:
        draw.line([(M + margin, 0), (M + margin, H + 2 * M)], fill=(215, 75, 75), width=2)
    img = np.asarray(picture, float)
    box = int(rng.uniform(0.7, 1.0) * spacing * 28 / 20)  # an MNIST digit's ink is 20 of its 28 rows
    advance = int(box * rng.uniform(0.6, 0.75))
    x = M + int(rng.uniform(margin + 10, W - 30 - box - advance * (len(digits) - 1)))
    y = rows[int(rng.integers(1, len(rows) - 1))] - box + box * 4 // 28  # the ink's foot on the line
    shade, strength = INKS[ink]
    for digit in digits:
        alpha = strength * np.asarray(Image.fromarray(digit).resize((box, box), Image.Resampling.BICUBIC), float)
        alpha = alpha[..., None] / 255
        img[y : y + box, x : x + box] = img[y : y + box, x : x + box] * (1 - alpha) + np.array(shade) * alpha
        x += advance
    if capture == "scan":
        img = img[M : M + H, M : M + W]
        return np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0 : H + 2 * M, 0 : W + 2 * M] / max(H, W)
    img *= (1 - rng.uniform(0.15, 0.3) * (0.5 + 0.5 * np.cos(angle) * xx + 0.5 * np.sin(angle) * yy))[..., None]
    photo = Image.fromarray(np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8))
    if capture != "photo":
        turn = float(rng.uniform(1, 3) * rng.choice([-1, 1]))
        photo = photo.rotate(turn, resample=Image.Resampling.BILINEAR)
    photo = photo.crop((M, M, M + W, M + H)).filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=int(rng.integers(75, 92)))
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=40, help="pages per cell (default 40)")
    args = parser.parse_args()
    split, recognizer, start = load_mnist().train, Recognizer(), time.time()
    print(f"{args.n} pages per cell; {platform.node()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print("read exactly: one digit; a number of 3-6 digits\n")
    print("| ruled lines | ink | capture | one digit | a number |\n|---|---|---|---:|---:|")
    for r, rule in enumerate(RULES):
        for i, ink in enumerate(INKS):
            for c, capture in enumerate(CAPTURES):
                rng = np.random.default_rng(100 * r + 10 * i + c)
                read = numbers = 0
                for _ in range(args.n):
                    k = int(rng.integers(0, len(split.labels)))
                    picture = page(rng, [split.images[k]], rule, ink, capture)
                    read += recognizer.read(picture).text == str(split.labels[k])
                    picks = rng.integers(0, len(split.labels), int(rng.integers(3, 7)))
                    picture = page(rng, [split.images[j] for j in picks], rule, ink, capture)
                    numbers += recognizer.read(picture).text == "".join(str(split.labels[j]) for j in picks)
                print(f"| {rule} | {ink} | {capture} | {read} | {numbers} |", flush=True)
    print(f"\n{time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
