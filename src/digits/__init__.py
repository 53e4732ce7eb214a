"""digits: handwritten digit recognition.

The public entry points are the data loaders in :mod:`digits.data`, the model
registry in :mod:`digits.models` and the evaluation in
:mod:`digits.evaluation`. The command-line tool is ``digits`` (see
``digits --help``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("digits")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
