#!/usr/bin/env bash
# One side-by-side table of every model trained by benchmarks/train_models.sh (issue 2) and
# benchmarks/train_torch.sh (issue 3): accuracy from each run's metrics.json, speed measured
# now, in one process, one model after the other. Then fast-cnn again through onnxruntime.
#
#   DIGITS_DATA_DIR=../shared/data/mnist bash benchmarks/all_models.sh [OUT_ROOT]
set -euo pipefail
out=${1:-runs/all}
digits=${DIGITS_BIN:-.venv/bin/digits}
runs=()
for d in runs/bench/*/ runs/torch/*/; do
    [ -f "$d/model.json" ] && [ -f "$d/metrics.json" ] && runs+=(--from "${d%/}")
done
"$digits" benchmark --no-progress --out "$out" "${runs[@]}"
fast=()
for d in runs/torch/fast-cnn-*/; do
    "$digits" export "${d%/}" >/dev/null
    fast+=(--from "${d%/}")
done
echo
"$digits" benchmark --no-progress --runtime onnx --out "$out-onnx" "${fast[@]}"
