"""Inference speed of a fast-cnn arch: eval mode, torch.inference_mode().

Variants: plain eager; BN folded into conv (torch.fx fuse); BN-folded + channels_last;
jit-frozen (optimize_for_inference); bf16 autocast. Batch 1000 throughput and
single-image latency.

    .venv/bin/python benchmarks/fastcnn/infer.py --arch c16-p-c32-c32-p-c64-g [--weights w.pt] [--threads 2]
"""

import argparse
import copy
import json
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch
from torch.fx.experimental.optimization import fuse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from search import bench, build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--weights", default="")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="", help="comma list of variant names")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m = build(a.arch)
    if a.weights:
        m.load_state_dict(torch.load(a.weights))
    m.eval()
    xb = torch.randn(1000, 1, 28, 28)
    x1 = xb[:1].clone()
    fused = fuse(copy.deepcopy(m))
    fused_cl = copy.deepcopy(fused).to(memory_format=torch.channels_last)
    with torch.no_grad():
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(copy.deepcopy(m), xb[:2])))

    def bf16(f):
        def g(x):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return f(x)

        return g

    cl = lambda t: t.contiguous(memory_format=torch.channels_last)  # noqa: E731
    variants = {
        "eager": (m, xb, x1),
        "fused": (fused, xb, x1),
        "fused_cl": (fused_cl, cl(xb), cl(x1)),
        "jit_frozen": (frozen, xb, x1),
        "fused_bf16": (bf16(fused), xb, x1),
        "fused_cl_bf16": (bf16(fused_cl), cl(xb), cl(x1)),
    }
    with torch.inference_mode():
        ref = m(xb[:50])
        for name, (f, b, _) in variants.items():
            d = (f(b[:50]).float() - ref).abs().max().item()
            assert d < 0.5, (name, d)
    print(f"arch={a.arch} threads={a.threads} load={os.getloadavg()[0]:.2f}")
    for name, (f, b, one) in variants.items():
        if a.only and name not in a.only.split(","):
            continue
        print(name, json.dumps(bench(f, b, one)), flush=True)


if __name__ == "__main__":
    main()
