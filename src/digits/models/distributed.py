"""Where training runs: one device, or one rank of a ``torchrun`` job.

``torchrun`` (``python -m torch.distributed.run``) starts one process per
rank and sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK`` and the rendezvous
address in the environment. :func:`training_context` reads them, joins the
process group (gloo on CPU, nccl on CUDA) when ``WORLD_SIZE > 1`` and leaves
it at the end; a single process needs no group at all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from digits.errors import InputError

DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Context:
    """This process's place in the job.

    Attributes
    ----------
    device : torch.device
        Where this rank's model and data live.
    rank, world_size : int
        This process's rank and the number of processes (0 and 1 alone).
    """

    device: torch.device
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the only rank that writes checkpoints and reports progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def env_world() -> tuple[int, int, int]:
    """(rank, local rank, world size) from the ``torchrun`` environment; (0, 0, 1) alone."""
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError as exc:
        raise InputError(f"WORLD_SIZE, RANK and LOCAL_RANK must be integers ({exc}); launch with torchrun.") from exc
    return rank, local, world


def resolve_device(device: str, local_rank: int = 0, *, strict: bool = True) -> torch.device:
    """The torch device for ``'auto'`` (CUDA when available), ``'cpu'`` or ``'cuda'``.

    With ``strict=False`` a ``'cuda'`` request on a machine without CUDA
    falls back to the CPU (a saved model must load anywhere).

    Raises
    ------
    InputError
        For an unknown name, or ``'cuda'`` without a usable CUDA device when strict.
    """
    if device not in DEVICES:
        raise InputError(f"device must be one of {', '.join(DEVICES)}, got {device!r}.")
    has_cuda = torch.cuda.is_available()
    if device == "cuda" and not has_cuda and strict:
        raise InputError(
            f"device='cuda' was asked for, but torch {torch.__version__} sees no CUDA device "
            f"(torch.version.cuda={torch.version.cuda}). Use device='auto' or device='cpu'."
        )
    if device == "cpu" or not has_cuda:
        return torch.device("cpu")
    return torch.device("cuda", local_rank % torch.cuda.device_count())


@contextlib.contextmanager
def training_context(device: str) -> Iterator[Context]:
    """Join the ``torchrun`` process group if there is one; yield this rank's :class:`Context`.

    A group this function created is destroyed on exit; one the caller
    created already is reused and left alone.
    """
    _, local_rank, world = env_world()
    where = resolve_device(device, local_rank)
    if world <= 1:
        yield Context(where)
        return
    owned = not dist.is_initialized()
    if owned:
        if where.type == "cuda":
            torch.cuda.set_device(where)
        dist.init_process_group(backend="nccl" if where.type == "cuda" else "gloo")
    try:
        yield Context(where, dist.get_rank(), dist.get_world_size())
    finally:
        if owned:
            dist.destroy_process_group()


def wrap(net: nn.Module, ctx: Context) -> nn.Module:
    """``net`` inside ``DistributedDataParallel`` for a distributed run, else ``net`` itself."""
    if not ctx.distributed:
        return net
    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(net, device_ids=ids)


def all_sum(values: list[float], ctx: Context) -> list[float]:
    """Element-wise sum of ``values`` over all ranks (``values`` itself alone)."""
    if not ctx.distributed:
        return values
    total = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total.tolist()


def sync_buffers(net: nn.Module, ctx: Context) -> None:
    """Copy rank 0's buffers (batch-norm running statistics) to every rank."""
    if ctx.distributed:
        for buffer in net.buffers():
            dist.broadcast(buffer, src=0)


def shard(indices: torch.Tensor, ctx: Context) -> torch.Tensor:
    """This rank's share of ``indices``: every ``world_size``-th element from ``rank``."""
    return indices[ctx.rank :: ctx.world_size]
