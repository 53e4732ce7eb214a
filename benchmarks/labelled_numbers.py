"""Handwritten numbers after a printed label ("ZIP", "Total:"), as forms print them: what ``read`` makes of them.

The label is printed in DejaVu Sans (40 px), the number written in a handwriting
font (60 px, :mod:`digits.data.fonts`) beside it, black on white. The right
answer is the number alone: the label's letters are not digits. Prints how
many were read exactly, per label, and the first misses.

    python benchmarks/labelled_numbers.py
"""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digits import Recognizer
from digits.data.fonts import handwriting_fonts, written

LABELS = ("ZIP", "Total:", "No.", "Amount", "Tel", "Room")
NUMBERS = ("90210", "4815", "27")
PRINTED = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
HANDS = ("ComicNeue-Regular", "DancingScript-Regular", "KleeOne-Regular")


def labelled(label: str, number: str, hand: str, printed: ImageFont.FreeTypeFont) -> np.ndarray:
    """``label`` printed, then ``number`` written in the font ``hand``: grey (h, w) uint8."""
    ink = written(number, hand, 60)
    image = Image.new("L", (ink.shape[1] + 260, max(ink.shape[0], 80)), 255)
    ImageDraw.Draw(image).text((20, image.height // 2 - 25), label, font=printed, fill=0)
    image.paste(Image.fromarray(ink), (240, 0))
    return np.asarray(image)


def main() -> None:
    hands = [p for p in handwriting_fonts() if any(name in p for name in HANDS)]
    try:
        printed = ImageFont.truetype(PRINTED, 40)
    except OSError:
        sys.exit(f"{PRINTED} is missing: apt-get install fonts-dejavu-core")
    if not hands:
        sys.exit("No handwriting fonts installed: see digits.data.fonts for the apt-get line.")
    recognizer = Recognizer()
    right, misses = Counter(), []
    for label in LABELS:
        for hand in hands:
            for number in NUMBERS:
                text = recognizer.read(labelled(label, number, hand, printed)).text
                right[label] += text == number
                if text != number:
                    misses.append((label, hand.rsplit("/", 1)[-1], number, text))
    each = len(hands) * len(NUMBERS)
    print(f"{len(hands)} handwriting fonts, {len(NUMBERS)} numbers, {len(LABELS)} printed labels\n")
    print("| label | read exactly |\n|---|---:|")
    for label in LABELS:
        print(f"| {label} | {right[label]}/{each} |")
    print(f"| all | {sum(right.values())}/{each * len(LABELS)} |")
    print("\nfirst misses (label, font, written, read):")
    for miss in misses[:12]:
        print("  ", *miss)


if __name__ == "__main__":
    main()
