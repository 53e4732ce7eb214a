"""What the study runs: preprocessing/feature variants, model families, data sizes.

A *cell* of the grid is one model family trained and tested on one variant
of the images; each cell is scored on the clean MNIST test set and on the
degraded copies of :mod:`digits.study.degrade`. :data:`FULL` is the grid of
``digits study`` (sized to run within an hour on 2 CPU cores), :data:`QUICK`
the one of ``digits study --quick`` (a few minutes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from digits.errors import InputError
from digits.features import FEATURES
from digits.imaging.preprocess import PREPROCESSORS
from digits.study.degrade import DEGRADATIONS

BASELINE = "none"
"""Name of the variant every other variant of a family is tested against (raw pixels, no preprocessing)."""


@dataclass(frozen=True)
class Variant:
    """How images are turned into model inputs, for training and testing alike.

    Attributes
    ----------
    name : str
        Label in the report, e.g. 'deskew' or 'hog+deskew'.
    preprocess : tuple of str
        Keys of :data:`digits.imaging.preprocess.PREPROCESSORS`, applied in
        order; empty: the images as they are.
    features : tuple of str
        Keys of :data:`digits.features.FEATURES`; empty: the model gets the
        (preprocessed) pixels themselves.
    """

    name: str
    preprocess: tuple[str, ...] = ()
    features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = (("preprocess", self.preprocess, PREPROCESSORS), ("features", self.features, FEATURES))
        for kind, names, valid in checks:
            unknown = [name for name in names if name not in valid]
            if unknown:
                raise InputError(f"Unknown {kind} {unknown} in variant {self.name!r}. Valid names: {', '.join(valid)}.")

    @property
    def is_baseline(self) -> bool:
        """True for raw pixels: no preprocessing, no features."""
        return not self.preprocess and not self.features


@dataclass(frozen=True)
class Family:
    """A model family of the grid, built through the model registry.

    Attributes
    ----------
    label : str
        Column name in the report, e.g. 'kNN'.
    model : str
        Registry name used for pixel variants; its own deskewing is switched
        off (the study controls preprocessing).
    params : mapping
        Hyperparameters for every variant.
    feature_model : str or None
        Registry name of a model taking ``preprocess=`` and ``features=``
        (:mod:`digits.models.feature_models`), used for feature variants;
        None: the family is run on pixel variants only.
    feature_params : mapping
        Hyperparameters that replace ``params`` for feature variants.
    variants : tuple of str or None
        Run only these variants (the baseline is always run); None: all.
    """

    label: str
    model: str
    params: Mapping[str, Any] = field(default_factory=dict)
    feature_model: str | None = None
    feature_params: Mapping[str, Any] = field(default_factory=dict)
    variants: tuple[str, ...] | None = None

    def takes(self, variant: Variant) -> bool:
        """Whether this family has a cell for ``variant``."""
        if variant.features and self.feature_model is None:
            return False
        return self.variants is None or variant.name in self.variants or variant.name == BASELINE


@dataclass(frozen=True)
class StudyConfig:
    """The whole grid and the data it runs on.

    Attributes
    ----------
    families, variants : tuple
        The grid's columns and rows; the first variant must be the baseline.
    degradations : tuple of str
        Keys of :data:`digits.study.degrade.DEGRADATIONS`, each a degraded copy of the test set.
    n_train, n_val, n_test : int or None
        Images taken from the start of the 48k/12k/10k split (None: all).
    seed : int
        Seeds the models and the degradations.
    level : float
        Confidence level of the error-rate intervals.
    alpha : float
        Significance level of McNemar's test after Holm's correction.
    """

    families: tuple[Family, ...]
    variants: tuple[Variant, ...]
    degradations: tuple[str, ...] = tuple(DEGRADATIONS)
    n_train: int | None = None
    n_val: int | None = 5_000
    n_test: int | None = None
    seed: int = 0
    level: float = 0.95
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if not self.variants or self.variants[0].name != BASELINE or not self.variants[0].is_baseline:
            raise InputError(f"The first variant must be the baseline {BASELINE!r} (raw pixels).")
        unknown = [name for name in self.degradations if name not in DEGRADATIONS]
        if unknown:
            raise InputError(f"Unknown degradations {unknown}. Valid names: {', '.join(DEGRADATIONS)}.")
        for kind, names in (("family", [f.label for f in self.families]), ("variant", self.variant_names)):
            if len(set(names)) != len(names) or not names:
                raise InputError(f"Every {kind} needs a unique name, got {names}.")

    @property
    def variant_names(self) -> list[str]:
        """The variants' names, in grid order."""
        return [v.name for v in self.variants]

    @property
    def eval_sets(self) -> list[str]:
        """'test' (clean) followed by the degraded sets."""
        return ["test", *self.degradations]

    def cells(self) -> list[tuple[Family, Variant]]:
        """Every (family, variant) pair that is run, variant by variant."""
        return [(f, v) for v in self.variants for f in self.families if f.takes(v)]

    def select(self, families: Sequence[str] | None = None, variants: Sequence[str] | None = None) -> StudyConfig:
        """A copy restricted to the named families and variants (the baseline is always kept).

        Raises
        ------
        InputError
            For a name that is not in the grid; the message lists the valid ones.
        """
        chosen_families = _pick(self.families, families, [f.label for f in self.families], "model")
        keep = None if variants is None else {BASELINE, *variants}
        chosen_variants = _pick(self.variants, None if keep is None else keep, self.variant_names, "variant")
        return dataclasses.replace(self, families=tuple(chosen_families), variants=tuple(chosen_variants))


def _pick(items: Sequence[Any], wanted: Any, names: list[str], kind: str) -> list[Any]:
    if wanted is None:
        return list(items)
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise InputError(f"Unknown {kind} {', '.join(map(repr, unknown))}. Valid {kind}s: {', '.join(names)}.")
    return [item for item, name in zip(items, names, strict=True) if name in wanted]


def _variants(pixel: Sequence[str], features: Sequence[Variant]) -> tuple[Variant, ...]:
    """The baseline, one variant per chain of preprocessors ('deskew+gaussian': deskew, then smooth), ``features``."""
    chains = (Variant(name, preprocess=tuple(name.split("+"))) for name in pixel)
    return (Variant(BASELINE), *chains, *features)


HOG = Variant("hog", features=("hog",))
HOG_DESKEW = Variant("hog+deskew", preprocess=("deskew",), features=("hog",))
HANDMADE = Variant("zoning+proj+shape", features=("zoning", "projections", "shape"))

DESKEW_ONLY = ("deskew", "deskew+gaussian")  # LeCun's and Wilder's k-NN comparisons

# the families' settings trade a little accuracy for time: the whole grid runs in under an hour on 2 cores
FULL = StudyConfig(
    families=(
        Family("kNN", "knn", {"n_neighbors": 3, "weights": "uniform", "pca": 50}, "deskew-knn"),
        Family("kNN-L2", "knn", {"n_neighbors": 3, "weights": "uniform", "pca": 0}, variants=DESKEW_ONLY),
        Family("SVM", "svm", {"C": 5.0, "pca": 50}, "hog-svm", {"C": 10.0, "pca": 100}),
        Family("random forest", "random-forest", {"n_estimators": 100}),
        Family("numpy-mlp", "numpy-mlp", {"hidden": (512,), "epochs": 10, "patience": None}),
        Family("CNN", "fast-cnn", {"epochs": 2}),
    ),
    variants=_variants(
        ("deskew", "gaussian", "median", "otsu", "clahe", "stretch", "wavelet", "deskew+gaussian"),
        (HOG, HOG_DESKEW, HANDMADE),
    ),
)
"""The grid of ``digits study``: 48k training images, 5k validation, the full 10k test set."""

QUICK = StudyConfig(
    families=(
        Family("kNN", "knn", {"n_neighbors": 3, "weights": "uniform", "pca": 50}, "deskew-knn"),
        Family("SVM", "svm", {"C": 5.0, "pca": 50}, "hog-svm", {"C": 10.0, "pca": 100}),
        Family("random forest", "random-forest", {"n_estimators": 50}),
        Family("numpy-mlp", "numpy-mlp", {"hidden": (128,), "epochs": 5, "patience": None}),
        Family("CNN", "fast-cnn", {"epochs": 1}),
    ),
    variants=_variants(("deskew", "gaussian", "otsu", "stretch"), (HOG_DESKEW,)),
    n_train=5_000,
    n_val=1_000,
    n_test=2_000,
)
"""The grid of ``digits study --quick``: 5k training, 1k validation and 2k test images."""
