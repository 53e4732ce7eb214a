"""Digits in handwriting fonts: single digits with ``predict``, written numbers with ``read``.

A check that owes nothing to MNIST: the glyphs of the handwriting fonts that
Debian packages (:mod:`digits.data.fonts` has the apt-get line), black on
white at two sizes. Texts are zip codes, amounts, dates, phone numbers: plain
digits, with punctuation (``. , -``), and with other signs
(``$ € £ / ( ) # + % :``), which ``read`` must skip.

    python benchmarks/font_rows.py [--reader DIR ...]

prints, per kind of text, how many were read exactly, then every miss.
``--reader``: line reader folders from ``digits train-reader``, read together,
instead of the shipped pair.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from digits import Recognizer
from digits.data.fonts import handwriting_fonts, written

TEXTS = {
    "digits": ("90210", "4815162342", "07 31 59", "1984"),
    "punctuation": ("12,345.67", "2026-11-21", "3.14159", "867-5309"),
    "signs": ("$1,280.00", "€45,90", "£12.50", "21/11/2026", "(555) 123-4567", "#42", "50%", "+49 30 1234", "10:30"),
}
SIZES = (40, 90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", nargs="+", default=None, help="line reader folders (default: the shipped pair)")
    args = parser.parse_args()
    paths = handwriting_fonts()
    if not paths:
        sys.exit("No handwriting fonts installed: see digits.data.fonts for the apt-get line.")
    recognizer = Recognizer(line_reader=args.reader)
    right, total, misses = Counter(), Counter(), []
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        for size in SIZES:
            for digit in range(10):
                found = recognizer.predict(written(str(digit), path, size)).digit
                total["single digits (predict)"] += 1
                right["single digits (predict)"] += found == digit
                if found != digit:
                    misses.append((name, size, str(digit), str(found)))
            for kind, texts in TEXTS.items():
                for text in texts:
                    got, truth = recognizer.read(written(text, path, size)).text, "".join(filter(str.isdigit, text))
                    total[kind] += 1
                    right[kind] += got == truth
                    if got != truth:
                        misses.append((name, size, text, got))
    print(f"{len(paths)} fonts, sizes {SIZES} px\n")
    print(f"| {'texts':<24} | {'read exactly':>14} |")
    print(f"|{'-' * 26}|{'-' * 15}:|")
    for kind in total:
        print(f"| {kind:<24} | {right[kind]:>5}/{total[kind]:<4} {100 * right[kind] / total[kind]:5.1f} % |")
    print("\nmisses (font, size, written, read):")
    for miss in misses:
        print("  ", *miss)


if __name__ == "__main__":
    main()
