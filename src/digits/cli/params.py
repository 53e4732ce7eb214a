"""Parsing ``--param key=value`` into typed hyperparameters."""

from __future__ import annotations

from typing import Any

from digits.errors import InputError
from digits.models.registry import get_model_class, model_params

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _coerce(key: str, text: str, default: Any) -> Any:
    """Turn ``text`` into a value of the same kind as ``default``."""
    try:
        if isinstance(default, bool):
            if text.lower() not in _TRUE | _FALSE:
                raise ValueError("expected true or false")
            return text.lower() in _TRUE
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, tuple):
            return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        kind = "comma-separated integers" if isinstance(default, tuple) else type(default).__name__
        raise InputError(f"--param {key}={text}: {key!r} takes {kind} (default {default!r}), got {text!r}.") from None
    # strings (and parameters that take a number or a keyword, e.g. gamma)
    try:
        return float(text) if any(c.isdigit() for c in text) else text
    except ValueError:
        return text


def parse_params(model: str, items: list[str]) -> dict[str, Any]:
    """Parse ``["key=value", ...]`` for ``model`` using its constructor defaults' types.

    Raises
    ------
    InputError
        For an item without ``=``, an unknown key (listing the valid ones) or a
        value of the wrong kind.
    """
    defaults = model_params(get_model_class(model))
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--param expects KEY=VALUE, got {item!r}.")
        if key not in defaults:
            raise InputError(
                f"--param {item}: model {model!r} has no parameter {key!r}. Valid parameters: {', '.join(defaults)}."
            )
        params[key] = _coerce(key, text.strip(), defaults[key])
    return params
