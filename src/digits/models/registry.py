"""Building models by name: ``@register_model``, ``create_model``, ``list_models``."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from digits.errors import InputError

if TYPE_CHECKING:
    from digits.models.base import DigitModel

_REGISTRY: dict[str, type[DigitModel]] = {}
# modules whose import registers models; imported lazily so that listing models
# does not pull in torch or scikit-learn until a model of theirs is built
_MODEL_MODULES = (
    "digits.models.numpy_mlp",
    "digits.models.classical",
    "digits.models.feature_models",
    "digits.models.torch_zoo",
)

M = TypeVar("M", bound="type[DigitModel]")


def register_model(name: str) -> Callable[[M], M]:
    """Class decorator that makes a model buildable as ``create_model(name)``."""

    def decorate(cls: M) -> M:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise RuntimeError(f"Model name {name!r} is registered twice.")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load_all() -> None:
    for module in _MODEL_MODULES:
        importlib.import_module(module)


def list_models() -> list[str]:
    """Names of every registered model, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def get_model_class(name: str) -> type[DigitModel]:
    """The class registered under ``name``.

    Raises
    ------
    InputError
        If no model has that name; the message lists the valid names.
    """
    _load_all()
    if name not in _REGISTRY:
        raise InputError(f"Unknown model {name!r}. Valid names: {', '.join(sorted(_REGISTRY))}.")
    return _REGISTRY[name]


def model_params(cls: type[DigitModel]) -> dict[str, Any]:
    """The constructor's hyperparameters of a model class and their defaults."""
    signature = inspect.signature(cls.__init__)
    return {p.name: p.default for p in signature.parameters.values() if p.name != "self" and p.kind is p.KEYWORD_ONLY}


def create_model(name: str, **params: Any) -> DigitModel:
    """Build an unfitted model by name.

    Parameters
    ----------
    name : str
        A name from :func:`list_models`.
    **params
        Hyperparameters; each must be one the model's constructor accepts.

    Raises
    ------
    InputError
        For an unknown model name or an unknown parameter (both list the
        valid choices).
    """
    cls = get_model_class(name)
    valid = model_params(cls)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise InputError(
            f"Model {name!r} has no parameter {', '.join(map(repr, unknown))}. "
            f"Valid parameters: {', '.join(valid) or '(none)'}."
        )
    return cls(**params)
