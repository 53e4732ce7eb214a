"""Ways of writing digits that MNIST's writers rarely used, drawn on a canvas: are they read?

MNIST's digits come from American census staff and students. Much of the
world writes some digits otherwise: a 1 with a long flag sloping down from
the top (the "continental" 1, which such writers tell from a 7 by crossing
the 7), a 4 open at the top, a 9 with a straight stem, a 2 with a loop. Each
style here is a few pen strokes laid out by hand in a unit box (not taken
from MNIST or from any training generator), drawn like the web page's
canvas: round brush 6-22 px wide on 280x280, the digit 40-65 % of the
canvas tall, anywhere near the middle (clear of the edges), slanted and turned a little, every
point jittered. ``--photo`` also photographs each canvas (paper, uneven
light, blue or black ink, blur, noise, JPEG; as ``printed_lines.py --photo``).

Prints, per style, how many drawings ``Recognizer.predict`` and
``Recognizer.read`` get right; how the continental 1 fares by the flag's
length and slope; rows of 3-6 digits in the two hands (plain 1s and 7s,
or flagged 1s and crossed 7s) read exactly; and digits written in two strokes
of comparable size with a pen lift between them (a 2's base, a 4's stem
apart), by the gap, read by ``predict``.

    python benchmarks/hand_styles.py [N] [--photo] [--model DIR]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image
from printed_lines import photographed

from digits import Recognizer
from digits.data.strokes import draw_paths

Stroke = list[tuple[float, float]]


def arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, steps: int = 24) -> Stroke:
    """Points of an elliptic arc from ``start`` to ``stop`` (in turns; y grows downwards)."""
    turns = np.linspace(start, stop, steps) * 2 * np.pi
    return [(cx + rx * np.cos(t), cy + ry * np.sin(t)) for t in turns]


def flagged_one(length: float, slope: float) -> list[Stroke]:
    """A 1 whose flag is ``length`` of its height long, sloping ``slope`` degrees below the horizontal."""
    t = np.deg2rad(slope)
    return [[(0.45 - length * np.cos(t), length * np.sin(t)), (0.45, 0.0), (0.45, 1.0)]]


SEVEN = [(0.1, 0.05), (0.7, 0.05), (0.3, 1.0)]
STYLES: dict[str, tuple[int, list[Stroke]]] = {
    "1 plain stick": (1, [[(0.4, 0.0), (0.4, 1.0)]]),
    "1 short hook": (1, [[(0.3, 0.12), (0.45, 0.0), (0.45, 1.0)]]),
    "1 continental, flag 0.25": (1, flagged_one(0.25, 40)),
    "1 continental, flag 0.35": (1, flagged_one(0.35, 40)),
    "1 continental, flag 0.45": (1, flagged_one(0.45, 45)),
    "1 flag and foot": (1, [*flagged_one(0.25, 40), [(0.2, 1.0), (0.7, 1.0)]]),
    "7 plain": (7, [SEVEN]),
    "7 crossed": (7, [SEVEN, [(0.3, 0.5), (0.65, 0.5)]]),
    "7 serif, crossed": (7, [[(0.1, 0.15), *SEVEN], [(0.25, 0.5), (0.65, 0.5)]]),
    "4 open top": (4, [[(0.35, 0.0), (0.05, 0.6), (0.7, 0.6)], [(0.55, 0.25), (0.55, 1.0)]]),
    "4 closed": (4, [[(0.55, 1.0), (0.55, 0.0), (0.05, 0.6), (0.7, 0.6)]]),
    "9 straight stem": (9, [[(0.6, 0.25), *arc(0.35, 0.25, 0.25, 0.22, 0, 1, 20), (0.6, 0.25), (0.6, 1.0)]]),
    "9 curled stem": (9, [[(0.6, 0.25), *arc(0.35, 0.25, 0.25, 0.22, 0, 1, 20), (0.55, 0.8), (0.4, 1.0), (0.2, 0.95)]]),
    "2 looped": (
        2,
        [
            [
                (0.1, 0.2),
                (0.3, 0.02),
                (0.55, 0.05),
                (0.6, 0.3),
                (0.1, 1.0),
                (0.25, 0.85),
                (0.35, 0.95),
                (0.2, 1.0),
                (0.7, 1.0),
            ]
        ],
    ),
    "2 as a Z": (2, [[(0.1, 0.05), (0.6, 0.05), (0.1, 1.0), (0.65, 1.0)]]),
    "0 slashed": (0, [arc(0.3, 0.5, 0.28, 0.48, 0, 1, 30), [(0.1, 0.95), (0.5, 0.05)]]),
    "8 as two rings": (8, [arc(0.32, 0.2, 0.17, 0.19, 0, 1, 20), arc(0.32, 0.7, 0.26, 0.3, 0, 1, 24)]),
    "5 in one stroke": (5, [[(0.6, 0.03), (0.15, 0.03), (0.12, 0.45), *arc(0.32, 0.7, 0.27, 0.28, -0.375, 0.425, 20)]]),
    "3 flat top": (3, [[(0.1, 0.03), (0.6, 0.03), (0.3, 0.42), *arc(0.32, 0.7, 0.27, 0.28, -0.25, 0.425, 20)]]),
    "6 straight back": (6, [[(0.5, 0.0), (0.12, 0.7), *arc(0.32, 0.78, 0.2, 0.2, 0.5, 1.5, 25)]]),
}
HANDS = {
    "plain 1s and 7s": ("1 plain stick", "7 plain"),
    "flagged 1s, crossed 7s": ("1 continental, flag 0.35", "7 crossed"),
}
ROW_STYLES = {
    "0": "0 slashed", "2": "2 as a Z", "3": "3 flat top", "4": "4 closed", "5": "5 in one stroke",
    "6": "6 straight back", "8": "8 as two rings", "9": "9 straight stem",
}  # fmt: skip


def pen_lifted(gap: float) -> dict[str, tuple[int, list[Stroke]]]:
    """Digits written in two strokes of comparable size with a pen lift between them, ``gap`` of the height apart."""
    hook = [*arc(0.38, 0.2, 0.2, 0.18, 0.5, 1.05, 16), (0.2, 0.75 - gap)]
    base = [(0.1, 0.75), (0.25, 0.72), (0.65, 0.78)]
    body = [(0.15, 0.05 + gap), (0.12, 0.45), *arc(0.32, 0.7, 0.27, 0.28, -0.375, 0.425, 20)]
    loop, lower = arc(0.35, 0.25, 0.25, 0.22, 0, 1, 20), arc(0.35, 0.72 + gap / 2, 0.28, 0.26, -0.25, 0.35, 14)
    return {
        "2, its base apart": (2, [hook, base]),
        "4, an L and a stem": (4, [[(0.3, 0.0), (0.1, 0.55), (0.45, 0.55)], [(0.45 + gap, 0.1), (0.45 + gap, 1.0)]]),
        "7, its bar apart": (7, [[(0.1, 0.05), (0.7, 0.05)], [(0.7, 0.05 + gap), (0.3, 1.0)]]),
        "5, its flag apart": (5, [body, [(0.15, 0.05), (0.7, 0.05)]]),
        "9, its stem apart": (9, [loop, [(0.62, 0.25 + gap), (0.62, 1.0)]]),
        "3 as two arcs": (3, [arc(0.35, 0.25, 0.25, 0.22, -0.35, 0.25, 14), lower]),
    }


def draw(strokes: list[Stroke], rng: np.random.Generator, size: int = 280) -> npt.NDArray[np.uint8]:
    """The strokes drawn on a white ``size`` x ``size`` canvas with a round black brush; (size, size)."""
    canvas = Image.new("L", (size, size), 255)
    height, width = rng.uniform(0.4, 0.65) * size, rng.uniform(6, 22)
    turn, slant, stretch = np.deg2rad(rng.uniform(-8, 8)), rng.uniform(-0.25, 0.1), rng.uniform(0.8, 1.2)
    middle = rng.uniform(0.4, 0.6, 2) * size
    for stroke in strokes:
        points = np.asarray(stroke) + rng.normal(0, 0.012, (len(stroke), 2))
        x, y = (points[:, 0] - 0.33) * stretch, points[:, 1] - 0.5
        x = x - slant * y
        x, y = x * np.cos(turn) - y * np.sin(turn), x * np.sin(turn) + y * np.cos(turn)
        draw_paths(canvas, [np.stack([middle[0] + height * x, middle[1] + height * y], axis=1)], width)
    return np.asarray(canvas)


def row(text: str, hand: tuple[str, str], rng: np.random.Generator, height: int = 80) -> npt.NDArray[np.uint8]:
    """``text`` written in one line with the styles above (1s and 7s as ``hand``); (2 height, w)."""
    styles = {**ROW_STYLES, "1": hand[0], "7": hand[1]}
    canvas = Image.new("L", (int(len(text) * height * 0.8 + 80), 2 * height), 255)
    width, slant, left = rng.uniform(4, 9), rng.uniform(-0.2, 0.1), 40.0
    for char in text:
        size = height * rng.uniform(0.9, 1.1)
        for stroke in STYLES[styles[char]][1]:
            points = np.asarray(stroke) + rng.normal(0, 0.012, (len(stroke), 2))
            x = points[:, 0] - slant * (points[:, 1] - 0.5)
            draw_paths(canvas, [np.stack([left + size * x, height / 2 + size * points[:, 1]], axis=1)], width)
        left += size * rng.uniform(0.7, 0.9)
    return np.asarray(canvas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100, help="drawings per style (default 100)")
    parser.add_argument("--photo", action="store_true", help="photograph each drawing first")
    parser.add_argument("--model", type=Path, default=None, help="a model folder (default: the shipped model)")
    args = parser.parse_args()
    recognizer = Recognizer(args.model)
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    model = args.model or "shipped"
    print(f"{args.n} drawings per style, photo {args.photo}, model {model}; {platform.node()}, {now}\n")

    def seen(strokes: list[Stroke], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
        picture = draw(strokes, rng)
        return photographed(picture, rng) if args.photo else picture

    print("| style | predict right | read right | read instead |\n|---|---:|---:|---|")
    for name, (label, strokes) in STYLES.items():
        rng, predicted, read, others = np.random.default_rng(0), 0, 0, {}
        for _ in range(args.n):
            picture = seen(strokes, rng)
            predicted += recognizer.predict(picture).digit == label
            text = recognizer.read(picture).text
            read += text == str(label)
            if text != str(label):
                others[text] = others.get(text, 0) + 1
        instead = ", ".join(f"{t or 'nothing'} x{k}" for t, k in sorted(others.items(), key=lambda kv: -kv[1]))
        print(f"| {name} | {predicted}/{args.n} | {read}/{args.n} | {instead} |", flush=True)

    slopes, lengths = (25, 35, 45, 55), (0.15, 0.25, 0.35, 0.45)
    print("\ncontinental 1, predict right by the flag's length (of the height) and slope below the horizontal:\n")
    print("| length | " + " | ".join(f"{s} deg" for s in slopes) + " |\n|---:|" + "---:|" * len(slopes))
    for length in lengths:
        cells = []
        for slope in slopes:
            rng = np.random.default_rng(1)
            hits = sum(recognizer.predict(seen(flagged_one(length, slope), rng)).digit == 1 for _ in range(args.n))
            cells.append(f"{hits}/{args.n}")
        print(f"| {length} | " + " | ".join(cells) + " |", flush=True)

    print("\nrows of 3-6 digits (a third of them 1s or 7s), read exactly:\n")
    print("| hand | read right | first misses |\n|---|---:|---|")
    for name, hand in HANDS.items():
        rng, right, misses = np.random.default_rng(2), 0, []
        for _ in range(args.n):
            text = "".join(rng.choice([*"0123456789", "1", "1", "7", "7"], int(rng.integers(3, 7))))
            picture = row(text, hand, rng)
            got = recognizer.read(photographed(picture, rng) if args.photo else picture).text
            right += got == text
            if got != text and len(misses) < 4:
                misses.append(f"{text} as {got or 'nothing'}")
        print(f"| {name} | {right}/{args.n} | {', '.join(misses)} |", flush=True)

    gaps = (0.15, 0.25, 0.35)
    print("\ndigits in two strokes, a pen lift apart: predict right by the gap (of the height):\n")
    print("| digit | " + " | ".join(f"gap {g}" for g in gaps) + " |\n|---|" + "---:|" * len(gaps))
    for name in pen_lifted(0.0):
        cells = []
        for gap in gaps:
            label, strokes = pen_lifted(gap)[name]
            rng = np.random.default_rng(3)
            hits = sum(recognizer.predict(seen(strokes, rng)).digit == label for _ in range(args.n))
            cells.append(f"{hits}/{args.n}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
