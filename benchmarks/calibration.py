"""Calibration of a saved model on the MNIST test set: ECE before/after its temperature, error-reject curve.

    DIGITS_DATA_DIR=../shared/data/mnist .venv/bin/python benchmarks/calibration.py [MODEL_DIR] [--plot PNG]

MODEL_DIR defaults to the shipped model; its temperature must have been fitted on the
validation split (`digits calibrate MODEL_DIR`). Prints a table; writes the curve as PNG.
"""

from __future__ import annotations

import argparse

import numpy as np

from digits.data import load_mnist
from digits.evaluation.calibration import apply_temperature, ece, error_reject_curve, plot_error_reject
from digits.models import load_model
from digits.models.pretrained import shipped_model_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", nargs="?", default=None, help="model folder (default: the shipped model)")
    parser.add_argument("--plot", default="docs/error_reject.png", help="PNG to write (default: docs/error_reject.png)")
    args = parser.parse_args()
    folder = args.model_dir or shipped_model_dir()
    model = load_model(folder)
    temperature = model.info_["calibration"]["temperature"]
    test = load_mnist().test
    raw = model.predict_proba(test.images)
    calibrated = apply_temperature(raw, temperature, kind="proba")
    print(f"model {folder}, temperature {temperature:.4f} (fitted on validation)")
    print(f"test ECE: raw {ece(raw, test.labels):.4f}, calibrated {ece(calibrated, test.labels):.4f}")
    rejects, errors = error_reject_curve(calibrated, test.labels)
    print("reject rate  error rate")
    for target in (0.0, 0.005, 0.01, 0.02, 0.05, 0.10):
        i = int(np.searchsorted(rejects, target))
        i = min(i, len(rejects) - 1)
        print(f"{100 * rejects[i]:10.2f} %  {100 * errors[i]:8.3f} %")
    plot_error_reject({model.name: (rejects, errors)}, args.plot, title="Error-reject curve, MNIST test")
    print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
