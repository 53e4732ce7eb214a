"""The samples of the evaluation sets (:mod:`digits.data.synth`, :mod:`digits.data.strings`) and their files.

:func:`write_set` stores a set as image files plus ``labels.json``;
:func:`read_set` loads it back.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.errors import DataError, InputError
from digits.fileio import atomic_directory, atomic_write_bytes, atomic_write_json

Box = tuple[int, int, int, int]
"""(x, y, width, height) in pixels of the image: x from the left, y from the top."""

LABELS_FILE = "labels.json"


@dataclass(frozen=True)
class Sample:
    """One picture of one digit.

    Attributes
    ----------
    image : ndarray of uint8, shape (h, w, 3) or (h, w)
        RGB or grey, dark ink on light paper.
    label : int
        The digit.
    box : (x, y, w, h)
        The ink's bounding box in ``image``.
    source : int
        Index of the MNIST test image it was drawn from.
    """

    image: npt.NDArray[np.uint8] = field(repr=False)
    label: int
    box: Box
    source: int


@dataclass(frozen=True)
class StringSample:
    """One picture of a row of digits.

    Attributes
    ----------
    image : ndarray of uint8, shape (h, w, 3)
    text : str
        The digits, left to right, without punctuation ("12345").
    boxes : tuple of (x, y, w, h)
        One box per digit of ``text``, same order.
    written : str
        What is on the paper, punctuation included ("12.345").
    sources : tuple of int
        MNIST test index of each digit.
    touching : tuple of int
        ``i`` for each pair of digits ``i`` and ``i + 1`` whose ink touches or overlaps.
    """

    image: npt.NDArray[np.uint8] = field(repr=False)
    text: str
    boxes: tuple[Box, ...]
    written: str
    sources: tuple[int, ...]
    touching: tuple[int, ...] = ()


def _encode(image: npt.NDArray[np.uint8], image_format: Literal["png", "jpeg"]) -> bytes:
    buffer = io.BytesIO()
    if image_format == "jpeg":
        Image.fromarray(image).save(buffer, format="JPEG", quality=95)
    else:
        Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _record(sample: Sample | StringSample, name: str) -> dict[str, Any]:
    if isinstance(sample, Sample):
        return {"file": name, "label": sample.label, "box": list(sample.box), "source": sample.source}
    return {
        "file": name,
        "text": sample.text,
        "written": sample.written,
        "boxes": [list(b) for b in sample.boxes],
        "sources": list(sample.sources),
        "touching": list(sample.touching),
    }


def write_set(
    samples: Sequence[Sample | StringSample],
    folder: str | os.PathLike[str],
    *,
    image_format: Literal["png", "jpeg"] = "png",
    info: dict[str, Any] | None = None,
) -> Path:
    """Write samples as ``0000.png`` ... plus ``labels.json``, replacing the folder atomically.

    Parameters
    ----------
    samples : list of Sample or list of StringSample
    folder : path-like
        Created, or replaced if it holds an earlier set (a ``labels.json``).
    image_format : {"png", "jpeg"}
        PNG keeps the pixels exactly; JPEG (quality 95) is smaller.
    info : dict, optional
        Extra JSON-ready facts stored in ``labels.json`` (generator, seed, ...).

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    if image_format not in ("png", "jpeg"):
        raise InputError(f"image_format must be 'png' or 'jpeg', got {image_format!r}.")
    kinds = {type(s) for s in samples}
    if len(kinds) > 1:
        raise InputError(f"A set holds one kind of sample, got {sorted(k.__name__ for k in kinds)}.")
    kind = "strings" if kinds == {StringSample} else "digits"
    suffix = "png" if image_format == "png" else "jpg"
    with atomic_directory(Path(folder), marker=LABELS_FILE) as tmp:
        records = []
        for i, sample in enumerate(samples):
            name = f"{i:04d}.{suffix}"
            atomic_write_bytes(tmp / name, _encode(sample.image, image_format))
            records.append(_record(sample, name))
        atomic_write_json(tmp / LABELS_FILE, {"kind": kind, "info": info or {}, "samples": records})
    return Path(folder)


def read_set(folder: str | os.PathLike[str]) -> list[Sample] | list[StringSample]:
    """Load a set written by :func:`write_set` (images as uint8 arrays, RGB or grey as stored).

    Raises
    ------
    DataError
        If ``labels.json`` or an image is missing or unreadable.
    """
    path = Path(folder) / LABELS_FILE
    try:
        meta = json.loads(path.read_text())
        samples = []
        for rec in meta["samples"]:
            with Image.open(Path(folder) / rec["file"]) as pic:
                image = np.asarray(pic).copy()
            if meta["kind"] == "strings":
                boxes = tuple(tuple(b) for b in rec["boxes"])
                samples.append(
                    StringSample(
                        image, rec["text"], boxes, rec["written"], tuple(rec["sources"]), tuple(rec["touching"])
                    )  # type: ignore[arg-type]
                )
            else:
                samples.append(Sample(image, int(rec["label"]), tuple(rec["box"]), int(rec["source"])))  # type: ignore[arg-type]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{folder} does not hold a readable synthetic set ({type(exc).__name__}: {exc}).") from exc
    return samples  # type: ignore[return-value]
