"""Feature pipelines as registry models: named preprocessing, then hand-made features, then a classifier.

``hog-svm``, ``pca-svm`` and ``deskew-knn`` are the scikit-learn models of
:mod:`digits.models.classical` with a different input stage: images are
preprocessed by name (:data:`digits.imaging.preprocess.PREPROCESSORS`) and
turned into the named features (:data:`digits.features.FEATURES`, several
joined by commas) before the optional PCA and the classifier. Their
parameters ``preprocess`` and ``features`` make them generic: for example
``create_model("hog-svm", preprocess="none", features="zoning,projections")``.
They are saved and loaded like the other scikit-learn models (skops with
the same trusted-type list); the feature extraction has no fitted state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.errors import InputError, ModelFileError
from digits.features import FEATURES, SETTINGS, extract
from digits.imaging.preprocess import PREPROCESSORS, preprocess
from digits.models.classical import KNNModel, SklearnModel, SVMModel
from digits.models.registry import register_model
from digits.models.store import read_card


class FeaturePipelineMixin(SklearnModel):
    """Replaces the pixel input stage of a scikit-learn model by ``preprocess`` + ``features``."""

    preprocess: str
    features: str

    @property
    def feature_names(self) -> list[str]:
        """The feature blocks, in order, from the comma-separated ``features``."""
        return [name.strip() for name in self.features.split(",") if name.strip()]

    @property
    def preprocessing(self) -> dict[str, Any]:
        return {
            "input": "mnist-28x28",
            "scale": "x/255",
            "preprocess": self.preprocess,
            "features": self.feature_names,
            "feature_settings": self._feature_settings(),
            "pca": self.pca,
        }

    def _feature_settings(self) -> dict[str, dict[str, int]]:
        """The parameters of each named feature in this version of digits."""
        return {name: SETTINGS.get(name, {}) for name in self.feature_names}

    def _check_names(self) -> None:
        """Refuse unknown preprocessing or feature names before any work is done."""
        if self.preprocess not in PREPROCESSORS:
            raise InputError(
                f"Unknown preprocess={self.preprocess!r} for {self.name}. Valid names: {', '.join(PREPROCESSORS)}."
            )
        unknown = [name for name in self.feature_names if name not in FEATURES]
        if unknown or not self.feature_names:
            raise InputError(
                f"features={self.features!r} for {self.name} names no known feature or unknown ones {unknown}. "
                f"Give comma-separated names from: {', '.join(FEATURES)}."
            )

    def _fit(self, images, labels, val) -> None:
        self._check_names()
        super()._fit(images, labels, val)

    def _load_weights(self, directory: Path) -> None:
        """Load the estimator, then make sure today's features are the ones it was fitted on."""
        super()._load_weights(directory)
        recorded = read_card(directory).get("preprocessing", {}).get("feature_settings")
        width = extract(np.zeros((1, 28, 28), np.uint8), self.feature_names).shape[1]
        if (recorded is not None and recorded != self._feature_settings()) or width != self.estimator_.n_features_in_:
            raise ModelFileError(
                f"{directory} was fitted on {self.estimator_.n_features_in_} features made with settings "
                f"{'(not recorded)' if recorded is None else recorded}, but this version of digits makes {width} "
                f"with {self._feature_settings()}. "
                f"Retrain it: digits train {self.name} --out {directory}."
            )

    def _features(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(n, 28, 28) in [0, 1] -> (n, d): back to MNIST's uint8, preprocess, extract."""
        as_uint8 = np.rint(images * 255).astype(np.uint8)
        return extract(preprocess(as_uint8, self.preprocess), self.feature_names)


@register_model("hog-svm")
class HogSVMModel(FeaturePipelineMixin, SVMModel):
    """RBF support vector machine on HOG descriptors of deskewed digits."""

    description = "SVM (RBF) on HOG features of deskewed digits; features/preprocess selectable"

    def __init__(
        self,
        *,
        C: float = 10.0,
        gamma: float | str = "scale",
        preprocess: str = "deskew",
        features: str = "hog",
        pca: int = 0,
        seed: int = 0,
    ) -> None:
        self.C = C
        self.gamma = gamma
        self.preprocess = preprocess
        self.features = features
        self.pca = pca
        self.seed = seed


@register_model("pca-svm")
class PCASVMModel(FeaturePipelineMixin, SVMModel):
    """RBF support vector machine on the leading principal components of the raw pixels."""

    description = "SVM (RBF) on PCA of raw pixels (no deskewing); features/preprocess selectable"

    def __init__(
        self,
        *,
        C: float = 10.0,
        gamma: float | str = "scale",
        preprocess: str = "none",
        features: str = "pixels",
        pca: int = 40,
        seed: int = 0,
    ) -> None:
        self.C = C
        self.gamma = gamma
        self.preprocess = preprocess
        self.features = features
        self.pca = pca
        self.seed = seed


@register_model("deskew-knn")
class DeskewKNNModel(FeaturePipelineMixin, KNNModel):
    """LeCun's "K-NN, Euclidean, deskewed" line: 3 nearest neighbours on deskewed pixels."""

    description = "k-nearest neighbours (k=3, Euclidean) on deskewed pixels, as in LeCun's table"

    def __init__(
        self,
        *,
        n_neighbors: int = 3,
        weights: str = "uniform",
        preprocess: str = "deskew",
        features: str = "pixels",
        pca: int = 0,
        n_jobs: int = -1,
        seed: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.preprocess = preprocess
        self.features = features
        self.pca = pca
        self.n_jobs = n_jobs
        self.seed = seed
