"""Where the time of one ``Recognizer.predict`` goes, side by side: normalization and model runtimes.

For each input (MNIST test digit 0 as a dark-on-white 28x28 PNG, and the
same digit enlarged to 200x200 on a white 600x340 PNG, the web page's pad),
times ``normalize_digit`` and the model's forward pass the way a server calls
them: one picture at a time, the forward pass right after a normalization (so
the model's threads have gone idle, as between requests). Runtimes: torch on
all cores, torch on one thread (what ``SMALL_BATCH`` chooses for a few
images), onnxruntime on the shipped ``model.onnx``; then the whole
``Recognizer.predict`` with runtime 'torch' and 'auto' (onnxruntime here).
Prints a table of medians.

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/predict_latency.py [REPEATS]
"""

from __future__ import annotations

import io
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from PIL import Image

from digits.data.mnist import load_mnist
from digits.imaging.normalize import normalize_digit
from digits.models.pretrained import shipped_model_dir
from digits.models.store import load_model
from digits.recognizer import Recognizer


def inputs() -> dict[str, bytes]:
    """The two benchmark pictures as PNG bytes."""
    digit = Image.fromarray(255 - load_mnist(download=False).test.images[0])
    pad = Image.new("L", (600, 340), 255)
    pad.paste(digit.resize((200, 200), Image.Resampling.BILINEAR), (200, 70))
    encoded = {}
    for name, picture in (("28x28 PNG", digit), ("600x340 canvas PNG", pad)):
        out = io.BytesIO()
        picture.save(out, format="PNG")
        encoded[name] = out.getvalue()
    return encoded


def median_ms(work: Callable[[], object], before: Callable[[], object], repeats: int) -> float:
    """Median milliseconds of ``work()``, each call right after an untimed ``before()``."""
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def row(png: bytes, on_torch: Any, on_onnx: Any, cores: int, repeats: int) -> list[float]:
    """The table's cells for one picture, milliseconds."""
    found = normalize_digit(png)
    assert found is not None, "the benchmark digit must be found"
    batch = found.image[None]  # (1, 28, 28)
    scaled = batch.astype(np.float32) / 255

    def normalize() -> object:
        return normalize_digit(png)

    cells = [median_ms(normalize, lambda: None, repeats)]
    for threads in (cores, 1):
        on_torch.threads = threads
        cells.append(median_ms(lambda: on_torch._predict_proba(scaled), normalize, repeats))
    cells.append(median_ms(lambda: on_onnx.predict_proba(batch), normalize, repeats))
    for runtime in ("torch", "auto"):
        recognizer = Recognizer(runtime=runtime)
        cells.append(median_ms(lambda r=recognizer: r.predict(png), lambda: None, repeats))
    return cells


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    folder = shipped_model_dir()
    on_torch, on_onnx = load_model(folder, runtime="torch"), load_model(folder, runtime="onnx")
    cores = torch.get_num_threads()
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, torch threads "
          f"{cores}, {repeats} calls per cell, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"| input | normalize | torch, {cores} threads | torch, 1 thread | onnxruntime | "
          "predict, torch | predict, auto |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, png in inputs().items():
        cells = row(png, on_torch, on_onnx, cores, repeats)
        print(f"| {name} | " + " | ".join(f"{ms:.2f}" for ms in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
