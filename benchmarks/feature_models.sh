#!/usr/bin/env bash
# Train the feature-pipeline models (issue 6) on the full 48k/12k/10k split through
# the CLI, one after the other, and print their test accuracy, fit and predict times.
# The HOG settings and C were chosen on the validation split by benchmarks/hog_settings.py.
#
#   DIGITS_DATA_DIR=../shared/data/mnist bash benchmarks/feature_models.sh [OUT_ROOT]
set -euo pipefail
exec bash "$(dirname "$0")/train_models.sh" "${1:-runs/features}" hog-svm pca-svm deskew-knn
