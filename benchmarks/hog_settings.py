"""Choose the HOG cell/block/orientation settings and the SVM's C and gamma by validation error.

Fits an RBF SVC on a random part of the 48k training split and scores it on
a random part of the 12k validation split (the test split is never looked
at). Prints one table row per setting; each row changes one thing from the
first. ``gamma x`` multiplies scikit-learn's ``gamma="scale"``
(``1 / (d * var(X))``). Usage (about 30 minutes for the default 6,000 +
6,000 images on a busy 2-core machine; fit times are noisy there):

    DIGITS_DATA_DIR=/work/shared/data/mnist nice -n 5 .venv/bin/python benchmarks/hog_settings.py [N_TRAIN [N_VAL]]
"""

from __future__ import annotations

import sys
import time
from typing import NamedTuple

import numpy as np
from sklearn.decomposition import PCA
from sklearn.svm import SVC

from digits.data import load_mnist
from digits.features.hog import hog
from digits.imaging.preprocess import preprocess


class Setting(NamedTuple):
    preprocess: str = "deskew"
    cell: int = 4
    block: int = 2
    orientations: int = 9
    C: float = 10.0
    gamma_factor: float = 1.0
    pca: int = 0
    whiten: bool = False


SETTINGS = [
    Setting(),
    Setting(preprocess="none"),
    Setting(orientations=12),
    Setting(block=3),  # the default of the ``hog`` feature and of ``hog-svm``
    Setting(block=1),
    Setting(cell=7),
    Setting(C=3.0),
    Setting(C=30.0),
    Setting(gamma_factor=0.5),
    Setting(gamma_factor=2.0),
    Setting(pca=100),
    Setting(pca=100, whiten=True),
    Setting(block=3, C=5.0),
    Setting(block=3, gamma_factor=0.7),
]


def score(setting: Setting, train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray]) -> str:
    """Fit one setting; its table row."""

    def features(images: np.ndarray) -> np.ndarray:
        floats = preprocess(images, setting.preprocess).astype(np.float32) / 255
        return hog(floats, setting.cell, setting.block, setting.orientations)

    X_train, X_val = features(train[0]), features(val[0])
    dim = X_train.shape[1]
    if setting.pca:
        pca = PCA(setting.pca, whiten=setting.whiten, random_state=0).fit(X_train)
        X_train, X_val = pca.transform(X_train), pca.transform(X_val)
    gamma = setting.gamma_factor / (X_train.shape[1] * X_train.var())
    start = time.perf_counter()
    model = SVC(C=setting.C, gamma=gamma).fit(X_train, train[1])
    seconds = time.perf_counter() - start
    error = 100 * np.mean(model.predict(X_val) != val[1])
    values = [*setting, dim, f"{error:.2f}", f"{seconds:.1f}"]
    return "  ".join(f"{value!s:>8s}" for value in values)


def main(n_train: int, n_val: int) -> None:
    splits = load_mnist()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(splits.train.labels), size=n_train, replace=False)
    train = splits.train.images[pick], splits.train.labels[pick]
    pick = rng.choice(len(splits.val.labels), size=min(n_val, len(splits.val.labels)), replace=False)
    val = splits.val.images[pick], splits.val.labels[pick]
    print(f"train {n_train} of the 48k split, validation {len(val[1])} of the 12k split")
    header = [*Setting._fields[:5], "gamma x", "pca", "whiten", "dim", "val err %", "fit s"]
    print("  ".join(f"{name:>8s}" for name in header))
    for setting in SETTINGS:
        print(score(setting, train, val), flush=True)


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:3]]
    main(*sizes, *[6_000, 6_000][len(sizes) :])
