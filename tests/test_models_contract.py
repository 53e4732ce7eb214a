"""One test suite, parametrized over the whole registry: every model honours the contract."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digits.errors import InputError
from digits.models import DigitModel, NotFittedError, create_model, list_models, load_model
from digits.models.registry import model_params
from fast_params import FAST_PARAMS


def fitted(name: str, X: np.ndarray, y: np.ndarray) -> DigitModel:
    return create_model(name, **FAST_PARAMS.get(name, {})).fit(X, y, X[:40], y[:40])


@pytest.fixture(scope="module", params=list_models())
def model_and_data(request, fake_digits):
    X, y, X_test, y_test = fake_digits
    return fitted(request.param, X, y), X_test, y_test


def test_registry_lists_the_issue_models():
    issue_models = {"numpy-mlp", "sk-mlp", "svm", "random-forest", "decision-tree", "knn", "logistic"}
    torch_models = {"ann", "cnn-s1", "cnn-s2", "cnn-s3", "vgg16", "lenet5", "fast-cnn"}
    assert issue_models | torch_models <= set(list_models())


def test_predict_proba_shape_and_rows_sum_to_one(model_and_data):
    model, X, _ = model_and_data
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 10)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(model.classes_, np.arange(10))


def test_predict_is_argmax_of_proba(model_and_data):
    model, X, _ = model_and_data
    pred = model.predict(X)
    assert pred.shape == (len(X),)
    np.testing.assert_array_equal(pred, model.classes_[model.predict_proba(X).argmax(axis=1)])


def test_learns_the_fake_digits(model_and_data):
    model, X, y = model_and_data
    floor = 0.5 if model.name == "decision-tree" else 0.8
    assert (model.predict(X) == y).mean() >= floor


def test_flat_and_square_inputs_agree(model_and_data):
    model, X, _ = model_and_data
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X.reshape(len(X), 784)))


def test_save_load_gives_identical_predictions(model_and_data, tmp_path):
    model, X, _ = model_and_data
    folder = model.save(tmp_path / "m")
    card = json.loads((folder / "model.json").read_text())
    assert card["name"] == model.name
    assert card["classes"] == list(range(10))
    assert set(card["params"]) == set(model_params(type(model)))
    assert card["files"] and all((folder / f).is_file() for f in card["files"])
    loaded = load_model(folder)
    assert type(loaded) is type(model)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # float32 BLAS may round differently once a loaded array is contiguous
    # where the fitted one was a strided view, hence a tolerance of float32's size
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), rtol=1e-5, atol=1e-7)
    assert type(model).load(folder).name == model.name


def test_wrong_input_shape_is_explained(model_and_data):
    model, X, _ = model_and_data
    with pytest.raises(InputError, match=r"shape \(n, 28, 28\).*got \(28, 28\).*X\[None\]"):
        model.predict(X[0])
    with pytest.raises(InputError, match="0..255"):
        model.predict(X.astype(float) * 2)


@pytest.mark.parametrize("name", list_models())
def test_unfitted_model_refuses_to_predict(name, fake_digits):
    with pytest.raises(NotFittedError, match="not fitted"):
        create_model(name).predict(fake_digits[2])


@pytest.mark.parametrize("name", list_models())
def test_missing_classes_still_give_ten_columns(name, fake_digits):
    X, y, X_test, _ = fake_digits
    keep = y < 5
    model = create_model(name, **FAST_PARAMS.get(name, {})).fit(X[keep], y[keep])
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    assert set(model.predict(X_test)) <= set(range(5))


def test_unknown_model_lists_valid_names():
    with pytest.raises(InputError, match="Unknown model 'nope'.*numpy-mlp.*svm"):
        create_model("nope")


def test_unknown_parameter_lists_valid_ones():
    with pytest.raises(InputError, match="no parameter 'gama'.*Valid parameters: C, gamma"):
        create_model("svm", gama=1)


def test_labels_must_match_images(fake_digits):
    X, y, _, _ = fake_digits
    with pytest.raises(InputError, match="Expected 200 labels"):
        create_model("knn").fit(X, y[:10])
    with pytest.raises(InputError, match="labels 0..9"):
        create_model("knn").fit(X, y + 5)
