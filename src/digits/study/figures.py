"""The study's figures, each one PNG written atomically (Agg canvas, no pyplot)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from digits.evaluation.plots import new_figure, save_png
from digits.study.summary import Cell

PathLike = str | os.PathLike[str]


def plot_clean_errors(cells: Sequence[Cell], families: Sequence[str], path: PathLike) -> Path:
    """Clean-test error of every cell with its 95 % interval, grouped by family, with the 1 % (99 % accuracy) line.

    Parameters
    ----------
    cells : sequence of Cell
        Only those with ``test_set == 'test'`` are drawn.
    families : sequence of str
        Family labels, in the order to draw them.
    path : path-like
        The PNG to write.
    """
    clean = [c for c in cells if c.test_set == "test"]
    fig = new_figure(8.0, 0.22 * len(clean) + 1.2)
    ax = fig.add_subplot()
    rows = [c for family in families for c in clean if c.family == family]
    y = np.arange(len(rows))[::-1]
    rates = np.array([100 * c.error.rate for c in rows])
    low = rates - np.array([100 * c.error.low for c in rows])
    high = np.array([100 * c.error.high for c in rows]) - rates
    colors = [f"C{families.index(c.family) % 10}" for c in rows]
    ax.errorbar(rates, y, xerr=[low, high], fmt="none", ecolor=colors, elinewidth=1.5)
    ax.scatter(rates, y, c=colors, s=14, zorder=3)
    ax.axvline(1.0, color="0.3", linestyle="--", linewidth=1, label="1 % error (99 % accuracy)")
    ax.set_yticks(y, [f"{c.family} · {c.variant}" for c in rows], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("test error, % (log scale), with 95 % Wilson interval")
    ax.set_ylim(-1, len(rows))
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Clean MNIST test error per model and variant")
    return save_png(fig, path)


def plot_changes(
    cells: Sequence[Cell], families: Sequence[str], variants: Sequence[str], sets: Sequence[str], alpha: float,
    path: PathLike,
) -> Path:  # fmt: skip
    """Per family, a heat map of the change in error (percentage points) from its baseline.

    Rows are the non-baseline variants, columns the test sets; a cell shows the
    change, with ``*`` when McNemar's test (Holm-corrected) is below ``alpha``.
    """
    index = {(c.family, c.variant, c.test_set): c for c in cells if c.mcnemar is not None}
    rows = variants[1:]
    fig = new_figure(3.0 * len(families) + 1.0, 0.32 * len(rows) + 1.6)
    axes = fig.subplots(1, len(families), squeeze=False)[0]
    grids = {f: np.full((len(rows), len(sets)), np.nan) for f in families}
    for f in families:
        for i, v in enumerate(rows):
            for j, s in enumerate(sets):
                if (f, v, s) in index:
                    grids[f][i, j] = 100 * index[f, v, s].change
    limit = max(1.0, float(np.nanmax(np.abs(np.concatenate([g.ravel() for g in grids.values()])), initial=1.0)))
    image = None
    for k, (ax, f) in enumerate(zip(axes, families, strict=True)):
        image = ax.imshow(grids[f], cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        for (i, j), value in np.ndenumerate(grids[f]):
            if not np.isnan(value):
                mark = "*" if index[f, rows[i], sets[j]].significant(alpha) else ""
                ax.text(j, i, f"{value:+.1f}{mark}", ha="center", va="center", fontsize=6.5)
        ax.set_xticks(range(len(sets)), sets, rotation=45, fontsize=7)
        ax.set_yticks(range(len(rows)), rows if k == 0 else [""] * len(rows), fontsize=7)
        ax.set_title(f, fontsize=9)
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="error change, points (blue: fewer errors)")
    fig.suptitle(f"Change in error from each model's raw-pixel baseline (* significant, Holm, alpha {alpha})")
    return save_png(fig, path)


def plot_examples(rows: Mapping[str, npt.NDArray[np.uint8]], path: PathLike, *, title: str) -> Path:
    """One row of example digits per named image set (shape (k, 28, 28) each, same k)."""
    names = list(rows)
    k = len(next(iter(rows.values())))
    fig = new_figure(0.7 * k + 1.4, 0.7 * len(names) + 0.5)
    axes = fig.subplots(len(names), k, squeeze=False)
    for r, name in enumerate(names):
        for c in range(k):
            ax = axes[r, c]
            ax.imshow(rows[name][c], cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title, fontsize=10)
    return save_png(fig, path)
