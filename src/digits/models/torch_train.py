"""The one training loop of every torch model, on one device or under ``torchrun``.

Images stay in memory as one tensor; each epoch draws a seeded permutation
and walks it in mini-batches (no DataLoader, no worker processes). Under
DistributedDataParallel every rank draws the same permutation and the same
augmentation grids for each *global* batch and keeps every ``world_size``-th
row, so ``batch_size`` means the same thing alone and on N ranks.

All randomness of an epoch is derived from ``(seed, epoch)`` (and the rank,
for dropout), never carried over from the previous epoch. A checkpoint
written after epoch k (model, optimizer, scheduler, best weights, history,
early-stopping state) therefore resumes to exactly the weights an
uninterrupted run would reach.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from torch import nn

from digits.errors import InputError
from digits.fileio import temp_file_beside
from digits.models import distributed
from digits.models.augment import Augmentation, random_grids, warp
from digits.models.distributed import Context

CHECKPOINT_FILE = "checkpoint.pt"
CHECKPOINT_FORMAT = 1
EVAL_BATCH = 1024
ValSet = tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]
LogFn = Callable[..., None]


@dataclass(frozen=True)
class TrainSettings:
    """How to train; built by the model from its hyperparameters (see ``TorchModel``)."""

    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    momentum: float
    weight_decay: float
    schedule: str
    label_smoothing: float
    augmentation: Augmentation | None
    patience: int
    seed: int
    precision: str = "fp32"
    channels_last: bool = False


def make_optimizer(net: nn.Module, s: TrainSettings) -> torch.optim.Optimizer:
    """The optimizer called ``s.optimizer`` over ``net``'s parameters."""
    # weight decay on weight matrices and kernels only, not on biases and batch-norm scales
    matrices = [p for p in net.parameters() if p.ndim > 1]
    vectors = [p for p in net.parameters() if p.ndim <= 1]
    params = [{"params": matrices, "weight_decay": s.weight_decay}, {"params": vectors, "weight_decay": 0.0}]
    lr = s.learning_rate
    if s.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr)
    if s.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    if s.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=s.momentum, nesterov=s.momentum > 0)
    if s.optimizer == "adadelta":  # Keras' settings: rho 0.95, epsilon 1e-7
        return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=1e-7)
    raise InputError(f"Unknown optimizer {s.optimizer!r}. Valid: adam, adamw, sgd, adadelta.")


def make_scheduler(
    opt: torch.optim.Optimizer, s: TrainSettings, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """Per-step learning-rate schedule: None (constant), one-cycle or cosine over ``total_steps``."""
    if s.schedule == "constant":
        return None
    if s.schedule == "onecycle":  # from lr/10 up to lr over 25 % of the steps, then down to lr/1000
        cycle = s.optimizer in ("adam", "adamw") or (s.optimizer == "sgd" and s.momentum > 0)
        return torch.optim.lr_scheduler.OneCycleLR(
            opt,
            max_lr=s.learning_rate,
            total_steps=total_steps,
            pct_start=0.25,
            div_factor=10,
            final_div_factor=100,
            cycle_momentum=cycle,
            base_momentum=0.85,
            max_momentum=0.95,
        )
    if s.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    raise InputError(f"Unknown schedule {s.schedule!r}. Valid: constant, onecycle, cosine.")


def epoch_seed(*parts: int) -> int:
    """A 63-bit seed derived from ``parts`` (e.g. seed, epoch, rank)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1, np.uint64)[0] >> 1)


def to_tensor(images: npt.NDArray[np.float32], device: torch.device) -> torch.Tensor:
    """(n, 28, 28) float32 array -> (n, 1, 28, 28) tensor on ``device``."""
    return torch.from_numpy(np.ascontiguousarray(images)).unsqueeze(1).to(device)


def clone_state(net: nn.Module) -> dict[str, torch.Tensor]:
    """A detached copy of ``net``'s parameters and buffers."""
    return {key: value.detach().clone() for key, value in net.state_dict().items()}


def write_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """``torch.save`` plain tensors and containers to ``path`` atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(payload, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True``: tensors and containers only, never code."""
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises several types for damaged files
        raise InputError(f"Checkpoint {path} cannot be read ({exc}). Delete it to start afresh.") from exc
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise InputError(f"{path} is not a digits checkpoint of format {CHECKPOINT_FORMAT}. Delete it to start afresh.")
    return payload


class Trainer:
    """Trains one network; keeps the state a checkpoint needs.

    Parameters
    ----------
    net : torch.nn.Module
        Maps (n, 1, 28, 28) to logits (n, 10); moved to ``ctx.device``.
    settings : TrainSettings
    ctx : Context
        Device and rank (see :mod:`digits.models.distributed`).
    log_epoch : callable
        Called as ``log_epoch(epoch, n_epochs, **metrics)`` after each epoch
        (and after its checkpoint is written).
    history : dict of str to list of float
        The per-epoch metrics logged so far; replaced in place on resume.
    checkpoint : pathlib.Path, optional
        File written (by rank 0 only) after every epoch.
    fingerprint : str
        Identifies the run; a checkpoint of another run is refused on resume.
    """

    def __init__(
        self,
        net: nn.Module,
        settings: TrainSettings,
        ctx: Context,
        log_epoch: LogFn,
        history: dict[str, list[float]],
        checkpoint: Path | None = None,
        fingerprint: str = "",
    ) -> None:
        self.net = net.to(ctx.device)
        if settings.channels_last:
            self.net = self.net.to(memory_format=torch.channels_last)
        self.model = distributed.wrap(self.net, ctx)
        self.s, self.ctx, self.log_epoch, self.history = settings, ctx, log_epoch, history
        self.checkpoint, self.fingerprint = checkpoint, fingerprint
        self.opt = make_optimizer(self.net, settings)
        self.scheduler: torch.optim.lr_scheduler.LRScheduler | None = None
        self.epoch, self.stopped = 0, False
        self.best = {"epoch": 0, "accuracy": -1.0, "loss": float("inf")}
        self.best_state: dict[str, torch.Tensor] = {}

    def fit(
        self,
        images: npt.NDArray[np.float32],
        labels: npt.NDArray[np.int64],
        val: ValSet | None,
        resume: bool = False,
    ) -> int:
        """Train on ``images`` (n, 28, 28) and ``labels`` (n,); return the epoch whose weights are kept.

        With ``val``, the weights of the best validation accuracy (ties: lower
        loss) are restored at the end and ``patience`` may stop training early.
        With ``resume``, training continues after the checkpoint's epoch.
        """
        device, world = self.ctx.device, self.ctx.world_size
        x, y = to_tensor(images, device), torch.from_numpy(labels).to(device)
        val_t = None if val is None else (to_tensor(val[0], device), torch.from_numpy(val[1]).to(device))
        steps = -(-(len(y) + (-len(y)) % world) // self.s.batch_size)  # batches per epoch, rounded up
        self.scheduler = make_scheduler(self.opt, self.s, self.s.epochs * steps)
        if resume and self._checkpoint_found():
            self.restore(read_checkpoint(self.checkpoint, device))  # type: ignore[arg-type]
        while self.epoch < self.s.epochs and not self.stopped:
            self.epoch += 1
            metrics = self._run_epoch(x, y, val_t)
            if self.checkpoint is not None and self.ctx.is_main:
                write_checkpoint(self.checkpoint, self.state(metrics))
            self.log_epoch(self.epoch, self.s.epochs, **metrics)
        if val is not None and self.best_state:
            self.net.load_state_dict(self.best_state)
            return int(self.best["epoch"])
        return self.epoch

    def _checkpoint_found(self) -> bool:
        """Whether there is a checkpoint to resume from; every rank must see the same answer."""
        found = self.checkpoint is not None and self.checkpoint.is_file()
        seen_by = distributed.all_sum([float(found)], self.ctx)[0]
        if 0 < seen_by < self.ctx.world_size:
            raise InputError(
                f"Only {seen_by:.0f} of {self.ctx.world_size} ranks see the checkpoint {self.checkpoint}; "
                "to resume, every rank needs the same checkpoint folder (a shared file system)."
            )
        return found

    def _run_epoch(
        self, x: torch.Tensor, y: torch.Tensor, val: tuple[torch.Tensor, torch.Tensor] | None
    ) -> dict[str, float]:
        """Train one epoch, evaluate, update the early-stopping state; return the epoch's metrics."""
        start = time.perf_counter()
        loss, accuracy = self._train_epoch(x, y)
        train_seconds = time.perf_counter() - start
        metrics = {"loss": loss, "accuracy": accuracy}
        distributed.sync_buffers(self.net, self.ctx)  # every rank keeps rank 0's batch-norm statistics
        if val is not None:
            metrics["val_loss"], metrics["val_accuracy"] = evaluate(self.net, *val, self.ctx)
            self._update_best(metrics["val_accuracy"], metrics["val_loss"])
        metrics["seconds"] = time.perf_counter() - start
        metrics["images_per_second"] = len(y) / max(train_seconds, 1e-9)
        return metrics

    def _train_epoch(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """One pass in seeded order; returns the mean loss and accuracy over all ranks."""
        s, ctx = self.s, self.ctx
        torch.manual_seed(epoch_seed(s.seed, self.epoch, ctx.rank, 1))  # dropout, per rank
        gen = torch.Generator().manual_seed(epoch_seed(s.seed, self.epoch))  # order and grids, shared
        order = torch.randperm(len(y), generator=gen)
        order = torch.cat([order, order[: (-len(order)) % ctx.world_size]])  # equal shards
        self.model.train()
        loss_sum = torch.zeros((), dtype=torch.float64, device=ctx.device)
        correct = torch.zeros((), dtype=torch.int64, device=ctx.device)
        for start in range(0, len(order), s.batch_size):
            batch = order[start : start + s.batch_size]  # the global batch
            grids = None if s.augmentation is None else random_grids(len(batch), s.augmentation, gen)
            mine = distributed.shard(batch, ctx).to(ctx.device)
            xb, yb = x[mine], y[mine]  # (b, 1, 28, 28), (b,)
            if grids is not None:
                xb = warp(xb, distributed.shard(grids, ctx))
            if s.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast(ctx.device.type, dtype=torch.bfloat16, enabled=s.precision == "bf16"):
                logits = self.model(xb)  # (b, 10)
            loss = F.cross_entropy(logits.float(), yb, label_smoothing=s.label_smoothing)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            if self.scheduler is not None:
                self.scheduler.step()
            loss_sum += loss.detach().double() * len(yb)
            correct += (logits.argmax(1) == yb).sum()
        sums = [loss_sum.item(), float(correct.item()), float(len(order) // ctx.world_size)]
        total_loss, total_correct, count = distributed.all_sum(sums, ctx)
        return total_loss / count, total_correct / count

    def _update_best(self, accuracy: float, loss: float) -> None:
        """Keep this epoch's weights if they beat the best; stop after ``patience`` worse epochs."""
        if (accuracy, -loss) > (self.best["accuracy"], -self.best["loss"]):
            self.best = {"epoch": self.epoch, "accuracy": accuracy, "loss": loss}
            self.best_state = clone_state(self.net)
        elif self.s.patience and self.epoch - self.best["epoch"] >= self.s.patience:
            self.stopped = True

    def state(self, metrics: dict[str, float]) -> dict[str, Any]:
        """Everything needed to continue after this epoch (``metrics`` are not yet in ``history``)."""
        history = {key: list(values) for key, values in self.history.items()}
        for key, value in metrics.items():
            history.setdefault(key, []).append(float(value))
        return {
            "format": CHECKPOINT_FORMAT,
            "fingerprint": self.fingerprint,
            "epoch": self.epoch,
            "stopped": self.stopped,
            "model": self.net.state_dict(),
            "optimizer": self.opt.state_dict(),
            "scheduler": {} if self.scheduler is None else self.scheduler.state_dict(),
            "best": dict(self.best),
            "best_model": self.best_state,
            "history": history,
        }

    def restore(self, payload: dict[str, Any]) -> None:
        """Continue from a checkpoint written by :meth:`state` for the same run."""
        if payload.get("fingerprint") != self.fingerprint:
            raise InputError(
                f"Checkpoint {self.checkpoint} belongs to a different run (other model, "
                "hyperparameters, data or number of ranks). Delete it, or train without resume."
            )
        self.net.load_state_dict(payload["model"])
        self.opt.load_state_dict(payload["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(payload["scheduler"])
        self.epoch, self.stopped = int(payload["epoch"]), bool(payload["stopped"])
        self.best, self.best_state = dict(payload["best"]), dict(payload["best_model"])
        self.history.clear()
        self.history.update({key: [float(v) for v in values] for key, values in payload["history"].items()})


def evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor, ctx: Context) -> tuple[float, float]:
    """Mean cross-entropy (no smoothing) and accuracy of ``net`` on ``x`` (n, 1, 28, 28), all ranks together."""
    net.eval()
    xs, ys = distributed.shard(x, ctx), distributed.shard(y, ctx)  # each rank a share
    loss_sum, correct = 0.0, 0
    with torch.inference_mode():
        for start in range(0, len(ys), EVAL_BATCH):
            logits = net(xs[start : start + EVAL_BATCH]).float()
            yb = ys[start : start + EVAL_BATCH]
            loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += int((logits.argmax(1) == yb).sum())
    total_loss, total_correct = distributed.all_sum([loss_sum, float(correct)], ctx)
    return total_loss / len(y), total_correct / len(y)
