"""Saving and loading model folders: ``model.json`` plus weight files.

``model.json`` records the model's name and constructor arguments, its
classes, preprocessing, training history, metrics, the MNIST checksums it was
trained on, the package version, the date and the SHA-256 of every weight
file. Loading checks every sum before reading any weights, so a truncated or
modified folder is refused; no format digits reads can execute code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from digits import __version__
from digits.errors import DigitsError, InputError, ModelFileError
from digits.fileio import atomic_directory, atomic_write_json, file_digests
from digits.models.registry import get_model_class, model_params

if TYPE_CHECKING:
    from digits.models.base import DigitModel

CARD = "model.json"
FORMAT = 1


def _jsonable(value: Any) -> Any:
    """Convert tuples and NumPy scalars so they survive a JSON round trip."""
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def save_model(model: DigitModel, directory: str | os.PathLike[str]) -> Path:
    """Write a fitted model to ``directory``, replacing an earlier model folder there."""
    model._check_fitted()
    directory = Path(directory)
    with atomic_directory(directory, marker=CARD) as tmp:
        files = model._save_weights(tmp)
        card = {
            "format": FORMAT,
            "name": model.name,
            "params": _jsonable(model.get_params()),
            "classes": model.classes_.tolist(),
            "preprocessing": model.preprocessing,
            "info": _jsonable(getattr(model, "info_", {})),
            "history": _jsonable(getattr(model, "history_", {})),
            "package_version": __version__,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "files": {name: file_digests(tmp / name)["sha256"] for name in files},
        }
        atomic_write_json(tmp / CARD, card)
    return directory


def read_card(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check ``model.json`` of a model folder (no weights are read)."""
    directory = Path(directory)
    path = directory / CARD
    if not directory.is_dir():
        raise ModelFileError(
            f"Model folder {directory} does not exist. Train one with `digits train MODEL --out {directory}`."
        )
    if not path.is_file():
        raise ModelFileError(f"{directory} is not a digits model folder: it has no {CARD}.")
    try:
        card = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{path} is damaged and cannot be read as JSON ({exc}). Retrain or restore the model."
        ) from exc
    required = {"format", "name", "params", "classes", "files"}
    if not isinstance(card, dict) or not required <= set(card):
        missing = sorted(required - set(card)) if isinstance(card, dict) else sorted(required)
        raise ModelFileError(
            f"{path} lacks the fields {', '.join(missing)}; it was not written by digits or was edited."
        )
    if card["format"] != FORMAT:
        raise ModelFileError(f"{path} has format {card['format']!r}; this digits reads format {FORMAT}.")
    return card


def card_temperature(info: dict[str, Any]) -> float | None:
    """``info["calibration"]["temperature"]`` of a model card, checked; None when absent.

    Raises
    ------
    ModelFileError
        When it is there but not a positive number.
    """
    calibration = info.get("calibration") if isinstance(info, dict) else None
    if not isinstance(calibration, dict) or calibration.get("temperature") is None:
        return None
    value = calibration["temperature"]
    if not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        raise ModelFileError(
            f"The model's calibration temperature (model.json info.calibration.temperature) must be a positive "
            f"number, got {value!r}. Refit the calibration or remove the entry."
        )
    return float(value)


RUNTIMES = ("auto", "torch", "onnx")
"""How a loaded model predicts: its own code ('torch'), onnxruntime on an exported
``model.onnx`` ('onnx'), or 'auto': onnxruntime when the folder holds the export, else its
own code. onnxruntime gives the same answers (probabilities within 1e-5) and predicts one
image several times faster (see BENCHMARKS.md)."""


def _verify_files(directory: Path, files: dict[str, str]) -> None:
    """Check that each named file exists and has the recorded SHA-256."""
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            raise ModelFileError(f"Model folder {directory} is incomplete: {name} is missing.")
        actual = file_digests(path)["sha256"]
        if actual != expected:
            raise ModelFileError(
                f"{path} is damaged or was modified: sha256 expected {expected}, got {actual}. "
                "Retrain the model or restore the folder."
            )


def record_export(directory: str | os.PathLike[str], name: str) -> None:
    """Record the SHA-256 of an exported file (e.g. ``model.onnx``) in ``model.json``, atomically."""
    directory = Path(directory)
    card = read_card(directory)
    card.setdefault("exports", {})[name] = file_digests(directory / name)["sha256"]
    atomic_write_json(directory / CARD, card)


def record_info(directory: str | os.PathLike[str], key: str, value: Any) -> None:
    """Set ``info[key]`` in a saved model's ``model.json`` (e.g. its calibration), atomically."""
    directory = Path(directory)
    card = read_card(directory)
    card.setdefault("info", {})[key] = _jsonable(value)
    atomic_write_json(directory / CARD, card)


def resolve_runtime(directory: str | os.PathLike[str], runtime: str) -> str:
    """The runtime ``runtime`` means for a model folder: 'auto' becomes 'onnx' or 'torch'.

    Raises
    ------
    InputError
        If ``runtime`` is not one of :data:`RUNTIMES`.
    ModelFileError
        If ``model.json`` cannot be read.
    """
    from digits.models.onnx_runtime import ONNX_FILE

    if runtime not in RUNTIMES:
        raise InputError(f"Unknown runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}.")
    if runtime != "auto":
        return runtime
    return "onnx" if ONNX_FILE in read_card(Path(directory)).get("exports", {}) else "torch"


def load_model(directory: str | os.PathLike[str], *, runtime: str = "torch") -> DigitModel:
    """Rebuild a model from a folder written by :func:`save_model`.

    Parameters
    ----------
    directory : path-like
        The model folder.
    runtime : {'auto', 'torch', 'onnx'}
        'onnx' predicts through onnxruntime with the folder's exported
        ``model.onnx`` (torch models exported with ``digits export``); 'auto'
        does so when the folder holds that export (:data:`RUNTIMES`).

    Raises
    ------
    ModelFileError
        If the folder is missing, ``model.json`` is unreadable, a file is
        missing or its checksum differs, the model name is unknown, or
        ``runtime='onnx'`` and there is no verified ``model.onnx``.
    """
    directory = Path(directory)
    runtime = resolve_runtime(directory, runtime)
    card = read_card(directory)
    _verify_files(directory, card["files"])
    if runtime == "onnx":
        from digits.models.onnx_runtime import ONNX_FILE

        if ONNX_FILE not in card.get("exports", {}):
            raise ModelFileError(
                f"{directory} has no exported {ONNX_FILE}; run `digits export {directory} --format onnx` first."
            )
        _verify_files(directory, {ONNX_FILE: card["exports"][ONNX_FILE]})
    try:
        cls = get_model_class(card["name"])
        params = _from_json(card["params"])
        unknown = set(params) - set(model_params(cls))
        if unknown:
            raise ModelFileError(f"{directory / CARD} names parameters {sorted(unknown)} that {card['name']} lacks.")
        model = cls(**params)
        model.classes_ = np.asarray(card["classes"], dtype=np.int64)
        model.history_ = _from_json(card.get("history", {}))
        model.info_ = _from_json(card.get("info", {}))
        model._load_weights(directory)
        if runtime == "onnx":
            if not hasattr(model, "use_onnxruntime"):
                raise ModelFileError(f"{card['name']} models cannot run on onnxruntime; use runtime='torch'.")
            model.use_onnxruntime(directory / ONNX_FILE)
    except ModelFileError:
        raise
    except (DigitsError, ValueError, KeyError, OSError) as exc:
        raise ModelFileError(f"Cannot load the model in {directory}: {exc}") from exc
    return model


def model_size_bytes(directory: str | os.PathLike[str]) -> int:
    """Bytes on disk of a saved model: ``model.json`` plus its weight files."""
    directory = Path(directory)
    card = read_card(directory)
    return sum((directory / name).stat().st_size for name in [CARD, *card["files"]])
