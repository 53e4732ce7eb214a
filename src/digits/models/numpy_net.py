"""A multilayer perceptron from scratch in NumPy, one layer per class.

Every layer keeps, during ``forward``, what its ``backward`` needs, and turns
dL/d(output) into dL/d(input) while storing dL/d(parameter) in each
parameter's ``grad``. One forward is followed by at most one backward, so
gradients are overwritten, not accumulated. Arrays keep the dtype they come
in: float32 to train, float64 to check gradients against finite differences.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.floating]

ACTIVATIONS = ("relu", "tanh", "sigmoid")
INITS = ("he", "xavier")


@dataclass(eq=False)
class Parameter:
    """A learnable array, dL/d(array) from the last backward, and whether L2 applies."""

    value: Array
    decay: bool = True
    grad: Array = field(init=False)

    def __post_init__(self) -> None:
        self.grad = np.zeros_like(self.value)


class Layer:
    """A step of the network; without parameters and overrides it is the identity."""

    def forward(self, x: Array, train: bool = False) -> Array:
        """Output for input ``x`` (batch, ...); ``train`` switches on dropout."""
        return x

    def backward(self, grad: Array) -> Array:
        """dL/d(input) from dL/d(output) ``grad``, for the last ``forward``."""
        return grad

    def parameters(self) -> list[Parameter]:
        """The layer's learnable arrays."""
        return []


class Dense(Layer):
    """Affine map ``y = x @ W + b``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    rng : numpy.random.Generator
        Draws the initial weights.
    init : {'he', 'xavier'}
        He: std sqrt(2 / n_in), keeps the variance through ReLUs.
        Xavier (Glorot): std sqrt(2 / (n_in + n_out)), for tanh and sigmoid.
    dtype : numpy dtype
        Of the weights and biases.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        rng: np.random.Generator,
        init: str = "he",
        dtype: type = np.float32,
    ) -> None:
        if init not in INITS:
            raise ValueError(f"Unknown init {init!r}; expected one of {', '.join(INITS)}.")
        std = np.sqrt(2.0 / n_in) if init == "he" else np.sqrt(2.0 / (n_in + n_out))
        self.W = Parameter((rng.standard_normal((n_in, n_out)) * std).astype(dtype))
        self.b = Parameter(np.zeros(n_out, dtype=dtype), decay=False)  # no L2 on biases

    def forward(self, x: Array, train: bool = False) -> Array:
        self.x = x  # (batch, n_in), needed for dL/dW
        return x @ self.W.value + self.b.value  # (batch, n_out)

    def backward_parameters(self, grad: Array) -> None:
        """Store dL/dW and dL/db from ``grad`` (batch, n_out); skip dL/dx.

        The first layer's input is the data, whose gradient nobody needs:
        skipping it saves a third of that layer's backward pass.
        """
        np.matmul(self.x.T, grad, out=self.W.grad)  # (n_in, n_out)
        np.sum(grad, axis=0, out=self.b.grad)  # (n_out,)

    def backward(self, grad: Array) -> Array:
        self.backward_parameters(grad)
        return grad @ self.W.value.T  # (batch, n_in)

    def parameters(self) -> list[Parameter]:
        return [self.W, self.b]


class ReLU(Layer):
    """``max(x, 0)``: gradient 1 where the input was positive, else 0."""

    def forward(self, x: Array, train: bool = False) -> Array:
        self.active = x > 0  # (batch, width) bool
        return np.maximum(x, 0)

    def backward(self, grad: Array) -> Array:
        return grad * self.active  # bool mask keeps grad's dtype


class Tanh(Layer):
    """``tanh(x)``; its derivative ``1 - y**2`` comes from the output alone."""

    def forward(self, x: Array, train: bool = False) -> Array:
        self.y = np.tanh(x)
        return self.y

    def backward(self, grad: Array) -> Array:
        return grad * (1 - self.y * self.y)


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))``; derivative ``y (1 - y)``."""

    def forward(self, x: Array, train: bool = False) -> Array:
        # the same function written through tanh: exp(-x) would overflow for x << 0
        self.y = 0.5 * (1 + np.tanh(0.5 * x))
        return self.y

    def backward(self, grad: Array) -> Array:
        return grad * self.y * (1 - self.y)


class Dropout(Layer):
    """Inverted dropout: in training zero each unit with probability ``p``.

    Survivors are scaled by ``1 / (1 - p)`` so the expected activation is the
    same in training and at prediction, where the layer is the identity.
    """

    def __init__(self, p: float, rng: np.random.Generator) -> None:
        self.p = p
        self.rng = rng
        self.mask: Array | None = None

    def forward(self, x: Array, train: bool = False) -> Array:
        if not train or self.p == 0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p  # (batch, width) bool
        self.mask = keep * x.dtype.type(1 / (1 - self.p))  # (batch, width), 0 or 1/(1-p)
        return x * self.mask

    def backward(self, grad: Array) -> Array:
        return grad if self.mask is None else grad * self.mask


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer labels.

    Softmax and the loss are one step because their combined gradient is
    simple and stable: dL/dlogits = (softmax(logits) - onehot(labels)) / batch.
    """

    def forward(self, logits: Array, labels: npt.NDArray[np.integer]) -> float:
        """Loss for ``logits`` (batch, classes) and ``labels`` (batch,)."""
        z = logits - logits.max(axis=1, keepdims=True)  # shift: exp(z) <= 1 cannot overflow
        self.log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (batch, classes)
        self.labels = labels
        return float(-self.log_p[np.arange(len(labels)), labels].mean())

    def backward(self) -> Array:
        """dL/dlogits, shape (batch, classes)."""
        n = len(self.labels)
        grad = np.exp(self.log_p)  # softmax probabilities
        grad[np.arange(n), self.labels] -= 1
        return grad / grad.dtype.type(n)


def softmax(logits: Array) -> Array:
    """Row-wise softmax of ``logits`` (n, classes), stable for large values."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Network:
    """Layers applied in order, ending in logits, trained with softmax cross-entropy.

    Parameters
    ----------
    layers : list of Layer
        The first must be a :class:`Dense` (its input gradient is skipped).
    l2 : float
        Weight decay: the loss gains ``l2 / 2 * sum(W**2)`` over the weights
        (not the biases), so each weight gradient gains ``l2 * W``.
    """

    def __init__(self, layers: list[Layer], l2: float = 0.0) -> None:
        assert isinstance(layers[0], Dense)
        self.layers = layers
        self.l2 = l2
        self.criterion = SoftmaxCrossEntropy()

    def parameters(self) -> list[Parameter]:
        """Every learnable array, input layer first."""
        return [p for layer in self.layers for p in layer.parameters()]

    def forward(self, x: Array, train: bool = False) -> Array:
        """Logits (batch, classes) for flat inputs ``x`` (batch, features)."""
        for layer in self.layers:
            x = layer.forward(x, train)
        return x

    def backward(self, grad: Array) -> None:
        """Fill every parameter's ``grad`` from dL/dlogits (batch, classes)."""
        for layer in reversed(self.layers[1:]):
            grad = layer.backward(grad)
        first = self.layers[0]
        assert isinstance(first, Dense)
        first.backward_parameters(grad)

    def l2_penalty(self) -> float:
        """``l2 / 2 * sum(W**2)`` over the decayed parameters."""
        if self.l2 == 0:
            return 0.0
        return (
            0.5
            * self.l2
            * sum(float(np.vdot(p.value, p.value)) for p in self.parameters() if p.decay)
        )

    def loss_and_gradients(
        self, x: Array, labels: npt.NDArray[np.integer], train: bool = True
    ) -> tuple[float, Array]:
        """One forward and backward pass on a batch.

        Parameters
        ----------
        x : ndarray, shape (batch, features)
        labels : ndarray of int, shape (batch,)
        train : bool
            Whether dropout is on.

        Returns
        -------
        loss : float
            Cross-entropy plus the L2 penalty.
        logits : ndarray, shape (batch, classes)
        """
        logits = self.forward(x, train)
        loss = self.criterion.forward(logits, labels) + self.l2_penalty()
        self.backward(self.criterion.backward())
        if self.l2:
            for p in self.parameters():
                if p.decay:
                    p.grad += p.value.dtype.type(self.l2) * p.value
        return loss, logits

    def predict_proba(self, x: Array, batch_size: int = 2048) -> Array:
        """Class probabilities (n, classes) for ``x`` (n, features), in batches."""
        chunks = [
            softmax(self.forward(x[i : i + batch_size])) for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(chunks)

    def state(self) -> dict[str, Array]:
        """Copies of the weights, named ``W0, b0, W1, b1, ...`` from the input side."""
        dense = [layer for layer in self.layers if isinstance(layer, Dense)]
        state = {}
        for i, layer in enumerate(dense):
            state[f"W{i}"] = layer.W.value.copy()
            state[f"b{i}"] = layer.b.value.copy()
        return state

    def load_state(self, state: dict[str, Array]) -> None:
        """Set the weights from :meth:`state`'s output; names and shapes must match."""
        own = self.state()
        if sorted(state) != sorted(own):
            raise ValueError(f"Expected weight arrays {sorted(own)}, got {sorted(state)}.")
        for name, array in state.items():
            if array.shape != own[name].shape:
                raise ValueError(
                    f"Weight {name} should have shape {own[name].shape}, got {array.shape}."
                )
        dense = [layer for layer in self.layers if isinstance(layer, Dense)]
        for i, layer in enumerate(dense):
            layer.W.value[...] = state[f"W{i}"]
            layer.b.value[...] = state[f"b{i}"]


def build_mlp(
    sizes: tuple[int, ...],
    rng: np.random.Generator,
    activation: str = "relu",
    init: str = "he",
    dropout: float = 0.0,
    l2: float = 0.0,
    dtype: type = np.float32,
) -> Network:
    """A fully connected network ``sizes[0] -> ... -> sizes[-1]`` (logits).

    Each hidden layer is Dense, then the activation, then Dropout when
    ``dropout > 0``. ``rng`` draws the initial weights and the dropout masks.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}."
        )
    make_activation = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}[activation]
    layers: list[Layer] = []
    for n_in, n_out in itertools.pairwise(sizes[:-1]):  # the hidden layers
        layers += [Dense(n_in, n_out, rng, init, dtype), make_activation()]
        if dropout > 0:
            layers.append(Dropout(dropout, rng))
    layers.append(Dense(sizes[-2], sizes[-1], rng, init, dtype))
    return Network(layers, l2)
