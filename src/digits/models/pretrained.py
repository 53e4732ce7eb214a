"""The pretrained model shipped inside the package (no training, no data needed)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from digits.errors import ModelFileError

SHIPPED_MODEL = "fast-cnn"


def packaged_weights(name: str) -> Path:
    """Folder ``digits/weights/<name>`` inside the installed package (it may be missing)."""
    return Path(str(resources.files("digits") / "weights" / name))


def shipped_model_dir() -> Path:
    """Folder of the shipped model (``digits/weights/fast-cnn``) inside the installed package.

    Raises
    ------
    ModelFileError
        If the package was installed without its weights.
    """
    folder = packaged_weights(SHIPPED_MODEL)
    if not (folder / "model.json").is_file():
        raise ModelFileError(
            f"The shipped model is missing from {folder}; reinstall digits, or pass a model folder "
            f"trained with `digits train {SHIPPED_MODEL}`."
        )
    return folder
