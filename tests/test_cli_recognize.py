"""``digits predict`` and ``digits read`` end to end: JSON shapes, text lines, and every bad-input path."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digits.cli import main
from digits.models.pretrained import SHIPPED_MODEL
from small_model import mnist_test, mute_line_reader, paste_digits, small_model_dir

pytestmark = pytest.mark.mnist


@pytest.fixture(scope="session")
def model_dir(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_model_dir(mnist_dir, tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def files(mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A few pictures on disk: single MNIST test digits, a string, a blank page and bad files."""
    folder = tmp_path_factory.mktemp("images")
    images, labels = mnist_test(mnist_dir)
    assert labels[:3].tolist() == [7, 2, 1]
    paths = {}
    for i in range(3):
        paths[f"digit{i}"] = folder / f"digit{i}.png"
        Image.fromarray(255 - np.kron(images[i], np.ones((3, 3), np.uint8))).save(paths[f"digit{i}"])
    paths["string"] = folder / "string.png"
    Image.fromarray(paste_digits(list(images[:3]), [10, 10])[0]).save(paths["string"])
    paths["blank"] = folder / "blank.png"
    Image.new("L", (60, 40), 255).save(paths["blank"])
    paths["corrupt"] = folder / "corrupt.png"
    paths["corrupt"].write_bytes(paths["digit0"].read_bytes()[:60])  # a truncated PNG
    paths["text"] = folder / "notes.png"
    paths["text"].write_text("not an image")
    paths["huge"] = folder / "huge.png"
    paths["huge"].write_bytes(png_header(8000, 6000))  # 48 megapixels, only a header
    return paths


def png_header(width: int, height: int) -> bytes:
    """A tiny real PNG whose IHDR is patched (CRC fixed) to claim ``width`` x ``height`` pixels."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1), 255).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">II", width, height)  # after the signature, chunk length and b"IHDR"
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # CRC over the chunk type and data
    return bytes(data)


def run(capsys: pytest.CaptureFixture, *argv: object) -> tuple[int, list[str], str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_predict_json_prints_one_object_per_image(files, model_dir, capsys):
    code, lines, err = run(capsys, "predict", files["digit0"], files["digit1"], "--model", model_dir, "--json")
    assert code == 0 and err == ""
    objects = [json.loads(line) for line in lines]
    assert [set(o) for o in objects] == [{"path", "digit", "confidence", "probabilities"}] * 2
    assert [o["path"] for o in objects] == [str(files["digit0"]), str(files["digit1"])]
    assert [o["digit"] for o in objects] == [7, 2]
    for o in objects:
        assert len(o["probabilities"]) == 10 and sum(o["probabilities"]) == pytest.approx(1.0)
        assert o["confidence"] == max(o["probabilities"])


def test_read_json_prints_the_digits_with_boxes(files, model_dir, capsys):
    code, lines, _ = run(capsys, "read", files["string"], files["blank"], "--model", model_dir, "--json")
    assert code == 0
    string, blank = (json.loads(line) for line in lines)
    assert set(string) == {"path", "text", "digits"} and string["text"] == "721"
    assert all(set(d) == {"digit", "confidence", "box"} and len(d["box"]) == 4 for d in string["digits"])
    assert [d["box"][0] for d in string["digits"]] == sorted(d["box"][0] for d in string["digits"])
    assert blank == {"path": str(files["blank"]), "text": "", "digits": []}
    code, lines, _ = run(capsys, "read", files["string"], "--model", model_dir, "--marks-only", "--json")
    marks = json.loads(lines[0])
    assert code == 0 and marks["text"] == "721"
    # the small model's own probabilities: its confidences, not the line reader's
    assert [d["confidence"] for d in marks["digits"]] != [d["confidence"] for d in string["digits"]]


def test_read_uses_the_line_reader_given_with_reader(files, model_dir, capsys, tmp_path):
    from digits.models.line_reader import load_line_reader

    mute_line_reader().save(tmp_path / "mute")
    code, lines, _ = run(capsys, "read", files["string"], "--model", model_dir, "--reader", tmp_path / "mute")
    assert code == 0 and lines == [f"{files['string']}: no digits found"]
    load_line_reader().save(tmp_path / "copy")
    code, lines, _ = run(capsys, "read", files["string"], "--model", model_dir, "--reader", tmp_path / "copy")
    assert code == 0 and lines == [f"{files['string']}: 721"]
    code, lines, err = run(capsys, "read", files["string"], "--model", model_dir, "--reader", tmp_path / "none")
    assert code == 2 and lines == []
    assert "Cannot read the line reader's model.json" in err and str(tmp_path / "none") in err
    assert "Traceback" not in err


def test_text_output_and_blank_and_rejected_answers(files, model_dir, capsys):
    code, lines, _ = run(capsys, "predict", files["digit0"], files["blank"], "--model", model_dir)
    assert code == 0
    assert lines[0].startswith(f"{files['digit0']}: 7 (") and lines[1] == f"{files['blank']}: no digit found"
    code, lines, _ = run(capsys, "predict", files["digit0"], files["blank"], "--model", model_dir, "--json")
    assert json.loads(lines[1])["digit"] is None and json.loads(lines[1])["probabilities"] == [0.0] * 10
    code, lines, _ = run(capsys, "predict", files["digit0"], "--model", model_dir, "--min-confidence", "1", "--json")
    assert code == 0 and json.loads(lines[0])["digit"] is None
    code, lines, _ = run(capsys, "predict", files["digit0"], "--model", model_dir, "--min-confidence", "1")
    assert "rejected (best guess 7" in lines[0]
    code, lines, _ = run(capsys, "read", files["string"], files["blank"], "--model", model_dir)
    assert lines == [f"{files['string']}: 721", f"{files['blank']}: no digits found"]


@pytest.mark.parametrize("command", ["predict", "read"])
def test_bad_files_are_reported_and_the_others_still_processed(files, model_dir, capsys, tmp_path, command):
    bad = [files["corrupt"], files["text"], files["huge"], tmp_path / "missing.png", tmp_path]
    argv = [command, files["digit0"], *bad, files["digit2"], "--model", model_dir, "--json"]
    code, lines, err = run(capsys, *argv)
    assert code == 2
    assert [json.loads(line)["path"] for line in lines] == [str(files["digit0"]), str(files["digit2"])]
    messages = err.strip().splitlines()
    assert len(messages) == len(bad) and all(m.startswith("digits: error: ") for m in messages)
    assert "corrupt or truncated" in messages[0] or "Cannot decode" in messages[0]
    assert "not a valid image" in messages[1]
    assert "8000x6000" in messages[2] and "40,000,000" in messages[2]
    assert "no such file" in messages[3] and "not a regular file" in messages[4]
    assert "Traceback" not in err


def test_model_errors_and_bad_options(files, model_dir, capsys, tmp_path):
    code, lines, err = run(capsys, "predict", files["digit0"], "--model", tmp_path / "nowhere")
    assert code == 2 and lines == [] and "does not exist" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", str(files["digit0"]), "--min-confidence", "1.5"])
    assert exit_info.value.code == 2 and "expected a number from 0 to 1" in capsys.readouterr().err
    code, _, err = run(capsys, "read", files["digit0"], "--model", model_dir, "--runtime", "onnx")
    assert code == 2 and "digits export" in err


def test_the_shipped_model_is_the_default(files, capsys):
    from digits.models.pretrained import shipped_model_dir

    try:
        shipped_model_dir()
    except Exception:
        code, lines, err = run(capsys, "predict", files["digit0"], "--model", SHIPPED_MODEL)
        assert code == 2 and lines == [] and "shipped model is missing" in err
    else:
        code, lines, _ = run(capsys, "predict", files["digit0"], "--json")
        assert code == 0 and json.loads(lines[0])["digit"] == 7


def test_the_console_script_reads_and_reports_errors(files, model_dir):
    exe = Path(sys.executable).with_name("digits")
    argv = [str(exe), "read", str(files["string"]), str(files["corrupt"]), str(files["digit1"])]
    result = subprocess.run([*argv, "--model", str(model_dir), "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["721", "2"]
    assert result.stderr.count("digits: error: ") == 1 and str(files["corrupt"]) in result.stderr
