"""Handwritten numbers beside a printed label ("ZIP", "Total:") or unit ("sec"), as forms print them.

The label is printed (40 px) before the number, or the unit after it, in a
font the line readers never trained with (DejaVu Sans, from matplotlib, and
Liberation Sans and Serif where Debian's ``fonts-liberation`` is installed);
the number is written in a handwriting font (60 px, :mod:`digits.data.fonts`),
black on white. None of these words is among those the readers trained with
(:mod:`digits.data.printed`). The right answer is the number alone: the
letters are not digits. Prints how many were read exactly, per word and per
font, and the first misses.

    python benchmarks/labelled_numbers.py [--reader DIR ...]

``--reader``: line reader folders from ``digits train-reader``, read
together, instead of the shipped pair.
"""

from __future__ import annotations

import argparse
import glob
import sys
from collections import Counter
from pathlib import Path

from digits import Recognizer
from digits.data import printed
from digits.data.fonts import handwriting_fonts, labelled

LABELS = ("ZIP", "Total:", "No.", "Amount", "Tel", "Room")
UNITS = ("sec", "mi", "oz")
NUMBERS = ("90210", "4815", "27")
HANDS = ("ComicNeue-Regular", "DancingScript-Regular", "KleeOne-Regular")


def printed_fonts() -> list[str]:
    """DejaVu Sans (matplotlib's copy) and the Liberation fonts installed."""
    liberation = sorted(glob.glob("/usr/share/fonts/truetype/liberation/Liberation*-Regular.ttf"))
    return [printed.font_path("DejaVuSans.ttf")] + [p for p in liberation if "Mono" not in p and "Narrow" not in p]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", nargs="+", default=None, help="line reader folders (default: the shipped pair)")
    args = parser.parse_args()
    hands = [p for p in handwriting_fonts() if any(name in p for name in HANDS)]
    if not hands:
        sys.exit("No handwriting fonts installed: see digits.data.fonts for the apt-get line.")
    trained = {w.lower() for w in printed.LABELS + printed.UNITS}
    assert not trained & {w.strip(":.").lower() for w in LABELS + UNITS}, "the words must be new to the readers"
    recognizer = Recognizer(line_reader=args.reader)
    fonts = printed_fonts()
    right, total, misses = Counter(), Counter(), []
    for font_path in fonts:
        font_name = Path(font_path).stem
        for word in LABELS + UNITS:
            for hand in hands:
                for number in NUMBERS:
                    text = recognizer.read(labelled(number, hand, word, font_path, after=word in UNITS)).text
                    for key in (word, font_name, "all"):
                        right[key] += text == number
                        total[key] += 1
                    if text != number:
                        misses.append((font_name, word, Path(hand).stem, number, text))
    print(f"{len(hands)} handwriting fonts, {len(NUMBERS)} numbers, {len(LABELS)} labels, {len(UNITS)} units\n")
    print("| printed | read exactly |\n|---|---:|")
    for key in [*LABELS, *UNITS, *(Path(p).stem for p in fonts), "all"]:
        print(f"| {key} | {right[key]}/{total[key]} |")
    print("\nfirst misses (font, word, hand, written, read):")
    for miss in misses[:15]:
        print("  ", *miss)


if __name__ == "__main__":
    main()
