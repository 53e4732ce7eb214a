"""Rows of **validation** digits read by ``read``: the sets every change to reading was chosen on.

Three sets of ``digit_strings(N, seed, validation digits)``: seed 4242, seed
777, and seed 4242 with the training rows' other signs (``training=True``:
``$ € £ / ( ) # + % x :`` and underlines, which ``read`` must skip). Prints
how many rows each reader reads exactly. The test sets (``digits benchmark
--real``) are for the final figures only.

    DIGITS_DATA_DIR=../shared/data/mnist .venv/bin/python benchmarks/val_rows.py [--n 1000] [--reader DIR ...]

``--reader shipped`` (the default) is the packaged pair of line readers; give several to
compare them side by side in one run, and join folders with ``+`` to read with them
together (``A+B+C``: each line follows the text all of them find likeliest).
"""

from __future__ import annotations

import argparse
import time

from digits.data.mnist import load_mnist
from digits.data.strings import digit_strings
from digits.recognizer import Recognizer

SETS = {"seed 4242": (4242, False), "seed 777": (777, False), "4242 with signs": (4242, True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="rows per set (default: 1000)")
    parser.add_argument(
        "--reader", nargs="+", default=["shipped"], help="line reader folders (A+B: read together), or 'shipped'"
    )
    args = parser.parse_args()
    data = load_mnist()
    rows = {
        name: digit_strings(args.n, seed, data.val.images, data.val.labels, training=signs)
        for name, (seed, signs) in SETS.items()
    }
    print(f"| line reader | {' | '.join(SETS)} | sum | seconds |")
    print(f"|---|{'---:|' * (len(SETS) + 2)}")
    for reader in args.reader:
        recognizer = Recognizer(line_reader=None if reader == "shipped" else reader.split("+"))
        start = time.perf_counter()
        right = [sum(recognizer.read(row.image).text == row.text for row in rows[name]) for name in SETS]
        cells = " | ".join(f"{r}/{args.n}" for r in right)
        print(f"| {reader} | {cells} | {sum(right)} | {time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
