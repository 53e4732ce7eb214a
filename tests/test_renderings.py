"""Tests of digits.data.renderings: train digits rendered as photos and drawings, then normalized."""

from __future__ import annotations

import numpy as np
import pytest

from digits.data.renderings import SEED_OFFSET, rendered_digits
from digits.data.synth import drawn_digits, photo_digits
from digits.errors import InputError
from digits.imaging.normalize import normalize_digit
from test_synth import glyphs  # tests/ is on sys.path, like conftest


def test_renderings_are_normalized_pictures_of_the_given_digits() -> None:
    images, labels = glyphs()
    X, y = rendered_digits(images, labels, 6, seed=3, workers=1)
    assert X.shape == (len(y), 28, 28) and X.dtype == np.uint8 and y.dtype == np.int64
    assert 10 <= len(y) <= 12  # 6 photos + 6 drawings; a picture without a digit may be left out
    assert set(y.tolist()) <= set(labels.tolist())
    assert (X.reshape(len(X), -1).max(axis=1) > 128).all()  # every one holds ink, MNIST style


def test_renderings_are_the_evaluation_generators_with_another_seed() -> None:
    images, labels = glyphs()
    X, y = rendered_digits(images, labels, 3, seed=0, workers=1)
    expected = [*photo_digits(3, SEED_OFFSET, images, labels), *drawn_digits(3, SEED_OFFSET, images, labels)]
    found = [(normalize_digit(s.image), s.label) for s in expected]
    kept = [(f.image, label) for f, label in found if f is not None]
    assert np.array_equal(X, np.stack([k[0] for k in kept]))
    assert y.tolist() == [k[1] for k in kept]
    # and never the evaluation sets' own pictures (seed 0 of the evaluation sets)
    evaluation = [normalize_digit(s.image) for s in photo_digits(3, 0, images, labels)]
    assert not any(np.array_equal(X[0], e.image) for e in evaluation if e is not None)


def test_worker_processes_give_the_same_renderings_in_slices() -> None:
    images, labels = glyphs()
    seen: list[tuple[int, int]] = []
    one = rendered_digits(images, labels, 4, seed=1, workers=1, progress=lambda d, t: seen.append((d, t)))
    two = rendered_digits(images, labels, 4, seed=1, workers=2)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    assert seen[-1] == (8, 8)


def test_zero_renderings_and_bad_counts() -> None:
    images, labels = glyphs()
    X, y = rendered_digits(images, labels, 0, seed=0)
    assert X.shape == (0, 28, 28) and y.shape == (0,)
    with pytest.raises(InputError, match="non-negative integer"):
        rendered_digits(images, labels, -1, seed=0)
