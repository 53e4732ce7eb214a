"""The training loop under ``torchrun`` with DistributedDataParallel (2 CPU ranks, gloo).

``tests/ddp_worker.py`` trains cnn-s2 on 4,000 MNIST images on each rank's
share of every batch; the ranks must end with identical weights, only rank 0
may write checkpoints, and the result must match a single-process run of the
same configuration: every rank draws the same permutation and keeps every
second row of each global batch, so the gradient steps are the same and only
floating-point rounding differs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import ddp_worker  # tests/ is on sys.path, like conftest

pytestmark = pytest.mark.mnist


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def torchrun(out: Path, mnist_dir: Path, n_procs: int = 2) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(n_procs),
        "--master-addr", "127.0.0.1", "--master-port", str(free_port()),
        str(Path(ddp_worker.__file__)), str(out),
    ]  # fmt: skip
    env = {**os.environ, "DIGITS_DATA_DIR": str(mnist_dir), "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)


def test_two_ranks_agree_with_each_other_and_with_one_process(mnist_dir, tmp_path, monkeypatch):
    ddp, single = tmp_path / "ddp", tmp_path / "single"
    ddp.mkdir()
    single.mkdir()
    run = torchrun(ddp, mnist_dir)
    assert run.returncode == 0, run.stderr[-3000:]

    rank0, rank1 = (load_file(str(ddp / f"rank{r}.safetensors")) for r in (0, 1))
    assert rank0.keys() == rank1.keys()
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)
    assert (ddp / "checkpoints" / "rank0" / "checkpoint.pt").is_file()
    assert not (ddp / "checkpoints" / "rank1").exists()  # only rank 0 writes

    monkeypatch.setenv("DIGITS_DATA_DIR", str(mnist_dir))
    ddp_worker.train(single)
    alone = load_file(str(single / "rank0.safetensors"))
    largest = max(float((rank0[k] - alone[k]).abs().max()) for k in rank0)
    assert largest < 1e-3, f"DDP and single-process weights differ by up to {largest}"

    reports = [json.loads((folder / "rank0.json").read_text()) for folder in (ddp, single)]
    accuracies = [r["val_accuracy"] for r in reports]
    assert min(accuracies) >= 0.9, accuracies
    assert abs(accuracies[0] - accuracies[1]) <= 0.01, accuracies
    assert json.loads((ddp / "rank1.json").read_text())["val_accuracy"] == accuracies[0]
