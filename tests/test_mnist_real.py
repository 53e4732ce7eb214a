"""Integration tests on the real MNIST files, found through ``$DIGITS_DATA_DIR``.

Select them with ``pytest -m mnist``; they are skipped when the variable is
unset or its folder lacks one of the four files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from digits.data import mnist
from digits.data.idx import read_idx
from digits.data.mnist import MnistSplits, load_mnist, stratified_split

pytestmark = pytest.mark.mnist

TRAIN_HISTOGRAM = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_HISTOGRAM = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def data_dir() -> Path:
    folder = os.environ.get(mnist.ENV_VAR)
    if not folder:
        pytest.skip(f"{mnist.ENV_VAR} is not set; point it at a folder with the four MNIST files")
    missing = [spec.name for spec in mnist.FILES.values() if not (Path(folder) / spec.name).is_file()]
    if missing:
        pytest.skip(f"{mnist.ENV_VAR}={folder} lacks {', '.join(missing)}")
    return Path(folder)


@pytest.fixture(scope="module")
def splits(data_dir: Path) -> MnistSplits:
    # found through the environment variable, as a user's run would; never downloads
    result = load_mnist(download=False)
    assert result.folder == data_dir
    return result


@pytest.fixture(scope="module")
def raw_train(data_dir: Path) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    images = read_idx(data_dir / mnist.FILES["train_images"].name)
    labels = read_idx(data_dir / mnist.FILES["train_labels"].name)
    return images, labels


def _histogram(labels: npt.NDArray[np.uint8]) -> list[int]:
    return np.bincount(labels, minlength=10).tolist()


def test_split_sizes(splits: MnistSplits) -> None:
    assert (len(splits.train), len(splits.val), len(splits.test)) == (48_000, 12_000, 10_000)
    for part in (splits.train, splits.val, splits.test):
        assert part.images.shape == (len(part), 28, 28)
        assert part.labels.shape == (len(part),)


def test_images_are_uint8_white_on_black(splits: MnistSplits) -> None:
    for part in (splits.train, splits.val, splits.test):
        assert part.images.dtype == np.uint8 and part.labels.dtype == np.uint8
        assert part.images.max() == 255 and part.images.min() == 0
        assert set(np.unique(part.labels).tolist()) == set(range(10))
        # ink is white: the border of a digit image is background (0)
        assert np.median(part.images[:, 0, :]) == 0


def test_raw_train_file(raw_train: tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]) -> None:
    images, labels = raw_train
    assert images.shape == (60_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60_000,) and labels.dtype == np.uint8
    assert _histogram(labels) == TRAIN_HISTOGRAM


def test_train_and_val_partition_the_training_file(
    splits: MnistSplits, raw_train: tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]
) -> None:
    images, labels = raw_train
    train_idx, val_idx = stratified_split(labels, 12_000, mnist.SPLIT_SEED)
    # index sets: disjoint and together all 60,000 images
    assert len(set(train_idx.tolist()) & set(val_idx.tolist())) == 0
    assert set(train_idx.tolist()) | set(val_idx.tolist()) == set(range(60_000))
    # and they are exactly the subsets load_mnist returned
    np.testing.assert_array_equal(splits.train.images, images[train_idx])
    np.testing.assert_array_equal(splits.train.labels, labels[train_idx])
    np.testing.assert_array_equal(splits.val.images, images[val_idx])
    np.testing.assert_array_equal(splits.val.labels, labels[val_idx])
    # nothing lost or counted twice: the label histograms add up to the full one
    combined = np.array(_histogram(splits.train.labels)) + np.array(_histogram(splits.val.labels))
    assert combined.tolist() == TRAIN_HISTOGRAM


def test_val_keeps_the_class_shares(splits: MnistSplits) -> None:
    val = np.array(_histogram(splits.val.labels))
    assert val.sum() == 12_000
    assert np.all(np.abs(val - np.array(TRAIN_HISTOGRAM) * 0.2) < 1)


def test_test_histogram(splits: MnistSplits) -> None:
    assert _histogram(splits.test.labels) == TEST_HISTOGRAM


def test_split_is_reproducible(splits: MnistSplits, data_dir: Path) -> None:
    again = load_mnist(data_dir, download=False)
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(again.get(name).images, splits.get(name).images)
        np.testing.assert_array_equal(again.get(name).labels, splits.get(name).labels)
    assert again.checksums == splits.checksums == {spec.name: spec.sha256 for spec in mnist.FILES.values()}
