"""Rows of **validation** digits read by ``read``: the sets every change to reading was chosen on.

Three sets of ``digit_strings(N, seed, validation digits)``: seed 4242, seed
777, and seed 4242 with the training rows' other signs (``training=True``:
``$ € £ / ( ) # + % x :`` and underlines, which ``read`` must skip). Prints
how many rows each reader reads exactly, and their sum. Two more sets are
counted apart: seed 4343 written loosely (``RowStyle(loose=1.0)``: digits of uneven
heights off a common baseline, as real hands write) and seed 4444 with a
printed word before or after the digits (``RowStyle(words=1.0)``: "Date:", "kg", in
the fonts the readers train with; ``benchmarks/labelled_numbers.py`` tries
words and a font they never saw). The test sets (``digits benchmark --real``)
are for the final figures only.

    DIGITS_DATA_DIR=../shared/data/mnist .venv/bin/python benchmarks/val_rows.py [--n 1000] [--reader DIR ...]

``--reader shipped`` (the default) is the packaged pair of line readers; give several to
compare them side by side in one run, and join folders with ``+`` to read with them
together (``A+B+C``: each line follows the text all of them find likeliest).
"""

from __future__ import annotations

import argparse
import time

from digits.data.mnist import load_mnist
from digits.data.strings import RowStyle, digit_strings
from digits.recognizer import Recognizer

SETS = {
    "seed 4242": (4242, False, 0.0, 0.0),
    "seed 777": (777, False, 0.0, 0.0),
    "4242 with signs": (4242, True, 0.0, 0.0),
}
APART = {"4343 written loosely": (4343, False, 1.0, 0.0), "4444 with printed words": (4444, True, 0.0, 1.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="rows per set (default: 1000)")
    parser.add_argument(
        "--reader", nargs="+", default=["shipped"], help="line reader folders (A+B: read together), or 'shipped'"
    )
    args = parser.parse_args()
    data = load_mnist()
    rows = {
        name: digit_strings(
            args.n, seed, data.val.images, data.val.labels, training=signs, style=RowStyle(loose=loose, words=words)
        )
        for name, (seed, signs, loose, words) in (SETS | APART).items()
    }
    print(f"| line reader | {' | '.join(SETS)} | sum | {' | '.join(APART)} | seconds |")
    print(f"|---|{'---:|' * (len(SETS) + len(APART) + 2)}")
    for reader in args.reader:
        recognizer = Recognizer(line_reader=None if reader == "shipped" else reader.split("+"))
        start = time.perf_counter()
        right = {name: sum(recognizer.read(row.image).text == row.text for row in rows[name]) for name in rows}
        cells = " | ".join(f"{right[name]}/{args.n}" for name in SETS)
        apart = " | ".join(f"{right[name]}/{args.n}" for name in APART)
        total = sum(right[name] for name in SETS)
        print(f"| {reader} | {cells} | {total} | {apart} | {time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
