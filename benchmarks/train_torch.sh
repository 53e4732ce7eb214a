#!/usr/bin/env bash
# Issue 3 runs through the CLI, one after the other (never in parallel: timings share the machine):
#   fast-cnn, default 20-epoch recipe, seeds 0 1 2   (target: mean test accuracy >= 99.70 %)
#   fast-cnn, 4-epoch recipe                          (target: >= 99.5 % within 60 s of training)
#   the write-ups' networks with their published settings
# then one `digits benchmark` table over all of them (speed measured in the same session).
#
#   DIGITS_DATA_DIR=../shared/data/mnist bash benchmarks/train_torch.sh [OUT_ROOT] [STEP ...]
set -euo pipefail
root=${1:-runs/torch}
shift || true
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(fast-cnn fast-cnn-60s write-ups table)
digits=${DIGITS_BIN:-.venv/bin/digits}
mkdir -p "$root"
train() {  # OUT MODEL [ARGS...]
    local out=$1; shift
    echo "== $(date -u +%H:%M:%S) digits train $* --out $root/$out (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$digits" train "$@" --out "$root/$out" --no-progress
}
for step in "${steps[@]}"; do
    case $step in
        fast-cnn) for seed in 0 1 2; do train "fast-cnn-seed$seed" fast-cnn --seed "$seed"; done ;;
        fast-cnn-60s) train fast-cnn-4ep fast-cnn --param epochs=4 ;;
        write-ups) for m in ann cnn-s2 lenet5 cnn-s1 cnn-s3; do train "$m" "$m"; done ;;
        vgg16-1ep) train vgg16-1ep vgg16 --param epochs=1 ;;
        table) "$digits" benchmark --no-progress --out "$root/benchmark" $(for d in "$root"/*/model.json; do echo --from "$(dirname "$d")"; done) ;;
        *) echo "unknown step $step" >&2; exit 2 ;;
    esac
done
