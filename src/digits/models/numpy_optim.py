"""Optimizers for :mod:`digits.models.numpy_net`: SGD with momentum, Adam, and lr decay.

An optimizer updates each :class:`~digits.models.numpy_net.Parameter` in
place from its ``grad``. Its ``lr`` may be changed between steps (that is how
the learning-rate schedule is applied).
"""

from __future__ import annotations

import numpy as np

from digits.models.numpy_net import Array, Parameter

OPTIMIZERS = ("adam", "sgd")


class Optimizer:
    """Base class: holds the parameters and the current learning rate."""

    def __init__(self, parameters: list[Parameter], lr: float) -> None:
        self.parameters = parameters
        self.lr = lr

    def step(self) -> None:
        """Move every parameter against its gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum.

    ``v = momentum * v - lr * grad``; ``w = w + v``. ``momentum=0`` is plain SGD.
    """

    def __init__(
        self, parameters: list[Parameter], lr: float = 0.01, momentum: float = 0.9
    ) -> None:
        super().__init__(parameters, lr)
        self.momentum = momentum
        self.velocity: list[Array] = [np.zeros_like(p.value) for p in parameters]

    def step(self) -> None:
        for p, v in zip(self.parameters, self.velocity, strict=False):
            v *= self.momentum
            v -= self.lr * p.grad
            p.value += v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): steps scaled by running moments of the gradient.

    ``m`` and ``v`` are running means of ``grad`` and ``grad**2``; both start
    at 0, so they are divided by ``1 - beta**t`` to undo that bias.
    """

    def __init__(
        self,
        parameters: list[Parameter],
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters, lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m: list[Array] = [np.zeros_like(p.value) for p in parameters]
        self.v: list[Array] = [np.zeros_like(p.value) for p in parameters]
        self.scratch: list[Array] = [np.zeros_like(p.value) for p in parameters]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        # both bias corrections folded into one scalar step size
        step_size = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        for p, m, v, tmp in zip(self.parameters, self.m, self.v, self.scratch, strict=False):
            g = p.grad
            # m += (1 - beta1) * (g - m), written with out= to allocate nothing
            np.subtract(g, m, out=tmp)
            tmp *= 1 - self.beta1
            m += tmp
            # v += (1 - beta2) * (g**2 - v)
            np.multiply(g, g, out=tmp)
            tmp -= v
            tmp *= 1 - self.beta2
            v += tmp
            # w -= step_size * m / (sqrt(v) + eps)
            np.sqrt(v, out=tmp)
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p.value -= tmp


def make_optimizer(
    name: str, parameters: list[Parameter], lr: float, momentum: float = 0.9
) -> Optimizer:
    """Build ``'adam'`` or ``'sgd'`` (``momentum`` is used by SGD only)."""
    if name == "adam":
        return Adam(parameters, lr)
    if name == "sgd":
        return SGD(parameters, lr, momentum)
    raise ValueError(f"Unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}.")


def exponential_decay(lr: float, rate: float, epoch: int) -> float:
    """Learning rate for ``epoch`` (0-based): ``lr * rate**epoch``."""
    return lr * rate**epoch
