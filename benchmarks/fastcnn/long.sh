#!/usr/bin/env bash
# Target-2 long recipe: 3 seeds, run one after the other (never in parallel).
cd "$(dirname "$0")"
P=../../.venv/bin/python
for seed in 0 1 2; do
  $P search.py --arch c16-p-c32-c32-p-c64-f128 --epochs 20 --bs 256 --opt sgd --lr 0.2 --wd 5e-4 \
    --ls 0.1 --seed $seed --threads 1 --channels-last --bf16 --eval-every 5 \
    --json long.jsonl --save long_seed$seed.pt
done
