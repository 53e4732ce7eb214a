"""Tests of digits.evaluation.calibration: temperature scaling, ECE, reliability, error-reject."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import softmax

from digits.errors import InputError
from digits.evaluation.calibration import (
    Reliability,
    apply_temperature,
    confidence_error_reject,
    ece,
    error_reject_curve,
    fit_temperature,
    plot_error_reject,
    plot_reliability,
    reliability_diagram,
    reliability_from_confidence,
    temperature_nll,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def gaussian_scores(n: int, seed: int = 0, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Logits ``z`` ~ N(0, 1) plus 2 on the true class: the true posterior is exactly softmax(2 z)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    z = rng.normal(0.0, 1.0, (n, k))
    z[np.arange(n), y] += 2.0
    return z, y


# ---------------------------------------------------------------- temperature scaling


def test_temperature_one_is_the_identity() -> None:
    p = softmax(np.random.default_rng(1).normal(size=(50, 10)), axis=1)
    np.testing.assert_allclose(apply_temperature(p, 1.0), p, rtol=1e-10, atol=1e-15)


def test_apply_temperature_rows_sum_to_one_argmax_kept_zeros_ok() -> None:
    p = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    for t in (0.3, 1.0, 2.5, 50.0):
        q = apply_temperature(p, t)
        assert np.isfinite(q).all() and (q >= 0).all()
        np.testing.assert_allclose(q.sum(axis=1), 1.0)
        assert q[2].argmax() == 2
    assert apply_temperature(p, 1e6)[2] == pytest.approx([1 / 3] * 3, abs=1e-5)
    # p ** (1 / T), renormalised, by hand: [0.2, 0.3, 0.5] at T = 0.5 is [0.04, 0.09, 0.25] / 0.38
    np.testing.assert_allclose(apply_temperature(p, 0.5)[2], np.array([0.04, 0.09, 0.25]) / 0.38)


def test_over_confident_scores_get_t_above_one_and_lower_ece() -> None:
    z, y = gaussian_scores(4000)
    p = softmax(3.0 * z, axis=1)  # over-confident: the calibrated scale is 2
    t = fit_temperature(p, y)
    assert t == pytest.approx(1.5, rel=0.1)
    calibrated = apply_temperature(p, t)
    assert ece(calibrated, y) < 0.5 * ece(p, y)
    assert temperature_nll(p, y, t) < temperature_nll(p, y, 1.0)
    assert (calibrated.argmax(axis=1) == p.argmax(axis=1)).all()


def test_under_confident_scores_get_t_below_one() -> None:
    z, y = gaussian_scores(4000, seed=2)
    assert fit_temperature(softmax(z, axis=1), y) == pytest.approx(0.5, rel=0.1)


def test_logits_and_probabilities_give_the_same_temperature() -> None:
    z, y = gaussian_scores(1000, seed=3)
    t_logits = fit_temperature(3.0 * z, y, kind="logits")
    assert t_logits == pytest.approx(fit_temperature(softmax(3.0 * z, axis=1), y), rel=1e-4)
    np.testing.assert_allclose(
        apply_temperature(3.0 * z, t_logits, kind="logits"), apply_temperature(softmax(3.0 * z, axis=1), t_logits)
    )


def test_temperature_errors_name_the_problem() -> None:
    p, y = np.full((4, 2), 0.5), np.array([0, 1, 0, 1])
    with pytest.raises(InputError, match=r"shape \(n, k\)"):
        fit_temperature(p[0], y)
    with pytest.raises(InputError, match="labels"):
        fit_temperature(p, y[:3])
    with pytest.raises(InputError, match="positive"):
        apply_temperature(p, 0.0)
    with pytest.raises(InputError, match="kind='logits'"):
        fit_temperature(p * 3, y, kind="proba")
    with pytest.raises(InputError, match="finite"):
        apply_temperature(np.array([[np.nan, 1.0]]), 1.0)


# ---------------------------------------------------------------- ECE and reliability


HAND_P = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.6, 0.4]])
HAND_Y = np.array([0, 1, 1, 0])  # right, wrong, right, right


def test_ece_by_hand() -> None:
    # bin (0.8667, 0.9333]: 2 predictions, accuracy 0.5, confidence 0.9 -> 2/4 * 0.4
    # bin (0.5333, 0.6]: 2 predictions, accuracy 1.0, confidence 0.6 -> 2/4 * 0.4
    assert ece(HAND_P, HAND_Y) == pytest.approx(0.4)
    assert ece(HAND_P, HAND_Y, n_bins=1) == pytest.approx(0.0)  # accuracy 0.75 = mean confidence 0.75


def test_reliability_bins() -> None:
    rel = reliability_diagram(HAND_P, HAND_Y)
    assert isinstance(rel, Reliability) and len(rel.edges) == 16 and rel.counts.sum() == 4
    assert rel.counts[13] == 2 and rel.accuracy[13] == 0.5 and rel.confidence[13] == pytest.approx(0.9)
    assert rel.counts[8] == 2 and rel.accuracy[8] == 1.0
    assert np.isnan(rel.accuracy[0]) and np.isnan(rel.confidence[0])
    # a confidence on an edge belongs to the bin below it: (0.4, 0.6] for two bins of width 0.2 ... 1.0
    assert reliability_from_confidence([0.6, 1.0], [True, True], n_bins=5).counts.tolist() == [0, 0, 1, 0, 1]


def test_probabilities_that_generated_the_labels_are_calibrated() -> None:
    rng = np.random.default_rng(4)
    p = softmax(rng.normal(0, 2, (20000, 3)), axis=1)
    y = (rng.random(20000)[:, None] > p.cumsum(axis=1)).sum(axis=1)  # labels drawn from p
    assert ece(p, y) < 0.02


def test_ece_input_errors() -> None:
    with pytest.raises(InputError):
        ece(HAND_P * 2, HAND_Y)
    with pytest.raises(InputError, match="n_bins"):
        ece(HAND_P, HAND_Y, n_bins=0)
    with pytest.raises(InputError, match="same shape"):
        reliability_from_confidence([0.5, 0.6], [True])


# ---------------------------------------------------------------- error-reject


def test_error_reject_by_hand() -> None:
    reject, error = confidence_error_reject([0.6, 0.9, 0.7, 0.8], [False, True, True, False])
    # ranked: 0.9 right, 0.8 wrong, 0.7 right, 0.6 wrong
    np.testing.assert_allclose(reject, [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(error, [0.5, 1 / 3, 0.5, 0.0])


def test_error_reject_ties_are_rejected_together() -> None:
    reject, error = confidence_error_reject([0.9, 0.9, 0.5], [True, False, False])
    np.testing.assert_allclose(reject, [0, 1 / 3])
    np.testing.assert_allclose(error, [2 / 3, 0.5])


def test_error_reject_endpoints_and_perfect_ranking() -> None:
    z, y = gaussian_scores(500, seed=5)
    p = softmax(2 * z, axis=1)
    reject, error = error_reject_curve(p, y)
    assert reject[0] == 0 and error[0] == pytest.approx(np.mean(p.argmax(axis=1) != y))
    assert reject[-1] == pytest.approx(1 - 1 / 500) and np.all(np.diff(reject) > 0)
    _, ranked_error = confidence_error_reject(np.linspace(1, 0.5, 6), [True] * 3 + [False] * 3)
    assert np.all(np.diff(ranked_error) <= 0) and ranked_error[-1] == 0


# ---------------------------------------------------------------- plots


def test_plots_are_png(tmp_path: Path) -> None:
    z, y = gaussian_scores(300, seed=6)
    p = softmax(3 * z, axis=1)
    written = plot_reliability(reliability_diagram(p, y), tmp_path / "rel.png", title="toy")
    assert written.read_bytes().startswith(PNG_SIGNATURE)
    curves = {"raw": error_reject_curve(p, y), "scaled": error_reject_curve(apply_temperature(p, 1.5), y)}
    assert plot_error_reject(curves, tmp_path / "er.png").read_bytes().startswith(PNG_SIGNATURE)
    with pytest.raises(InputError, match="at least one curve"):
        plot_error_reject({}, tmp_path / "none.png")
