"""Feature-pipeline models (hog-svm, pca-svm, deskew-knn) beyond the registry-wide contract test."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digits.cli.params import parse_params
from digits.data.mnist import load_mnist
from digits.errors import InputError, ModelFileError
from digits.features import FEATURES, SETTINGS
from digits.features.zoning import zoning
from digits.models import create_model, load_model


def test_preprocess_and_features_make_the_pipeline_generic(fake_digits, tmp_path):
    X, y, X_test, y_test = fake_digits
    model = create_model("hog-svm", preprocess="median", features="zoning, projections").fit(X, y)
    assert model.feature_names == ["zoning", "projections"]
    assert model.estimator_[-1].n_features_in_ == 49 + 56
    assert (model.predict(X_test) == y_test).mean() >= 0.8
    card = json.loads((model.save(tmp_path / "m") / "model.json").read_text())
    assert card["preprocessing"]["preprocess"] == "median"
    assert card["preprocessing"]["features"] == ["zoning", "projections"]
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict(X_test), model.predict(X_test))


def test_a_model_saved_with_other_feature_settings_is_refused(fake_digits, tmp_path, monkeypatch):
    X, y, _, _ = fake_digits
    folder = create_model("deskew-knn", features="zoning").fit(X, y).save(tmp_path / "m")
    assert json.loads((folder / "model.json").read_text())["preprocessing"]["feature_settings"] == {
        "zoning": {"grid": 7}
    }
    # a later version of digits that cuts the digit into 4x4 zones must not feed them to this model
    monkeypatch.setitem(SETTINGS, "zoning", {"grid": 4})
    monkeypatch.setitem(FEATURES, "zoning", lambda images: zoning(images.astype(np.float32) / 255, grid=4))
    with pytest.raises(ModelFileError, match=r"fitted on 49 features.*makes 16.*Retrain it: digits train deskew-knn"):
        load_model(folder)


def test_pca_reduces_the_features_before_the_classifier(fake_digits):
    X, y, _, _ = fake_digits
    model = create_model("pca-svm", pca=15).fit(X, y)
    assert model.estimator_[0].n_components_ == 15
    assert model.preprocessing["features"] == ["pixels"] and model.preprocessing["preprocess"] == "none"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"preprocess": "sharpen"}, r"Unknown preprocess='sharpen' for hog-svm\. Valid names: none, deskew"),
        ({"features": "hog,sift"}, r"unknown ones \['sift'\].*from: pixels, hog, zoning"),
        ({"features": " , "}, "names no known feature"),
    ],
)
def test_unknown_names_are_refused_before_any_work(fake_digits, params, message):
    X, y, _, _ = fake_digits
    with pytest.raises(InputError, match=message):
        create_model("hog-svm", **params).fit(X, y)


def test_the_command_line_passes_feature_lists_as_text():
    params = parse_params("hog-svm", ["features=hog,shape", "preprocess=wavelet", "C=5"])
    assert params == {"features": "hog,shape", "preprocess": "wavelet", "C": 5.0}
    assert create_model("hog-svm", **params).feature_names == ["hog", "shape"]


@pytest.fixture(scope="module")
def small_mnist(mnist_dir):
    """2,000 training and 1,000 test images of the real MNIST."""
    splits = load_mnist(mnist_dir)
    return splits.train.images[:2000], splits.train.labels[:2000], splits.test.images[:1000], splits.test.labels[:1000]


@pytest.mark.mnist
def test_hog_svm_beats_the_same_svm_on_pixels(small_mnist):
    X, y, X_test, y_test = small_mnist
    hog_accuracy = (create_model("hog-svm").fit(X, y).predict(X_test) == y_test).mean()
    pixel_accuracy = (create_model("hog-svm", features="pixels").fit(X, y).predict(X_test) == y_test).mean()
    assert hog_accuracy >= 0.95
    assert hog_accuracy > pixel_accuracy


@pytest.mark.mnist
def test_deskewing_lowers_the_error_of_nearest_neighbours(small_mnist):
    X, y, X_test, y_test = small_mnist
    error = {
        name: (create_model("deskew-knn", preprocess=name).fit(X, y).predict(X_test) != y_test).mean()
        for name in ("none", "deskew")
    }
    assert error["deskew"] < 0.8 * error["none"]
