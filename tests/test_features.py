"""Hand-made features: shapes, invariances and known answers on drawn digits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digits.features import FEATURES, SHAPE_NAMES, extract
from digits.features.fourier import fourier
from digits.features.hog import cell_histograms, hog
from digits.features.shape import crossing_number, shape_features, skeletonize_batch
from digits.features.zoning import zoning
from digits.imaging.shapes import skeletonize

WIDTHS = {"pixels": 784, "hog": 2025, "zoning": 49, "projections": 56, "shape": 12, "fourier": 66}
uint8_batches = arrays(np.uint8, st.tuples(st.integers(1, 3), st.just(28), st.just(28)))


def disc_ring(centre: tuple[float, float], radius: float, width: float = 1.5) -> np.ndarray:
    """A (28, 28) bool ring."""
    rows, cols = np.mgrid[:28, :28]
    return np.abs(np.hypot(rows - centre[0], cols - centre[1]) - radius) <= width


def draw(*masks: np.ndarray) -> np.ndarray:
    """Union of bool masks as a (28, 28) uint8 image, white on black."""
    return np.where(np.logical_or.reduce(masks), 255, 0).astype(np.uint8)


def bar(rows: slice, cols: slice) -> np.ndarray:
    mask = np.zeros((28, 28), bool)
    mask[rows, cols] = True
    return mask


ZERO = draw(disc_ring((14, 14), 7))
ONE = draw(bar(slice(4, 24), slice(13, 16)))
EIGHT = draw(disc_ring((9, 14), 4.5), disc_ring((19, 14), 5))
PLUS = draw(bar(slice(4, 24), slice(13, 16)), bar(slice(13, 16), slice(4, 24)))
SIX = draw(disc_ring((18, 14), 5), bar(slice(4, 15), slice(9, 11)))
NINE = draw(disc_ring((10, 14), 5), bar(slice(13, 25), slice(17, 19)))


def shape_of(image: np.ndarray) -> dict[str, float]:
    return dict(zip(SHAPE_NAMES, shape_features(image[None].astype(np.float32) / 255)[0], strict=True))


# ---------------------------------------------------------------- the registry of features


@given(uint8_batches)
def test_every_feature_has_its_width_is_finite_and_deterministic(images):
    for name, function in FEATURES.items():
        out = function(images)
        assert out.shape == (len(images), WIDTHS[name]) and out.dtype == np.float32, name
        assert np.isfinite(out).all(), name
        np.testing.assert_array_equal(out, function(images.copy()), err_msg=name)


def test_extract_concatenates_in_the_order_given_and_in_chunks(monkeypatch):
    images = np.stack([ZERO, ONE, EIGHT])
    joined = extract(images, ["zoning", "shape"])
    np.testing.assert_array_equal(joined, np.hstack([FEATURES["zoning"](images), FEATURES["shape"](images)]))
    monkeypatch.setattr("digits.features.CHUNK", 2)  # 2 + 1 images: the chunks must join seamlessly
    np.testing.assert_array_equal(extract(images, ["zoning", "shape"]), joined)


def test_extract_refuses_unknown_or_no_names_and_wrong_arrays():
    with pytest.raises(ValueError, match=r"\['sift'\].*pixels, hog, zoning"):
        extract(ZERO[None], ["hog", "sift"])
    with pytest.raises(ValueError, match="Valid names"):
        extract(ZERO[None], [])
    with pytest.raises(ValueError, match=r"images\[None\]"):
        extract(ZERO, ["hog"])


# ---------------------------------------------------------------- HOG


def test_hog_ignores_a_uniform_brightness_scale():
    images = np.stack([ZERO, EIGHT, PLUS]).astype(np.float32) / 255
    np.testing.assert_allclose(hog(images * 0.4), hog(images), atol=1e-3)


def test_hog_of_a_blank_image_is_zero_and_has_the_documented_width():
    out = hog(np.zeros((1, 28, 28)))
    assert out.shape == (1, 2025)
    np.testing.assert_array_equal(out, 0)
    assert hog(np.zeros((1, 28, 28)), cell=7, block=2, orientations=12).shape == (1, 3 * 3 * 4 * 12)


def test_orientation_votes_go_to_the_known_bins():
    vertical_edge = np.zeros((1, 28, 28))
    vertical_edge[:, :, 14:] = 1  # gradient along the columns: angle 0, between the first and last bin
    votes = cell_histograms(vertical_edge, cell=4, orientations=9).sum(axis=(0, 1, 2))
    assert votes[0] == pytest.approx(votes[8]) and votes[0] > 0
    np.testing.assert_array_equal(votes[1:8], 0)
    horizontal_edge = vertical_edge.transpose(0, 2, 1)  # angle 90: the centre of bin 4
    votes = cell_histograms(horizontal_edge, cell=4, orientations=9).sum(axis=(0, 1, 2))
    assert votes[4] > 0 and votes.sum() == pytest.approx(votes[4])


def test_hog_blocks_are_l2_hys_normalized():
    blocks = hog(EIGHT[None].astype(np.float32), block=2).reshape(6 * 6, 2 * 2 * 9)
    norms = np.linalg.norm(blocks, axis=1)
    assert np.all((np.isclose(norms, 1.0, atol=1e-3)) | (norms == 0))
    assert np.any(norms > 0)


def test_a_block_larger_than_the_grid_is_explained():
    with pytest.raises(ValueError, match="block of 5x5 cells does not fit in a 4x4 grid"):
        hog(np.zeros((1, 28, 28)), cell=7, block=5)


# ---------------------------------------------------------------- shape


def test_eight_has_two_holes_and_euler_number_minus_one():
    features = shape_of(EIGHT)
    assert (features["components"], features["holes"], features["euler"]) == (1, 2, -1)
    assert features["endpoints"] == 0


def test_zero_has_one_hole_and_no_stroke_ends():
    features = shape_of(ZERO)
    assert (features["holes"], features["euler"], features["endpoints"], features["junctions"]) == (1, 0, 0, 0)


def test_one_has_two_ends_no_hole_and_no_junction():
    features = shape_of(ONE)
    assert (features["holes"], features["euler"], features["endpoints"], features["junctions"]) == (0, 1, 2, 0)
    assert features["height"] == pytest.approx(20 / 28) and features["width"] == pytest.approx(3 / 28)
    assert features["aspect"] == pytest.approx(3 / 20)
    assert features["centroid_col"] == pytest.approx(14 / 27) and features["ink_area"] == pytest.approx(60 / 784)


def test_a_cross_has_four_ends_and_one_junction():
    features = shape_of(PLUS)
    assert (features["endpoints"], features["junctions"], features["holes"]) == (4, 1, 0)


def test_the_hole_sits_low_in_a_six_and_high_in_a_nine():
    assert shape_of(SIX)["hole_row"] > 0.6 and shape_of(NINE)["hole_row"] < 0.4


def test_separate_pieces_are_counted_and_a_blank_image_gives_neutral_values():
    two_bars = draw(bar(slice(4, 10), slice(4, 7)), bar(slice(16, 24), slice(20, 23)))
    assert shape_of(two_bars)["components"] == 2
    blank = shape_of(np.zeros((28, 28), np.uint8))
    assert blank["centroid_row"] == blank["centroid_col"] == 0.5
    assert all(value == 0 for key, value in blank.items() if not key.startswith("centroid"))


def test_shape_features_of_a_batch_match_one_image_at_a_time():
    images = np.stack([ZERO, ONE, EIGHT, PLUS, SIX, NINE]).astype(np.float32) / 255
    batch = shape_features(images)
    singles = np.vstack([shape_features(image[None]) for image in images])
    np.testing.assert_array_equal(batch, singles)


def test_skeletonize_a_batch_equals_one_mask_at_a_time():
    masks = np.stack([ZERO, ONE, EIGHT, PLUS, np.full((28, 28), 255, np.uint8)]) > 0  # ink to the borders too
    np.testing.assert_array_equal(skeletonize_batch(masks), np.stack([skeletonize(mask) for mask in masks]))


def test_crossing_number_of_a_line_its_ends_and_a_staircase():
    line = np.zeros((1, 7, 7), bool)
    line[0, 3, 1:6] = True
    line[0, 2, 5] = line[0, 1, 6] = True  # turns up diagonally at the right end
    crossings = crossing_number(line)[0]
    assert crossings[3, 1] == 1 and crossings[1, 6] == 1  # both ends
    assert crossings[3, 3] == 2 and crossings[3, 5] == 2 and crossings[2, 5] == 2


# ---------------------------------------------------------------- zoning, projections, Fourier


def test_zoning_of_a_known_image():
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 4:8, 8:12] = 1.0  # exactly the zone in row 1, column 2 of a 7x7 grid
    image[0, 0, 0] = 0.5  # an eighth of a pixel-average in zone (0, 0)
    zones = zoning(image).reshape(7, 7)
    assert zones[1, 2] == 1.0 and zones[0, 0] == pytest.approx(0.5 / 16)
    assert zones.sum() == pytest.approx(1.0 + 0.5 / 16)
    assert zoning(image, grid=4).shape == (1, 16)
    with pytest.raises(ValueError, match="cannot be cut into 5x5"):
        zoning(image, grid=5)


@given(uint8_batches)
def test_each_projection_half_sums_to_the_ink(images):
    halves = extract(images, ["projections"]) * 28  # stored as the inked fraction of each row and column
    ink = images.astype(np.float64).sum(axis=(1, 2)) / 255
    np.testing.assert_allclose(halves[:, :28].sum(axis=1), ink, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(halves[:, 28:].sum(axis=1), ink, rtol=1e-4, atol=1e-3)


def test_fourier_magnitudes_ignore_where_the_digit_is():
    image = EIGHT.astype(np.float32)[None] / 255
    moved = np.roll(image, (3, -2), axis=(1, 2))
    np.testing.assert_allclose(fourier(moved), fourier(image), atol=1e-6)
    assert fourier(image)[0, 0] == pytest.approx(image.mean())  # the zero frequency is the mean
    with pytest.raises(ValueError, match="k must be between 0 and 13"):
        fourier(image, k=14)
