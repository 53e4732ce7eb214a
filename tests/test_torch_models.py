"""What the torch models add to the common contract: architectures, augmentation,
safetensors weights, validation of hyperparameters, early stopping and exact resume.

The contract itself (shapes, save/load, errors) is checked for every registered
model, torch ones included, by ``test_models_contract.py``.
"""

from __future__ import annotations

import inspect
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import resume_worker  # tests/ is on sys.path, like conftest
from conftest import make_fake_digits
from digits.errors import InputError, ModelFileError
from digits.models import create_model, get_model_class, list_models, load_model
from digits.models.augment import Augmentation, augment_batch
from digits.models.nets import ARCHITECTURES, build_net, count_parameters, output_shape
from digits.models.torch_model import TorchModel
from digits.models.torch_train import CHECKPOINT_FILE

TORCH_MODELS = [name for name in list_models() if issubclass(get_model_class(name), TorchModel)]
TINY = {"channels": 8, "hidden": 32, "epochs": 2, "threads": 1}  # a small cnn-s2
# exact sizes of the published architectures (weights + biases)
PARAMETERS = {"ann": 468_874, "cnn-s2": 693_962, "cnn-s3": 2_380_938, "lenet5": 61_706}


@pytest.fixture(scope="module")
def tiny_cnn(fake_digits):
    X, y, _, _ = fake_digits
    return create_model("cnn-s2", **TINY).fit(X, y, X[:40], y[:40])


def test_a_few_images_predict_on_one_thread_and_the_thread_count_is_restored(tiny_cnn, fake_digits, monkeypatch):
    X = fake_digits[0][:40]
    model = create_model("cnn-s2", **{**TINY, "threads": 0})
    model.net_, model.classes_, model.inference_net_ = tiny_cnn.net_, tiny_cnn.classes_, None
    counts: list[int] = []
    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", lambda n: (counts.append(n), real(n))[1])
    before = torch.get_num_threads()
    one = model.predict_proba(X[:1])
    assert counts == [1, before] and torch.get_num_threads() == before
    counts.clear()
    many = model.predict_proba(X)
    assert counts == [before] and torch.get_num_threads() == before  # a batch keeps the default
    np.testing.assert_allclose(one[0], many[0], atol=1e-6)


# ---- architectures -----------------------------------------------------------
def test_the_issue_models_are_registered():
    assert {"ann", "cnn-s1", "cnn-s2", "cnn-s3", "vgg16", "lenet5", "fast-cnn"} <= set(TORCH_MODELS)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_forward_gives_ten_logits_and_a_sane_size(name):
    net = build_net(name)
    assert output_shape(net, n=3) == (3, 10)
    n_params = count_parameters(net)
    assert n_params == PARAMETERS.get(name, n_params)
    assert 50_000 < n_params < 20_000_000


@pytest.mark.parametrize("name", TORCH_MODELS)
def test_model_defaults_match_the_builder_defaults(name):
    cls = get_model_class(name)
    builder = inspect.signature(ARCHITECTURES[cls.architecture]).parameters
    assert {key: p.default for key, p in builder.items()} == cls.net_defaults
    assert cls.description and "\n" not in cls.description


def test_architecture_sizes_are_validated():
    with pytest.raises(InputError, match=r"channels must be a tuple of 5 positive integers.*\(8, 16\)"):
        build_net("vgg16", channels=(8, 16))
    with pytest.raises(InputError, match=r"channels must be a tuple of 3 positive integers"):
        build_net("fast-cnn", channels=(8, 8, 8, 8, 8))
    with pytest.raises(InputError, match="hidden must be a positive integer"):
        build_net("fast-cnn", hidden=0)


# ---- augmentation ------------------------------------------------------------
AUG = Augmentation(rotation=15, scale=0.1, shift=2, shear=10, elastic=3, elastic_sigma=4)


def _batch(n: int = 16) -> torch.Tensor:
    X, _ = make_fake_digits(n, seed=5)
    return torch.from_numpy(X.astype(np.float32) / 255).unsqueeze(1)  # (n, 1, 28, 28)


def test_augmentation_keeps_shape_and_range_and_changes_images():
    x = _batch()
    out = augment_batch(x, AUG, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert (out - x).abs().mean() > 0.01


def test_augmentation_is_seeded():
    x = _batch()
    first = augment_batch(x, AUG, torch.Generator().manual_seed(1))
    again = augment_batch(x, AUG, torch.Generator().manual_seed(1))
    other = augment_batch(x, AUG, torch.Generator().manual_seed(2))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)


@pytest.mark.parametrize("field", ["rotation", "scale", "shift", "shear", "elastic"])
def test_each_distortion_alone_moves_pixels_and_none_is_identity(field):
    x = _batch(4)
    assert torch.allclose(augment_batch(x, Augmentation(), torch.Generator()), x)
    strength = {"rotation": 20.0, "scale": 0.2, "shift": 3.0, "shear": 20.0, "elastic": 4.0}[field]
    out = augment_batch(x, Augmentation(**{field: strength}), torch.Generator().manual_seed(0))
    assert (out - x).abs().sum() > 1


# ---- weights on disk ---------------------------------------------------------
def test_weights_are_safetensors_and_nothing_is_pickled(tiny_cnn, fake_digits, tmp_path):
    folder = tiny_cnn.save(tmp_path / "m")
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.safetensors"]
    raw = (folder / "weights.safetensors").read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])  # safetensors: length + JSON
    assert header["__metadata__"]["model"] == "cnn-s2"
    state = load_file(str(folder / "weights.safetensors"))
    assert set(state) == set(tiny_cnn.net_.state_dict())
    X = fake_digits[2]
    np.testing.assert_array_equal(load_model(folder).predict_proba(X), tiny_cnn.predict_proba(X))


def test_a_checkpoint_loads_with_weights_only(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    model = create_model("cnn-s2", **{**TINY, "epochs": 1})
    model.checkpoint_dir = tmp_path
    model.fit(X, y, X[:40], y[:40])
    payload = torch.load(tmp_path / CHECKPOINT_FILE, weights_only=True)
    assert payload["epoch"] == 1 and payload["history"] == model.history_


# ---- hyperparameters ---------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("cnn-s2", {"optimizer": "rmsprop"}, "optimizer must be one of adam, adamw, sgd, adadelta, got 'rmsprop'"),
        ("cnn-s2", {"schedule": "step"}, "schedule must be one of constant, onecycle, cosine"),
        ("cnn-s2", {"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ("cnn-s2", {"learning_rate": -1.0}, "learning_rate must be a positive number"),
        ("cnn-s2", {"label_smoothing": 1.0}, r"label_smoothing must be in \[0, 1\)"),
        ("cnn-s2", {"augment": "yes"}, "augment must be true or false"),
        ("cnn-s2", {"rotation": 270.0}, r"rotation must be degrees in \[0, 180\]"),
        ("cnn-s2", {"patience": -1}, "patience must be an integer >= 0"),
        ("cnn-s2", {"device": "tpu"}, "device must be one of auto, cpu, cuda"),
        ("cnn-s1", {"channels": (8, 16)}, "channels must be a tuple of 3 positive integers"),
        ("lenet5", {"activation": "gelu"}, "activation must be one of tanh, relu"),
    ],
)
def test_bad_hyperparameters_are_explained(name, params, message, fake_digits):
    X, y, _, _ = fake_digits
    with pytest.raises(InputError, match=message):
        create_model(name, **params).fit(X[:20], y[:20])


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error(fake_digits):
    X, y, _, _ = fake_digits
    with pytest.raises(InputError, match=r"device='cuda'.*no CUDA device.*device='auto' or device='cpu'"):
        create_model("cnn-s2", device="cuda").fit(X[:20], y[:20])


def test_fit_leaves_the_callers_torch_state_alone(fake_digits):
    X, y, _, _ = fake_digits
    torch.manual_seed(123)
    rng, threads = torch.get_rng_state(), torch.get_num_threads()
    create_model("cnn-s2", **{**TINY, "epochs": 1}).fit(X, y)
    assert torch.equal(torch.get_rng_state(), rng)
    assert torch.get_num_threads() == threads


# ---- early stopping ----------------------------------------------------------
def test_early_stopping_keeps_the_best_validation_weights(fake_digits):
    X, y, _, _ = fake_digits
    y_val = (y[:100] + 1) % 10  # wrong on purpose: validation gets worse as training improves
    model = create_model("cnn-s2", **{**TINY, "epochs": 10, "patience": 2})
    model.fit(X, y, X[:100], y_val)
    history = model.history_
    keys = [(a, -loss) for a, loss in zip(history["val_accuracy"], history["val_loss"], strict=True)]
    best = 1 + max(range(len(keys)), key=lambda i: (keys[i], -i))
    assert model.best_epoch_ == best
    assert len(keys) == best + 2 < 10  # stopped two epochs after the best
    kept = float((model.predict(X[:100]) == y_val).mean())
    assert kept == history["val_accuracy"][best - 1]


def test_without_validation_the_last_epoch_is_kept(fake_digits):
    X, y, _, _ = fake_digits
    model = create_model("cnn-s2", **TINY).fit(X, y)
    assert model.best_epoch_ == 2 and "val_accuracy" not in model.history_
    assert {"loss", "accuracy", "seconds", "images_per_second"} <= set(model.history_)


# ---- checkpoints and exact resume --------------------------------------------
def _same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_interrupted_run_resumes_to_identical_weights(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    params = {"channels": (8, 16), "hidden": 32, "epochs": 3, "batch_size": 32, "threads": 1}  # cnn-s3: dropout
    straight = create_model("cnn-s3", **params).fit(X, y, X[:40], y[:40])

    def interrupt(epoch: int, n_epochs: int, metrics: dict) -> None:
        raise KeyboardInterrupt  # as if Ctrl-C arrived right after epoch 1

    first = create_model("cnn-s3", **params)
    first.checkpoint_dir, first.progress = tmp_path, interrupt
    with pytest.raises(KeyboardInterrupt):
        first.fit(X, y, X[:40], y[:40])
    resumed, epochs = create_model("cnn-s3", **params), []
    resumed.checkpoint_dir, resumed.resume = tmp_path, True
    resumed.progress = lambda epoch, n, metrics: epochs.append(epoch)
    resumed.fit(X, y, X[:40], y[:40])
    assert epochs == [2, 3]
    assert _same_state(resumed.net_.state_dict(), straight.net_.state_dict())
    assert resumed.history_["val_loss"] == straight.history_["val_loss"]


def test_resume_refuses_a_checkpoint_of_another_run(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    model = create_model("cnn-s2", **{**TINY, "epochs": 1})
    model.checkpoint_dir = tmp_path
    model.fit(X, y)
    other = create_model("cnn-s2", **{**TINY, "epochs": 1, "learning_rate": 0.01})
    other.checkpoint_dir, other.resume = tmp_path, True
    with pytest.raises(InputError, match="different run"):
        other.fit(X, y)


def test_a_fine_tune_starts_from_the_saved_weights(fake_digits, tmp_path):
    X, y, _, _ = fake_digits
    first = create_model("cnn-s2", **TINY).fit(X, y)
    first.save(tmp_path / "first")
    still = create_model("cnn-s2", **{**TINY, "learning_rate": 1e-12, "weight_decay": 0.0, "epochs": 1})
    still.init_dir = tmp_path / "first"
    still.fit(X, y)  # too small a step to move: the weights are the saved ones, not new random ones
    before, after = first.net_.state_dict(), still.net_.state_dict()
    assert all(torch.allclose(before[k].float(), after[k].float(), atol=1e-6) for k in before if "running" not in k)
    fresh = create_model("cnn-s2", **{**TINY, "learning_rate": 1e-12, "weight_decay": 0.0, "epochs": 1}).fit(X, y)
    assert not all(torch.allclose(fresh.net_.state_dict()[k].float(), before[k].float(), atol=1e-3) for k in before)
    other = create_model("cnn-s2", **{**TINY, "channels": 4})
    other.init_dir = tmp_path / "first"
    with pytest.raises(ModelFileError, match="Use the parameters it was saved with"):
        other.fit(X, y)


def test_killed_process_resumes_in_a_new_one_to_identical_weights(tmp_path):
    worker = [sys.executable, str(Path(resume_worker.__file__)), str(tmp_path / "ckpt")]
    checkpoint = tmp_path / "ckpt" / CHECKPOINT_FILE
    proc = subprocess.Popen([*worker, str(tmp_path / "killed.safetensors")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
    epoch = torch.load(checkpoint, weights_only=True)["epoch"]
    assert epoch < resume_worker.PARAMS["epochs"], "the worker finished before it could be killed"
    done = subprocess.run(
        [*worker, str(tmp_path / "resumed.safetensors"), "--resume"], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    straight = resume_worker.train(None)
    assert _same_state(load_file(str(tmp_path / "resumed.safetensors")), straight.net_.state_dict())


# ---- real data ---------------------------------------------------------------
@pytest.mark.mnist
def test_short_run_on_an_mnist_subset_clears_95_percent(mnist_dir):
    from digits.data.mnist import load_mnist

    splits = load_mnist(mnist_dir, download=False)
    params = {"epochs": 2, "schedule": "onecycle", "learning_rate": 3e-3, "threads": 1}
    model = create_model("cnn-s2", **params)
    model.fit(splits.train.images[:8000], splits.train.labels[:8000])
    accuracy = (model.predict(splits.val.images[:1000]) == splits.val.labels[:1000]).mean()
    assert accuracy >= 0.95, f"validation accuracy {accuracy:.3f}"
