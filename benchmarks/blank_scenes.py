"""Pictures with nothing written on them, one row each: what ``predict`` and ``read`` make of them.

Paper (grey 0.9, noise 0.02) with a desk, a shadow, lines or a box at or
near its edges, as photos and scans of blank paper show them. The right
answer to every row is no digit (``predict``: None; ``read``: ""); the last
line counts them.

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/blank_scenes.py
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from PIL import Image, ImageDraw

from digits.recognizer import Recognizer

H, W = 240, 320


def paper(rng: np.random.Generator) -> np.ndarray:
    return np.clip(np.full((H, W), 0.9) + rng.normal(0, 0.02, (H, W)), 0, 1)


def drawn(shapes: list[tuple[str, list[int], int, int]]) -> np.ndarray:
    """Pillow shapes ("ellipse" or "line", box, grey, width) on grey 230 paper, as floats in [0, 1]."""
    image = Image.new("L", (W, H), 230)
    draw = ImageDraw.Draw(image)
    for kind, box, grey, width in shapes:
        if kind == "ellipse":
            draw.ellipse(box, fill=grey)
        else:
            draw.line(box, fill=grey, width=width)
    return np.asarray(image) / 255


def scenes(rng: np.random.Generator) -> dict[str, np.ndarray]:
    rows, cols = np.mgrid[:H, :W]
    made: dict[str, np.ndarray] = {}

    def on_paper(name: str, where: np.ndarray, grey: float = 0.2) -> None:
        page = paper(rng)
        page[where] = grey
        made[name] = page

    on_paper("desk strip along the left", cols < 60)
    on_paper("desk along the top and the left", (rows < 40) | (cols < 50))
    on_paper("desk in a corner", rows + cols < 120)
    on_paper("desk in two corners", (rows + cols < 120) | ((W - cols) + (H - rows) < 90), 0.22)
    on_paper("desk strip reaching the bottom only", (cols < 60) & (rows >= 30))
    on_paper("diagonal desk band", rows > 0.5 * cols + 150, 0.3)
    on_paper("dark rectangle in a corner", (rows >= 60) & (cols >= 200), 0.3)
    on_paper("dark block on the bottom edge", (rows >= 200) & (cols >= 100) & (cols < 200), 0.3)
    on_paper("ruled lines every 30 px", rows % 30 == 0, 0.6)
    on_paper("squared paper, 30 px", (rows % 30 == 0) | (cols % 30 == 0), 0.6)
    on_paper("one line across", (rows >= 100) & (rows < 103), 0.3)
    on_paper("one line down", (cols >= 150) & (cols < 154), 0.3)
    on_paper("a cross of lines", ((rows >= 100) & (rows < 103)) | ((cols >= 150) & (cols < 154)), 0.3)
    on_paper("a box along the edges", (rows < 3) | (rows >= H - 3) | (cols < 3) | (cols >= W - 3), 0.1)
    made["paper lit from one side"] = paper(rng) * (0.55 + 0.45 * cols / W)
    made["a shadow at the left edge"] = paper(rng) * (1 - 0.6 * np.exp(-(cols**2 + (rows - 120) ** 2) / 4000))
    made["noisy paper"] = np.clip(np.full((H, W), 0.9) + rng.normal(0, 0.08, (H, W)), 0, 1)
    made["a quarter disc in a corner"] = drawn([("ellipse", [-80, -80, 80, 80], 40, 0)])
    made["a quarter disc bottom right"] = drawn([("ellipse", [200, 150, 420, 330], 60, 0)])
    made["a diagonal line corner to corner"] = drawn([("line", [0, 0, W, H], 30, 8)])
    made["a thick diagonal"] = drawn([("line", [0, H, W, 0], 30, 25)])
    made["two tilted lines across"] = drawn([("line", [0, 200, W, 200], 30, 6), ("line", [0, 100, W, 130], 30, 6)])
    return made


def main() -> None:
    recognizer = Recognizer()
    made = scenes(np.random.default_rng(0))
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, {len(made)} blank scenes")
    print("| scene | predict | read |")
    print("|---|---|---|")
    quiet_predict = quiet_read = 0
    for name, picture in made.items():
        digit, text = recognizer.predict(picture).digit, recognizer.read(picture).text
        quiet_predict += digit is None
        quiet_read += text == ""
        print(f"| {name} | {'-' if digit is None else digit} | {text or '-'} |")
    print(f"\nno digit: predict {quiet_predict}/{len(made)}, read {quiet_read}/{len(made)}")


if __name__ == "__main__":
    main()
