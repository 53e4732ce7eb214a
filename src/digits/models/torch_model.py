"""The torch model contract: published MNIST networks and our own ``fast-cnn`` share this class.

Every model here is a :class:`TorchModel`: an architecture from
:mod:`digits.models.nets` plus the training hyperparameters shared by all of
them, trained by the one loop in :mod:`digits.models.torch_train` and saved
as ``weights.safetensors``. torch is imported only when a model is fitted or
loaded, so listing models stays fast.

A subclass (the registered ones are in :mod:`digits.models.torch_zoo`) declares
its architecture's size arguments (``net_defaults``) and
the settings its source published (``train_defaults``); its constructor,
keyword-only with every hyperparameter and default, is generated from them.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import math
import numbers
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from digits.errors import InputError, ModelFileError
from digits.models.base import DigitModel

WEIGHTS = "weights.safetensors"
PREDICT_BATCH = 1024
SMALL_BATCH = 4
"""Up to this many images predict on one CPU thread when ``threads`` is 0: waking idle
threads for each call costs more than they save (fast-cnn, one image right after a
normalization: 0.72 ms on one thread, 0.79 ms on two, ``benchmarks/predict_latency.py``;
0.62 and 1.38 ms when longer gaps let the threads sleep)."""
_THREAD_COUNT = threading.Lock()
"""Held while a prediction changes torch's (process-wide) thread count and restores it."""
OPTIMIZERS = ("adam", "adamw", "sgd", "adadelta")
SCHEDULES = ("constant", "onecycle", "cosine")
DEVICES = ("auto", "cpu", "cuda")
ValSet = tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]

COMMON_DEFAULTS: dict[str, Any] = {
    "epochs": 5,
    "batch_size": 32,
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "momentum": 0.9,
    "weight_decay": 0.0,
    "schedule": "constant",
    "label_smoothing": 0.0,
    "augment": False,
    "rotation": 10.0,
    "scale": 0.1,
    "shift": 2.0,
    "shear": 10.0,
    "elastic": 0.0,
    "elastic_sigma": 4.0,
    "patience": 0,
    "seed": 0,
    "device": "auto",
    "threads": 0,
    "precision": "fp32",
    "channels_last": False,
}
"""Training hyperparameters every torch model has, with their usual values."""


Rule = Callable[[Any], bool]


def _integer(low: int) -> Rule:
    return lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= low


def _real(ok: Callable[[float], bool]) -> Rule:
    def rule(v: Any) -> bool:
        return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v)) and ok(float(v))

    return rule


# hyperparameter -> (test, what it must be)
RULES: dict[str, tuple[Rule, str]] = {
    "epochs": (_integer(1), "an integer >= 1"),
    "batch_size": (_integer(1), "an integer >= 1"),
    "optimizer": (lambda v: v in OPTIMIZERS, f"one of {', '.join(OPTIMIZERS)}"),
    "learning_rate": (_real(lambda v: v > 0), "a positive number"),
    "momentum": (_real(lambda v: 0 <= v < 1), "in [0, 1) (SGD only)"),
    "weight_decay": (_real(lambda v: v >= 0), "0 or a small positive number like 1e-4"),
    "schedule": (lambda v: v in SCHEDULES, f"one of {', '.join(SCHEDULES)}"),
    "label_smoothing": (_real(lambda v: 0 <= v < 1), "in [0, 1); 0 is off"),
    "augment": (lambda v: isinstance(v, bool), "true or false"),
    "rotation": (_real(lambda v: 0 <= v <= 180), "degrees in [0, 180]"),
    "scale": (_real(lambda v: 0 <= v < 1), "in [0, 1), e.g. 0.1 for zooms of 0.9-1.1"),
    "shift": (_real(lambda v: 0 <= v <= 14), "pixels in [0, 14]"),
    "shear": (_real(lambda v: 0 <= v < 80), "degrees in [0, 80)"),
    "elastic": (_real(lambda v: v >= 0), "pixels >= 0; 0 is off"),
    "elastic_sigma": (_real(lambda v: v > 0), "a positive number of pixels, e.g. 4"),
    "patience": (_integer(0), "an integer >= 0; 0 never stops early"),
    "seed": (_integer(0), "an integer >= 0"),
    "device": (lambda v: v in DEVICES, f"one of {', '.join(DEVICES)}"),
    "threads": (_integer(0), "an integer >= 0; 0 keeps torch's default"),
    "precision": (lambda v: v in ("fp32", "bf16"), "fp32 or bf16 (bfloat16 autocast while training)"),
    "channels_last": (lambda v: isinstance(v, bool), "true or false"),
}


def _keyword_init(defaults: dict[str, Any], owner: str) -> Any:
    """An ``__init__`` taking exactly ``defaults`` as keyword-only arguments and storing each."""

    def __init__(self: DigitModel, **params: Any) -> None:
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise TypeError(f"{owner}() got unexpected keyword arguments {unknown}; valid: {', '.join(defaults)}.")
        for key, default in defaults.items():
            setattr(self, key, params.get(key, default))

    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [
        inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=value, annotation=type(value).__name__)
        for key, value in defaults.items()
    ]
    __init__.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{owner}.__init__"
    return __init__


@contextlib.contextmanager
def prediction_threads(threads: int) -> Iterator[None]:
    """torch's process-wide thread count set to ``threads`` (0: left as it is) while a prediction
    runs, then restored. Every CPU prediction (these models' and the line reader's) holds one lock
    meanwhile, so concurrent ones never restore each other's count."""
    import torch

    with _THREAD_COUNT:
        count = torch.get_num_threads()
        if threads:
            torch.set_num_threads(int(threads))
        try:
            yield
        finally:
            torch.set_num_threads(count)


class TorchModel(DigitModel):
    """A torch network behind the digits contract.

    Every subclass takes these training hyperparameters, after the size
    arguments of its architecture.

    Parameters
    ----------
    epochs : int
        Most epochs to train.
    batch_size : int
        Images per gradient step (in all, over all ranks under ``torchrun``).
    optimizer : {'adam', 'adamw', 'sgd', 'adadelta'}
    learning_rate : float
        Step size; the peak of the one-cycle schedule, the start of the cosine one.
    momentum : float
        SGD momentum.
    weight_decay : float
        L2 penalty (decoupled for AdamW).
    schedule : {'constant', 'onecycle', 'cosine'}
        Learning rate per step.
    label_smoothing : float
        Weight of the uniform target in the training loss.
    augment : bool
        Distort every training batch with ``rotation`` (degrees), ``scale``
        (relative zoom), ``shift`` (pixels), ``shear`` (degrees) and an
        elastic field of strength ``elastic`` (pixels; 0 is off) smoothed by
        ``elastic_sigma`` (pixels).
    patience : int
        With a validation set, stop after this many epochs without a better
        validation accuracy (0: never). The best validation epoch's weights
        are kept either way.
    seed : int
        Seeds the initial weights, order, augmentation and dropout.
    device : {'auto', 'cpu', 'cuda'}
        Where to train; 'auto' takes CUDA when available. A loaded model
        predicts on the CPU when CUDA is missing.
    threads : int
        torch CPU threads while fitting and predicting (0: torch's default).
    precision : {'fp32', 'bf16'}
        'bf16' trains under bfloat16 autocast (faster on CPUs with bf16
        instructions); weights and predictions stay float32.
    channels_last : bool
        Train with the channels-last memory layout (faster convolutions on CPU).

    Attributes
    ----------
    checkpoint_dir : pathlib.Path or None
        Runtime setting, not a hyperparameter: when set, ``checkpoint.pt`` is
        written there after every epoch.
    resume : bool
        Runtime setting: continue from ``checkpoint_dir`` when it holds a
        checkpoint of this same run.
    init_dir : pathlib.Path or None
        Runtime setting: start training from the weights saved in this model
        folder (a fine-tune; the network must be the same size) instead of
        random ones.
    onnx_ : OnnxPredictor or None
        Set by :meth:`use_onnxruntime`: predictions then come from onnxruntime.
    net_ : torch.nn.Module
        The trained network (after ``fit`` or ``load``).
    best_epoch_ : int
        The epoch whose weights were kept.
    """

    architecture: ClassVar[str] = ""
    net_defaults: ClassVar[dict[str, Any]] = {}
    train_defaults: ClassVar[dict[str, Any]] = {}
    checkpoint_dir: Path | None = None
    resume: bool = False
    init_dir: Path | None = None
    onnx_: Any = None  # an OnnxPredictor once use_onnxruntime() is called

    # the hyperparameters every subclass's generated __init__ stores
    epochs: int
    batch_size: int
    optimizer: str
    learning_rate: float
    momentum: float
    weight_decay: float
    schedule: str
    label_smoothing: float
    augment: bool
    rotation: float
    scale: float
    shift: float
    shear: float
    elastic: float
    elastic_sigma: float
    patience: int
    seed: int
    device: str
    threads: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        defaults = {**cls.net_defaults, **COMMON_DEFAULTS, **cls.train_defaults}
        cls.__init__ = _keyword_init(defaults, cls.__name__)  # type: ignore[method-assign]

    # ---- hyperparameters -------------------------------------------------
    def _check_params(self) -> None:
        """Raise :class:`InputError` naming the first bad training hyperparameter and what it must be."""
        for key, (ok, expected) in RULES.items():
            value = getattr(self, key)
            if not ok(value):
                raise InputError(f"{key} must be {expected}, got {value!r}.")

    def _settings(self) -> Any:
        from digits.models.augment import Augmentation
        from digits.models.torch_train import TrainSettings

        aug = Augmentation(self.rotation, self.scale, self.shift, self.shear, self.elastic, self.elastic_sigma)
        keys = ("epochs", "batch_size", "optimizer", "learning_rate", "momentum", "weight_decay")
        return TrainSettings(
            **{key: getattr(self, key) for key in keys},
            schedule=self.schedule,
            label_smoothing=float(self.label_smoothing),
            augmentation=aug if self.augment and not aug.is_identity else None,
            patience=int(self.patience),
            seed=int(self.seed),
            precision=self.precision,
            channels_last=bool(self.channels_last),
        )

    def _new_net(self) -> Any:
        """The untrained network these hyperparameters describe."""
        from digits.models.nets import build_net

        return build_net(self.architecture, **{key: getattr(self, key) for key in self.net_defaults})

    @contextlib.contextmanager
    def _torch_state(self, deterministic: bool = False) -> Iterator[None]:
        """Set torch's thread count (the ``threads`` parameter; 0 leaves it) and deterministic
        algorithms; restore them after.

        Deterministic algorithms matter on CUDA only: the CPU kernels used here
        are deterministic for a fixed thread count, and switching the mode on
        costs a few seconds of imports (torch._inductor) on first use.
        """
        import torch

        count = torch.get_num_threads()
        before = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled())
        if self.threads:
            torch.set_num_threads(int(self.threads))
        if deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
            torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.set_num_threads(count)
            if deterministic:
                torch.use_deterministic_algorithms(before[0], warn_only=before[1])

    def _fingerprint(self, labels: npt.NDArray[np.int64], val: ValSet | None, world_size: int) -> str:
        """Identifies a run for resuming: everything but device and threads, the data sizes and labels."""
        params = {k: v for k, v in self.get_params().items() if k not in ("device", "threads")}
        data = hashlib.sha256(labels.tobytes() + (b"" if val is None else val[1].tobytes())).hexdigest()
        record = {"model": self.name, "params": params, "n": len(labels), "labels": data, "world_size": world_size}
        return json.dumps(record, sort_keys=True, default=str)

    def n_parameters(self) -> int | None:
        """Number of trainable scalars in the fitted network (None before ``fit``/``load``)."""
        net = getattr(self, "net_", None)
        return None if net is None else sum(p.numel() for p in net.parameters() if p.requires_grad)

    # ---- training --------------------------------------------------------
    def _fit(self, images: npt.NDArray[np.float32], labels: npt.NDArray[np.int64], val: ValSet | None) -> None:
        import torch

        from digits.models.distributed import training_context
        from digits.models.torch_train import CHECKPOINT_FILE, Trainer

        self._check_params()
        settings = self._settings()
        progress = self.progress
        with training_context(self.device) as ctx, self._torch_state(ctx.device.type == "cuda"):
            if settings.batch_size % ctx.world_size:
                raise InputError(f"batch_size={settings.batch_size} must be divisible by the {ctx.world_size} ranks.")
            devices = [ctx.device] if ctx.device.type == "cuda" else []
            self.progress = progress if ctx.is_main else None  # only rank 0 reports
            try:
                with torch.random.fork_rng(devices=devices):  # leave the caller's RNG alone
                    torch.manual_seed(self.seed)  # initial weights
                    checkpoint = None if self.checkpoint_dir is None else Path(self.checkpoint_dir) / CHECKPOINT_FILE
                    net = self._new_net() if self.init_dir is None else self._saved_net(Path(self.init_dir))
                    trainer = Trainer(
                        net, settings, ctx, self._log_epoch, self.history_,
                        checkpoint=checkpoint, fingerprint=self._fingerprint(labels, val, ctx.world_size),
                    )  # fmt: skip
                    self.best_epoch_ = trainer.fit(images, labels, val, resume=self.resume)
            finally:
                self.progress = progress
        self.net_ = trainer.net.eval()
        self.inference_net_ = None

    # ---- prediction ------------------------------------------------------
    def _predict_proba(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        import torch

        from digits.models.torch_train import to_tensor

        if self.onnx_ is not None:
            return self.onnx_(images)
        device = next(self.net_.parameters()).device
        net = self._inference_net()
        parts = []
        one_thread = 1 if len(images) <= SMALL_BATCH and not self.threads else 0
        with prediction_threads(one_thread or self.threads), torch.inference_mode():
            for start in range(0, len(images), PREDICT_BATCH):
                batch = to_tensor(images[start : start + PREDICT_BATCH], device)  # (b, 1, 28, 28)
                logits = net(batch.contiguous(memory_format=torch.channels_last))  # (b, 10)
                parts.append(torch.softmax(logits.double(), dim=1).cpu())
        return torch.cat(parts).numpy()

    def _inference_net(self) -> Any:
        """``net_`` for prediction: batch norm folded into the convolutions, channels-last layout.

        Built once after ``fit``/``load`` (the same function, 2-3x faster on CPU);
        falls back to ``net_`` itself when the network cannot be traced.
        """
        import copy

        import torch
        from torch.fx.experimental.optimization import fuse

        if getattr(self, "inference_net_", None) is None:
            net = copy.deepcopy(self.net_).eval()
            try:
                net = fuse(net)
            except Exception:
                pass
            self.inference_net_ = net.to(memory_format=torch.channels_last)
        return self.inference_net_

    def use_onnxruntime(self, path: Path) -> None:
        """Predict through onnxruntime with the exported graph at ``path`` instead of torch."""
        from digits.models.onnx_runtime import OnnxPredictor

        self.onnx_ = OnnxPredictor(path, threads=int(self.threads))

    # ---- persistence -----------------------------------------------------
    def _save_weights(self, directory: Path) -> list[str]:
        from safetensors.torch import save_file

        state = {key: value.detach().cpu().contiguous() for key, value in self.net_.state_dict().items()}
        save_file(state, str(directory / WEIGHTS), metadata={"model": self.name, "architecture": self.architecture})
        return [WEIGHTS]

    def _load_weights(self, directory: Path) -> None:
        from digits.models.distributed import resolve_device

        self._check_params()
        self.net_ = self._saved_net(directory).to(resolve_device(self.device, strict=False)).eval()
        self.inference_net_ = None

    def _saved_net(self, directory: Path) -> Any:
        """The network these hyperparameters describe, with the weights saved in ``directory``."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        net = self._new_net()
        try:
            net.load_state_dict(load_file(str(directory / WEIGHTS)))
        except (OSError, RuntimeError, SafetensorError) as exc:
            first = str(exc).strip().splitlines()[:2]
            raise ModelFileError(
                f"{directory / WEIGHTS} does not fit a {self.name} with these parameters ({' '.join(first)}). "
                f"Use the parameters it was saved with: 'params' in {directory / 'model.json'}."
            ) from exc
        return net
