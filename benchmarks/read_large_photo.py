"""How long ``Recognizer.read`` takes on a 4000x3000 phone-sized photo of one row of digits.

A row of 9 validation digits (``digit_strings(1, 5, val)``) enlarged to 4000 px
wide, pasted on paper-coloured 4000x3000 RGB with a little noise; prints the
median of ``REPEATS`` reads (default 5) after a warm-up.

    DIGITS_DATA_DIR=../shared/data/mnist .venv/bin/python benchmarks/read_large_photo.py [REPEATS]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from PIL import Image

from digits import Recognizer
from digits.data.mnist import load_mnist
from digits.data.strings import digit_strings


def photo() -> tuple[Image.Image, str]:
    """The 4000x3000 photo and the digits written on it."""
    val = load_mnist(download=False).val
    row = digit_strings(1, 5, val.images, val.labels)[0]
    small = Image.fromarray(np.asarray(row.image)).convert("RGB")
    page = Image.new("RGB", (4000, 3000), (235, 230, 220))
    page.paste(small.resize((4000, round(4000 * small.height / small.width)), Image.Resampling.BICUBIC), (0, 1200))
    noisy = np.asarray(page, np.float32) + np.random.default_rng(0).normal(0, 4, (3000, 4000, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)), row.text


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    page, written = photo()
    recognizer = Recognizer()
    recognizer.read(page)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        text = recognizer.read(page).text
        times.append(time.perf_counter() - start)
    print(f"read 4000x3000: median {np.median(times):.3f} s of {repeats}, read {text!r}, written {written!r}")


if __name__ == "__main__":
    main()
