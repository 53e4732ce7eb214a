"""Lines of print with no digit (a heading, a caption) above or below a handwritten number.

A form, a cheque or a page of notes holds lines of print that are not
digits: "Please fill in your zip", "Pay to the bearer". ``read`` must
give the number alone, and nothing for a picture of print alone. The print
is in fonts the line readers never trained with (DejaVu Sans, from
matplotlib, and Liberation Sans and Serif where Debian's
``fonts-liberation`` is installed), in words that none of their training
rows holds (:mod:`digits.data.printed`), 24 or 40 px (the number: 64 px in
a handwriting font, :mod:`digits.data.fonts`), black on white. Prints how
many pictures were read exactly, per layout and per font, and the first
misses; then, in every installed handwriting font (50 px), how many of the
same phrases written alone read as nothing, and how many numbers with a
written label before them ("Total:") or unit after them ("sec") are read
as the number alone.

    python benchmarks/printed_lines.py [--photo] [--reader DIR ...]

``--photo``: each picture photographed first (paper, uneven light, blue or
black ink, blur, noise, JPEG; :mod:`digits.data.render`). ``--reader``: line
reader folders from ``digits train-reader``, read together, instead of the
shipped pair.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
from labelled_numbers import HANDS, printed_fonts

from digits import Recognizer
from digits.data import printed, render
from digits.data.fonts import handwriting_fonts, stacked, written

PHRASES = (
    "Please fill in your zip", "Thank you!", "Signature", "Pay to the bearer", "Memo", "For office use only",
    "Personal details", "Total amount payable", "Shipping address", "Notes", "Bank of Nowhere", "Description",
)  # fmt: skip
NUMBERS = ("90210", "4815", "27")
WRITTEN_LABELS = ("Total:", "Room", "Tel")
WRITTEN_UNITS = ("sec", "miles")
LAYOUTS = ("print alone", "print above", "print below", "print above and below")
SIZES = (24, 40)


def lines(layout: str, phrase: str, other: str, number: str, hand: str, font: str, size: int) -> list:
    """The (text, font, size) lines of one picture."""
    above, below, written = [(phrase, font, size)], [(other, font, size)], [(number, hand, 64)]
    return {
        "print alone": above,
        "print above": above + written,
        "print below": written + below,
        "print above and below": above + written + below,
    }[layout]


def photographed(picture: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """A black-on-white picture (h, w) as a phone photo of paper shows it (h, w, 3)."""
    alpha = 1.0 - picture.astype(np.float32) / 255.0
    sheet = render.paper(rng, picture.shape)
    ink = render.INKS[str(rng.choice(["black", "dark blue", "blue ballpoint"]))]
    scene = render.apply_ink(sheet, alpha, ink) * render.lighting(rng, picture.shape, rng.uniform(0.2, 0.8))
    return render.camera(rng, scene, blur=rng.uniform(0.3, 1.0), noise=rng.uniform(0.005, 0.02), quality=75)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photo", action="store_true", help="photograph each picture first")
    parser.add_argument("--reader", nargs="+", default=None, help="line reader folders (default: the shipped pair)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    hands = [p for p in handwriting_fonts() if any(name in p for name in HANDS)]
    if not hands:
        sys.exit("No handwriting fonts installed: see digits.data.fonts for the apt-get line.")
    trained = {w.lower() for w in printed.LABELS + printed.UNITS}
    new = {w.strip(":.!").lower() for p in PHRASES + WRITTEN_LABELS + WRITTEN_UNITS for w in p.split()}
    assert not trained & new, f"the words must be new to the readers: {trained & new}"
    recognizer = Recognizer(line_reader=args.reader)

    def text(picture: npt.NDArray[np.uint8]) -> str:
        return recognizer.read(photographed(picture, rng) if args.photo else picture).text

    right, total, misses = Counter(), Counter(), []
    for font in printed_fonts():
        for size in SIZES:
            for k, phrase in enumerate(PHRASES):
                other = PHRASES[(k + 5) % len(PHRASES)]
                hand, number = hands[k % len(hands)], NUMBERS[k % len(NUMBERS)]
                for layout in LAYOUTS:
                    want = "" if layout == "print alone" else number
                    picture = stacked(lines(layout, phrase, other, number, hand, font, size))
                    got = text(picture)
                    for key in (layout, Path(font).stem, f"{size} px", "all"):
                        right[key] += got == want
                        total[key] += 1
                    if got != want:
                        misses.append((Path(font).stem, size, layout, phrase, want, got))
    print(f"{len(PHRASES)} phrases, {len(hands)} handwriting fonts, print at {SIZES} px, photo {args.photo}\n")
    print("| pictures | read exactly |\n|---|---:|")
    for key in [*LAYOUTS, *(Path(p).stem for p in printed_fonts()), *(f"{s} px" for s in SIZES), "all"]:
        print(f"| {key} | {right[key]}/{total[key]} |")
    print("\nfirst misses (font, size, layout, phrase, written, read):")
    for miss in misses[:20]:
        print("  ", *miss)
    fonts = handwriting_fonts()
    nothing = sum(text(written(phrase, path, 50)) == "" for path in fonts for phrase in PHRASES)
    print(f"\nhandwritten phrases alone, read as nothing: {nothing}/{len(fonts) * len(PHRASES)} ({len(fonts)} fonts)")
    beside = [(f"{word} {number}", number) for word in WRITTEN_LABELS for number in NUMBERS] + [
        (f"{number} {word}", number) for word in WRITTEN_UNITS for number in NUMBERS
    ]
    read = sum(text(written(words, path, 50)) == number for path in fonts for words, number in beside)
    print(f"handwritten words beside a number, the number read: {read}/{len(fonts) * len(beside)}")


if __name__ == "__main__":
    main()
