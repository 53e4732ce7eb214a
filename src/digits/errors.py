"""Exceptions that carry a message meant for the person using digits.

Every error raised at an edge (a file, a model folder, a command-line value)
says what was wrong, what was received and how to fix it. The CLI prints the
message of any :class:`DigitsError` and exits with status 2.
"""


class DigitsError(Exception):
    """Base class for errors whose message is written for the user."""


class DataError(DigitsError):
    """The MNIST data (or an IDX file) is missing, corrupt or unverifiable."""


class ModelFileError(DigitsError):
    """A saved model folder is missing, truncated, tampered with or unknown."""


class InputError(DigitsError, ValueError):
    """An array, label vector or parameter passed in has the wrong form."""
