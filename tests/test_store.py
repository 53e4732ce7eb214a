"""Saved model folders: atomic writes, and refusal of damaged, tampered or foreign folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from digits.errors import ModelFileError
from digits.fileio import file_digests
from digits.models import create_model, load_model
from digits.models.store import model_size_bytes


@pytest.fixture()
def saved(fake_digits, tmp_path) -> Path:
    X, y, _, _ = fake_digits
    return create_model("knn", pca=10).fit(X, y).save(tmp_path / "knn")


def _card(folder: Path) -> dict:
    return json.loads((folder / "model.json").read_text())


def test_saved_folder_records_what_rebuilds_the_model(saved):
    card = _card(saved)
    assert card["format"] == 1
    assert card["params"]["pca"] == 10
    assert card["preprocessing"]["deskew"] is True
    assert card["package_version"]
    assert card["created"].endswith("+00:00")
    assert card["files"] == {"estimator.skops": file_digests(saved / "estimator.skops")["sha256"]}
    assert model_size_bytes(saved) == sum(p.stat().st_size for p in saved.iterdir())


def test_tampered_weights_are_refused(saved):
    path = saved / "estimator.skops"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="estimator.skops is damaged or was modified: sha256 expected"):
        load_model(saved)


def test_truncated_weights_are_refused(saved):
    path = saved / "estimator.skops"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="damaged or was modified"):
        load_model(saved)


def test_missing_weights_are_refused(saved):
    (saved / "estimator.skops").unlink()
    with pytest.raises(ModelFileError, match="incomplete: estimator.skops is missing"):
        load_model(saved)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": 1, "name": "knn"', "cannot be read as JSON"),
        ('{"format": 1}', "lacks the fields classes, files, name, params"),
        ('{"format": 99, "name": "knn", "params": {}, "classes": [], "files": {}}', "format 99"),
        ('{"format": 1, "name": "alien", "params": {}, "classes": [], "files": {}}', "Unknown model 'alien'"),
        ('{"format": 1, "name": "knn", "params": {"k": 1}, "classes": [], "files": {}}', "parameters \\['k'\\]"),
    ],
)
def test_bad_model_json_is_refused(saved, content, message):
    (saved / "model.json").write_text(content)
    with pytest.raises(ModelFileError, match=message):
        load_model(saved)


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    with pytest.raises(ModelFileError, match="not a digits model folder"):
        load_model(tmp_path)


def _replace_estimator(folder: Path, estimator: object) -> None:
    """Swap the estimator file for another, with a matching checksum in model.json."""
    path = folder / "estimator.skops"
    sio.dump(estimator, path)
    card = _card(folder)
    card["files"]["estimator.skops"] = file_digests(path)["sha256"]
    (folder / "model.json").write_text(json.dumps(card))


def test_untrusted_types_in_a_skops_file_are_refused(saved):
    _replace_estimator(saved, FunctionTransformer(func=os.getcwd))
    with pytest.raises(ModelFileError, match="types digits does not trust.*getcwd"):
        load_model(saved)


def test_a_skops_file_of_another_estimator_is_refused(saved):
    _replace_estimator(saved, StandardScaler().fit(np.ones((3, 2))))
    with pytest.raises(ModelFileError, match="not hold a pipeline ending in KNeighborsClassifier"):
        load_model(saved)


def test_save_replaces_an_earlier_model_folder(saved, fake_digits):
    X, y, _, _ = fake_digits
    new = create_model("knn", pca=5, n_neighbors=1).fit(X, y).save(saved)
    assert _card(new)["params"]["n_neighbors"] == 1
    assert [p.name for p in saved.parent.iterdir()] == ["knn"]  # no temp or backup folders left


def test_save_refuses_to_overwrite_a_foreign_folder(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a folder digits wrote"):
        create_model("knn", pca=5).fit(X, y).save(tmp_path / "precious")
    assert (tmp_path / "precious" / "thesis.txt").read_text() == "keep me"


def test_failed_save_leaves_nothing_behind(fake_digits, tmp_path, monkeypatch, saved):
    X, y, _, _ = fake_digits
    model = create_model("knn", pca=10, n_neighbors=2).fit(X, y)

    def broken(directory):
        (directory / "half.bin").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(model, "_save_weights", broken)
    before = _card(saved)
    with pytest.raises(OSError, match="disk full"):
        model.save(saved)
    assert _card(saved) == before  # the earlier model is intact
    assert sorted(p.name for p in saved.parent.iterdir()) == ["knn"]
    assert not (saved / "half.bin").exists()


@pytest.mark.parametrize("pca", [0, 5, 50])
def test_knn_saves_and_loads_whatever_tree_sklearn_picks(fake_digits, tmp_path, pca):
    # few PCA dimensions make scikit-learn choose a k-d tree with a metric object inside
    X, y, X_test, _ = fake_digits
    model = create_model("knn", pca=pca, deskew=False).fit(X, y)
    loaded = load_model(model.save(tmp_path / "knn"))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
