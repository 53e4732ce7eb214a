"""How a recognizer does on realistic pictures: photos, rows of digits, canvas drawings.

:func:`evaluate_real` builds the three synthetic sets of
:mod:`digits.data.synth` and :mod:`digits.data.strings` from MNIST **test** digits and runs a recognizer on
every picture, through its public interface only:

- ``recognizer.predict(image)`` returns an object with ``.digit`` (int, or
  None when it declines to answer) and ``.confidence``;
- ``recognizer.read(image)`` returns an object with ``.text`` (str) and
  ``.digits`` (a list of objects with ``.digit``, ``.confidence``, ``.box``).

Single digits (photos, drawings) are scored by accuracy, counting a refusal
as wrong, by the share refused, and by the accuracy of the answers given.
Rows are scored by exact-string accuracy (the text's digits, punctuation
ignored) and per-digit accuracy: the predicted digit sequence is aligned to
the true one by edit distance, and a true digit counts as read when it is
matched to the same digit. Every call is timed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from digits.data.mnist import load_mnist
from digits.data.samples import Sample, StringSample
from digits.data.strings import digit_strings
from digits.data.synth import drawn_digits, photo_digits
from digits.errors import DigitsError, InputError
from digits.evaluation.calibration import reliability_from_confidence

MAX_MISTAKES = 20
"""Most mistakes listed per set in the result."""


class Recognizer(Protocol):
    """What :func:`evaluate_real` needs of a recognizer (``digits.Recognizer`` has it)."""

    def predict(self, image: npt.NDArray[np.uint8]) -> Any: ...

    def read(self, image: npt.NDArray[np.uint8]) -> Any: ...


@dataclass(frozen=True)
class RealSets:
    """The three evaluation sets, ``n`` pictures each."""

    photo: list[Sample]
    strings: list[StringSample]
    drawn: list[Sample]


def build_real_sets(n_per_set: int, seed: int, images: npt.ArrayLike, labels: npt.ArrayLike) -> RealSets:
    """Photos, rows and drawings of the given MNIST test digits (:mod:`digits.data.synth`, ``strings``)."""
    return RealSets(
        photo=photo_digits(n_per_set, seed, images, labels),
        strings=digit_strings(n_per_set, seed, images, labels),
        drawn=drawn_digits(n_per_set, seed, images, labels),
    )


# ---------------------------------------------------------------- alignment


class Alignment(NamedTuple):
    """Counts of a minimum edit-distance alignment of a predicted sequence to the true one."""

    matches: int
    substitutions: int
    deletions: int  # true digits with no predicted counterpart
    insertions: int  # predicted digits with no true counterpart


def align(truth: Sequence[object], predicted: Sequence[object]) -> Alignment:
    """Align ``predicted`` to ``truth`` by Levenshtein distance (unit costs) and count the operations.

    Among alignments of least cost, one with the most matches is taken.
    ``None`` in ``predicted`` (a refused digit) matches nothing.
    """
    n, m = len(truth), len(predicted)
    # cost[i, j]: (edits, -matches) aligning truth[:i] with predicted[:j], compared as tuples
    cost = np.zeros((n + 1, m + 1, 2), dtype=np.int64)
    cost[:, 0, 0], cost[0, :, 0] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            same = predicted[j - 1] is not None and truth[i - 1] == predicted[j - 1]
            diagonal = cost[i - 1, j - 1] + (0 if same else 1, -1 if same else 0)
            cost[i, j] = min(tuple(diagonal), tuple(cost[i - 1, j] + (1, 0)), tuple(cost[i, j - 1] + (1, 0)))
    counts = {"matches": 0, "substitutions": 0, "deletions": 0, "insertions": 0}
    i, j = n, m
    while i or j:
        same = bool(i and j and predicted[j - 1] is not None and truth[i - 1] == predicted[j - 1])
        if i and j and tuple(cost[i, j]) == tuple(cost[i - 1, j - 1] + (0 if same else 1, -1 if same else 0)):
            counts["matches" if same else "substitutions"] += 1
            i, j = i - 1, j - 1
        elif i and tuple(cost[i, j]) == tuple(cost[i - 1, j] + (1, 0)):
            counts["deletions"] += 1
            i -= 1
        else:
            counts["insertions"] += 1
            j -= 1
    return Alignment(**counts)


# ---------------------------------------------------------------- scoring


def _call(method: Any, image: npt.NDArray[np.uint8], what: str) -> tuple[Any, float]:
    start = time.perf_counter()
    try:
        result = method(image)
    except Exception as exc:
        raise DigitsError(f"The recognizer failed on {what}: {type(exc).__name__}: {exc}") from exc
    return result, time.perf_counter() - start


def _timing(seconds: list[float]) -> dict[str, float]:
    s = np.asarray(seconds) if seconds else np.zeros(1)
    return {
        "seconds": float(s.sum()),
        "ms_per_image": float(1000 * s.mean()),
        "ms_median": float(1000 * np.median(s)),
        "ms_p95": float(1000 * np.percentile(s, 95)),
    }


def score_digits(recognizer: Recognizer, samples: Sequence[Sample], *, name: str = "digits") -> dict[str, Any]:
    """Run ``recognizer.predict`` on single-digit samples and score the answers.

    Returns
    -------
    dict
        ``n``; ``accuracy`` (refusals count as wrong); ``reject_rate`` (share
        of ``digit is None``); ``answered_accuracy`` (None if nothing was
        answered); ``ece`` of the answers' confidences (15 bins; None if
        none); ``per_digit_accuracy`` (10 values, None for absent digits);
        timing (``seconds``, ``ms_per_image``, ``ms_median``, ``ms_p95``)
        and up to :data:`MAX_MISTAKES` ``mistakes`` (index, source, label,
        predicted, confidence).
    """
    if not samples:
        raise InputError(f"No samples to score in {name}; use n_per_set >= 1.")
    truth = np.array([s.label for s in samples])
    predicted, confidence, seconds = [], [], []
    for i, sample in enumerate(samples):
        result, dt = _call(recognizer.predict, sample.image, f"{name} sample {i} (MNIST test #{sample.source})")
        predicted.append(None if result.digit is None else int(result.digit))
        confidence.append(float(result.confidence) if result.confidence is not None else float("nan"))
        seconds.append(dt)
    answered = np.array([p is not None for p in predicted])
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
    conf = np.asarray(confidence)
    usable = answered & np.isfinite(conf)
    ece = reliability_from_confidence(np.clip(conf[usable], 0, 1), correct[usable]).ece if usable.any() else None
    per_digit = [float(correct[truth == d].mean()) if (truth == d).any() else None for d in range(10)]
    mistakes = [
        {"index": int(i), "source": samples[i].source, "label": int(truth[i]), "predicted": predicted[i],
         "confidence": None if np.isnan(conf[i]) else float(conf[i])}
        for i in np.flatnonzero(~correct)[:MAX_MISTAKES]
    ]  # fmt: skip
    return {
        "n": len(samples),
        "accuracy": float(correct.mean()),
        "reject_rate": float(1.0 - answered.mean()),
        "answered_accuracy": float(correct[answered].mean()) if answered.any() else None,
        "ece": ece,
        "per_digit_accuracy": per_digit,
        **_timing(seconds),
        "mistakes": mistakes,
    }


def _digits_of(text: str) -> str:
    return "".join(c for c in str(text) if c.isdigit())


def score_strings(recognizer: Recognizer, samples: Sequence[StringSample], *, name: str = "strings") -> dict[str, Any]:
    """Run ``recognizer.read`` on rows of digits and score the readings.

    Returns
    -------
    dict
        ``n``; ``exact_accuracy`` (the text's digits equal the true digits);
        ``digit_accuracy`` (matched true digits / true digits, by
        :func:`align` of ``[d.digit for d in result.digits]``);
        ``digit_error_rate`` ((substitutions + deletions + insertions) / true
        digits); the summed ``matches``, ``substitutions``, ``deletions``,
        ``insertions`` and ``n_digits``; ``exact_accuracy_touching`` and
        ``exact_accuracy_punctuated`` over the rows with a touching pair or
        with punctuation (None if there are none); timing; ``mistakes``.
    """
    if not samples:
        raise InputError(f"No samples to score in {name}; use n_per_set >= 1.")
    totals = Alignment(0, 0, 0, 0)
    exact: list[bool] = []
    seconds: list[float] = []
    mistakes: list[dict[str, Any]] = []
    for i, sample in enumerate(samples):
        result, dt = _call(recognizer.read, sample.image, f"{name} sample {i} ({sample.written!r})")
        seconds.append(dt)
        digits = [None if d.digit is None else int(d.digit) for d in result.digits]
        alignment = align([int(c) for c in sample.text], digits)
        totals = Alignment(*(a + b for a, b in zip(totals, alignment, strict=True)))
        exact.append(_digits_of(result.text) == sample.text)
        if not exact[-1] and len(mistakes) < MAX_MISTAKES:
            mistakes.append({"index": i, "written": sample.written, "text": str(result.text)})
    exact_arr = np.array(exact)
    touching = np.array([bool(s.touching) for s in samples])
    punctuated = np.array([s.written != s.text for s in samples])
    n_digits = sum(len(s.text) for s in samples)
    return {
        "n": len(samples),
        "exact_accuracy": float(exact_arr.mean()),
        "digit_accuracy": totals.matches / n_digits,
        "digit_error_rate": (totals.substitutions + totals.deletions + totals.insertions) / n_digits,
        "n_digits": n_digits,
        **totals._asdict(),
        "exact_accuracy_touching": float(exact_arr[touching].mean()) if touching.any() else None,
        "exact_accuracy_punctuated": float(exact_arr[punctuated].mean()) if punctuated.any() else None,
        **_timing(seconds),
        "mistakes": mistakes,
    }


def evaluate_real(
    recognizer: Recognizer,
    *,
    n_per_set: int = 200,
    seed: int = 0,
    images: npt.ArrayLike | None = None,
    labels: npt.ArrayLike | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Score a recognizer on photos, rows of digits and canvas drawings of MNIST test digits.

    Parameters
    ----------
    recognizer : object
        With ``predict(image)`` and ``read(image)`` (see the module docstring).
    n_per_set : int
        Pictures in each of the three sets.
    seed : int
        Seed of the sets; the same seed gives the same pictures.
    images, labels : array-like, optional
        Digits (m, 28, 28) uint8 and labels (m,) to render; default: the
        official MNIST test split (``load_mnist(data_dir).test``).
    data_dir : path-like, optional
        Where to look for MNIST first (see :func:`digits.data.mnist.load_mnist`).

    Returns
    -------
    dict
        JSON-ready: ``n_per_set``, ``seed``, ``photo`` and ``drawn``
        (:func:`score_digits`), ``strings`` (:func:`score_strings`) and
        ``build_seconds``, the time spent rendering the sets.
    """
    if images is None or labels is None:
        if images is not None or labels is not None:
            raise InputError("Pass both images and labels, or neither (to use the MNIST test split).")
        test = load_mnist(data_dir).test
        images, labels = test.images, test.labels
    start = time.perf_counter()
    sets = build_real_sets(n_per_set, seed, images, labels)
    build_seconds = time.perf_counter() - start
    return {
        "n_per_set": n_per_set,
        "seed": seed,
        "photo": score_digits(recognizer, sets.photo, name="photo"),
        "strings": score_strings(recognizer, sets.strings, name="strings"),
        "drawn": score_digits(recognizer, sets.drawn, name="drawn"),
        "build_seconds": build_seconds,
    }
