"""The MNIST data set: finding, verifying, downloading, loading and splitting it.

The four original files are looked for, in order, in an explicit folder, in
``$DIGITS_DATA_DIR`` and in the per-user cache (``$XDG_CACHE_HOME/digits/mnist``
or ``~/.cache/digits/mnist``). The first folder that holds all four is used,
after their MD5 and SHA-256 sums are checked. If none does, the files are
downloaded from public mirrors into the cache.

Every part of digits uses the same split: 48,000 training and 12,000
validation images drawn from the 60,000 training images (stratified by
digit, seeded), and the 10,000 official test images.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from digits.data.download import DownloadError, ProgressFn, download_verified
from digits.data.idx import read_idx
from digits.errors import DataError
from digits.fileio import file_digests


@dataclass(frozen=True)
class MnistFile:
    """One of the four distribution files and its published checksums."""

    name: str
    md5: str
    sha256: str
    size: int


FILES: dict[str, MnistFile] = {
    "train_images": MnistFile(
        "train-images-idx3-ubyte.gz",
        "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        9912422,
    ),
    "train_labels": MnistFile(
        "train-labels-idx1-ubyte.gz",
        "d53e105ee54ea40749a09fcbcd1e9432",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        28881,
    ),
    "test_images": MnistFile(
        "t10k-images-idx3-ubyte.gz",
        "9fb629c4189551a2d022fa330f9573f3",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        1648877,
    ),
    "test_labels": MnistFile(
        "t10k-labels-idx1-ubyte.gz",
        "ec29112dd5afa0611ce80d1b7f02629c",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        4542,
    ),
}

MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
"""Public mirrors that serve the original files byte for byte."""

ENV_VAR = "DIGITS_DATA_DIR"
MIRRORS_ENV_VAR = "DIGITS_MNIST_MIRRORS"
"""Comma-separated base URLs that replace :data:`MIRRORS` (e.g. a local mirror)."""
N_VALIDATION = 12_000
SPLIT_SEED = 0


@dataclass(frozen=True)
class Subset:
    """Images and labels of one split.

    Attributes
    ----------
    images : ndarray of uint8, shape (n, 28, 28)
        White ink (255) on black (0), as in MNIST.
    labels : ndarray of uint8, shape (n,)
        Digits 0-9.
    """

    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.labels)

    def head(self, n: int | None) -> Subset:
        """The first ``n`` examples (all of them when ``n`` is None)."""
        return self if n is None else Subset(self.images[:n], self.labels[:n])


@dataclass(frozen=True)
class MnistSplits:
    """The 48k/12k/10k split used throughout digits, and where it came from."""

    train: Subset
    val: Subset
    test: Subset
    folder: Path
    checksums: dict[str, str]

    def get(self, name: str) -> Subset:
        """The split called ``name`` ('train', 'val' or 'test')."""
        if name not in ("train", "val", "test"):
            raise ValueError(f"Unknown split {name!r}; expected 'train', 'val' or 'test'.")
        return getattr(self, name)


def default_cache_dir() -> Path:
    """The per-user folder MNIST is downloaded to."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digits" / "mnist"


def default_mirrors() -> tuple[str, ...]:
    """``$DIGITS_MNIST_MIRRORS`` split at commas, or the public :data:`MIRRORS`."""
    custom = [url.strip() for url in os.environ.get(MIRRORS_ENV_VAR, "").split(",") if url.strip()]
    return tuple(custom) or MIRRORS


def candidate_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Folders searched for the files, in order: explicit, ``$DIGITS_DATA_DIR``, cache."""
    dirs = [Path(data_dir)] if data_dir is not None else []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.append(default_cache_dir())
    return dirs


def verify_file(path: Path, spec: MnistFile) -> None:
    """Check a file's MD5 and SHA-256 against the published sums.

    Raises
    ------
    DataError
        Naming the file, the expected and the actual sums.
    """
    sums = file_digests(path, ("md5", "sha256"))
    for algo in ("md5", "sha256"):
        expected = getattr(spec, algo)
        if sums[algo] != expected:
            raise DataError(
                f"Checksum mismatch for {path}: {algo} expected {expected}, got {sums[algo]} "
                f"({path.stat().st_size} bytes, expected {spec.size}). The file is damaged or not "
                "the original; delete it and let digits download it again, or replace it."
            )


def locate_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    mirrors: tuple[str, ...] | None = None,
    progress: ProgressFn | None = None,
) -> Path:
    """Find a folder with all four verified MNIST files, downloading them if needed.

    Parameters
    ----------
    data_dir : path-like, optional
        Folder to look in first.
    download : bool
        Download missing files into the cache when no folder has them all.
    mirrors : tuple of str, optional
        Base URLs to download from, in order (default: :func:`default_mirrors`).
    progress : callable, optional
        Download progress callback (bytes so far, total or None).

    Returns
    -------
    pathlib.Path
        The folder holding the four verified files.

    Raises
    ------
    DataError
        If no folder holds the files and they cannot be downloaded, or a file
        fails its checksum.
    """
    searched = candidate_dirs(data_dir)
    for folder in searched:
        if all((folder / spec.name).is_file() for spec in FILES.values()):
            for spec in FILES.values():
                verify_file(folder / spec.name, spec)
            return folder
    cache = default_cache_dir()
    if download:
        try:
            for spec in FILES.values():
                if not (cache / spec.name).is_file():
                    download_verified(
                        spec.name,
                        mirrors or default_mirrors(),
                        cache / spec.name,
                        sha256=spec.sha256,
                        progress=progress,
                    )
                verify_file(cache / spec.name, spec)
            return cache
        except DownloadError as exc:
            reason = f"Downloading failed ({exc})."
    else:
        reason = "Downloading was turned off."
    names = ", ".join(spec.name for spec in FILES.values())
    folders = ", ".join(str(f) for f in dict.fromkeys(searched))
    raise DataError(
        f"MNIST files not found. Looked in: {folders}. {reason} "
        f"Put the four files {names} in one of those folders "
        f"(or point {ENV_VAR} at the folder that holds them) and try again."
    )


def read_mnist_file(folder: Path, key: str) -> npt.NDArray[np.uint8]:
    """Read and sanity-check one of the four files (already verified)."""
    array = read_idx(folder / FILES[key].name)
    is_images = key.endswith("images")
    if array.dtype != np.uint8 or array.ndim != (3 if is_images else 1):
        raise DataError(f"{folder / FILES[key].name} holds {array.dtype} of shape {array.shape}, not MNIST.")
    return array


def stratified_split(
    labels: npt.NDArray[np.integer], n_val: int, seed: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Split indices into (train, val) keeping each class's share in both parts.

    Parameters
    ----------
    labels : ndarray of int, shape (n,)
    n_val : int
        Exact size of the validation part.
    seed : int
        Seed of the shuffle; the same seed gives the same split.

    Returns
    -------
    train_idx, val_idx : ndarray of intp
        Disjoint, sorted indices covering ``range(n)``.
    """
    if not 0 < n_val < len(labels):
        raise ValueError(f"n_val must be between 1 and {len(labels) - 1}, got {n_val}.")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n_val / len(labels)
    per_class = np.floor(quota).astype(int)
    # hand the remaining places to the classes with the largest remainders
    remainder_order = np.argsort(-(quota - per_class), kind="stable")
    per_class[remainder_order[: n_val - per_class.sum()]] += 1
    val_parts = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, per_class, strict=True)]
    val_idx = np.sort(np.concatenate(val_parts))
    train_idx = np.setdiff1d(np.arange(len(labels)), val_idx)
    return train_idx, val_idx


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    seed: int = SPLIT_SEED,
    download: bool = True,
    mirrors: tuple[str, ...] | None = None,
    progress: ProgressFn | None = None,
) -> MnistSplits:
    """Load MNIST as the 48k train / 12k validation / 10k test split.

    Parameters
    ----------
    data_dir : path-like, optional
        Folder to look in first (see :func:`locate_mnist`).
    seed : int
        Seed of the train/validation split. Keep the default to compare
        results across runs and models.
    download, mirrors, progress
        As in :func:`locate_mnist`.

    Returns
    -------
    MnistSplits
        ``train`` (48,000), ``val`` (12,000) and ``test`` (10,000) subsets of
        uint8 images of shape (n, 28, 28), with the folder and file sums.
    """
    folder = locate_mnist(data_dir, download=download, mirrors=mirrors, progress=progress)
    arrays = {key: read_mnist_file(folder, key) for key in FILES}
    for part in ("train", "test"):
        if len(arrays[f"{part}_images"]) != len(arrays[f"{part}_labels"]):
            raise DataError(f"MNIST {part} images and labels differ in count in {folder}.")
    train_idx, val_idx = stratified_split(arrays["train_labels"], N_VALIDATION, seed)
    images, labels = arrays["train_images"], arrays["train_labels"]
    return MnistSplits(
        train=Subset(images[train_idx], labels[train_idx]),
        val=Subset(images[val_idx], labels[val_idx]),
        test=Subset(arrays["test_images"], arrays["test_labels"]),
        folder=folder,
        checksums={spec.name: spec.sha256 for spec in FILES.values()},
    )
