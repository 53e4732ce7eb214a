"""The study's output folder: ``report.md`` with its figures, and ``study.json`` with every cell.

Every file is written atomically (:mod:`digits.fileio`), so an interrupted
run never leaves a half-written report behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from digits.fileio import atomic_write_bytes, atomic_write_json
from digits.imaging.preprocess import preprocess
from digits.study.answers import answer_99, answer_lecun, answer_preprocessing
from digits.study.config import StudyConfig
from digits.study.degrade import DEGRADATIONS
from digits.study.figures import plot_changes, plot_clean_errors, plot_examples
from digits.study.grid import GridResult, StudyData, evaluation_sets
from digits.study.summary import Cell

REPORT = "report.md"
RESULTS = "study.json"
FIGURES = {"errors": "clean_errors.png", "changes": "changes.png", "sets": "test_sets.png", "variants": "variants.png"}
N_EXAMPLES = 10


def _error_cell(cell: Cell | None, alpha: float) -> str:
    """'1.23 % [1.02, 1.47] ▼' (▼ significantly fewer errors than the baseline, ▲ more)."""
    if cell is None:
        return "-"
    text = f"{100 * cell.error.rate:.2f} [{100 * cell.error.low:.2f}, {100 * cell.error.high:.2f}]"
    if cell.significant(alpha):
        text += " ▼" if cell.change < 0 else " ▲"
    return text


def error_table(cells: Sequence[Cell], config: StudyConfig, test_set: str) -> list[str]:
    """Markdown table for one test set: variants down, families across, error % [95 % interval]."""
    index = {(c.family, c.variant): c for c in cells if c.test_set == test_set}
    families = [f.label for f in config.families]
    lines = ["| variant | " + " | ".join(families) + " |", "|---|" + "---:|" * len(families)]
    for v in config.variant_names:
        row = [_error_cell(index.get((f, v)), config.alpha) for f in families]
        if any(cell != "-" for cell in row):
            lines.append(f"| {v} | " + " | ".join(row) + " |")
    return lines


def time_table(cells: Sequence[Cell], config: StudyConfig) -> list[str]:
    """Markdown table of each cell's training time and prediction time over all test sets, seconds."""
    index = {(c.family, c.variant): c for c in cells if c.test_set == "test"}
    families = [f.label for f in config.families]
    lines = ["| variant | " + " | ".join(families) + " |", "|---|" + "---:|" * len(families)]
    for v in config.variant_names:
        row = [index.get((f, v)) for f in families]
        text = ["-" if c is None else f"{c.fit_seconds:.0f} + {c.predict_seconds:.0f}" for c in row]
        if any(c is not None for c in row):
            lines.append(f"| {v} | " + " | ".join(text) + " |")
    return lines


def _setup(result: GridResult, meta: Mapping[str, Any]) -> list[str]:
    config = result.config
    families = [
        f"- **{f.label}**: `{f.model}` {dict(f.params)}"
        + (f"; feature variants: `{f.feature_model}` { ({**f.params, **f.feature_params}) }" if f.feature_model else "")
        + (f"; variants: baseline, {', '.join(f.variants)}" if f.variants is not None else "")
        for f in config.families
    ]
    variants = [
        f"- **{v.name}**: preprocessing {' → '.join(v.preprocess) or 'none'}"
        + (f"; features {' + '.join(v.features)}" if v.features else "; pixels")
        for v in config.variants
    ]
    sets = [f"- **{name}**: {DEGRADATIONS[name].description}" for name in config.degradations]
    return [
        f"Data: the first {result.n_train:,} images of the 48k training split (training), {result.n_val:,} of the "
        f"validation split (best epoch of the neural networks), and {len(result.labels):,} MNIST test images. "
        f"Seed {config.seed}. Wall time of the grid: **{result.seconds / 60:.1f} min** on {meta.get('machine', '?')}"
        f"{_load(result)}.",
        "",
        "Model families (registry name and parameters; each model's own deskewing is off, the study controls "
        "preprocessing; training and test images go through the same variant):",
        "",
        *families,
        "",
        "Variants:",
        "",
        *variants,
        "",
        "Test sets: `test` is the clean MNIST test set; the others are copies of it, degraded with a fixed seed "
        "before the variant's preprocessing:",
        "",
        *sets,
    ]


def _load(result: GridResult) -> str:
    """The load average sampled before each cell (mean and range) as a clause, or nothing where unknown."""
    loads = result.load_averages
    if not loads:
        return ""
    return (
        f", 1-minute load average {sum(loads) / len(loads):.1f} on average over the cells "
        f"(from {min(loads):.1f} to {max(loads):.1f}; other jobs shared the cores when above 2)"
    )


def _method(config: StudyConfig, n_tests: int) -> list[str]:
    return [
        f"Each cell's error rate comes with a {100 * config.level:.0f} % Wilson score interval. Each non-baseline "
        "cell is compared with the same family's baseline (raw pixels) on the same test images by McNemar's exact "
        "test: b images only the baseline gets right, c images only the variant gets right, two-sided p = "
        "2 · P(Binomial(b + c, 1/2) ≤ min(b, c)). The "
        f"{n_tests} p-values are corrected together with Holm's step-down method (family-wise error rate "
        f"{config.alpha}); ▼ marks significantly fewer errors than the baseline, ▲ significantly more.",
    ]


def _answers(cells: Sequence[Cell], config: StudyConfig) -> list[str]:
    return [
        "## Answers",
        "",
        "### 1. Which preprocessing changes the error significantly, for which models?",
        "",
        *answer_preprocessing(cells, config),
        "",
        f"![change from baseline]({FIGURES['changes']})",
        "",
        "### 2. Which algorithms reach 99 % and beyond?",
        "",
        *answer_99(cells, config),
        "",
        f"![clean test errors]({FIGURES['errors']})",
        "",
        "### Deskewing and k-NN against LeCun's table",
        "",
        *answer_lecun(cells, config),
    ]


def render_markdown(result: GridResult, cells: Sequence[Cell], meta: Mapping[str, Any]) -> str:
    """The whole report as Markdown text."""
    config = result.config
    n_tests = sum(c.mcnemar is not None for c in cells)
    parts = [
        "# Image-processing and feature study",
        "",
        f"Produced by `{meta.get('command', 'digits study')}`.",
        "",
        *_answers(cells, config),
        "",
        "## Set-up",
        "",
        *_setup(result, meta),
        "",
        f"![test sets]({FIGURES['sets']})",
        "",
        f"![variants]({FIGURES['variants']})",
        "",
        "## Method",
        "",
        *_method(config, n_tests),
        "",
        "## Error rates, % [95 % interval]",
    ]
    for name in config.eval_sets:
        title = "clean MNIST test set" if name == "test" else DEGRADATIONS[name].description
        parts += ["", f"### {name}: {title}", "", *error_table(cells, config, name)]
    parts += ["", "## Time per cell, seconds (training + prediction of all test sets)", "", *time_table(cells, config)]
    return "\n".join(parts) + "\n"


def _examples(config: StudyConfig, data: StudyData) -> tuple[dict[str, Any], dict[str, Any]]:
    """Example digits: per test set (as degraded), and per pixel variant (clean digits preprocessed)."""
    head = data.test.head(N_EXAMPLES)
    sets = evaluation_sets(config, head)
    variants: dict[str, Any] = {}
    for v in config.variants:
        if v.features:
            continue
        images = head.images
        for step in v.preprocess:
            images = preprocess(images, step)
        variants[v.name] = images
    return sets, variants


def write_study(
    result: GridResult, cells: Sequence[Cell], data: StudyData, out: Path, meta: Mapping[str, Any]
) -> list[Path]:
    """Write ``report.md``, ``study.json`` and the figures into ``out``; return the paths written."""
    config = result.config
    out.mkdir(parents=True, exist_ok=True)
    families = [f.label for f in config.families]
    sets, variants = _examples(config, data)
    paths = [
        plot_clean_errors(cells, families, out / FIGURES["errors"]),
        plot_changes(cells, families, config.variant_names, config.eval_sets, config.alpha, out / FIGURES["changes"]),
        plot_examples(sets, out / FIGURES["sets"], title="Test digits as each test set shows them"),
        plot_examples(variants, out / FIGURES["variants"], title="Clean test digits after each pixel variant"),
    ]
    atomic_write_json(out / RESULTS, to_json(result, cells, meta))
    atomic_write_bytes(out / REPORT, render_markdown(result, cells, meta).encode())
    return [out / REPORT, out / RESULTS, *paths]


def to_json(result: GridResult, cells: Sequence[Cell], meta: Mapping[str, Any]) -> dict[str, Any]:
    """Everything in ``study.json``: set-up, timing and every cell."""
    config = result.config
    return {
        **meta,
        "grid_seconds": result.seconds,
        "load_averages": result.load_averages,
        "n_train": result.n_train,
        "n_val": result.n_val,
        "n_test": len(result.labels),
        "seed": config.seed,
        "confidence_level": config.level,
        "alpha": config.alpha,
        "correction": "holm",
        "families": [
            {
                "label": f.label,
                "model": f.model,
                "params": _plain(f.params),
                "feature_model": f.feature_model,
                "feature_params": _plain(f.feature_params),
                "variants": f.variants,
            }
            for f in config.families
        ],
        "variants": [
            {"name": v.name, "preprocess": list(v.preprocess), "features": list(v.features)} for v in config.variants
        ],
        "degradations": {name: vars(DEGRADATIONS[name]) for name in config.degradations},
        "cells": [c.to_dict() for c in cells],
        "summary": {"best_clean": _best_clean(cells)},
    }


def _best_clean(cells: Sequence[Cell]) -> dict[str, Any]:
    clean = [c for c in cells if c.test_set == "test"]
    best = min(clean, key=lambda c: c.error.rate)
    return {"family": best.family, "variant": best.variant, "accuracy": 1 - best.error.rate}


def _plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values (tuples become lists)."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}
