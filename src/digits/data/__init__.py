"""MNIST data: IDX files, verified loading, the standard 48k/12k/10k split."""

from digits.data.idx import encode_idx, parse_idx, read_idx, write_idx
from digits.data.mnist import FILES, MIRRORS, MnistSplits, Subset, load_mnist, locate_mnist

__all__ = [
    "FILES",
    "MIRRORS",
    "MnistSplits",
    "Subset",
    "encode_idx",
    "load_mnist",
    "locate_mnist",
    "parse_idx",
    "read_idx",
    "write_idx",
]
