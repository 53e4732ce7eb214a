"""Digits written in ways MNIST lacks: the continental 1's flag added to plain train 1s."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from digits.data.mnist import load_mnist
from digits.data.variants import FLAG_SLOPE, add_flag, flagged_ones, with_flagged_ones
from digits.errors import InputError


def stroke(points: list[tuple[float, float]], width: int = 3) -> np.ndarray:
    """An MNIST-style digit (28, 28) uint8, white on black, drawn as one stroke through ``points``."""
    canvas = Image.new("L", (28, 28), 0)
    ImageDraw.Draw(canvas).line(points, fill=255, width=width)
    return np.asarray(canvas)


@pytest.mark.parametrize("seed", range(5))
def test_a_plain_1_gets_a_flag_sloping_down_to_the_left_of_its_top(seed: int) -> None:
    flagged = add_flag(stroke([(14, 4), (14, 24)], width=2), np.random.default_rng(seed))
    assert flagged is not None and flagged.shape == (28, 28) and flagged.dtype == np.uint8
    rows, cols = np.nonzero(flagged >= 128)
    top, bottom = rows.min(), rows.max()
    lower = rows > top + 0.6 * (bottom - top)
    stem = cols[lower].min()  # the stem's left edge
    flag = cols < stem - 1
    assert flag.sum() >= 3 and rows[flag].min() > top and rows[flag].max() < top + 0.5 * (bottom - top)
    tip_row, tip_col = rows[flag][np.argmin(cols[flag])], cols[flag].min()
    slope = np.degrees(np.arctan2(tip_row - top, stem - tip_col))
    assert FLAG_SLOPE[0] - 15 <= slope <= FLAG_SLOPE[1] + 15  # pixel-rounded
    assert np.allclose(ndimage.center_of_mass(flagged.astype(float)), (13.5, 13.5), atol=1.0)  # MNIST style


@pytest.mark.parametrize(
    "digit",
    [
        stroke([(6, 5), (20, 5), (10, 24)]),  # a 7: its bar is already there
        stroke([(14, 4), (14, 24)]) | stroke([(8, 24), (20, 24)]),  # a 1 with a foot
        stroke([(20, 4), (6, 24)]),  # a 1 leaning so far right that a flag would read as a 7's bar
        np.zeros((28, 28), np.uint8),
    ],
)
def test_only_plain_upright_ones_get_a_flag(digit: np.ndarray) -> None:
    assert add_flag(digit, np.random.default_rng(0)) is None


@pytest.mark.mnist
def test_flagged_ones_are_made_from_train_ones_the_same_way_every_time(mnist_dir) -> None:
    train = load_mnist(mnist_dir).train.head(2000)
    X, y = flagged_ones(train.images, train.labels, 300, seed=5)  # more than the 2,000's plain 1s: reused
    assert X.shape == (300, 28, 28) and (y == 1).all()
    assert np.array_equal(X, flagged_ones(train.images, train.labels, 300, seed=5)[0])
    assert not np.array_equal(X, flagged_ones(train.images, train.labels, 300, seed=6)[0])
    ones = train.images[train.labels == 1]
    assert not any(np.array_equal(x, one) for x in X[:20] for one in ones)  # every one changed
    both, labels = with_flagged_ones(train.images, train.labels, 300, seed=5)
    assert np.array_equal(both[:2000], train.images) and np.array_equal(both[2000:], X) and len(labels) == 2300
    assert with_flagged_ones(train.images, train.labels, 0, seed=5)[0] is not None


def test_flagged_ones_need_plain_ones() -> None:
    sevens = np.stack([stroke([(6, 5), (20, 5), (10, 24)])] * 3)
    with pytest.raises(InputError, match="no plain 1"):
        flagged_ones(sevens, np.array([1, 1, 1]), 2, seed=0)
    with pytest.raises(InputError):
        flagged_ones(sevens[:, :20], np.array([1, 1, 1]), 2, seed=0)
