"""The torch architectures, each a plain function of its size parameters.

Every builder returns an ``nn.Module`` that maps images of shape
(n, 1, 28, 28), grey levels in [0, 1], to logits of shape (n, 10). Builders
are looked up by name in :data:`ARCHITECTURES`; the registered models in
:mod:`digits.models.torch_model` pass their architecture hyperparameters
straight through, so swapping a design means editing one function here.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Sequence

import torch
from torch import nn

from digits.errors import InputError
from digits.models.inputs import N_CLASSES

SIDE = 28


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_widths(key: str, widths: Sequence[int], length: int | None = None) -> tuple[int, ...]:
    """Positive integer widths, optionally exactly ``length`` of them."""
    ok = isinstance(widths, (tuple, list)) and all(_is_int(w) and int(w) > 0 for w in widths)
    if not ok or not widths or (length is not None and len(widths) != length):
        count = f"{length} " if length is not None else ""
        raise InputError(f"{key} must be a tuple of {count}positive integers such as (32, 64), got {widths!r}.")
    return tuple(int(w) for w in widths)


def _check_width(key: str, width: int) -> int:
    if not (_is_int(width) and int(width) > 0):
        raise InputError(f"{key} must be a positive integer, got {width!r}.")
    return int(width)


def _conv_bn_relu(c_in: int, c_out: int, kernel: int = 3) -> list[nn.Module]:
    """'Same' convolution (no bias: BN adds one), batch norm, ReLU."""
    conv = nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False)
    return [conv, nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class GlobalAvgPool(nn.Module):
    """Mean over the spatial axes: (n, c, h, w) -> (n, c).

    Same as ``AdaptiveAvgPool2d(1)`` + ``Flatten``, but its CUDA backward is
    deterministic.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


def ann(*, hidden: Sequence[int] = (512, 128)) -> nn.Module:
    """Dense network 784 -> hidden... -> 10 with ReLU (the write-up's 784-512-128-10)."""
    widths = (SIDE * SIDE, *_check_widths("hidden", hidden), N_CLASSES)
    layers: list[nn.Module] = [nn.Flatten()]  # (n, 784)
    for w_in, w_out in itertools.pairwise(widths[:-1]):  # hidden layers
        layers += [nn.Linear(w_in, w_out), nn.ReLU(inplace=True)]
    layers.append(nn.Linear(widths[-2], widths[-1]))
    return nn.Sequential(*layers)


def cnn_s1(
    *, channels: Sequence[int] = (32, 64, 128), kernels: Sequence[int] = (3, 5, 3), hidden: int = 120
) -> nn.Module:
    """3 x [conv-BN-ReLU-maxpool] (28 -> 14 -> 7 -> 3), dense ``hidden``-ReLU, output.

    The write-up's second convolution is 5x5, hence ``kernels=(3, 5, 3)``.
    """
    channels, kernels = _check_widths("channels", channels, 3), _check_widths("kernels", kernels, 3)
    if any(k % 2 == 0 for k in kernels):
        raise InputError(f"kernels must be odd sizes such as (3, 5, 3), got {kernels!r}.")
    hidden = _check_width("hidden", hidden)
    layers: list[nn.Module] = []
    for c_in, c_out, k in zip((1, *channels[:-1]), channels, kernels, strict=True):
        layers += [*_conv_bn_relu(c_in, c_out, k), nn.MaxPool2d(2)]
    flat = channels[-1] * 3 * 3  # (n, c, 3, 3) after three poolings
    layers += [nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, N_CLASSES)]
    return nn.Sequential(*layers)


def cnn_s2(*, channels: int = 32, hidden: int = 128) -> nn.Module:
    """conv3x3 (valid, 28 -> 26)-ReLU-maxpool (13)-flatten-dense ``hidden``-ReLU-output."""
    c, hidden = _check_width("channels", channels), _check_width("hidden", hidden)
    return nn.Sequential(
        nn.Conv2d(1, c, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # (n, c, 13, 13)
        nn.Flatten(), nn.Linear(c * 13 * 13, hidden), nn.ReLU(inplace=True),
        nn.Linear(hidden, N_CLASSES),
    )  # fmt: skip


def cnn_s3(*, channels: Sequence[int] = (32, 64), hidden: int = 256) -> nn.Module:
    """Keras ``mnist_cnn``: conv-conv (valid, 28 -> 24)-maxpool-dropout .25-dense-dropout .5-output."""
    (c1, c2), hidden = _check_widths("channels", channels, 2), _check_width("hidden", hidden)
    return nn.Sequential(
        nn.Conv2d(1, c1, 3), nn.ReLU(inplace=True),  # (n, c1, 26, 26)
        nn.Conv2d(c1, c2, 3), nn.ReLU(inplace=True),  # (n, c2, 24, 24)
        nn.MaxPool2d(2), nn.Dropout(0.25),  # (n, c2, 12, 12)
        nn.Flatten(), nn.Linear(c2 * 12 * 12, hidden), nn.ReLU(inplace=True),
        nn.Dropout(0.5), nn.Linear(hidden, N_CLASSES),
    )  # fmt: skip


VGG_CONVS = (2, 2, 3, 3, 3)
"""Convolutions per block of VGG16 (13 in all)."""


def vgg16(*, channels: Sequence[int] = (64, 128, 256, 512, 512), hidden: int = 256) -> nn.Module:
    """VGG16 (with batch norm) for 28x28, as in the TeddyMeg write-up.

    Blocks of 2, 2, 3, 3, 3 conv3x3-BN-ReLU layers; the first four end in a
    2x2 max-pool (28 -> 14 -> 7 -> 3 -> 1) and the fifth works at 1x1, so no
    pooling makes the image vanish. Then ``channels[-1] -> hidden -> hidden
    -> 10`` with ReLU and dropout 0.5.
    """
    channels = _check_widths("channels", channels, 5)
    hidden = _check_width("hidden", hidden)
    layers: list[nn.Module] = []
    c_in = 1
    for block, (c_out, n_convs) in enumerate(zip(channels, VGG_CONVS, strict=True)):
        for _ in range(n_convs):
            layers += _conv_bn_relu(c_in, c_out)
            c_in = c_out
        if block < len(VGG_CONVS) - 1:
            layers.append(nn.MaxPool2d(2))
    layers += [
        nn.Flatten(),  # (n, channels[-1]): the fifth block's maps are 1x1
        nn.Linear(c_in, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(0.5),
        nn.Linear(hidden, N_CLASSES),
    ]  # fmt: skip
    return nn.Sequential(*layers)


def lenet5(*, activation: str = "tanh", pool: str = "avg") -> nn.Module:
    """LeNet-5: conv6 5x5 pad 2 (28)-pool (14)-conv16 5x5 (10)-pool (5)-120-84-10."""
    acts: dict[str, Callable[[], nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU}
    pools: dict[str, Callable[[int], nn.Module]] = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}
    if activation not in acts:
        raise InputError(f"activation must be one of {', '.join(acts)}, got {activation!r}.")
    if pool not in pools:
        raise InputError(f"pool must be one of {', '.join(pools)}, got {pool!r}.")
    act, pooling = acts[activation], pools[pool]
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), act(), pooling(2),  # (n, 6, 14, 14)
        nn.Conv2d(6, 16, 5), act(), pooling(2),  # (n, 16, 5, 5)
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(),
        nn.Linear(84, N_CLASSES),
    )  # fmt: skip


class Standardize(nn.Module):
    """``(x - mean) / std`` with MNIST's pixel mean and deviation, so padding sees the background as -0.42."""

    def __init__(self, mean: float = 0.1307, std: float = 0.3081) -> None:
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


def fast_cnn(*, channels: Sequence[int] = (16, 32, 64), hidden: int = 128) -> nn.Module:
    """Our design for a 2-core CPU, chosen by measurement (``benchmarks/fastcnn``).

    conv c0 - pool - conv c1 - conv c1 - pool - conv c2 (all 3x3-BN-ReLU),
    then flatten (c2 x 7 x 7) - dense ``hidden`` - BN - ReLU - 10. Few
    channels at full resolution keep it cheap (about 4 M multiply-adds per
    image); the dense head on the 7x7 map does the rest.
    """
    c0, c1, c2 = _check_widths("channels", channels, 3)
    hidden = _check_width("hidden", hidden)
    return nn.Sequential(
        Standardize(),
        *_conv_bn_relu(1, c0),
        nn.MaxPool2d(2),  # (n, c0, 14, 14)
        *_conv_bn_relu(c0, c1),
        *_conv_bn_relu(c1, c1),
        nn.MaxPool2d(2),  # (n, c1, 7, 7)
        *_conv_bn_relu(c1, c2),
        nn.Flatten(),  # (n, c2 * 49)
        nn.Linear(c2 * 49, hidden, bias=False),
        nn.BatchNorm1d(hidden),
        nn.ReLU(inplace=True),
        nn.Linear(hidden, N_CLASSES),
    )


ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "ann": ann,
    "cnn-s1": cnn_s1,
    "cnn-s2": cnn_s2,
    "cnn-s3": cnn_s3,
    "vgg16": vgg16,
    "lenet5": lenet5,
    "fast-cnn": fast_cnn,
}


def build_net(architecture: str, **params: object) -> nn.Module:
    """The network called ``architecture`` built with ``params`` (its size arguments)."""
    if architecture not in ARCHITECTURES:
        raise InputError(f"Unknown architecture {architecture!r}. Valid: {', '.join(ARCHITECTURES)}.")
    return ARCHITECTURES[architecture](**params)


def count_parameters(net: nn.Module) -> int:
    """Number of trainable scalars in ``net``."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def output_shape(net: nn.Module, n: int = 2) -> tuple[int, ...]:
    """Shape of ``net``'s output for ``n`` blank images, shape (n, 1, 28, 28)."""
    was_training = net.training
    net.eval()
    with torch.inference_mode():
        shape = tuple(net(torch.zeros(n, 1, SIDE, SIDE)).shape)
    net.train(was_training)
    return shape
