"""Rows of digits photographed tilted: how many ``read`` reads exactly, by tilt.

One or two lines of 3-7 MNIST **train** digits (a fixed random choice), 60
px tall and 50 px apart on paper, photographed turned by -40..40 degrees
(``forms.photographed``: blur, uneven light, noise; the tilts beyond 20 degrees come
last, so the earlier rows keep their pictures). Prints, per tilt, how
many pictures of one line and of two lines ``Recognizer.read`` reads
exactly (two lines: both, top first).

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/tilted_rows.py [N]
"""

from __future__ import annotations

import time

import numpy as np
from forms import begin, photographed, write

TILTS = (0, 3, 5, -5, 10, -10, 15, 20, 25, 30, -30, 40, -40)


def lines_of(rows: list[list[np.ndarray]]) -> np.ndarray:
    """An RGB scan (h, w, 3) of ``rows`` of 28x28 MNIST digits, near-black ink, one line under the other."""
    width = 60 + 50 * max(len(row) for row in rows)
    page = np.full((40 + 90 * len(rows), width, 3), 245.0)
    for r, row in enumerate(rows):
        for k, digit in enumerate(row):
            write(page, digit, 20 + 90 * r, 30 + 50 * k, 60, 0.9)
    return np.clip(page, 0, 255).astype(np.uint8)


def main() -> None:
    n, train, recognizer, rng = begin("pictures")
    print("| tilt | one line | two lines |\n|---:|---:|---:|")
    start = time.perf_counter()
    for tilt in TILTS:
        right = []
        for count in (1, 2):
            hits = 0
            for _ in range(n):
                chosen = [rng.integers(0, len(train.labels), int(rng.integers(3, 8))) for _ in range(count)]
                picture = photographed(lines_of([list(train.images[c]) for c in chosen]), tilt, rng)
                text = "".join("".join(str(d) for d in train.labels[c]) for c in chosen)
                hits += recognizer.read(picture).text == text
            right.append(f"{hits}/{n}")
        print(f"| {tilt} deg | {right[0]} | {right[1]} |", flush=True)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
