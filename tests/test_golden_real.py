"""Golden tests: fixed samples of the photo, drawn and string sets, and the shipped model's answers.

The samples are rebuilt from MNIST test digits with a fixed seed and must be
pixel-identical to the recorded ones (the generators are deterministic); the
shipped model must give the recorded answer to every one. A change to the
generators, the normalization, the segmentation or the model shows up here
picture by picture; ``python tests/golden/real_sets.py`` records new answers
when the change is meant.
"""

from __future__ import annotations

import json

import pytest

from golden.real_sets import GOLDEN, answers  # tests/ is on sys.path

pytestmark = pytest.mark.mnist


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.fixture(scope="module")
def current(mnist_dir) -> dict:
    return answers(str(mnist_dir))


@pytest.mark.parametrize("name", ["photo", "drawn", "strings"])
def test_samples_are_the_recorded_pictures(recorded, current, name) -> None:
    assert [s["sha256"] for s in current[name]] == [s["sha256"] for s in recorded[name]]


@pytest.mark.parametrize("name", ["photo", "drawn"])
def test_shipped_model_gives_the_recorded_digits(recorded, current, name) -> None:
    changed = [
        (i, old["digit"], new["digit"])
        for i, (old, new) in enumerate(zip(recorded[name], current[name], strict=True))
        if old["digit"] != new["digit"]
    ]
    assert not changed, f"{name} samples whose answer changed (index, recorded, now): {changed}"


def test_shipped_model_reads_the_recorded_strings(recorded, current) -> None:
    changed = [
        (i, old["read"], new["read"])
        for i, (old, new) in enumerate(zip(recorded["strings"], current["strings"], strict=True))
        if old["read"] != new["read"]
    ]
    assert not changed, f"strings whose reading changed (index, recorded, now): {changed}"


@pytest.mark.parametrize("name", ["photo", "drawn"])
def test_golden_single_digits_are_mostly_right(recorded, name) -> None:
    right = sum(s["digit"] == s["label"] for s in recorded[name])
    assert right >= 0.8 * len(recorded[name]), f"{name}: {right} of {len(recorded[name])} right"


def test_golden_strings_are_mostly_right(recorded) -> None:
    right = sum(s["read"] == s["text"] for s in recorded["strings"])
    assert right >= 0.6 * len(recorded["strings"]), f"{right} of {len(recorded['strings'])} strings right"
