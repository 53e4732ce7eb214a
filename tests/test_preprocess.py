"""Named preprocessing of MNIST batches, wavelet denoising and elastic distortion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digits.imaging.enhance import denoise_wavelet, elastic_distort
from digits.imaging.preprocess import PREPROCESSORS, preprocess

uint8_batches = arrays(np.uint8, st.tuples(st.integers(1, 3), st.just(28), st.just(28)))


def ring(radius: float = 7.0, width: float = 2.0, centre: tuple[float, float] = (14, 14)) -> np.ndarray:
    """A 28x28 uint8 ring ("0"), white on black."""
    rows, cols = np.mgrid[:28, :28]
    distance = np.hypot(rows - centre[0], cols - centre[1])
    return np.where(np.abs(distance - radius) <= width, 255, 0).astype(np.uint8)


def test_the_agreed_names_are_all_there():
    expected = {"none", "deskew", "gaussian", "median", "otsu", "adaptive", "equalize", "clahe", "stretch"}
    assert expected | {"wavelet", "edges"} == set(PREPROCESSORS)


@given(uint8_batches, st.sampled_from(sorted(PREPROCESSORS)))
def test_every_preprocessor_keeps_shape_and_dtype(images, name):
    out = preprocess(images, name)
    assert out.shape == images.shape
    assert out.dtype == np.uint8


@pytest.mark.parametrize("name", sorted(PREPROCESSORS))
def test_blank_images_stay_blank(name):
    np.testing.assert_array_equal(preprocess(np.zeros((2, 28, 28), np.uint8), name), 0)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Unknown preprocessing 'blur'.*none, deskew, gaussian"):
        preprocess(np.zeros((1, 28, 28), np.uint8), "blur")


def test_a_single_image_or_floats_are_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"shape \(n, h, w\).*\(28, 28\).*images\[None\]"):
        preprocess(np.zeros((28, 28), np.uint8), "none")
    with pytest.raises(ValueError, match="dtype float64"):
        preprocess(np.zeros((1, 28, 28)), "none")


def test_none_is_the_identity_and_does_not_alias_the_input():
    images = ring()[None]
    out = preprocess(images, "none")
    np.testing.assert_array_equal(out, images)
    assert out is not images


def test_deskew_makes_a_slanted_bar_upright():
    slanted = np.zeros((1, 28, 28), np.uint8)
    for row in range(4, 24):
        col = 8 + (row - 4) // 2  # leans right: one column every two rows
        slanted[0, row, col : col + 3] = 255
    upright = preprocess(slanted, "deskew")[0].astype(float)
    rows = np.arange(6, 22)
    col_centres = (upright[rows] * np.arange(28)).sum(axis=1) / upright[rows].sum(axis=1)
    assert np.ptp(col_centres) < 1.0  # was 8 columns from top to bottom
    assert abs(upright.sum() - slanted.sum()) / slanted.sum() < 0.05


def test_gaussian_spreads_a_dot_and_median_removes_it():
    dot = np.zeros((1, 28, 28), np.uint8)
    dot[0, 14, 14] = 255
    blurred = preprocess(dot, "gaussian")[0]
    assert 0 < blurred[14, 14] < 255 and blurred[14, 15] > 0
    assert abs(int(blurred.sum()) - 255) < 10
    np.testing.assert_array_equal(preprocess(dot, "median"), 0)


def test_otsu_separates_a_bimodal_image():
    rng = np.random.default_rng(0)
    truth = ring() > 0
    image = np.where(truth, 200, 60) + rng.integers(-20, 21, size=(28, 28))
    out = preprocess(image.astype(np.uint8)[None], "otsu")[0]
    assert set(np.unique(out)) == {0, 255}
    np.testing.assert_array_equal(out == 255, truth)


def test_adaptive_threshold_finds_faint_ink_a_global_level_would_miss():
    faint = np.where(ring() > 0, 90, 20).astype(np.uint8)[None]  # all below half scale
    out = preprocess(faint, "adaptive")[0] == 255
    truth = ring() > 0
    assert (out & truth).sum() >= 0.9 * truth.sum()
    assert (out & ~truth).sum() <= 0.05 * truth.sum()


@pytest.mark.parametrize("name", ["equalize", "stretch"])
def test_global_contrast_methods_spread_low_contrast_ink_over_the_full_range(name):
    faint = np.where(ring() > 0, 100, 40).astype(np.uint8)[None]
    out = preprocess(faint, name)[0]
    truth = ring() > 0
    np.testing.assert_array_equal(out[truth], 255)
    np.testing.assert_array_equal(out[~truth], 0)


def test_clahe_keeps_a_black_background_and_does_not_lower_contrast():
    # CLAHE's clip limit caps the local gain: on 7x7-pixel tiles it adds little, by design
    faint = np.where(ring() > 0, 100, 40).astype(np.uint8)[None]
    out = preprocess(faint, "clahe")[0].astype(int)
    truth = ring() > 0
    assert out[~truth].mean() < 5
    assert out[truth].mean() - out[~truth].mean() >= 60


def test_edges_outline_a_filled_square():
    square = np.zeros((1, 28, 28), np.uint8)
    square[0, 8:20, 8:20] = 255
    edges = preprocess(square, "edges")[0]
    assert edges[14, 14] == 0 and edges[2, 2] == 0  # flat inside and outside
    assert edges[14, 8] == 255 and edges[14, 19] == 255  # a full step on each side


def test_wavelet_denoising_brings_a_noisy_digit_closer_to_the_clean_one():
    rng = np.random.default_rng(0)
    clean = np.stack([ring(), ring(radius=5, width=1.5)]).astype(np.float32) / 255
    noisy = np.clip(clean + rng.normal(0, 0.2, clean.shape), 0, 1)
    denoised = denoise_wavelet(noisy)
    assert denoised.shape == clean.shape and denoised.dtype == np.float32
    assert np.mean((denoised - clean) ** 2) < 0.8 * np.mean((noisy - clean) ** 2)  # measured: 0.74


def test_wavelet_denoising_leaves_a_noiseless_image_alone_and_checks_levels():
    clean = ring().astype(np.float32) / 255
    np.testing.assert_allclose(denoise_wavelet(clean), clean, atol=1e-5)
    with pytest.raises(ValueError, match="levels must be at least 1"):
        denoise_wavelet(clean, levels=0)


def test_elastic_distortion_with_zero_strength_is_the_identity():
    images = np.stack([ring(), ring(radius=4)]).astype(np.float32) / 255
    np.testing.assert_array_equal(elastic_distort(images, 0.0, 4.0, np.random.default_rng(0)), images)


def test_elastic_distortion_is_reproducible_per_seed_and_image():
    images = np.stack([ring(), ring(radius=4)]).astype(np.float32) / 255
    first = elastic_distort(images, 34.0, 4.0, np.random.default_rng(7))
    again = elastic_distort(images, 34.0, 4.0, np.random.default_rng(7))
    other = elastic_distort(images, 34.0, 4.0, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first, images)
    assert first.shape == images.shape and 0 <= first.min() and first.max() <= 1
    # a single (h, w) image gets the same treatment as a batch of one
    single = elastic_distort(images[0], 34.0, 4.0, np.random.default_rng(7))
    assert single.shape == (28, 28)
    with pytest.raises(ValueError, match="sigma must be a positive"):
        elastic_distort(images, 34.0, 0.0, np.random.default_rng(0))


def test_elastic_distortion_moves_ink_but_keeps_most_of_it():
    image = ring().astype(np.float32)[None] / 255
    warped = elastic_distort(image, 8.0, 4.0, np.random.default_rng(0))
    assert 0.7 < warped.sum() / image.sum() < 1.3
    assert np.abs(warped - image).sum() > 0.1 * image.sum()
