"""Signs that are not digits: how they are drawn for training rows, and that rows with them keep their text."""

from __future__ import annotations

import numpy as np
import pytest

from digits.data.signs import SIGNS, sign_alpha, underline
from digits.data.strings import PUNCTUATION, digit_strings
from test_synth import glyphs  # tests/ is on sys.path

SIZE = 50.0


@pytest.mark.parametrize("char", list(SIGNS))
def test_every_sign_is_drawn_in_its_place_beside_the_digits(char: str) -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        alpha, top = sign_alpha(char, SIZE, 5.0, rng)
        assert alpha.dtype == np.float32 and alpha.max() > 0.9 and alpha.min() >= 0.0
        rows = np.flatnonzero((alpha > 0.5).any(axis=1))
        # relative to the baseline (0) and the digits' top (-SIZE): nothing far above, below or beside them
        assert -1.5 * SIZE < top + rows[0] and top + rows[-1] < 0.5 * SIZE, (char, top, rows[[0, -1]])
        assert alpha.shape[1] < 2 * SIZE  # no wider than two digits


def test_small_signs_stay_small_and_tall_ones_reach_the_top() -> None:
    rng = np.random.default_rng(1)

    def top_row(char: str) -> int:
        alpha, top = sign_alpha(char, SIZE, 4.0, rng)
        return top + int(np.flatnonzero((alpha > 0.5).any(axis=1))[0])

    assert all(top_row("x") > -0.7 * SIZE for _ in range(10))  # x-height, not a digit's height
    assert all(top_row(":") > -0.8 * SIZE for _ in range(10))
    assert all(top_row("$") < -0.8 * SIZE for _ in range(10))
    assert all(top_row("(") < -0.9 * SIZE for _ in range(10))


def test_an_unknown_sign_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="'@'"):
        sign_alpha("@", SIZE, 4.0, np.random.default_rng(0))


def test_an_underline_is_a_long_flat_stroke() -> None:
    alpha = underline(300.0, 4.0, np.random.default_rng(2))
    assert alpha.shape[1] > 300 and alpha.shape[0] < 40 and alpha.max() > 0.9


def test_rows_with_signs_keep_their_digits_and_the_evaluation_rows_have_none() -> None:
    images, labels = glyphs()
    signed = digit_strings(300, 3, images, labels, min_digits=1, training=True)
    marks = {c for s in signed for c in s.written if not c.isdigit()}
    assert set(SIGNS) <= marks, set(SIGNS) - marks
    for s in signed:
        assert "".join(filter(str.isdigit, s.written)) == s.text
        assert len(s.boxes) == len(s.text)
    plain = digit_strings(300, 3, images, labels, min_digits=1)
    assert {c for s in plain for c in s.written if not c.isdigit()} <= set(PUNCTUATION)
