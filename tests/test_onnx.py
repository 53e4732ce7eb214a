"""ONNX export of every torch model and the onnxruntime prediction path."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from digits.cli import main
from digits.data import load_mnist
from digits.errors import InputError, ModelFileError
from digits.models import create_model, list_models, load_model
from digits.models.store import resolve_runtime
from digits.models.torch_model import TorchModel
from digits.recognizer import Recognizer
from fast_params import FAST_PARAMS

TORCH_MODELS = [name for name in list_models() if FAST_PARAMS.get(name, {}).get("threads") == 1]


@pytest.fixture(scope="module")
def digits_to_compare(fake_digits):
    """Real MNIST test digits when available (the parity the issue asks for), else the fake ones."""
    if os.environ.get("DIGITS_DATA_DIR"):
        return load_mnist(download=False).test.images[:500]
    return fake_digits[2]


def test_every_torch_model_is_covered():
    torch_models = {n for n in list_models() if issubclass(type(create_model(n)), TorchModel)}
    assert torch_models == set(TORCH_MODELS)


@pytest.mark.parametrize("name", TORCH_MODELS)
def test_onnxruntime_matches_torch(name, fake_digits, digits_to_compare, tmp_path, capsys):
    X, y, _, _ = fake_digits
    folder = create_model(name, **FAST_PARAMS[name]).fit(X, y).save(tmp_path / name)
    assert main(["export", str(folder), "--format", "onnx"]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "model.onnx")
    card = json.loads((folder / "model.json").read_text())
    assert "model.onnx" in card["exports"] and "model.onnx" not in card["files"]
    torch_proba = load_model(folder).predict_proba(digits_to_compare)
    onnx_model = load_model(folder, runtime="onnx")
    assert onnx_model.onnx_ is not None
    onnx_proba = onnx_model.predict_proba(digits_to_compare)
    assert np.abs(onnx_proba - torch_proba).max() < 1e-4
    np.testing.assert_array_equal(onnx_proba.argmax(1), torch_proba.argmax(1))


def test_onnx_runtime_needs_an_export(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    folder = create_model("cnn-s2", **FAST_PARAMS["cnn-s2"]).fit(X, y).save(tmp_path / "m")
    with pytest.raises(ModelFileError, match="no exported model.onnx; run `digits export"):
        load_model(folder, runtime="onnx")


def test_tampered_onnx_file_is_refused(fake_digits, tmp_path, capsys):
    X, y, _, _ = fake_digits
    folder = create_model("cnn-s2", **FAST_PARAMS["cnn-s2"]).fit(X, y).save(tmp_path / "m")
    assert main(["export", str(folder)]) == 0
    (folder / "model.onnx").write_bytes(b"not onnx")
    with pytest.raises(ModelFileError, match="model.onnx is damaged or was modified"):
        load_model(folder, runtime="onnx")


def test_exporting_a_non_torch_model_is_a_clear_error(fake_digits, tmp_path, capsys):
    X, y, _, _ = fake_digits
    folder = create_model("knn", pca=5).fit(X, y).save(tmp_path / "knn")
    assert main(["export", str(folder)]) == 2
    assert "Only torch models can be exported to ONNX" in capsys.readouterr().err
    assert not (folder / "model.onnx").exists()


def test_auto_runtime_takes_the_export_when_there_is_one(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    folder = create_model("cnn-s2", **FAST_PARAMS["cnn-s2"]).fit(X, y).save(tmp_path / "m")
    assert resolve_runtime(folder, "auto") == "torch" and load_model(folder, runtime="auto").onnx_ is None
    assert main(["export", str(folder)]) == 0
    assert resolve_runtime(folder, "auto") == "onnx" and load_model(folder, runtime="auto").onnx_ is not None
    assert resolve_runtime(folder, "torch") == "torch" and load_model(folder).onnx_ is None
    with pytest.raises(InputError, match="Unknown runtime 'tf'; expected one of auto, torch, onnx"):
        resolve_runtime(folder, "tf")


def test_the_shipped_model_predicts_through_onnxruntime_as_torch_does(digits_to_compare):
    shipped = Recognizer()
    assert shipped.model.onnx_ is not None  # the package ships model.onnx, verified against model.json
    on_torch = Recognizer(runtime="torch")
    assert on_torch.model.onnx_ is None
    onnx_proba = shipped.probabilities(digits_to_compare)
    torch_proba = on_torch.probabilities(digits_to_compare)
    assert np.abs(onnx_proba - torch_proba).max() < 1e-4
    np.testing.assert_array_equal(onnx_proba.argmax(1), torch_proba.argmax(1))
