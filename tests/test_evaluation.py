"""Tests of digits.evaluation: metrics against scikit-learn, PNG figures, reports."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from sklearn import metrics as skm  # type: ignore[import-untyped]

from digits.errors import InputError
from digits.evaluation import (
    Evaluation,
    accuracy,
    binary_roc_curve,
    class_scores,
    classification_metrics,
    confusion_matrix,
    evaluate,
    log_loss,
    plot_confusion_matrix,
    plot_misclassified,
    plot_roc_curves,
    plot_training_curves,
    roc_curves,
    write_report,
)
from digits.evaluation.plots import misclassified_order
from digits.fileio import atomic_write_bytes
from digits.models.base import DigitModel

DIGITS = list(range(10))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---- helpers ---------------------------------------------------------------
def random_case(seed: int, n: int = 300, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Labels (n,) and probabilities (n, k) that are right more often than chance."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    proba = rng.dirichlet(np.ones(k), n)
    proba[np.arange(n), y] += rng.uniform(0, 1.5, n)  # some signal
    return y, proba / proba.sum(axis=1, keepdims=True)


def tied_case(seed: int, n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities taking only a few distinct values, so scores tie a lot."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    guess = np.where(rng.random(n) < 0.6, y, rng.integers(0, 10, n))
    proba = np.full((n, 10), 0.05)
    proba[np.arange(n), guess] += rng.choice([0.25, 0.5], n)
    return y, proba / proba.sum(axis=1, keepdims=True)


def sk_log_loss(y: np.ndarray, proba: np.ndarray) -> float:
    # scikit-learn 1.9 renamed y_pred to y_proba; pass it by the name this version knows
    try:
        return float(skm.log_loss(y, y_proba=proba, labels=DIGITS))
    except TypeError:
        return float(skm.log_loss(y, proba, labels=DIGITS))


def assert_png(path: Path, min_size: int = 200) -> tuple[int, int]:
    """The file is a PNG that PIL decodes, at least ``min_size`` pixels wide and high."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "PNG"
        width, height = image.size
    assert min_size <= width <= 5000 and min_size // 2 <= height <= 5000
    assert not list(path.parent.glob(".*.part")), "a temporary file was left behind"
    return width, height


# ---- label-based metrics against scikit-learn ------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_label_metrics_match_sklearn(seed: int) -> None:
    y, proba = random_case(seed)
    pred = proba.argmax(axis=1)
    assert accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred))
    np.testing.assert_array_equal(confusion_matrix(y, pred), skm.confusion_matrix(y, pred, labels=DIGITS))
    scores = class_scores(y, pred)
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, labels=DIGITS, zero_division=0)
    np.testing.assert_allclose(scores.precision, p)
    np.testing.assert_allclose(scores.recall, r)
    np.testing.assert_allclose(scores.f1, f)
    np.testing.assert_array_equal(scores.support, s)
    for average in ("macro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, average=average, zero_division=0)
        assert getattr(scores, average)("precision") == pytest.approx(p)
        assert getattr(scores, average)("recall") == pytest.approx(r)
        assert getattr(scores, average)("f1") == pytest.approx(f)


def test_confusion_matrix_rows_are_true_and_columns_predicted() -> None:
    cm = confusion_matrix([1, 1, 2], [1, 3, 2])
    assert cm.shape == (10, 10) and cm.dtype == np.int64
    assert cm[1, 1] == 1 and cm[1, 3] == 1 and cm[2, 2] == 1 and cm.sum() == 3


def test_class_never_predicted_and_class_absent_follow_zero_division_zero() -> None:
    # digit 3 occurs but is never predicted; digit 7 is predicted but never occurs;
    # digits 5, 6, 8, 9 appear nowhere
    y = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    pred = np.array([0, 1, 1, 1, 2, 7, 0, 2, 4, 4])
    scores = class_scores(y, pred)
    assert scores.precision[3] == 0 and scores.recall[3] == 0 and scores.f1[3] == 0
    assert scores.precision[7] == 0 and scores.recall[7] == 0 and scores.support[7] == 0
    assert scores.f1[5] == 0 and not scores.present[5] and scores.present[7]
    p, r, f, _ = skm.precision_recall_fscore_support(y, pred, labels=DIGITS, zero_division=0)
    np.testing.assert_allclose(scores.precision, p)
    np.testing.assert_allclose(scores.recall, r)
    np.testing.assert_allclose(scores.f1, f)
    for average in ("macro", "weighted"):  # sklearn's default labels: those present
        p, r, f, _ = skm.precision_recall_fscore_support(y, pred, average=average, zero_division=0)
        assert getattr(scores, average)("precision") == pytest.approx(p)
        assert getattr(scores, average)("recall") == pytest.approx(r)
        assert getattr(scores, average)("f1") == pytest.approx(f)


# ---- ROC, AUC and log-loss against scikit-learn -----------------------------
@pytest.mark.parametrize("make_case", [random_case, tied_case])
@pytest.mark.parametrize("seed", [0, 1])
def test_roc_curves_and_auc_match_sklearn(make_case, seed: int) -> None:  # type: ignore[no-untyped-def]
    y, proba = make_case(seed)
    curves = roc_curves(y, proba)
    assert len(curves) == 10
    for j, curve in enumerate(curves):
        fpr, tpr, thresholds = skm.roc_curve(y == j, proba[:, j], drop_intermediate=False)
        np.testing.assert_allclose(curve.fpr, fpr)
        np.testing.assert_allclose(curve.tpr, tpr)
        np.testing.assert_allclose(curve.thresholds[1:], thresholds[1:])
        assert curve.thresholds[0] == np.inf
        assert curve.auc == pytest.approx(skm.roc_auc_score(y == j, proba[:, j]))
    per_class = skm.roc_auc_score(y, proba, multi_class="ovr", average=None, labels=DIGITS)
    np.testing.assert_allclose([c.auc for c in curves], per_class)
    result = classification_metrics(y, proba)
    assert result["macro_auc"] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=DIGITS)
    )
    assert result["log_loss"] == pytest.approx(sk_log_loss(y, proba))


def test_ties_count_half() -> None:
    # one positive and one negative share the score 0.5: that pair is half right
    curve = binary_roc_curve([True, False, True, False], [0.9, 0.5, 0.5, 0.1])
    assert curve.auc == pytest.approx(skm.roc_auc_score([1, 0, 1, 0], [0.9, 0.5, 0.5, 0.1]))
    assert curve.auc == pytest.approx(0.875)
    # all scores tied: the curve is the diagonal
    flat = binary_roc_curve([True, False, False, True], [0.3, 0.3, 0.3, 0.3])
    np.testing.assert_allclose(flat.fpr, [0, 1])
    np.testing.assert_allclose(flat.tpr, [0, 1])
    assert flat.auc == pytest.approx(0.5)


def test_perfect_predictions() -> None:
    y = np.array(DIGITS * 3)
    proba = np.eye(10)[y]
    result = classification_metrics(y, proba)
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0 and result["weighted_f1"] == 1.0
    assert result["macro_auc"] == 1.0
    assert all(row["auc"] == 1.0 and row["precision"] == 1.0 for row in result["per_class"])
    assert result["log_loss"] == pytest.approx(sk_log_loss(y, proba), abs=1e-12)
    assert result["log_loss"] < 1e-12
    np.testing.assert_array_equal(result["confusion_matrix"], np.diag([3] * 10))


def test_log_loss_of_a_zero_probability_is_clipped_like_sklearn() -> None:
    y, proba = random_case(3, n=50)
    wrong = (y + 1) % 10
    proba[0] = np.eye(10)[wrong[0]]  # a certain mistake
    value = log_loss(y, proba)
    assert np.isfinite(value)
    assert value == pytest.approx(sk_log_loss(y, proba))
    assert log_loss([0, 1], [[0.5, 0.5] + [0] * 8, [0.2, 0.8] + [0] * 8]) == pytest.approx(
        -(np.log(0.5) + np.log(0.8)) / 2
    )


def test_class_absent_from_y_true_has_no_auc_and_macro_averages_the_rest() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 6, 120)  # digits 6-9 never occur
    proba = rng.dirichlet(np.ones(10), 120)
    result = classification_metrics(y, proba)
    aucs = [row["auc"] for row in result["per_class"]]
    assert aucs[6:] == [None] * 4
    expected = [skm.roc_auc_score(y == j, proba[:, j]) for j in range(6)]
    np.testing.assert_allclose(aucs[:6], expected)
    assert result["macro_auc"] == pytest.approx(np.mean(expected))
    assert result["macro_f1"] == pytest.approx(skm.f1_score(y, proba.argmax(1), average="macro", zero_division=0))
    json.dumps(result, allow_nan=False)  # strictly valid JSON


def test_classification_metrics_is_json_ready_and_complete() -> None:
    y, proba = random_case(7, n=80)
    result = classification_metrics(y, proba)
    required = {
        "n",
        "accuracy",
        "macro_f1",
        "weighted_f1",
        "log_loss",
        "macro_auc",
        "per_class",
        "confusion_matrix",
    }
    assert required <= set(result)
    assert result["n"] == 80
    assert result["weighted_f1"] == pytest.approx(skm.f1_score(y, proba.argmax(1), average="weighted"))
    assert [row["digit"] for row in result["per_class"]] == DIGITS
    assert set(result["per_class"][0]) == {"digit", "precision", "recall", "f1", "support", "auc"}
    assert sum(row["support"] for row in result["per_class"]) == 80
    assert json.loads(json.dumps(result, allow_nan=False)) == result


@pytest.mark.parametrize(
    ("y", "proba", "message"),
    [
        ([0, 1], np.full((2, 5), 0.3), "sum to 1"),
        ([0, 1], np.full(10, 0.1), "shape"),
        ([0, 10], np.full((2, 10), 0.1), "0..9"),
        ([0, 1, 2], np.full((2, 10), 0.1), "3 labels"),
        ([0.5, 1], np.full((2, 10), 0.1), "integer"),
        ([0, 1], np.array([[np.nan] + [0.1] * 9] * 2), "NaN"),
    ],
)
def test_bad_input_is_refused_with_a_message(y, proba, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        classification_metrics(y, proba)


def test_bad_labels_are_refused() -> None:
    with pytest.raises(InputError, match="must match"):
        accuracy([0, 1, 2], [0, 1])
    with pytest.raises(InputError, match="at least one"):
        confusion_matrix([], [])


# ---- figures -------------------------------------------------------------
def fake_images(labels: npt.NDArray[np.integer], seed: int = 0) -> npt.NDArray[np.uint8]:
    """28x28 uint8 "digits": a bright bar whose place depends on the label, plus noise."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 40, (len(labels), 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        row = 2 + 2 * int(label)
        images[i, row : row + 3, 4:24] = 255
    return images


def test_plot_confusion_matrix_writes_a_png(tmp_path: Path) -> None:
    y, proba = random_case(0, n=100)
    path = plot_confusion_matrix(confusion_matrix(y, proba.argmax(1)), tmp_path / "cm.png")
    assert path == tmp_path / "cm.png"
    assert_png(path, min_size=400)
    with pytest.raises(InputError, match="square"):
        plot_confusion_matrix(np.zeros((3, 4)), tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_plot_roc_curves_writes_a_png_even_with_a_missing_class(tmp_path: Path) -> None:
    y, proba = random_case(1, n=60)
    y[y == 4] = 5  # digit 4 has no curve
    assert_png(plot_roc_curves(y, proba, tmp_path / "roc.png"), min_size=400)


def test_plot_training_curves(tmp_path: Path) -> None:
    history = {
        "loss": [1.0, 0.6, 0.4],
        "val_loss": [1.1, 0.7, 0.6],
        "accuracy": [0.6, 0.8, 0.9],
        "val_accuracy": [0.5, 0.7, 0.8],
    }
    wide = assert_png(plot_training_curves(history, tmp_path / "both.png"))  # type: ignore[arg-type]
    narrow = assert_png(plot_training_curves({"loss": [1.0, 0.5]}, tmp_path / "loss.png"))  # type: ignore[arg-type]
    assert wide[0] > narrow[0]  # two panels are wider than one
    assert plot_training_curves({}, tmp_path / "none.png") is None
    assert plot_training_curves(None, tmp_path / "none.png") is None
    assert plot_training_curves({"lr": [0.1]}, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_misclassified_gallery(tmp_path: Path) -> None:
    y, proba = random_case(2, n=150)
    order = misclassified_order(y, proba)
    pred = proba.argmax(1)
    assert set(order) == set(np.flatnonzero(pred != y))
    confidence = proba[order, pred[order]]
    assert np.all(np.diff(confidence) <= 0)  # most confident mistakes first
    images = fake_images(y)
    few = assert_png(plot_misclassified(images, y, proba, tmp_path / "few.png", max_images=8))
    many = assert_png(plot_misclassified(images.reshape(-1, 784), y, proba, tmp_path / "many.png"))
    assert many[1] > few[1]  # 64 images need more rows than 8
    with pytest.raises(InputError, match="images"):
        plot_misclassified(images[:5], y, proba, tmp_path / "bad.png")


def test_misclassified_gallery_without_mistakes(tmp_path: Path) -> None:
    y = np.array(DIGITS)
    assert_png(plot_misclassified(fake_images(y), y, np.eye(10)[y], tmp_path / "none.png"), min_size=100)


# ---- evaluate and write_report with a tiny model -----------------------------
class CentroidModel(DigitModel):
    """Nearest class mean with softmax over negative distances; not registered."""

    name = "test-evaluation-centroid"

    def __init__(self, *, temperature: float = 50.0, epochs: int = 3) -> None:
        self.temperature = temperature
        self.epochs = epochs

    def _fit(self, images, labels, val) -> None:  # type: ignore[no-untyped-def]
        flat = images.reshape(len(images), -1)
        self.centroids_ = np.stack([flat[labels == c].mean(axis=0) for c in range(10)])
        for epoch in range(self.epochs):  # fake curves so reports have history
            self._log_epoch(epoch + 1, self.epochs, loss=1 / (epoch + 1), accuracy=1 - 0.5 / (epoch + 1))

    def _predict_proba(self, images):  # type: ignore[no-untyped-def]
        flat = images.reshape(len(images), -1)
        d = ((flat[:, None, :] - self.centroids_[None]) ** 2).sum(axis=2)  # (n, 10)
        logits = -d / self.temperature
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def _save_weights(self, directory: Path) -> list[str]:
        buffer = io.BytesIO()
        np.save(buffer, self.centroids_)
        atomic_write_bytes(directory / "centroids.npy", buffer.getvalue())
        return ["centroids.npy"]

    def _load_weights(self, directory: Path) -> None:
        self.centroids_ = np.load(directory / "centroids.npy")


@pytest.fixture(scope="module")
def fitted() -> tuple[CentroidModel, np.ndarray, np.ndarray]:
    train_y = np.repeat(np.arange(10), 3)
    model = CentroidModel()
    model.fit(fake_images(train_y, seed=1), train_y)
    test_y = np.tile(np.arange(10), 4)
    test_x = fake_images(test_y, seed=2)
    test_y[:3] = [9, 8, 7]  # three wrong labels, so there are mistakes to show
    return model, test_x, test_y


def test_evaluate_records_metrics_timing_and_size(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, images, labels = fitted
    result = evaluate(model, images, labels, split="test", model_size_bytes=1234)
    assert isinstance(result, Evaluation)
    assert (result.model, result.split, result.n) == ("test-evaluation-centroid", "test", 40)
    np.testing.assert_allclose(result.proba, model.predict_proba(images))
    assert result.accuracy == pytest.approx(np.mean(result.proba.argmax(1) == labels)) == pytest.approx(37 / 40)
    assert result.predict_seconds > 0
    assert result.seconds_per_image == pytest.approx(result.predict_seconds / 40)
    assert result.fit_seconds == model.info_["fit_seconds"]
    assert result.model_size_bytes == 1234
    data = result.to_dict()
    for key in (
        "model",
        "split",
        "n",
        "accuracy",
        "macro_f1",
        "weighted_f1",
        "log_loss",
        "macro_auc",
    ):
        assert key in data
    assert "proba" not in data and "labels" not in data
    assert data["images_per_second"] == pytest.approx(40 / result.predict_seconds)
    json.dumps(data, allow_nan=False)
    data["per_class"].clear()  # to_dict hands out a copy
    assert len(result.metrics["per_class"]) == 10


def test_evaluate_without_model_dir_and_with_bad_input(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, images, labels = fitted
    assert evaluate(model, images, labels, split="val").model_size_bytes is None
    with pytest.raises(InputError, match="labels"):
        evaluate(model, images, labels[:-1], split="test")
    with pytest.raises(InputError, match="not fitted"):
        evaluate(CentroidModel(), images, labels, split="test")


def test_write_report(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, images, labels = fitted
    result = evaluate(model, images, labels, split="test")
    out = tmp_path / "report"
    written = write_report(result, out, images=images)
    names = [p.name for p in written]
    assert names == [
        "metrics.json",
        "confusion_matrix.png",
        "roc.png",
        "training_curves.png",
        "misclassified.png",
    ]
    assert all(p.parent == out for p in written)
    for path in written[1:]:
        assert_png(path)
    saved = json.loads((out / "metrics.json").read_text())
    for key in ("model", "split", "n", "accuracy", "macro_f1", "per_class", "confusion_matrix"):
        assert key in saved
    assert saved == result.to_dict()
    assert saved["accuracy"] == pytest.approx(37 / 40)
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no temporary files left

    # without history the curves are skipped and the earlier figure removed
    again = write_report(result, out, images=images, labels=labels, proba=result.proba, history={})
    assert "training_curves.png" not in [p.name for p in again]
    assert not (out / "training_curves.png").exists()
    with pytest.raises(InputError, match="40 images"):
        write_report(result, out, images=images[:10], labels=labels[:10], proba=result.proba[:10])


def test_evaluation_imports_neither_sklearn_nor_torch() -> None:
    code = (
        "import sys, digits.evaluation, digits.evaluation.report\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'torch')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
