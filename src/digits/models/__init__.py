"""Models: one contract (:class:`DigitModel`) and a registry to build them by name."""

from digits.models.base import DigitModel, NotFittedError
from digits.models.registry import create_model, get_model_class, list_models, register_model
from digits.models.store import load_model

__all__ = [
    "DigitModel",
    "NotFittedError",
    "create_model",
    "get_model_class",
    "list_models",
    "load_model",
    "register_model",
]
