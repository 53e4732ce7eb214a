"""scikit-learn models behind the digits contract.

Each model is a small scikit-learn pipeline on flattened pixels in [0, 1],
optionally deskewed first and reduced with PCA. Fitted pipelines are saved
with skops, and loaded only if every type in the file is on an explicit
list of trusted scikit-learn and NumPy types, so loading cannot run code.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import skops.io as sio
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from digits.errors import ModelFileError
from digits.imaging import deskew
from digits.models.base import DigitModel
from digits.models.inputs import N_CLASSES
from digits.models.registry import register_model

ESTIMATOR_FILE = "estimator.skops"

# Every type a saved pipeline of ours may contain. skops refuses anything else.
TRUSTED_TYPES = frozenset(
    {
        "builtins.slice",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "numpy.ndarray",
        "numpy.random._mt19937.MT19937",
        "numpy.random.mtrand.RandomState",
        "sklearn.decomposition._pca.PCA",
        "sklearn.ensemble._forest.RandomForestClassifier",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.metrics._dist_metrics.EuclideanDistance32",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.neighbors._classification.KNeighborsClassifier",
        "sklearn.neighbors._kd_tree.KDTree",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
        "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
        "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
        "sklearn.pipeline.Pipeline",
        "sklearn.svm._classes.SVC",
        "sklearn.tree._classes.DecisionTreeClassifier",
        "sklearn.tree._tree.Tree",
    }
)


class SklearnModel(DigitModel):
    """Shared machinery: subclasses only say which estimator to build.

    Subclasses have the hyperparameters ``deskew`` (bool) and ``pca``
    (number of principal components, 0 for none) besides their own.
    """

    deskew: bool
    pca: int
    seed: int

    def _classifier(self) -> Any:
        """The final scikit-learn classifier, unfitted."""
        raise NotImplementedError

    @property
    def preprocessing(self) -> dict[str, Any]:
        return {**super().preprocessing, "deskew": self.deskew, "pca": self.pca}

    def _features(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """(n, 28, 28) in [0, 1] -> (n, 784), deskewed if asked."""
        if self.deskew:
            images = deskew(images)
        return images.reshape(len(images), -1)

    def _fit(self, images, labels, val) -> None:
        steps: list[tuple[str, Any]] = []
        if self.pca:
            steps.append(("pca", PCA(n_components=self.pca, random_state=self.seed)))
        steps.append(("clf", self._classifier()))
        self.estimator_ = Pipeline(steps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.estimator_.fit(self._features(images), labels)
        self._after_fit(images, labels, val)

    def _after_fit(self, images, labels, val) -> None:
        """Hook for work that needs the fitted estimator (e.g. calibration)."""

    def _class_scores(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Probabilities of the classes the estimator saw, shape (n, k)."""
        return self.estimator_.predict_proba(features)

    def _predict_proba(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        scores = self._class_scores(self._features(images))
        proba = np.zeros((len(images), N_CLASSES))
        proba[:, self.estimator_.classes_] = scores
        return proba

    def _save_weights(self, directory: Path) -> list[str]:
        sio.dump(self.estimator_, directory / ESTIMATOR_FILE)
        return [ESTIMATOR_FILE]

    def _load_weights(self, directory: Path) -> None:
        path = directory / ESTIMATOR_FILE
        found = set(sio.get_untrusted_types(file=path))
        untrusted = found - TRUSTED_TYPES
        if untrusted:
            raise ModelFileError(
                f"{path} contains types digits does not trust: {sorted(untrusted)}. Refusing to load it."
            )
        estimator = sio.load(path, trusted=sorted(found))
        expected = type(self._classifier())
        if not isinstance(estimator, Pipeline) or not isinstance(estimator[-1], expected):
            raise ModelFileError(
                f"{path} does not hold a pipeline ending in {expected.__name__}; it is not this model's file."
            )
        self.estimator_ = estimator


@register_model("svm")
class SVMModel(SklearnModel):
    """RBF-kernel support vector machine on PCA-reduced, deskewed pixels."""

    description = "Support vector machine, RBF kernel (scikit-learn SVC), deskew + PCA"

    def __init__(
        self, *, C: float = 5.0, gamma: float | str = "scale", deskew: bool = True, pca: int = 50, seed: int = 0
    ) -> None:
        self.C = C
        self.gamma = gamma
        self.deskew = deskew
        self.pca = pca
        self.seed = seed

    def _classifier(self) -> SVC:
        return SVC(C=self.C, gamma=self.gamma, kernel="rbf", decision_function_shape="ovr", random_state=self.seed)

    def _after_fit(self, images, labels, val) -> None:
        # SVC scores are not probabilities: fit a softmax temperature on the
        # validation split (or the training data when none is given).
        X, y = val if val is not None else (images, labels)
        scores = self.estimator_.decision_function(self._features(X))
        cols = np.searchsorted(self.estimator_.classes_, y)

        def nll(t: float) -> float:
            return float(-log_softmax(scores * t, axis=1)[np.arange(len(y)), cols].mean())

        self.temperature_ = float(minimize_scalar(nll, bounds=(0.01, 100.0), method="bounded").x)

    def _class_scores(self, features):
        return softmax(self.estimator_.decision_function(features) * self.temperature_, axis=1)

    def _save_weights(self, directory: Path) -> list[str]:
        np.savez(directory / "calibration.npz", temperature=np.float64(self.temperature_))
        return [*super()._save_weights(directory), "calibration.npz"]

    def _load_weights(self, directory: Path) -> None:
        super()._load_weights(directory)
        with np.load(directory / "calibration.npz", allow_pickle=False) as data:
            self.temperature_ = float(data["temperature"])


@register_model("random-forest")
class RandomForestModel(SklearnModel):
    """Random forest of decision trees on deskewed pixels."""

    description = "Random forest (scikit-learn), deskewed pixels"

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        max_features: str = "sqrt",
        deskew: bool = True,
        pca: int = 0,
        n_jobs: int = -1,
        seed: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.deskew = deskew
        self.pca = pca
        self.n_jobs = n_jobs
        self.seed = seed

    def _classifier(self) -> RandomForestClassifier:
        return RandomForestClassifier(
            n_estimators=self.n_estimators, max_features=self.max_features, n_jobs=self.n_jobs, random_state=self.seed
        )


@register_model("decision-tree")
class DecisionTreeModel(SklearnModel):
    """A single decision tree on raw pixels."""

    description = "Decision tree (scikit-learn), raw pixels"

    def __init__(
        self, *, max_depth: int = 0, min_samples_leaf: int = 1, deskew: bool = False, pca: int = 0, seed: int = 0
    ) -> None:
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.deskew = deskew
        self.pca = pca
        self.seed = seed

    def _classifier(self) -> DecisionTreeClassifier:
        return DecisionTreeClassifier(
            max_depth=self.max_depth or None, min_samples_leaf=self.min_samples_leaf, random_state=self.seed
        )


@register_model("knn")
class KNNModel(SklearnModel):
    """k-nearest neighbours on PCA-reduced, deskewed pixels."""

    description = "k-nearest neighbours (scikit-learn), deskew + PCA"

    def __init__(
        self,
        *,
        n_neighbors: int = 4,
        weights: str = "distance",
        deskew: bool = True,
        pca: int = 50,
        n_jobs: int = -1,
        seed: int = 0,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.deskew = deskew
        self.pca = pca
        self.n_jobs = n_jobs
        self.seed = seed

    def _classifier(self) -> KNeighborsClassifier:
        return KNeighborsClassifier(n_neighbors=self.n_neighbors, weights=self.weights, n_jobs=self.n_jobs)


@register_model("logistic")
class LogisticModel(SklearnModel):
    """Multinomial logistic regression on raw pixels."""

    description = "Logistic regression (scikit-learn), raw pixels"

    def __init__(
        self, *, C: float = 0.1, max_iter: int = 200, deskew: bool = False, pca: int = 0, seed: int = 0
    ) -> None:
        self.C = C
        self.max_iter = max_iter
        self.deskew = deskew
        self.pca = pca
        self.seed = seed

    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)


@register_model("sk-mlp")
class SkMLPModel(SklearnModel):
    """The Towards-AI write-up's MLPClassifier: one hidden layer of 50, SGD, 10 epochs."""

    description = "scikit-learn MLPClassifier as in the write-up (50 hidden, SGD, max_iter=10)"

    def __init__(
        self,
        *,
        hidden: tuple[int, ...] = (50,),
        max_iter: int = 10,
        alpha: float = 1e-4,
        solver: str = "sgd",
        learning_rate_init: float = 0.1,
        deskew: bool = False,
        pca: int = 0,
        seed: int = 1,
    ) -> None:
        self.hidden = hidden
        self.max_iter = max_iter
        self.alpha = alpha
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.deskew = deskew
        self.pca = pca
        self.seed = seed

    def _classifier(self) -> MLPClassifier:
        return MLPClassifier(
            hidden_layer_sizes=tuple(self.hidden),
            max_iter=self.max_iter,
            alpha=self.alpha,
            solver=self.solver,
            learning_rate_init=self.learning_rate_init,
            random_state=self.seed,
        )
