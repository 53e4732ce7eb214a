"""Measure fast-cnn candidates for MNIST on a small CPU.

Trains on the 48k train split only, reports validation accuracy, training
wall-clock seconds (timer covers only the training loop: shuffling,
augmentation, forward, backward, optimizer step; per-epoch validation is
excluded from the clock and reported separately) and the final test accuracy.

Examples
--------
    .venv/bin/python benchmarks/fastcnn/search.py --arch c24-p-c48-c48-p-c96-g \
        --epochs 4 --bs 256 --lr 0.2 --seed 0
    .venv/bin/python benchmarks/fastcnn/search.py --arch ... --epoch-time-only 30
    .venv/bin/python benchmarks/fastcnn/search.py --arch ... --bench-infer

Arch string: dash-separated tokens
    cN   3x3 conv (padding 1, no bias) + BatchNorm + activation, N channels
    kN   5x5 conv (padding 2) + BatchNorm + activation
    vN   3x3 conv without padding + BatchNorm + activation
    p    2x2 max-pool
    g    global average pool + linear(10)
    fN   flatten + linear(N) + BN1d + act, then linear(10)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

# On a shared 2-core box, spinning OpenMP workers are disastrous under contention
# (measured 2x slower steps); let idle workers sleep unless the caller says otherwise.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081


def build(arch: str, act: str = "relu") -> nn.Sequential:
    Act = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU}[act]
    layers: list[nn.Module] = []
    c, hw = 1, 28
    for tok in arch.split("-"):
        kind, rest = tok[0], tok[1:]
        if kind in "ckv":
            n = int(rest)
            k, pad = {"c": (3, 1), "k": (5, 2), "v": (3, 0)}[kind]
            layers += [nn.Conv2d(c, n, k, padding=pad, bias=False), nn.BatchNorm2d(n), Act()]
            c, hw = n, hw + 2 * pad - k + 1
        elif kind == "p":
            layers.append(nn.MaxPool2d(2))
            hw //= 2
        elif kind == "g":
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10)]
        elif kind == "f":
            n = int(rest)
            layers += [nn.Flatten(), nn.Linear(c * hw * hw, n, bias=False), nn.BatchNorm1d(n), Act(), nn.Linear(n, 10)]
        else:
            raise ValueError(f"bad token {tok!r}")
    return nn.Sequential(*layers)


def macs(model: nn.Module) -> int:
    """Forward multiply-accumulates per image (conv + linear)."""
    total = 0

    def hook(m, inp, out):
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += out.numel() // out.shape[0] * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features

    hs = [m.register_forward_hook(hook) for m in model.modules()]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hs:
        h.remove()
    return total


def augment(x: torch.Tensor, g: torch.Generator, rot: float, scale: float, shift: float, shear: float) -> torch.Tensor:
    """Random affine per image, done for the whole batch with affine_grid/grid_sample.

    rot, shear in degrees; scale = max relative zoom (0.1 -> 0.9..1.1);
    shift in pixels. Background is 0 after normalisation shift handled by
    sampling the un-normalised image (zeros padding).
    """
    b = x.shape[0]
    u = lambda: torch.rand(b, generator=g) * 2 - 1  # noqa: E731
    a = u() * math.radians(rot)
    sh = u() * math.radians(shear)
    s = 1 + u() * scale
    tx, ty = u() * shift * 2 / 28, u() * shift * 2 / 28
    cos, sin = torch.cos(a), torch.sin(a)
    # inverse map (output -> input coords): rotation * shear / scale
    theta = torch.empty(b, 2, 3)
    theta[:, 0, 0] = cos / s
    theta[:, 0, 1] = (-sin + cos * torch.tan(sh)) / s
    theta[:, 1, 0] = sin / s
    theta[:, 1, 1] = (cos + sin * torch.tan(sh)) / s
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).float().div_(255).unsqueeze(1)


@torch.inference_mode()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, cl: bool, bs: int = 2000) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), bs):
        xb = (x[i : i + bs] - MEAN) / STD
        if cl:
            xb = xb.contiguous(memory_format=torch.channels_last)
        correct += (model(xb).argmax(1) == y[i : i + bs]).sum().item()
    return correct / len(x)


@torch.inference_mode()
def bench_infer(model: nn.Module, x: torch.Tensor, cl: bool) -> dict:
    model.eval()
    xb = (x[:1000] - MEAN) / STD
    x1 = xb[:1].clone()
    if cl:
        xb = xb.contiguous(memory_format=torch.channels_last)
        x1 = x1.contiguous(memory_format=torch.channels_last)
    return bench(model, xb, x1)


@torch.inference_mode()
def bench(f, xb: torch.Tensor, x1: torch.Tensor, reps: int = 10, single: int = 300) -> dict:
    """Throughput of ``f`` on batch ``xb`` and median/p90 latency on the single image ``x1``."""
    for _ in range(3):
        f(xb)
    t = time.perf_counter()
    for _ in range(reps):
        f(xb)
    thr = reps * len(xb) / (time.perf_counter() - t)
    for _ in range(50):
        f(x1)
    lat = []
    for _ in range(single):
        t = time.perf_counter()
        f(x1)
        lat.append(time.perf_counter() - t)
    lat_ms = np.array(lat) * 1e3
    return {
        "img_s": round(thr),
        "lat_ms_med": round(float(np.median(lat_ms)), 3),
        "lat_ms_p90": round(float(np.percentile(lat_ms, 90)), 3),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", default="c24-p-c48-c48-p-c96-g")
    ap.add_argument("--act", default="relu", choices=["relu", "gelu", "silu"])
    ap.add_argument("--epochs", type=float, default=4)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--opt", default="sgd", choices=["sgd", "adamw"])
    ap.add_argument("--lr", type=float, default=0.2, help="peak LR of the one-cycle schedule")
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--pct-start", type=float, default=0.25)
    ap.add_argument("--ls", type=float, default=0.1, help="label smoothing")
    ap.add_argument("--rot", type=float, default=10.0)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--shift", type=float, default=2.0)
    ap.add_argument("--shear", type=float, default=10.0)
    ap.add_argument("--no-aug", action="store_true")
    ap.add_argument(
        "--aug-off-last", type=float, default=0.0, help="train the last this-many epochs without augmentation"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--bf16", action="store_true", help="CPU autocast bfloat16 for training")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--eval-every", type=int, default=1, help="0 = only at the end")
    ap.add_argument(
        "--epoch-time-only", type=int, default=0, help="time this many steps, print projected s/epoch and exit"
    )
    ap.add_argument("--bench-infer", action="store_true")
    ap.add_argument("--save", default="")
    ap.add_argument("--json", default="", help="append a result line to this file")
    ap.add_argument("--data", default=os.environ.get("DIGITS_DATA_DIR", "/work/shared/data/mnist"))
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    from digits.data import load_mnist

    s = load_mnist(a.data, download=False)
    xtr, ytr = to_tensor(s.train.images), torch.from_numpy(s.train.labels.astype(np.int64))
    xva, yva = to_tensor(s.val.images), torch.from_numpy(s.val.labels.astype(np.int64))
    xte, yte = to_tensor(s.test.images), torch.from_numpy(s.test.labels.astype(np.int64))

    model = build(a.arch, a.act)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"arch={a.arch} params={nparams} fwd_MACs={macs(model) / 1e6:.2f}M load={os.getloadavg()[0]:.2f}", flush=True)
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
    if a.bench_infer:
        print(json.dumps(bench_infer(model, xte, a.channels_last)))
        return 0

    n = len(xtr)
    steps_per_epoch = n // a.bs  # drop last partial batch
    total_steps = max(1, round(a.epochs * steps_per_epoch))
    decay, no_decay = [], []
    for p in model.parameters():
        (decay if p.ndim > 1 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": a.wd}, {"params": no_decay, "weight_decay": 0.0}]
    if a.opt == "sgd":
        opt = torch.optim.SGD(groups, lr=a.lr, momentum=0.9, nesterov=True)
    else:
        opt = torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=a.lr,
        total_steps=total_steps,
        pct_start=a.pct_start,
        div_factor=10,
        final_div_factor=100,
        cycle_momentum=(a.opt == "sgd"),
        base_momentum=0.85,
        max_momentum=0.95,
    )
    crit = nn.CrossEntropyLoss(label_smoothing=a.ls)
    g = torch.Generator().manual_seed(a.seed)
    step_fn = model
    if a.compile:
        step_fn = torch.compile(model)
    aug_off_step = total_steps - round(a.aug_off_last * steps_per_epoch)

    train_time, cpu_time, eval_time, step, epoch = 0.0, 0.0, 0.0, 0, 0
    history = []
    while step < total_steps:
        epoch += 1
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()
        perm = torch.randperm(n, generator=g)
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            if step >= total_steps:
                break
            idx = perm[i * a.bs : (i + 1) * a.bs]
            xb = xtr[idx]
            if not a.no_aug and step < aug_off_step:
                xb = augment(xb, g, a.rot, a.scale, a.shift, a.shear)
            xb = (xb - MEAN) / STD
            if a.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
                out = step_fn(xb)
            loss = crit(out.float(), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if a.epoch_time_only and step == 5:
                tw, cw = time.perf_counter(), time.process_time()  # skip warm-up steps
            if a.epoch_time_only and step == 5 + a.epoch_time_only:
                dt = (time.perf_counter() - tw) / a.epoch_time_only
                dc = (time.process_time() - cw) / a.epoch_time_only
                print(
                    f"s/step={dt:.4f} projected s/epoch={dt * steps_per_epoch:.2f} "
                    f"cpu_s/epoch={dc * steps_per_epoch:.2f} "
                    f"load={os.getloadavg()[0]:.2f}"
                )
                return 0
            if i % 20 == 0:
                loss_sum = loss.item()
        dt = time.perf_counter() - t0
        train_time += dt
        cpu_time += time.process_time() - c0
        last = step >= total_steps
        if (a.eval_every and epoch % a.eval_every == 0) or last:
            te = time.perf_counter()
            va = evaluate(model, xva, yva, a.channels_last)
            eval_time += time.perf_counter() - te
            history.append((epoch, va))
            print(
                f"epoch {epoch} step {step}/{total_steps} loss~{loss_sum:.3f} val={va:.4f} "
                f"epoch_s={dt:.1f} train_s={train_time:.1f} cpu_s={cpu_time:.1f} load={os.getloadavg()[0]:.2f}",
                flush=True,
            )
    val = history[-1][1]
    test = evaluate(model, xte, yte, a.channels_last)
    res = {
        "arch": a.arch,
        "act": a.act,
        "params": nparams,
        "epochs": a.epochs,
        "bs": a.bs,
        "opt": a.opt,
        "lr": a.lr,
        "wd": a.wd,
        "ls": a.ls,
        "aug": not a.no_aug,
        "aug_params": [a.rot, a.scale, a.shift, a.shear],
        "aug_off_last": a.aug_off_last,
        "seed": a.seed,
        "cl": a.channels_last,
        "bf16": a.bf16,
        "val": val,
        "test": test,
        "train_s": round(train_time, 1),
        "cpu_s": round(cpu_time, 1),
        "load_end": round(os.getloadavg()[0], 2),
        "s_per_epoch": round(train_time / a.epochs, 2),
        "eval_s": round(eval_time, 1),
    }
    print("RESULT " + json.dumps(res), flush=True)
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(res) + "\n")
    if a.save:
        torch.save(model.state_dict(), a.save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
