"""The preprocessing study: statistics, degradations, the grid, the report and ``digits study``."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from scipy.stats import binomtest

from conftest import make_fake_digits
from digits.cli import main
from digits.data.mnist import Subset
from digits.errors import InputError
from digits.study.config import BASELINE, QUICK, Family, StudyConfig, Variant
from digits.study.degrade import DEGRADATIONS, degrade, low_contrast
from digits.study.grid import StudyData, build_cell_model, run_grid
from digits.study.report import FIGURES, REPORT, RESULTS, write_study
from digits.study.stats import error_rate, holm, mcnemar, mcnemar_p, wilson_interval
from digits.study.summary import summarize

# ---------------------------------------------------------------- statistics


@pytest.mark.parametrize(
    ("errors", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, Wilson score interval (method 3)
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_published_values(errors, n, low, high):
    interval = wilson_interval(errors, n)
    assert interval.rate == pytest.approx(errors / n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_error_rate_counts_wrong_predictions_and_rejects_bad_input():
    result = error_rate(np.array([True] * 97 + [False] * 3))
    assert (result.errors, result.n, result.rate) == (3, 100, 0.03)
    assert result.low < 0.03 < result.high
    with pytest.raises(ValueError, match="bool"):
        error_rate(np.array([1, 0, 1]))
    with pytest.raises(ValueError, match="errors <= n"):
        wilson_interval(5, 4)


@pytest.mark.parametrize(("b", "c"), [(1, 5), (0, 6), (7, 7), (3, 20), (150, 110), (0, 1)])
def test_mcnemar_exact_p_matches_binomial_test(b, c):
    expected = binomtest(min(b, c), b + c, 0.5).pvalue
    assert mcnemar_p(b, c) == pytest.approx(expected, rel=1e-9)


def test_mcnemar_by_hand_and_from_vectors():
    assert mcnemar_p(1, 5) == pytest.approx(2 * (1 + 6) / 64)  # 2 * P(X <= 1), X ~ Binomial(6, 1/2)
    assert mcnemar_p(0, 0) == 1.0
    base = np.array([True, True, False, False, True, False])
    other = np.array([True, False, True, True, True, True])
    result = mcnemar(base, other)
    assert (result.b, result.c) == (1, 3)
    assert result.p_value == pytest.approx(mcnemar_p(1, 3))
    with pytest.raises(ValueError, match="same images"):
        mcnemar(base, other[:-1])


def test_holm_adjusts_step_down_and_keeps_order():
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    # sorted: 0.005 * 4 = 0.02, 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, 0.04 * 1 -> raised to 0.06 (monotone)
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]).max() == 1.0
    with pytest.raises(ValueError, match="p-values"):
        holm([1.5])


# ---------------------------------------------------------------- degradations


@pytest.fixture(scope="module")
def digits_batch() -> np.ndarray:
    return make_fake_digits(12, seed=3)[0]


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_degradation_shape_dtype_seed_and_effect(name, digits_batch):
    out = degrade(digits_batch, name, seed=5)
    assert out.shape == digits_batch.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out, degrade(digits_batch, name, seed=5))  # seeded
    assert np.abs(out.astype(int) - digits_batch).mean() > 5  # it does change the images
    np.testing.assert_array_equal(degrade(digits_batch, name, strength=0), digits_batch)  # strength 0: identity


@pytest.mark.parametrize("name", ["noise", "rotation"])
def test_random_degradations_depend_on_the_seed(name, digits_batch):
    assert not np.array_equal(degrade(digits_batch, name, seed=1), degrade(digits_batch, name, seed=2))


def test_low_contrast_maps_black_and_white_to_documented_greys():
    images = np.array([[[0, 255] + [0] * 26] * 28], dtype=np.uint8)
    out = low_contrast(images, 0.7)
    assert out[0, 0, 0] == 89 and out[0, 0, 1] == 166  # 0.3 * x + 0.7 * 127.5


def test_degrade_rejects_unknown_names_and_bad_images(digits_batch):
    with pytest.raises(ValueError, match="Valid names: noise, blur, contrast, rotation"):
        degrade(digits_batch, "fog")
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        degrade(digits_batch.astype(np.float32), "blur")


# ---------------------------------------------------------------- configuration


def test_config_validates_names_and_selects_with_the_baseline_kept():
    with pytest.raises(InputError, match="Valid names"):
        Variant("x", preprocess=("sharpen",))
    with pytest.raises(InputError, match="baseline"):
        dataclasses.replace(QUICK, variants=QUICK.variants[1:])
    picked = QUICK.select(["kNN"], ["deskew"])
    assert [f.label for f in picked.families] == ["kNN"]
    assert picked.variant_names == [BASELINE, "deskew"]
    with pytest.raises(InputError, match="Valid models: kNN, SVM"):
        QUICK.select(["kNN", "LSTM"])


def test_cells_skip_feature_variants_without_a_feature_model():
    pixels_only = Family("MLP", "numpy-mlp")
    assert not pixels_only.takes(Variant("hog", features=("hog",)))
    assert pixels_only.takes(Variant("deskew", preprocess=("deskew",)))
    limited = Family("kNN", "knn", variants=("deskew",))
    assert limited.takes(Variant(BASELINE)) and not limited.takes(Variant("otsu", preprocess=("otsu",)))


def test_cell_models_leave_preprocessing_to_the_study():
    knn = Family("kNN", "knn", {"pca": 20}, "deskew-knn")
    pixel_model = build_cell_model(knn, Variant("deskew", preprocess=("deskew",)), seed=3)
    assert pixel_model.name == "knn" and pixel_model.deskew is False and pixel_model.pca == 20
    feature_model = build_cell_model(knn, Variant("hog+deskew", ("deskew",), ("hog",)), seed=3)
    assert feature_model.name == "deskew-knn"
    assert (feature_model.preprocess, feature_model.features) == ("none", "hog")


# ---------------------------------------------------------------- the grid on synthetic digits


@pytest.fixture(scope="module")
def tiny_study():
    X, y = make_fake_digits(300, seed=1)
    data = StudyData(Subset(X[:200], y[:200]), Subset(X[200:240], y[200:240]), Subset(X[240:], y[240:]))
    config = StudyConfig(
        families=(
            Family("kNN", "knn", {"pca": 20}, "deskew-knn"),
            Family("numpy-mlp", "numpy-mlp", {"hidden": (32,), "epochs": 3, "patience": None}),
        ),
        variants=(Variant(BASELINE), Variant("deskew", ("deskew",)), Variant("hog", features=("hog",))),
        degradations=("noise", "rotation"),
    )
    calls = []
    result = run_grid(config, data, lambda done, total, label: calls.append((done, total, label)))
    return config, data, result, calls


def test_grid_runs_every_cell_and_reports_progress(tiny_study):
    config, data, result, calls = tiny_study
    assert [(r.family, r.variant) for r in result.runs] == [(f.label, v.name) for f, v in config.cells()]
    assert len(result.runs) == 5  # numpy-mlp has no feature model, so no hog cell
    for run in result.runs:
        assert set(run.predictions) == {"test", "noise", "rotation"}
        assert all(p.shape == (60,) for p in run.predictions.values())
    assert calls[0] == (0, 5, "kNN / none") and calls[-1] == (5, 5, "done")
    knn = result.runs[0].predictions["test"]
    assert (knn == data.test.labels).mean() > 0.9  # the fake digits are easy


def test_summary_scores_and_tests_against_the_baseline(tiny_study):
    _, _, result, _ = tiny_study
    cells = summarize(result)
    assert len(cells) == 5 * 3
    tested = [c for c in cells if c.mcnemar is not None]
    assert {c.variant for c in cells if c.mcnemar is None} == {BASELINE}
    np.testing.assert_allclose([c.p_holm for c in tested], holm([c.mcnemar.p_value for c in tested]))
    for cell in cells:
        assert 0 <= cell.error.low <= cell.error.rate <= cell.error.high <= 1
    baseline = next(c for c in cells if c.family == "kNN" and c.variant == BASELINE and c.test_set == "test")
    assert baseline.error.rate == pytest.approx(np.mean(result.runs[0].predictions["test"] != result.labels))
    deskew = next(c for c in cells if c.family == "kNN" and c.variant == "deskew" and c.test_set == "noise")
    base_right = result.runs[0].predictions["noise"] == result.labels
    other_right = next(r for r in result.runs if r.variant == "deskew").predictions["noise"] == result.labels
    assert (deskew.mcnemar.b, deskew.mcnemar.c) == (
        np.sum(base_right & ~other_right),
        np.sum(~base_right & other_right),
    )


def test_report_files_are_written(tiny_study, tmp_path):
    _, data, result, _ = tiny_study
    cells = summarize(result)
    files = write_study(result, cells, data, tmp_path / "study", {"command": "test", "machine": "test machine"})
    assert {p.name for p in files} == {REPORT, RESULTS, *FIGURES.values()}
    assert all(p.stat().st_size > 0 for p in files)
    text = (tmp_path / "study" / REPORT).read_text()
    for heading in ("Which preprocessing changes the error", "Which algorithms reach 99 %", "LeCun's table"):
        assert heading in text
    saved = json.loads((tmp_path / "study" / RESULTS).read_text())
    assert len(saved["cells"]) == len(cells) and saved["correction"] == "holm"
    assert all(math.isfinite(c["error_rate"]) for c in saved["cells"])


# ---------------------------------------------------------------- the command line


def test_cli_refuses_an_unknown_model_family(capsys):
    assert main(["study", "--quick", "--models", "kNN,LSTM", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Unknown model 'LSTM'" in err and "Valid models: kNN" in err


@pytest.mark.mnist
def test_cli_study_quick_end_to_end(mnist_dir, tmp_path, capsys):
    out = tmp_path / "study"
    args = ["study", "--quick", "--out", str(out), "--data-dir", str(mnist_dir), "--no-progress"]
    assert main([*args, "--models", "kNN,SVM", "--variants", "deskew,hog+deskew"]) == 0
    printed = capsys.readouterr().out
    assert "kNN" in printed and "report:" in printed
    saved = json.loads((out / RESULTS).read_text())
    cells = {(c["family"], c["variant"], c["test_set"]): c for c in saved["cells"]}
    assert len(cells) == 2 * 3 * 5 and saved["n_test"] == QUICK.n_test
    assert cells["kNN", "none", "test"]["error_rate"] < 0.1  # k-NN on 5,000 real digits
    assert cells["kNN", "deskew", "test"]["mcnemar_b"] is not None
    assert "LeCun" in (out / REPORT).read_text()
