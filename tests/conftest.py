"""Shared fixtures: tiny synthetic digits and access to the real MNIST files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from digits.data.mnist import FILES

# CI runs the same examples every time; locally hypothesis explores new ones
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def make_fake_digits(n: int, seed: int = 0, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``n`` fake 28x28 uint8 "digits": class k is a bright bar at a class-specific place, plus noise.

    Returns
    -------
    images : ndarray of uint8, shape (n, 28, 28)
    labels : ndarray of int64, shape (n,)
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    images = rng.integers(0, 40, size=(n, 28, 28)).astype(np.float64)
    for i, k in enumerate(labels):
        row = 4 + 2 * k + rng.integers(-1, 2)
        images[i, row : row + 3, 4:24] = 255
        if k % 2:
            images[i, 4:24, 12 + (k // 2) : 15 + (k // 2)] = 200
    return images.clip(0, 255).astype(np.uint8), labels.astype(np.int64)


@pytest.fixture(scope="session")
def fake_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test): 200 + 50 fake digits, all ten classes."""
    X, y = make_fake_digits(250, seed=1)
    return X[:200], y[:200], X[200:], y[200:]


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder with the real MNIST files (``DIGITS_DATA_DIR``); skips the test without it."""
    folder = os.environ.get("DIGITS_DATA_DIR")
    if not folder or not all((Path(folder) / spec.name).is_file() for spec in FILES.values()):
        pytest.skip("real MNIST files not available: set DIGITS_DATA_DIR to the folder holding them")
    return Path(folder)
