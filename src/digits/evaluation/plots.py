"""Evaluation figures, each written as one PNG file.

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas,
never through ``pyplot``: no global state, no display needed, safe in
threads and servers. Each function renders to bytes in memory and writes
them with :func:`digits.fileio.atomic_write_bytes`, so a reader never sees a
half-written image.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from digits.errors import InputError
from digits.evaluation.metrics import check_probabilities, roc_curves
from digits.fileio import atomic_write_bytes

DPI = 100
GALLERY_COLUMNS = 8


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches attached to an Agg canvas."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Render ``fig`` to PNG bytes and write them to ``path`` atomically."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    target = Path(path)
    atomic_write_bytes(target, buffer.getvalue())
    return target


def plot_confusion_matrix(
    cm: npt.ArrayLike, path: str | os.PathLike[str], *, title: str = "Confusion matrix"
) -> Path:
    """Heat map of a confusion matrix with the count in every cell.

    Parameters
    ----------
    cm : array-like of int, shape (k, k)
        Rows are true classes, columns predicted ones.
    path : path-like
        The PNG file to write.
    title : str
        Figure title.

    Returns
    -------
    pathlib.Path
        ``path``. Cells are coloured by their share of the true class (row),
        so errors stand out whatever the class sizes.
    """
    counts = np.asarray(cm)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise InputError(f"Expected a square confusion matrix (k, k), got shape {counts.shape}.")
    k = counts.shape[0]
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    fig = new_figure(7.5, 6.5)
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, label="share of the true class")
    for i in range(k):
        for j in range(k):
            color = "white" if share[i, j] > 0.5 else "black" if counts[i, j] else "0.6"
            ax.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=8, color=color)
    ax.set(xticks=range(k), yticks=range(k), xlabel="predicted", ylabel="true", title=title)
    return save_png(fig, path)


def plot_roc_curves(
    y_true: npt.ArrayLike,
    proba: npt.ArrayLike,
    path: str | os.PathLike[str],
    *,
    title: str = "One-vs-rest ROC curves",
) -> Path:
    """ROC curve of every class, one-vs-rest, with its AUC in the legend.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
    proba : array-like of float, shape (n, k)
    path : path-like
        The PNG file to write.
    title : str
        Figure title.

    Returns
    -------
    pathlib.Path
        ``path``. A class absent from ``y_true`` has no curve; its legend
        entry reads "AUC n/a".
    """
    fig = new_figure(7, 6)
    ax = fig.add_subplot()
    for digit, curve in enumerate(roc_curves(y_true, proba)):
        if math.isnan(curve.auc):  # keep the colour and a legend entry for the missing class
            ax.plot([], [], lw=1.2, label=f"{digit} (AUC n/a)")
        else:
            ax.plot(curve.fpr, curve.tpr, lw=1.2, label=f"{digit} (AUC {curve.auc:.4f})")
    ax.plot([0, 1], [0, 1], ls="--", lw=0.8, color="grey", label="chance")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false positive rate", ylabel="true positive rate")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8, title="digit")
    ax.grid(alpha=0.3)
    return save_png(fig, path)


def _curve_panels(history: Mapping[str, Sequence[float]]) -> dict[str, list[str]]:
    """Group history keys into panels: 'loss' and 'accuracy' (train then validation)."""
    panels: dict[str, list[str]] = {}
    for metric in ("loss", "accuracy"):
        keys = [key for key in (metric, f"val_{metric}") if len(history.get(key, ())) > 0]
        if keys:
            panels[metric] = keys
    return panels


def _plot_panel(
    ax: Axes, history: Mapping[str, Sequence[float]], metric: str, keys: list[str]
) -> None:
    for key in keys:
        values = np.asarray(history[key], dtype=np.float64)
        epochs = np.arange(1, len(values) + 1)
        label = "validation" if key.startswith("val_") else "training"
        ax.plot(epochs, values, marker="o", ms=3, label=label)
    ax.set(xlabel="epoch", ylabel=metric, title=metric)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_training_curves(
    history: Mapping[str, Sequence[float]] | None,
    path: str | os.PathLike[str],
    *,
    title: str = "Training curves",
) -> Path | None:
    """Loss and accuracy per epoch, training and validation, side by side.

    Parameters
    ----------
    history : mapping of str to sequence of float, or None
        A model's ``history_``: ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy``, each with one value per epoch (other keys are
        ignored).
    path : path-like
        The PNG file to write.
    title : str
        Figure title.

    Returns
    -------
    pathlib.Path or None
        ``path``, or None (and nothing written) when there is no curve to
        draw, as for models trained in one go.
    """
    panels = _curve_panels(history or {})
    if not panels:
        return None
    assert history is not None  # panels is empty otherwise
    fig = new_figure(5.5 * len(panels), 4.2)
    fig.suptitle(title)
    for index, (metric, keys) in enumerate(panels.items(), start=1):
        _plot_panel(fig.add_subplot(1, len(panels), index), history, metric, keys)
    return save_png(fig, path)


def _check_gallery_images(images: npt.ArrayLike, n: int) -> npt.NDArray[np.generic]:
    """Images as (n, 28, 28); (n, 784) rows are reshaped."""
    arr = np.asarray(images)
    if arr.ndim == 2 and arr.shape[1] == 784:
        arr = arr.reshape(-1, 28, 28)
    if arr.ndim != 3 or len(arr) != n:
        raise InputError(
            f"Expected {n} images of shape (n, 28, 28) or (n, 784), got shape {arr.shape}."
        )
    return arr


def misclassified_order(
    y_true: npt.NDArray[np.int64], proba: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """Indices of the wrong predictions, the most confident mistakes first."""
    pred = np.argmax(proba, axis=1)
    wrong = np.flatnonzero(pred != y_true)
    confidence = proba[wrong, pred[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")]


def plot_misclassified(
    images: npt.ArrayLike,
    y_true: npt.ArrayLike,
    proba: npt.ArrayLike,
    path: str | os.PathLike[str],
    *,
    max_images: int = 64,
    title: str = "Misclassified digits",
) -> Path:
    """Gallery of wrongly predicted digits, each titled "true→pred (p=0.93)".

    Parameters
    ----------
    images : array-like, shape (n, 28, 28) or (n, 784)
        The evaluated images.
    y_true : array-like of int, shape (n,)
    proba : array-like of float, shape (n, k)
        Predicted probabilities; ``p`` is that of the predicted class.
    path : path-like
        The PNG file to write.
    max_images : int
        At most this many mistakes are shown, the most confident first.
    title : str
        Figure title (the number shown and the total are appended).

    Returns
    -------
    pathlib.Path
        ``path``. With no mistakes the figure says so.
    """
    t, p = check_probabilities(y_true, proba)
    pics = _check_gallery_images(images, len(t))
    order = misclassified_order(t, p)
    shown = order[: max(0, max_images)]
    if len(shown) == 0:
        fig = new_figure(4, 1.5)
        fig.text(0.5, 0.5, f"No misclassified digits among {len(t)}.", ha="center", va="center")
        return save_png(fig, path)
    cols = min(GALLERY_COLUMNS, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig = new_figure(1.3 * cols, 1.45 * rows + 0.5)
    fig.suptitle(f"{title}: {len(shown)} of {len(order)} shown (of {len(t)} images)")
    for slot, index in enumerate(shown, start=1):
        ax = fig.add_subplot(rows, cols, slot)
        pred = int(np.argmax(p[index]))
        ax.imshow(pics[index], cmap="gray", interpolation="nearest")
        ax.set_title(f"{t[index]}→{pred} (p={p[index, pred]:.2f})", fontsize=8)
        ax.set_axis_off()
    return save_png(fig, path)


def plot_accuracy_vs_time(
    points: Sequence[tuple[str, float, float]],
    path: str | os.PathLike[str],
    *,
    title: str = "Test accuracy against training time",
) -> Path:
    """Scatter of (training seconds, test accuracy) per model, log time axis.

    Parameters
    ----------
    points : sequence of (name, seconds, accuracy)
        One labelled point per model; accuracy in [0, 1].
    path : path-like
        PNG file to write.
    """
    fig = new_figure(7.0, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    for name, seconds, acc in points:
        ax.scatter([max(seconds, 1e-3)], [100 * acc], s=30)
        ax.annotate(name, (max(seconds, 1e-3), 100 * acc), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("training time (s, log scale)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    return save_png(fig, path)
