"""Printed boxes cut out of the ink (:mod:`digits.imaging.boxes`), and what is no box."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from digits import Recognizer
from digits.imaging.boxes import cut_boxes, cut_enclosures
from small_model import mnist_test


def ink(draw: Callable[[ImageDraw.ImageDraw], None], size: tuple[int, int] = (300, 140)) -> np.ndarray:
    """The ink (h, w) of what ``draw(ImageDraw)`` draws in white on black."""
    picture = Image.new("L", size, 0)
    draw(ImageDraw.Draw(picture))
    return np.asarray(picture) > 127


def test_a_comb_is_cut_and_the_digits_in_it_stay_whole() -> None:
    def comb(d: ImageDraw.ImageDraw) -> None:
        d.rectangle([20, 20, 260, 100], outline=255, width=2)
        for x in (100, 180):
            d.line([x, 20, x, 100], fill=255, width=2)

    def strokes(d: ImageDraw.ImageDraw) -> None:
        d.line([60, 30, 60, 90], fill=255, width=4)  # a "1", close to a wall's height
        d.line([120, 35, 160, 35, 135, 110], fill=255, width=4)  # a "7" crossing the bottom line

    digits = ink(strokes)
    out = cut_boxes(ink(comb) | digits)
    assert not (out & ~digits).any()  # nothing of the comb is left
    assert (out & digits).sum() >= 0.95 * digits.sum()  # the 7 crossing the bottom line is mended: one piece
    assert ndimage.label(out, structure=np.ones((3, 3)))[1] == 2


@pytest.mark.parametrize("radius", [6, 10])
def test_rounded_loops_and_circles_are_no_boxes(radius: int) -> None:
    # the circles of a % sign (a font's, 19 px, 3 px strokes) were cut as boxes
    def loops(d: ImageDraw.ImageDraw) -> None:
        d.rounded_rectangle([20, 20, 40, 40], radius=radius, outline=255, width=3)
        d.ellipse([60, 20, 80, 42], outline=255, width=3)
        d.rounded_rectangle([100, 20, 160, 100], radius=2 * radius, outline=255, width=8)  # a bold square 0

    mask = ink(loops)
    np.testing.assert_array_equal(cut_boxes(mask), mask)


@pytest.mark.mnist
@pytest.mark.parametrize("cut", [cut_boxes, cut_enclosures])
def test_mnist_digits_are_never_boxes(mnist_dir: Path, cut: Callable[[np.ndarray], np.ndarray]) -> None:
    # the loops of 8s, thin or bold, small or large, were taken for boxes in a version
    # that trusted the middle of a stroke to be straight
    images, _ = mnist_test(mnist_dir)
    for image in images[:300]:
        for size in (20, 40, 90):
            big = np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BICUBIC)) > 127
            for mask in (np.pad(big, 10), np.pad(ndimage.binary_dilation(big, iterations=size // 20), 10)):
                np.testing.assert_array_equal(cut(mask), mask)


def test_a_closed_outline_around_writing_is_cut_whatever_its_corners() -> None:
    # rounded boxes were read as digits: a comb of them as "1"s and "0"s around its digits (0 of 20 rows right)
    def outlines(d: ImageDraw.ImageDraw) -> None:
        d.rounded_rectangle([10, 10, 130, 130], radius=30, outline=255, width=2)  # a rounded box
        d.ellipse([150, 10, 290, 130], outline=255, width=3)  # a ring drawn around a number

    def strokes(d: ImageDraw.ImageDraw) -> None:
        d.line([50, 35, 90, 35, 60, 105], fill=255, width=6)  # a 7
        d.line([200, 35, 200, 105], fill=255, width=6)  # a 1
        d.line([230, 35, 250, 35], fill=255, width=6)  # a short dash beside it: held too, but small

    digits = ink(strokes)
    np.testing.assert_array_equal(cut_enclosures(ink(outlines) | digits), digits)


def test_a_digit_written_across_a_rounded_comb_keeps_its_strokes() -> None:
    # the whole mark went, the comb and the digit joined to it: 12 of 40 rows of forms.py lost a digit
    def comb(d: ImageDraw.ImageDraw) -> None:
        for left in (20, 100, 180):
            d.rounded_rectangle([left, 20, left + 80, 100], radius=20, outline=255, width=2)

    def strokes(d: ImageDraw.ImageDraw) -> None:
        d.line([40, 35, 80, 35, 55, 115], fill=255, width=5)  # a 7 across the bottom line
        d.line([140, 35, 140, 85], fill=255, width=5)  # a 1 in the next cell
        d.line([210, 35, 240, 35, 240, 85], fill=255, width=5)  # and a 7 short of the walls

    outline, digits = ink(comb), ink(strokes)
    out = cut_enclosures(outline | digits)
    assert (out & ~digits).sum() <= 0.02 * outline.sum()  # of the comb, a few pixels where the 7 crosses it
    assert (out & digits).sum() >= 0.95 * digits.sum()


def test_a_loop_holding_a_speck_or_touching_its_contents_is_kept() -> None:
    def marks(d: ImageDraw.ImageDraw) -> None:
        d.ellipse([20, 20, 80, 120], outline=255, width=10)  # a bold 0 ...
        d.ellipse([47, 67, 53, 73], fill=255)  # ... with a speck in it
        d.ellipse([110, 20, 170, 120], outline=255, width=3)  # a thin 0 holding a dot
        d.ellipse([137, 67, 143, 73], fill=255)
        d.rounded_rectangle([190, 10, 290, 130], radius=25, outline=255, width=2)  # a box ...
        d.line([220, 40, 260, 40, 240, 130], fill=255, width=5)  # ... with a 7 written across its side

    mask = ink(marks)
    np.testing.assert_array_equal(cut_enclosures(mask), mask)


@pytest.mark.parametrize("radius", [15, 25])
def test_empty_boxes_with_rounded_corners_are_cut(radius: int) -> None:
    # a blank form's comb of rounded boxes was read as "0000"; a thin "0" is an ellipse and stays
    def boxes(d: ImageDraw.ImageDraw) -> None:
        for k in range(3):
            d.rounded_rectangle([20 + 90 * k, 20, 90 + 90 * k, 120], radius=radius, outline=255, width=3)

    def zero(d: ImageDraw.ImageDraw) -> None:
        d.ellipse([20, 10, 90, 130], outline=255, width=3)

    assert not cut_enclosures(ink(boxes)).any()
    np.testing.assert_array_equal(cut_enclosures(ink(zero)), ink(zero))


def test_squared_paper_with_a_digit_across_it_is_no_empty_box() -> None:
    # the digit's strokes join the grid, whose cells are empty and square: the grid is no box to cut whole
    def grid_and_digit(d: ImageDraw.ImageDraw) -> None:
        for x in range(10, 300, 30):
            d.line([x, 0, x, 140], fill=255, width=1)
        for y in range(10, 140, 30):
            d.line([0, y, 300, y], fill=255, width=1)
        d.line([120, 30, 170, 30, 165, 110], fill=255, width=4)  # a 7

    mask = ink(grid_and_digit)
    np.testing.assert_array_equal(cut_enclosures(mask), mask)


@pytest.mark.parametrize("radius", [8, 15, 25])
def test_a_blank_form_of_rounded_boxes_reads_as_nothing(radius: int) -> None:
    # small rounded corners: the boxes are cut as boxes, and the few pixels left at their corners are no writing
    picture = Image.new("L", (440, 160), 255)
    draw = ImageDraw.Draw(picture)
    for k in range(4):
        draw.rounded_rectangle([40 + 90 * k, 30, 110 + 90 * k, 130], radius=radius, outline=0, width=3)
    recognizer = Recognizer()
    assert recognizer.read(np.asarray(picture)).text == ""
    assert recognizer.predict(np.asarray(picture)).digit is None
