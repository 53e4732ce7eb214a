"""The models a server or window offers: the shipped one plus model folders, each loaded once.

A model folder written by ``digits train`` is offered under its folder name;
the shipped model is always offered as ``fast-cnn``. Every model is loaded
into a :class:`digits.recognizer.Recognizer` (with its temperature
calibration) when the catalogue is built, so requests never touch the disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digits.errors import DigitsError, InputError
from digits.models.pretrained import SHIPPED_MODEL
from digits.recognizer import Recognizer


class UnknownModelError(DigitsError, LookupError):
    """A request named a model the server does not offer."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One offered model.

    Attributes
    ----------
    name : str
        What requests call it (``model=NAME``).
    recognizer : Recognizer
        The loaded model with its calibration; ``min_confidence`` 0.
    source : str
        ``"shipped"`` or the model folder's path.
    """

    name: str
    recognizer: Recognizer
    source: str

    def describe(self, default: str) -> dict[str, Any]:
        """``{"name", "family", "test_accuracy", "calibrated", "default", "source"}`` for ``/v1/models``."""
        model = self.recognizer.model
        return {
            "name": self.name,
            "family": model.name,
            "test_accuracy": _test_accuracy(getattr(model, "info_", {})),
            "calibrated": self.recognizer.temperature is not None,
            "default": self.name == default,
            "source": self.source,
        }


class ModelCatalogue:
    """Recognizers by name, loaded once.

    Parameters
    ----------
    models : sequence of str or path-like
        ``fast-cnn`` (the shipped model) or model folders; the first is the
        default. The shipped model is offered in any case.
    runtime : {'auto', 'torch', 'onnx'}
        How folder models predict (see :func:`digits.models.load_model`).

    Raises
    ------
    InputError
        If two models would share a name (e.g. a folder called ``fast-cnn``).
    ModelFileError
        If a folder is not a loadable model.
    """

    def __init__(self, models: list[str | os.PathLike[str]], *, runtime: str = "auto") -> None:
        requested = [SHIPPED_MODEL if str(m) == SHIPPED_MODEL else Path(m) for m in models] or [SHIPPED_MODEL]
        if SHIPPED_MODEL not in requested:
            requested.append(SHIPPED_MODEL)
        self._entries: dict[str, CatalogueEntry] = {}
        for item in requested:
            name = SHIPPED_MODEL if item == SHIPPED_MODEL else Path(os.path.abspath(item)).name
            source = "shipped" if item == SHIPPED_MODEL else str(item)
            if name in self._entries:
                raise InputError(
                    f"Two models would be served as {name!r}: {self._entries[name].source} and {source}. "
                    f"Models are named after their folders ({SHIPPED_MODEL!r} is the shipped model); "
                    "rename or copy one of the folders."
                )
            model = None if item == SHIPPED_MODEL else item
            self._entries[name] = CatalogueEntry(name, Recognizer(model, runtime=runtime), source)
        self.default = next(iter(self._entries))

    @property
    def names(self) -> list[str]:
        """The offered model names, the default first."""
        return list(self._entries)

    def recognizer(self, name: str | None, min_confidence: float) -> Recognizer:
        """A recognizer for model ``name`` (None: the default) rejecting answers below ``min_confidence``.

        The returned object shares the loaded model; making one costs microseconds.

        Raises
        ------
        UnknownModelError
            If no model is called ``name``; the message lists the offered ones.
        """
        entry = self._entries.get(self.default if name is None else name)
        if entry is None:
            raise UnknownModelError(f"Unknown model {name!r}. This server offers: {', '.join(self.names)}.")
        return Recognizer(entry.recognizer.model, min_confidence=min_confidence)

    def describe(self) -> list[dict[str, Any]]:
        """One description per model (see :meth:`CatalogueEntry.describe`), the default first."""
        return [entry.describe(self.default) for entry in self._entries.values()]


def _test_accuracy(info: dict[str, Any]) -> float | None:
    """``info["metrics"]["test"]["accuracy"]`` of a model card, or None when it was not evaluated."""
    try:
        value = info["metrics"]["test"]["accuracy"]
    except (KeyError, TypeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None
