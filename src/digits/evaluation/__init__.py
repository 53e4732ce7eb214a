"""Evaluation: metrics in plain NumPy, figures as PNG files, and report folders.

:func:`evaluate` scores a fitted model on a labelled set (metrics, timing,
size); :func:`write_report` writes ``metrics.json`` and the figures. The
metric functions in :mod:`digits.evaluation.metrics` match
:mod:`sklearn.metrics` without importing it.
"""

from digits.evaluation.metrics import (
    ClassScores,
    RocCurve,
    accuracy,
    binary_roc_curve,
    class_scores,
    classification_metrics,
    confusion_matrix,
    log_loss,
    macro_auc,
    roc_curves,
)
from digits.evaluation.plots import (
    plot_confusion_matrix,
    plot_misclassified,
    plot_roc_curves,
    plot_training_curves,
)
from digits.evaluation.report import Evaluation, evaluate, write_report

__all__ = [
    "ClassScores",
    "Evaluation",
    "RocCurve",
    "accuracy",
    "binary_roc_curve",
    "class_scores",
    "classification_metrics",
    "confusion_matrix",
    "evaluate",
    "log_loss",
    "macro_auc",
    "plot_confusion_matrix",
    "plot_misclassified",
    "plot_roc_curves",
    "plot_training_curves",
    "roc_curves",
    "write_report",
]
