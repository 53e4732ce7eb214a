"""The golden samples of the three evaluation sets and the shipped model's answers on them.

``python tests/golden/real_sets.py`` (with ``DIGITS_DATA_DIR`` set) rewrites
``real_sets.json`` from the current generators and shipped model; run it only
when a change to either is meant, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).with_name("real_sets.json")
N_PER_SET, SEED = 25, 2024


def image_key(image: np.ndarray) -> str:
    """SHA-256 of an image's pixels and shape."""
    return hashlib.sha256(image.tobytes() + str(image.shape).encode()).hexdigest()


def answers(data_dir: str | None = None) -> dict[str, Any]:
    """The golden samples (by hash) with the truth and the shipped model's answers."""
    from digits import Recognizer
    from digits.data.mnist import load_mnist
    from digits.evaluation.real import build_real_sets

    test = load_mnist(data_dir).test
    sets = build_real_sets(N_PER_SET, SEED, test.images, test.labels)
    recognizer = Recognizer()
    singles = {
        name: [
            {"sha256": image_key(s.image), "label": s.label, "digit": recognizer.predict(s.image).digit}
            for s in samples
        ]
        for name, samples in (("photo", sets.photo), ("drawn", sets.drawn))
    }
    strings = [
        {"sha256": image_key(s.image), "text": s.text, "read": recognizer.read(s.image).text} for s in sets.strings
    ]
    return {"n_per_set": N_PER_SET, "seed": SEED, **singles, "strings": strings}


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(answers(), indent=1) + "\n")
    print(f"wrote {GOLDEN}", file=sys.stderr)
