"""digits: handwritten digit recognition.

The public entry points are :class:`digits.Recognizer` (pictures in, digits
out), the data loaders in :mod:`digits.data`, the model registry in
:mod:`digits.models` and the evaluation in :mod:`digits.evaluation`. The
command-line tool is ``digits`` (see ``digits --help``).
"""

import os
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

# Idle OpenMP threads sleep instead of spinning. On a small shared CPU, spinning
# threads made a single-image torch prediction take 280 ms instead of 1 ms while
# another job ran. It must be set before torch loads, and a user's own value wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("digits")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from digits.recognizer import Prediction, Reading, Recognizer

__all__ = ["Prediction", "Reading", "Recognizer", "__version__"]

_LAZY = {"Prediction", "Reading", "Recognizer"}


def __getattr__(name: str) -> Any:
    """Import :mod:`digits.recognizer` (NumPy, SciPy, Pillow, a model) only when it is used."""
    if name in _LAZY:
        from digits import recognizer

        return getattr(recognizer, name)
    raise AttributeError(f"module 'digits' has no attribute {name!r}")
