"""Tests of digits.data.renderings: train digits rendered as photos and drawings, then normalized."""

from __future__ import annotations

import numpy as np
import pytest

from digits.data.mnist import load_mnist
from digits.data.renderings import ROW_SEED, SEED_OFFSET, _lone, rendered_digits, row_marks
from digits.data.strings import digit_strings
from digits.data.synth import drawn_digits, photo_digits
from digits.errors import InputError
from digits.imaging.normalize import normalize_digit
from digits.imaging.segment import segment_lines
from digits.recognizer import Recognizer
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


def test_a_mark_is_kept_only_when_it_holds_one_whole_digit_alone() -> None:
    digits = [(0, 20), (25, 45), (44, 60)]
    assert _lone((0, 20), digits) == 0
    assert _lone((1, 19), digits) == 0  # 90% of it
    assert _lone((24, 46), digits) == 1  # a column of the touching next digit
    assert _lone((0, 45), digits) is None  # two digits in one mark
    assert _lone((5, 20), digits) is None  # a piece of a digit (75%)
    assert _lone((-10, 20), digits) is None  # a sign written against the digit
    assert _lone((70, 90), digits) is None  # no digit: a sign or a stray mark


def test_row_marks_are_reads_marks_of_training_rows_labelled_with_their_digit() -> None:
    images, labels = glyphs()
    seen: list[tuple[int, int]] = []
    X, y = row_marks(images, labels, 6, seed=2, workers=1, progress=lambda d, t: seen.append((d, t)))
    assert X.dtype == np.uint8 and y.dtype == np.int64 and len(X) == len(y) >= 6
    assert seen[-1] == (6, 6)
    marks = [
        (mark.image, int(sample.text[i]))
        for sample in digit_strings(6, 2 + SEED_OFFSET + ROW_SEED, images, labels, min_digits=1, training=True)
        for line in segment_lines(sample.image)
        for mark in line.marks
        if (i := _lone((mark.box[0], mark.box[0] + mark.box[2]), [(b[0], b[0] + b[2]) for b in sample.boxes]))
        is not None
    ]
    assert np.array_equal(X, np.stack([m for m, _ in marks])) and y.tolist() == [d for _, d in marks]
    two = row_marks(images, labels, 6, seed=2, workers=2)
    assert np.array_equal(X, two[0]) and np.array_equal(y, two[1])
    X, y = row_marks(images, labels, 0, seed=0)
    assert X.shape == (0, 28, 28) and y.shape == (0,)
    with pytest.raises(InputError, match="non-negative integer"):
        row_marks(images, labels, -2, seed=0)


@pytest.mark.mnist
def test_row_marks_of_real_digits_carry_the_digit_they_show(mnist_dir) -> None:
    train = load_mnist(mnist_dir).train
    X, y = row_marks(train.images[:2000], train.labels[:2000], 40, seed=0, workers=1)
    assert len(y) >= 100  # about 4 a row
    agree = np.mean(Recognizer().probabilities(X).argmax(axis=1) == y)
    assert agree >= 0.95, agree  # a mark given its neighbour's label would make this ~10%
