"""The ``digits`` command end to end: real MNIST subsets, real files, every bad-input path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digits.cli import main
from digits.data.mnist import FILES, load_mnist
from digits.data.renderings import row_marks
from digits.data.variants import with_flagged_ones
from digits.runs import QUICK_SIZES


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def knn_run(mnist_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "knn"
    assert main(["train", "knn", "--quick", "--out", str(out), "--no-progress", "--data-dir", str(mnist_dir)]) == 0
    return out


def test_models_lists_every_model_with_a_description(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    for name in ("numpy-mlp", "sk-mlp", "svm", "random-forest", "decision-tree", "knn", "logistic"):
        line = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert len(line.split(None, 1)[1]) > 10


@pytest.mark.mnist
def test_train_writes_a_complete_run_folder(knn_run):
    names = {p.name for p in knn_run.iterdir()}
    assert {
        "model.json",
        "estimator.skops",
        "metrics.json",
        "confusion_matrix.png",
        "roc.png",
        "misclassified.png",
    } <= names
    metrics = json.loads((knn_run / "metrics.json").read_text())
    assert metrics["model"] == "knn" and metrics["split"] == "test" and metrics["n"] == 2000
    assert metrics["accuracy"] > 0.9
    card = json.loads((knn_run / "model.json").read_text())
    assert card["info"]["data"]["checksums"] == {spec.name: spec.sha256 for spec in FILES.values()}
    assert card["info"]["metrics"]["test"]["accuracy"] == metrics["accuracy"]
    calibration = card["info"]["calibration"]
    assert calibration["fitted_on"] == "val" and calibration["n"] == 1000 and calibration["temperature"] > 0


@pytest.mark.mnist
def test_evaluate_json_prints_one_object(knn_run, capsys, mnist_dir, tmp_path):
    code, out, _ = run(
        capsys, "evaluate", str(knn_run), "--split", "val", "--limit", "500", "--json", "--out", str(tmp_path / "ev")
    )
    assert code == 0
    result = json.loads(out)
    assert result["model"] == "knn" and result["split"] == "val" and result["n"] == 500
    assert 0.9 < result["accuracy"] <= 1 and 0.9 < result["macro_f1"] <= 1
    assert json.loads((tmp_path / "ev" / "metrics.json").read_text())["n"] == 500


@pytest.mark.mnist
def test_evaluate_prints_a_table(knn_run, capsys):
    code, out, _ = run(capsys, "evaluate", str(knn_run), "--limit", "300")
    assert code == 0
    assert "accuracy" in out and "test (300 images)" in out


@pytest.mark.mnist
def test_compare_puts_runs_side_by_side(knn_run, capsys, mnist_dir, tmp_path):
    other = tmp_path / "tree"
    assert main(["train", "decision-tree", "--quick", "--seed", "3", "--out", str(other), "--no-progress"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "compare", str(knn_run), str(other))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["run", "model", "split", "n"]
    assert "knn" in lines[2] and "decision-tree" in lines[3]
    code, out, _ = run(capsys, "compare", str(knn_run), str(other), "--json")
    assert [r["model"] for r in json.loads(out)] == ["knn", "decision-tree"]
    assert json.loads((other / "model.json").read_text())["params"]["seed"] == 3


@pytest.mark.mnist
def test_param_values_reach_the_model(capsys, mnist_dir, tmp_path):
    out = tmp_path / "mlp"
    code, _, _ = run(
        capsys,
        "train",
        "sk-mlp",
        "--quick",
        "--param",
        "hidden=20,10",
        "--param",
        "max_iter=2",
        "--out",
        str(out),
        "--no-progress",
    )
    assert code == 0
    params = json.loads((out / "model.json").read_text())["params"]
    assert params["hidden"] == {"__tuple__": [20, 10]} and params["max_iter"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "nope"], "Unknown model 'nope'. Valid names: ann, cnn-s1"),
        (["train", "knn", "--param", "n_neighbors"], "--param expects KEY=VALUE, got 'n_neighbors'"),
        (["train", "knn", "--param", "k=3"], "no parameter 'k'. Valid parameters: n_neighbors"),
        (["train", "knn", "--param", "n_neighbors=three"], "'n_neighbors' takes int (default 4), got 'three'"),
        (["train", "sk-mlp", "--param", "hidden=5,x"], "takes comma-separated integers"),
        (["train", "knn", "--param", "deskew=maybe"], "'deskew' takes bool"),
        (["evaluate", "/no/such/model"], "Model folder /no/such/model does not exist"),
        (["compare", "/no/such/run"], "/no/such/run has no metrics.json"),
    ],
)
def test_bad_input_gives_a_message_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_bad_hyperparameter_value_leaves_no_run_folder(capsys, mnist_dir, tmp_path):
    code, _, err = run(
        capsys, "train", "svm", "--quick", "--param", "C=-1", "--out", str(tmp_path / "svm"), "--no-progress"
    )
    assert code == 2 and "'C' parameter of SVC" in err
    assert list(tmp_path.iterdir()) == []


def test_tampered_model_folder_is_refused(capsys, fake_digits, tmp_path):
    from digits.models import create_model

    X, y, _, _ = fake_digits
    folder = create_model("knn", pca=5).fit(X, y).save(tmp_path / "m")
    (folder / "estimator.skops").write_bytes(b"garbage")
    code, _, err = run(capsys, "evaluate", str(folder))
    assert code == 2 and "damaged or was modified" in err


def test_no_data_and_no_network_explains_where_to_put_the_files(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITS_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("DIGITS_MNIST_MIRRORS", "http://127.0.0.1:9/")
    code, _, err = run(capsys, "train", "knn", "--quick", "--no-progress", "--out", str(tmp_path / "run"))
    assert code == 2
    assert "MNIST files not found" in err and str(tmp_path / "empty") in err
    assert all(spec.name in err for spec in FILES.values())
    assert "Downloading failed" in err
    assert not (tmp_path / "run").exists()
    assert not any((tmp_path / "cache").rglob("*.part"))


@pytest.mark.mnist
def test_corrupt_data_file_is_named_with_its_checksums(capsys, mnist_dir, tmp_path):
    bad = tmp_path / "mnist"
    shutil.copytree(mnist_dir, bad)
    victim = bad / FILES["test_labels"].name
    victim.chmod(0o644)
    victim.write_bytes(victim.read_bytes()[:-10])
    code, _, err = run(
        capsys, "train", "knn", "--quick", "--no-progress", "--data-dir", str(bad), "--out", str(tmp_path / "r")
    )
    assert code == 2
    assert f"Checksum mismatch for {victim}" in err and FILES["test_labels"].md5 in err
    assert not (tmp_path / "r").exists()


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("digits")
    result = subprocess.run([str(exe), "train", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Unknown model 'nope'" in result.stderr and "Traceback" not in result.stderr
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("digits ")


@pytest.mark.mnist
def test_benchmark_reuses_runs_and_writes_a_table(knn_run, capsys, tmp_path):
    code, out, _ = run(
        capsys, "benchmark", "--from", str(knn_run), "--out", str(tmp_path / "b"), "--no-progress", "--json"
    )
    assert code == 0
    (row,) = json.loads(out)
    assert row["model"] == "knn" and row["n_test"] == 2000
    assert row["images_per_second"] > 0 and row["latency_ms"] > 0 and row["size_bytes"] > 0
    assert json.loads((tmp_path / "b" / "benchmark.json").read_text()) == [row]
    assert (tmp_path / "b" / "accuracy_vs_time.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.mnist
def test_train_resumes_after_a_kill(mnist_dir, tmp_path):
    import signal
    import time

    out = tmp_path / "cnn"
    cmd = [
        str(Path(sys.executable).with_name("digits")),
        "train",
        "cnn-s2",
        "--quick",
        "--out",
        str(out),
        "--no-progress",
    ]
    cmd += ["--param", "epochs=3", "--param", "threads=1", "--data-dir", str(mnist_dir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    checkpoint = tmp_path / "cnn.checkpoint"
    deadline = time.monotonic() + 240
    while not any(checkpoint.glob("*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before its first checkpoint"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr
    history = json.loads((out / "model.json").read_text())["history"]
    assert len(history["val_accuracy"]) == 3  # the epochs before the kill are kept, not retrained
    assert not checkpoint.exists()


@pytest.mark.mnist
def test_shipped_model_keeps_its_recorded_test_accuracy(capsys, mnist_dir):
    """The model inside the package, on the full 10k test set: it must not silently regress."""
    from digits.models.pretrained import shipped_model_dir

    card = json.loads((shipped_model_dir() / "model.json").read_text())
    recorded = card["info"]["metrics"]["test"]
    assert recorded["n"] == 10_000 and not card["info"]["data"]["quick"]
    code, out, _ = run(capsys, "evaluate", "--json", "--no-progress")  # no folder: the shipped model
    assert code == 0
    result = json.loads(out)
    assert result["model"] == "fast-cnn" and result["n"] == 10_000
    assert result["accuracy"] == pytest.approx(recorded["accuracy"], abs=2e-4)
    assert result["accuracy"] >= 0.996


@pytest.mark.mnist
def test_calibrate_records_a_temperature_that_lowers_the_ece(capsys, mnist_dir, fake_digits, tmp_path):
    from digits.models import create_model

    X, y, _, _ = fake_digits  # a model trained on fake digits is badly calibrated on MNIST
    folder = create_model("sk-mlp", max_iter=5).fit(X, y).save(tmp_path / "m")
    code, out, _ = run(capsys, "calibrate", str(folder), "--no-progress")
    assert code == 0 and "temperature" in out
    calibration = json.loads((folder / "model.json").read_text())["info"]["calibration"]
    assert calibration["n"] == 12_000
    assert calibration["ece_after"] < calibration["ece_before"]
    from digits.models import load_model

    load_model(folder)  # model.json is still valid and the weights untouched


@pytest.mark.mnist
def test_benchmark_real_scores_the_shipped_model(capsys, mnist_dir, tmp_path):
    code, out, _ = run(
        capsys, "benchmark", "--real", "--n-per-set", "6", "--out", str(tmp_path), "--json", "--no-progress"
    )
    assert code == 0
    (result,) = json.loads(out)
    assert result["photo"]["n"] == result["drawn"]["n"] == result["strings"]["n"] == 6
    assert 0.5 <= result["drawn"]["accuracy"] <= 1 and 0 <= result["strings"]["exact_accuracy"] <= 1
    assert json.loads((tmp_path / "real.json").read_text()) == [result]
    code, _, err = run(capsys, "benchmark", "--real", "knn")
    assert code == 2 and "--from RUN_DIR" in err


@pytest.mark.mnist
def test_train_init_fine_tunes_a_saved_torch_model_of_the_same_name(capsys, mnist_dir, knn_run, tmp_path):
    first, tuned = tmp_path / "first", tmp_path / "tuned"
    small = ["--param", "channels=8,8,16", "--param", "hidden=16", "--param", "epochs=1", "--param", "threads=1"]
    common = ["--quick", "--data-dir", str(mnist_dir), "--no-progress"]
    assert run(capsys, "train", "fast-cnn", *small, "--out", str(first), *common)[0] == 0
    code, _, err = run(capsys, "train", "fast-cnn", *small, "--init", str(first), "--out", str(tuned), *common)
    assert code == 0, err
    assert json.loads((tuned / "model.json").read_text())["info"]["data"]["init"] == str(first)
    for model, init, message in [
        ("fast-cnn", knn_run, "holds a knn model, not a fast-cnn"),
        ("knn", first, "fine-tunes torch models only"),
        ("fast-cnn", tmp_path / "nowhere", "does not exist"),
    ]:
        code, _, err = run(capsys, "train", model, "--init", str(init), "--out", str(tmp_path / "x"), *common)
        assert code == 2 and message in err and "Traceback" not in err
    code, _, err = run(capsys, "train", "fast-cnn", "--init", str(first), "--out", str(tmp_path / "x"), *common)
    assert code == 2 and "Use the parameters it was saved with" in err  # the default channels are larger
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.checkpoint").exists()


@pytest.mark.mnist
def test_train_with_renderings_adds_them_to_the_training_set(capsys, mnist_dir, tmp_path):
    out = tmp_path / "tree-rendered"
    code, _, err = run(
        capsys,
        "train",
        "decision-tree",
        "--quick",
        "--renderings",
        "20",
        "--row-marks",
        "5",
        "--flagged-ones",
        "30",
        "--out",
        str(out),
        "--data-dir",
        str(mnist_dir),
    )
    assert code == 0, err
    assert "render digits" in err and "cut rows into marks" in err  # the progress bars
    data = json.loads((out / "model.json").read_text())["info"]["data"]
    assert data["renderings"] == 20 and data["row_marks"] == 5 and data["flagged_ones"] == 30
    train = load_mnist(mnist_dir).train.head(QUICK_SIZES["train"])
    images, labels = with_flagged_ones(train.images, train.labels, 30, 0)  # the rows draw on them too
    marks = len(row_marks(images, labels, 5, seed=0)[1])
    assert marks >= 5
    # 30 flagged 1s + 20 photos + 20 drawings (a few may hold no digit) + the marks of 5 rows
    assert 5_030 + 36 + marks <= data["n_train"] <= 5_030 + 40 + marks
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "decision-tree", "--quick", "--renderings", "-3", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2 and "whole number >= 0" in capsys.readouterr().err
