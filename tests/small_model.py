"""A small real model and MNIST test digits for the recognition tests.

The model is a cnn-s2 trained for 3 epochs on the first 5,000 MNIST training
images (about 94% on the test set, a few seconds on one thread), trained once
per test process and shared by every test file that asks for it. Pictures
are made from MNIST **test** digits only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from digits.data.mnist import load_mnist
from digits.models.line_reader import LineReader, load_line_reader

_MODELS: dict[str, Path] = {}
_TEST: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def small_model_dir(mnist_dir: Path, folder: Path) -> Path:
    """The small model's folder: trained and saved in ``folder`` on the first call, reused after."""
    key = str(mnist_dir)
    if key not in _MODELS:
        from digits.models import create_model

        train = load_mnist(mnist_dir, download=False).train
        model = create_model("cnn-s2", epochs=3, batch_size=64, learning_rate=3e-3, threads=1, seed=0)
        model.fit(train.images[:5000], train.labels[:5000])
        _MODELS[key] = model.save(folder / "cnn-s2-small")
    return _MODELS[key]


def mnist_test(mnist_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's test images (10000, 28, 28) and labels (10000,)."""
    key = str(mnist_dir)
    if key not in _TEST:
        test = load_mnist(mnist_dir, download=False).test
        _TEST[key] = (test.images, test.labels)
    return _TEST[key]


def paste_digits(
    digits: list[npt.NDArray[np.uint8]], gaps: list[int], *, scale: int = 2, margin: int = 12
) -> tuple[npt.NDArray[np.uint8], list[tuple[int, int, int, int]]]:
    """MNIST digits cropped to their ink and pasted left to right, dark ink on white paper.

    Parameters
    ----------
    digits : list of ndarray of uint8, shape (28, 28)
    gaps : list of int
        Pixels between neighbours (len(digits) - 1 of them); negative ones overlap.
    scale : int
        Enlargement of each digit (nearest neighbour).

    Returns
    -------
    image : ndarray of uint8, shape (h, w)
    boxes : list of (x, y, w, h)
        Where each digit's crop was pasted.
    """
    crops = []
    for digit in digits:
        rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
        crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        crops.append(np.kron(crop, np.ones((scale, scale), dtype=np.uint8)))
    height = max(c.shape[0] for c in crops)
    width = sum(c.shape[1] for c in crops) + sum(gaps) + 2 * margin
    canvas = np.zeros((height + 2 * margin, width), dtype=np.uint8)
    x, boxes = margin, []
    for k, crop in enumerate(crops):
        y = margin + (height - crop.shape[0]) // 2
        region = canvas[y : y + crop.shape[0], x : x + crop.shape[1]]
        np.maximum(region, crop, out=region)
        boxes.append((x, y, crop.shape[1], crop.shape[0]))
        x += crop.shape[1] + (gaps[k] if k < len(gaps) else 0)
    return 255 - canvas, boxes


def paste_touching(first: npt.NDArray[np.uint8], second: npt.NDArray[np.uint8], *, scale: int = 2) -> np.ndarray:
    """Two MNIST digits pasted as close as it takes for their ink (>= 128) to touch, dark on white (h, w)."""
    from scipy import ndimage

    eight = np.ones((3, 3), dtype=bool)
    for gap in range(6, -28 * scale, -1):
        picture, _ = paste_digits([first, second], [gap], scale=scale)
        if ndimage.label(picture <= 127, structure=eight)[1] < sum(
            ndimage.label(np.kron(d, np.ones((scale, scale))) >= 128, structure=eight)[1] for d in (first, second)
        ):
            return picture
    raise AssertionError("the digits never touch")


def mute_line_reader() -> LineReader:
    """The shipped first line reader made to see blank at every frame: it reads nothing."""
    import torch

    reader = load_line_reader()
    with torch.no_grad():
        reader.net.out.bias[0] = 100.0
    return reader
