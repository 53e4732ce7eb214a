"""The from-scratch network: gradients against finite differences, optimizers, the model."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from digits.errors import InputError, ModelFileError
from digits.models import create_model, load_model
from digits.models.numpy_mlp import NumpyMLP, random_shift
from digits.models.numpy_net import (
    Dense,
    Dropout,
    Layer,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    build_mlp,
    softmax,
)
from digits.models.numpy_optim import SGD, Adam, exponential_decay

F64 = npt.NDArray[np.floating]


def numerical_gradient(f: Callable[[], float], x: F64, eps: float = 1e-6) -> F64:
    """Central differences of the scalar ``f()`` with respect to ``x``, changed in place."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f()
        x[i] = saved - eps
        down = f()
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def assert_close(analytic: F64, numeric: F64) -> None:
    scale = max(np.abs(numeric).max(), 1e-8)
    assert np.abs(analytic - numeric).max() / scale < 1e-6


def make_layer(kind: str) -> Layer:
    rng = np.random.default_rng(1)
    layers: dict[str, Callable[[], Layer]] = {
        "dense-he": lambda: Dense(5, 4, rng, "he", np.float64),
        "dense-xavier": lambda: Dense(5, 4, rng, "xavier", np.float64),
        "relu": ReLU,
        "tanh": Tanh,
        "sigmoid": Sigmoid,
    }
    return layers[kind]()


@pytest.mark.parametrize("kind", ["dense-he", "dense-xavier", "relu", "tanh", "sigmoid"])
def test_layer_input_gradient_matches_finite_differences(kind: str) -> None:
    rng = np.random.default_rng(0)
    layer = make_layer(kind)
    x = rng.normal(size=(3, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU inputs away from the kink at 0
    weights = rng.normal(size=layer.forward(x).shape)  # L = sum(weights * y): dL/dy = weights

    def loss() -> float:
        return float((weights * layer.forward(x)).sum())

    layer.forward(x)
    analytic = layer.backward(weights)
    assert analytic.dtype == np.float64
    assert_close(analytic, numerical_gradient(loss, x))


def test_dense_parameter_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    layer = Dense(5, 4, rng, "he", np.float64)
    x, weights = rng.normal(size=(3, 5)), rng.normal(size=(3, 4))

    def loss() -> float:
        return float((weights * layer.forward(x)).sum())

    layer.forward(x)
    layer.backward(weights)
    for param in layer.parameters():
        assert_close(param.grad.copy(), numerical_gradient(loss, param.value))


def test_dropout_gradient_uses_the_same_mask_and_keeps_the_mean() -> None:
    rng = np.random.default_rng(0)
    x, weights = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))

    def loss() -> float:  # a fresh generator with one seed: the same mask every call
        return float((weights * Dropout(0.5, np.random.default_rng(3)).forward(x, train=True)).sum())

    layer = Dropout(0.5, np.random.default_rng(3))
    y = layer.forward(x, train=True)
    assert set(np.unique(np.round(y / x, 9))) <= {0.0, 2.0}
    assert_close(layer.backward(weights), numerical_gradient(loss, x))
    assert np.array_equal(layer.forward(x, train=False), x)  # identity at prediction
    big = np.ones((400, 500), dtype=np.float32)
    assert abs(Dropout(0.3, rng).forward(big, train=True).mean() - 1) < 0.01


def test_softmax_cross_entropy_value_and_gradient() -> None:
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(4, 10)), np.array([3, 0, 9, 3])
    criterion = SoftmaxCrossEntropy()
    expected = -np.mean(np.log(softmax(logits))[np.arange(4), labels])
    assert criterion.forward(logits, labels) == pytest.approx(expected, rel=1e-12)
    analytic = criterion.backward()
    assert_close(analytic, numerical_gradient(lambda: criterion.forward(logits, labels), logits))
    # stable for huge logits: no overflow, a finite loss and gradient
    huge = np.array([[1000.0, 0.0, -1000.0]], dtype=np.float32)
    assert criterion.forward(huge, np.array([1])) == pytest.approx(1000.0)
    assert np.isfinite(criterion.backward()).all()


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_network_gradients_match_finite_differences(activation: str, l2: float) -> None:
    rng = np.random.default_rng(0)
    net = build_mlp((6, 5, 4, 3), rng, activation, "xavier", l2=l2, dtype=np.float64)
    x, labels = rng.normal(size=(5, 6)), rng.integers(0, 3, size=5)

    weights = [layer.W.value for layer in net.layers if isinstance(layer, Dense)]

    def loss() -> float:  # cross-entropy plus the L2 penalty on weights, not biases
        penalty = 0.5 * l2 * sum(float((w**2).sum()) for w in weights)
        return net.criterion.forward(net.forward(x), labels) + penalty

    net.loss_and_gradients(x, labels)
    analytic = [p.grad.copy() for p in net.parameters()]
    for grad, param in zip(analytic, net.parameters(), strict=False):
        assert_close(grad, numerical_gradient(loss, param.value))


def tiny_problem(seed: int = 0) -> tuple[F64, npt.NDArray[np.int64]]:
    """100 points in 3 separable Gaussian clusters in 4-D."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3, size=(3, 4))
    labels = rng.integers(0, 3, size=100)
    return (centers[labels] + rng.normal(size=(100, 4))).astype(np.float32), labels


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.01)])
def test_optimizers_reduce_the_loss(make: Callable) -> None:
    x, labels = tiny_problem()
    net = build_mlp((4, 16, 3), np.random.default_rng(0), l2=1e-4)
    opt = make(net.parameters())
    first, _ = net.loss_and_gradients(x, labels)
    for _ in range(100):
        net.loss_and_gradients(x, labels)
        opt.step()
    last, logits = net.loss_and_gradients(x, labels)
    assert last < 0.2 * first
    assert np.mean(logits.argmax(axis=1) == labels) > 0.95
    assert all(p.value.dtype == np.float32 for p in net.parameters())


def test_exponential_decay() -> None:
    assert exponential_decay(0.1, 0.5, 0) == 0.1
    assert exponential_decay(0.1, 0.5, 3) == pytest.approx(0.0125)


def test_random_shift_moves_whole_images_within_bounds() -> None:
    rng = np.random.default_rng(0)
    images = np.zeros((50, 28, 28), dtype=np.float32)
    images[:, 10:18, 10:18] = 1.0  # an 8x8 square in the middle
    shifted = random_shift(images, 2, rng)
    assert shifted.shape == images.shape and shifted.dtype == np.float32
    assert np.allclose(shifted.sum(axis=(1, 2)), 64)  # nothing lost at the border
    rows = [np.flatnonzero(s.any(axis=1))[0] - 10 for s in shifted]
    cols = [np.flatnonzero(s.any(axis=0))[0] - 10 for s in shifted]
    assert set(rows) == set(cols) == {-2, -1, 0, 1, 2}


def fake_digits(n: int, seed: int) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """``n`` noisy 28x28 images of ten fixed random strokes (one per digit), 0-255."""
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(42).random((10, 28, 28)) > 0.8
    labels = rng.integers(0, 10, size=n)
    images = templates[labels] * 200.0 + rng.random((n, 28, 28)) * 55
    return images.astype(np.uint8), labels


SMALL = {"hidden": (32,), "epochs": 8, "batch_size": 20, "augment_shift": 0, "dropout": 0.1}


def test_fits_fake_digits_and_reloads_identically(tmp_path) -> None:
    images, labels = fake_digits(200, seed=0)
    model = create_model("numpy-mlp", **SMALL)
    model.fit(images, labels)
    assert np.mean(model.predict(images) == labels) > 0.95
    assert len(model.history_["loss"]) == 8 and model.history_["loss"][-1] < model.history_["loss"][0]
    proba = model.predict_proba(images[:5])
    assert proba.shape == (5, 10) and np.allclose(proba.sum(axis=1), 1)
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    assert isinstance(again, NumpyMLP) and again.get_params() == model.get_params()
    assert np.array_equal(again.predict_proba(images), model.predict_proba(images))


def test_every_option_trains(tmp_path) -> None:
    images, labels = fake_digits(60, seed=1)
    model = NumpyMLP(
        hidden=(16, 8),
        activation="tanh",
        init="xavier",
        optimizer="sgd",
        learning_rate=0.05,
        l2=1e-4,
        lr_decay=0.8,
        epochs=2,
        batch_size=16,
        augment_shift=1,
    )
    model.fit(images, labels)
    assert model.net_.parameters()[0].value.shape == (784, 16)
    assert np.isfinite(model.history_["loss"]).all()


def test_weights_that_do_not_fit_the_params_are_refused(tmp_path) -> None:
    images, labels = fake_digits(40, seed=2)
    create_model("numpy-mlp", **{**SMALL, "epochs": 1}).fit(images, labels).save(tmp_path / "m")
    card_path = tmp_path / "m" / "model.json"
    card = json.loads(card_path.read_text())
    card["params"]["hidden"] = [33]  # the saved W0 is (784, 32)
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelFileError, match="shape"):
        load_model(tmp_path / "m")


def test_early_stopping_keeps_the_best_validation_weights() -> None:
    images, labels = fake_digits(100, seed=3)
    labels[:30] = np.random.default_rng(0).integers(0, 10, size=30)  # noise to overfit
    val_images, val_labels = fake_digits(100, seed=4)
    model = NumpyMLP(
        hidden=(64,),
        epochs=40,
        patience=3,
        batch_size=10,
        augment_shift=0,
        dropout=0.0,
        learning_rate=3e-3,
        lr_decay=1.0,
    )
    model.fit(images, labels, val_images, val_labels)
    history = model.history_["val_accuracy"]
    best = int(np.argmax(history))
    assert len(history) == best + 1 + 3 < 40  # stopped 3 epochs after the best
    assert model.best_epoch_ == best + 1
    assert history[-1] < history[best]  # so restoring the best weights matters
    assert np.mean(model.predict(val_images) == val_labels) == history[best]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"activation": "gelu"}, "Unknown activation 'gelu'. Valid values: relu, tanh, sigmoid"),
        ({"optimizer": "rmsprop"}, "Unknown optimizer 'rmsprop'. Valid values: adam, sgd"),
        ({"init": "zeros"}, "Unknown init 'zeros'. Valid values: he, xavier"),
        ({"hidden": (32, 0)}, r"hidden must be a tuple of positive layer widths.*got \(32, 0\)"),
        ({"learning_rate": -1.0}, "learning_rate must be a positive number, got -1.0"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"momentum": 1.5}, "momentum must be in"),
        ({"lr_decay": 0.0}, "lr_decay must be in"),
        ({"l2": -0.1}, "l2 must be 0 or a small positive number"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
        ({"epochs": 2.5}, "epochs must be an integer >= 1, got 2.5"),
        ({"patience": 0}, r"patience must be an integer >= 1 or None \(no early stopping\), got 0"),
        ({"augment_shift": -1}, "augment_shift must be an integer >= 0"),
    ],
)
def test_bad_hyperparameters_raise_input_error(params: dict, message: str) -> None:
    images, labels = fake_digits(10, seed=5)
    with pytest.raises(InputError, match=message):
        create_model("numpy-mlp", **params).fit(images, labels)
