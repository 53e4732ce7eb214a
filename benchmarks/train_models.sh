#!/usr/bin/env bash
# Train every issue-2 model on the full 48k/12k/10k split through the CLI, one after
# the other (never in parallel: the timings share the machine), then print one
# side-by-side table of test accuracy, fit time and predict time.
#
#   DIGITS_DATA_DIR=../shared/data/mnist bash benchmarks/train_models.sh [OUT_ROOT] [MODEL ...]
set -euo pipefail
root=${1:-runs/bench}
shift || true
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(numpy-mlp svm random-forest knn sk-mlp logistic decision-tree)
digits=${DIGITS_BIN:-.venv/bin/digits}
mkdir -p "$root"
for m in "${models[@]}"; do
    echo "== digits train $m --out $root/$m" >&2
    "$digits" train "$m" --out "$root/$m" --no-progress
done
"$digits" compare "${models[@]/#/$root/}"
