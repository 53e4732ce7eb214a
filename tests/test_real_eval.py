"""Tests of digits.evaluation.real: scoring arithmetic with fake recognizers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pytest

from digits.errors import DigitsError, InputError
from digits.evaluation.real import RealSets, align, build_real_sets, evaluate_real, score_digits, score_strings
from test_synth import glyphs  # tests/ is on sys.path, like conftest

N, SEED = 12, 5


@dataclass
class Reading:
    digit: int | None
    confidence: float | None
    box: tuple[int, int, int, int] = (0, 0, 1, 1)


@dataclass
class TextReading:
    text: str
    digits: list[Reading]


def key(image: np.ndarray) -> str:
    return hashlib.sha256(image.tobytes() + str(image.shape).encode()).hexdigest()


class Oracle:
    """Knows every picture of the sets: answers ``rule(truth)`` for single digits, ``read_rule(text)`` for rows."""

    def __init__(self, sets: RealSets, rule=lambda label: label, read_rule=lambda text: text) -> None:
        self.labels = {key(s.image): s.label for s in sets.photo + sets.drawn}
        self.texts = {key(s.image): s.text for s in sets.strings}
        self.rule, self.read_rule = rule, read_rule

    def predict(self, image: np.ndarray) -> Reading:
        digit = self.rule(self.labels[key(image)])
        return Reading(digit, None if digit is None else 0.9)

    def read(self, image: np.ndarray) -> TextReading:
        text = self.read_rule(self.texts[key(image)])
        return TextReading(text, [Reading(int(c), 0.8) for c in text if c.isdigit()])


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    return glyphs()


@pytest.fixture(scope="module")
def sets(digits) -> RealSets:
    return build_real_sets(N, SEED, *digits)


def test_perfect_recognizer_scores_one(sets, digits) -> None:
    result = evaluate_real(Oracle(sets), n_per_set=N, seed=SEED, images=digits[0], labels=digits[1])
    for name in ("photo", "drawn"):
        part = result[name]
        assert part["n"] == N and part["accuracy"] == 1 and part["reject_rate"] == 0
        assert part["answered_accuracy"] == 1 and part["mistakes"] == []
        assert part["ece"] == pytest.approx(0.1)  # always 90% sure, always right
        assert part["seconds"] >= 0 and part["ms_p95"] >= part["ms_median"] >= 0
    rows = result["strings"]
    assert rows["exact_accuracy"] == 1 and rows["digit_accuracy"] == 1 and rows["digit_error_rate"] == 0
    assert rows["n_digits"] == sum(len(s.text) for s in sets.strings) == rows["matches"]
    assert result["n_per_set"] == N and result["seed"] == SEED and result["build_seconds"] > 0
    json.dumps(result)  # JSON-ready


def test_single_digit_arithmetic(sets) -> None:
    # refuses digits 0, 3, 6, 9; says d + 1 for 1, 4, 7; right for 2, 5, 8
    oracle = Oracle(sets, rule=lambda d: None if d % 3 == 0 else (d + 1) % 10 if d % 3 == 1 else d)
    part = score_digits(oracle, sets.photo)
    labels = np.array([s.label for s in sets.photo])
    refused, wrong, right = (np.sum(labels % 3 == r) for r in (0, 1, 2))
    assert part["accuracy"] == pytest.approx(right / N)
    assert part["reject_rate"] == pytest.approx(refused / N)
    assert part["answered_accuracy"] == pytest.approx(right / (right + wrong))
    assert len(part["mistakes"]) == refused + wrong
    assert {m["predicted"] for m in part["mistakes"] if m["label"] % 3 == 0} == {None}
    json.dumps(part)
    for d, acc in enumerate(part["per_digit_accuracy"]):
        assert acc is None if d not in labels else acc == (1.0 if d % 3 == 2 else 0.0)


def test_string_arithmetic(sets) -> None:
    # even-length rows are read right (with a '.' added: punctuation is ignored); odd-length
    # rows lose their last digit and get their first one wrong (a digit absent from the row)
    def read(text: str) -> str:
        if len(text) % 2 == 0:
            return text[:1] + "." + text[1:]
        return min(set("0123456789") - set(text)) + text[1:-1]

    part = score_strings(Oracle(sets, read_rule=read), sets.strings)
    texts = [s.text for s in sets.strings]
    odd = [t for t in texts if len(t) % 2]
    n_digits = sum(map(len, texts))
    assert part["exact_accuracy"] == pytest.approx(1 - len(odd) / N)
    assert part["deletions"] == len(odd) and part["substitutions"] == len(odd) and part["insertions"] == 0
    assert part["digit_accuracy"] == pytest.approx((n_digits - 2 * len(odd)) / n_digits)
    assert part["digit_error_rate"] == pytest.approx(2 * len(odd) / n_digits)
    assert [m["index"] for m in part["mistakes"]] == [i for i, t in enumerate(texts) if len(t) % 2]


def test_refused_digit_in_a_row_is_a_substitution(sets) -> None:
    class Refuser(Oracle):
        def read(self, image: np.ndarray) -> TextReading:
            reading = super().read(image)
            reading.digits[0] = Reading(None, None)
            return reading

    part = score_strings(Refuser(sets), sets.strings)
    assert part["substitutions"] == N and part["matches"] == part["n_digits"] - N
    assert part["exact_accuracy"] == 1  # the text itself was right


def test_align_by_hand() -> None:
    assert align([1, 2, 3], [1, 2, 3]) == (3, 0, 0, 0)
    assert align([1, 2, 3], [1, 3]) == (2, 0, 1, 0)
    assert align([1, 2], [1, 9, 2]) == (2, 0, 0, 1)
    assert align([1, 2, 3], [7, 2, 3]) == (2, 1, 0, 0)
    assert align([1, 2, 3], [None, 2, 3]) == (2, 1, 0, 0)
    assert align([], [4]) == (0, 0, 0, 1) and align([4, 5], []) == (0, 0, 2, 0)
    assert align([1, 1, 2], [1, 2, 2]) == (2, 1, 0, 0)


def test_failures_name_the_sample(sets) -> None:
    class Broken(Oracle):
        def predict(self, image: np.ndarray) -> Reading:
            raise RuntimeError("boom")

    with pytest.raises(DigitsError, match=r"photo sample 0 .*boom"):
        score_digits(Broken(sets), sets.photo, name="photo")
    with pytest.raises(InputError, match="n_per_set"):
        score_digits(Oracle(sets), [])


def test_images_without_labels_are_refused(digits) -> None:
    with pytest.raises(InputError, match="both images and labels"):
        evaluate_real(object(), n_per_set=1, images=digits[0])
