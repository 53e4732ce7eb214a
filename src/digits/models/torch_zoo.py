"""The registered PyTorch models: the write-ups' networks and our fast-cnn, each a :class:`TorchModel`.

Each class names its architecture (:mod:`digits.models.nets`) and the
published training settings as defaults; everything else is
:class:`digits.models.torch_model.TorchModel`.
"""

from __future__ import annotations

from digits.models.registry import register_model
from digits.models.torch_model import TorchModel

_WRITE_UP = {"optimizer": "adam", "learning_rate": 1e-4, "batch_size": 32, "epochs": 5}


@register_model("ann")
class ANN(TorchModel):
    """Dense 784-512-128-10 ReLU network (architecture: ``hidden`` widths)."""

    description = "Dense network 784-512-128-10, ReLU, Adam 1e-4, batch 32, 5 epochs (write-up: 95.4 %)."
    architecture = "ann"
    net_defaults = {"hidden": (512, 128)}
    train_defaults = _WRITE_UP


@register_model("cnn-s1")
class CNNS1(TorchModel):
    """Three conv-BN-ReLU-maxpool stages and a dense layer (``channels``, ``kernels``, ``hidden``)."""

    description = "CNN: 3 x [conv-BN-ReLU-maxpool] 32/64/128 + dense 120, Adam 1e-4, 5 epochs (write-up: 98.78 %)."
    architecture = "cnn-s1"
    net_defaults = {"channels": (32, 64, 128), "kernels": (3, 5, 3), "hidden": 120}
    train_defaults = _WRITE_UP


@register_model("cnn-s2")
class CNNS2(TorchModel):
    """One convolution, max-pool, a dense layer (``channels``, ``hidden``)."""

    description = "CNN: conv32-maxpool-dense128, Adam 1e-3, batch 32, 5 epochs (source: ~99 %)."
    architecture = "cnn-s2"
    net_defaults = {"channels": 32, "hidden": 128}
    train_defaults = {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 32, "epochs": 5}


@register_model("cnn-s3")
class CNNS3(TorchModel):
    """The Keras ``mnist_cnn`` example with dense 256 (``channels``, ``hidden``)."""

    description = "Keras mnist_cnn: conv32-conv64-maxpool-dropout-dense256-dropout, Adadelta, 10 epochs (99.25 %)."
    architecture = "cnn-s3"
    net_defaults = {"channels": (32, 64), "hidden": 256}
    train_defaults = {"optimizer": "adadelta", "learning_rate": 1.0, "batch_size": 128, "epochs": 10}


@register_model("vgg16")
class VGG16(TorchModel):
    """VGG16 with batch norm, four poolings for 28x28 (``channels`` of the 5 blocks, ``hidden``)."""

    description = "VGG16 (13 conv + BN, 3 dense), Adam 1e-4, batch 32, 5 epochs (write-up: 99.07 %); slow on CPU."
    architecture = "vgg16"
    net_defaults = {"channels": (64, 128, 256, 512, 512), "hidden": 256}
    train_defaults = _WRITE_UP


@register_model("lenet5")
class LeNet5(TorchModel):
    """LeCun's LeNet-5 (``activation`` tanh or relu, ``pool`` avg or max)."""

    description = "LeNet-5: conv6-pool-conv16-pool-120-84-10, tanh, Adam 1e-3, batch 128, 10 epochs."
    architecture = "lenet5"
    net_defaults = {"activation": "tanh", "pool": "avg"}
    train_defaults = {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 128, "epochs": 10}


@register_model("fast-cnn")
class FastCNN(TorchModel):
    """Our design for a 2-core CPU (see ``nets.fast_cnn`` and ``benchmarks/fastcnn``)."""

    description = "Our CNN for 2 CPU cores: 4 conv + dense 128, SGD one-cycle, smoothing, augmentation, 20 epochs."
    architecture = "fast-cnn"
    net_defaults = {"channels": (16, 32, 64), "hidden": 128}
    train_defaults = {
        "optimizer": "sgd",
        "learning_rate": 0.2,
        "momentum": 0.9,
        "weight_decay": 5e-4,
        "schedule": "onecycle",
        "label_smoothing": 0.1,
        "augment": True,
        "batch_size": 256,
        "epochs": 20,
        "precision": "bf16",
        "channels_last": True,
    }
