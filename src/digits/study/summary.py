"""From the grid's predictions to scored cells: error rates, McNemar against the baseline, Holm.

Every (family, variant, test set) becomes a :class:`Cell`. A cell whose
variant is not the baseline is tested against the baseline cell of the same
family on the same test set; the p-values of all those tests form one
family of comparisons, corrected together with Holm's method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from digits.study.config import BASELINE
from digits.study.grid import GridResult
from digits.study.stats import ErrorRate, McNemar, error_rate, holm, mcnemar


@dataclass(frozen=True)
class Cell:
    """One model family, one variant, one test set.

    Attributes
    ----------
    family, variant, test_set : str
    error : ErrorRate
        Error rate with its confidence interval.
    baseline_rate : float
        The same family's error rate with the baseline variant on the same set.
    mcnemar : McNemar or None
        Against the baseline (None for the baseline itself).
    p_holm : float or None
        McNemar's p after Holm's correction over every comparison of the study.
    fit_seconds, predict_seconds : float
        Of the cell's model (prediction time over all test sets).
    """

    family: str
    variant: str
    test_set: str
    error: ErrorRate
    baseline_rate: float
    mcnemar: McNemar | None
    p_holm: float | None
    fit_seconds: float
    predict_seconds: float

    def significant(self, alpha: float) -> bool:
        """Whether the change from the baseline is significant after Holm's correction."""
        return self.p_holm is not None and self.p_holm < alpha

    @property
    def change(self) -> float:
        """Error rate minus the baseline's (negative: fewer errors)."""
        return self.error.rate - self.baseline_rate

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        test = self.mcnemar
        return {
            "family": self.family,
            "variant": self.variant,
            "test_set": self.test_set,
            "n": self.error.n,
            "errors": self.error.errors,
            "error_rate": self.error.rate,
            "ci_low": self.error.low,
            "ci_high": self.error.high,
            "baseline_error_rate": self.baseline_rate,
            "mcnemar_b": None if test is None else test.b,
            "mcnemar_c": None if test is None else test.c,
            "p_value": None if test is None else test.p_value,
            "p_holm": self.p_holm,
            "fit_seconds": self.fit_seconds,
            "predict_seconds": self.predict_seconds,
        }


def summarize(result: GridResult) -> list[Cell]:
    """Score every (family, variant, test set) of a grid run.

    Returns
    -------
    list of Cell
        In run order, test sets in :attr:`StudyConfig.eval_sets` order.
    """
    config = result.config
    correct = {
        (run.family, run.variant, name): np.asarray(pred) == result.labels
        for run in result.runs
        for name, pred in run.predictions.items()
    }
    keys = [(run, name) for run in result.runs for name in config.eval_sets]
    tests = {
        (f, v, name): mcnemar(correct[f, BASELINE, name], correct[f, v, name])
        for f, v, name in ((run.family, run.variant, name) for run, name in keys)
        if v != BASELINE
    }
    adjusted = dict(zip(tests, holm([t.p_value for t in tests.values()]), strict=True)) if tests else {}
    cells = []
    for run, name in keys:
        key = (run.family, run.variant, name)
        cells.append(
            Cell(
                run.family,
                run.variant,
                name,
                error_rate(correct[key], config.level),
                float(1.0 - correct[run.family, BASELINE, name].mean()),
                tests.get(key),
                None if key not in adjusted else float(adjusted[key]),
                run.fit_seconds,
                run.predict_seconds,
            )
        )
    return cells
