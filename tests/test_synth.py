"""Tests of digits.data.{synth,strings,samples,render}: the realistic evaluation sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digits.data import printed, render, strokes
from digits.data.mnist import load_mnist
from digits.data.samples import Sample, StringSample, read_set, write_set
from digits.data.strings import PUNCTUATION, RowStyle, digit_strings
from digits.data.synth import drawn_digits, photo_digits
from digits.errors import DataError, InputError

# stroke figures on a 0..1 square, one per class (test stand-ins, not digit shapes)
_FIGURES: dict[int, list[list[tuple[float, float]]]] = {
    0: [[(0.5, 0.0), (0.9, 0.3), (0.9, 0.7), (0.5, 1.0), (0.1, 0.7), (0.1, 0.3), (0.5, 0.0)]],
    1: [[(0.55, 0.0), (0.45, 1.0)]],
    2: [[(0.1, 0.2), (0.5, 0.0), (0.9, 0.25), (0.1, 1.0), (0.9, 1.0)]],
    3: [[(0.1, 0.0), (0.9, 0.2), (0.4, 0.5), (0.9, 0.8), (0.1, 1.0)]],
    4: [[(0.6, 1.0), (0.6, 0.0), (0.1, 0.65), (0.9, 0.65)]],
    5: [[(0.9, 0.0), (0.2, 0.0), (0.15, 0.45), (0.85, 0.6), (0.6, 1.0), (0.1, 0.9)]],
    6: [[(0.8, 0.0), (0.2, 0.6), (0.5, 1.0), (0.85, 0.7), (0.25, 0.6)]],
    7: [[(0.1, 0.0), (0.9, 0.0), (0.4, 1.0)]],
    8: [[(0.5, 0.5), (0.15, 0.25), (0.5, 0.0), (0.85, 0.25), (0.15, 0.75), (0.5, 1.0), (0.85, 0.75), (0.5, 0.5)]],
    9: [[(0.8, 0.4), (0.2, 0.3), (0.5, 0.0), (0.8, 0.4), (0.6, 1.0)]],
}


def glyphs(copies: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """MNIST-like stand-ins: (10 * copies, 28, 28) uint8 white strokes on black, labels 0-9 repeated."""
    images = []
    for k in range(copies * 10):
        canvas = Image.new("L", (112, 112), 0)
        draw = ImageDraw.Draw(canvas)
        shift = 4 * (k // 10)
        for stroke in _FIGURES[k % 10]:
            points = [(16 + shift + 72 * x, 16 + 80 * y) for x, y in stroke]
            draw.line(points, fill=255, width=10, joint="curve")
        images.append(np.asarray(canvas.resize((28, 28), Image.Resampling.BOX)))
    return np.stack(images), np.arange(copies * 10) % 10


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    return glyphs()


def grey(image: np.ndarray) -> np.ndarray:
    """Luminance in [0, 1] of an RGB or grey uint8 image."""
    return (image @ [0.299, 0.587, 0.114] if image.ndim == 3 else image).astype(np.float64) / 255.0


def assert_box_holds_ink(image: np.ndarray, box: tuple[int, int, int, int]) -> None:
    x, y, w, h = box
    assert w > 0 and h > 0
    assert 0 <= x and 0 <= y and x + w <= image.shape[1] and y + h <= image.shape[0], (box, image.shape)
    lum = grey(image)
    inside = lum[y : y + h, x : x + w]
    assert inside.min() < 0.75 * np.median(lum), "no ink in the box"


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(s.image, t.image) and {**vars(s), "image": 0} == {**vars(t), "image": 0}
        for s, t in zip(a, b, strict=True)
    )


GENERATORS = [photo_digits, digit_strings, drawn_digits]


# ---------------------------------------------------------------- determinism and inputs


@pytest.mark.parametrize("generate", GENERATORS)
def test_same_seed_same_set_and_prefixes_agree(generate, digits) -> None:
    first = generate(6, 11, *digits)
    assert same(first, generate(6, 11, *digits))
    assert same(first[:3], generate(3, 11, *digits))
    assert not same(first, generate(6, 12, *digits))


@pytest.mark.parametrize("generate", GENERATORS)
def test_bad_inputs_are_refused_with_the_fix(generate, digits) -> None:
    images, labels = digits
    with pytest.raises(InputError, match=r"\(n, 28, 28\)"):
        generate(2, 0, images[0], labels)
    with pytest.raises(InputError, match="one label per image"):
        generate(2, 0, images, labels[:-1])
    with pytest.raises(InputError, match="non-negative"):
        generate(-1, 0, images, labels)
    assert generate(0, 0, images, labels) == []


def test_single_digit_sets_use_each_digit_once_before_repeating(digits) -> None:
    samples = photo_digits(25, 0, *digits)
    sources = [s.source for s in samples]
    assert sorted(sources[:20]) == list(range(20))
    assert all(s.label == digits[1][s.source] for s in samples)


# ---------------------------------------------------------------- set 1: photos


def test_photos_sizes_colours_and_boxes(digits) -> None:
    samples = photo_digits(40, 1, *digits)
    for s in samples:
        assert isinstance(s, Sample) and s.image.dtype == np.uint8
        assert 40 <= s.image.shape[0] <= 400 and 40 <= s.image.shape[1] <= 400
        assert s.image.ndim == 2 or s.image.shape[2] == 3
        assert_box_holds_ink(s.image, s.box)
    sides = [max(s.image.shape[:2]) for s in samples]
    assert min(sides) < 80 and max(sides) > 200, "sizes should spread over 40-400"
    assert {s.image.ndim for s in samples} == {2, 3}, "mostly RGB, some grey"
    rgb = [s.image for s in samples if s.image.ndim == 3]
    assert any(np.ptp(np.median(im.reshape(-1, 3), axis=0)) > 15 for im in rgb), "some paper is coloured"


def test_photo_ink_is_darker_than_paper_and_paper_not_flat(digits) -> None:
    for s in photo_digits(10, 2, *digits):
        lum = grey(s.image)
        x, y, w, h = s.box
        assert np.percentile(lum[y : y + h, x : x + w], 2) < np.median(lum) - 0.2
        assert lum.std() > 0.01


# ---------------------------------------------------------------- set 2: rows of digits


def test_strings_truth_is_consistent(digits) -> None:
    samples = digit_strings(40, 3, *digits)
    for s in samples:
        assert isinstance(s, StringSample) and s.image.ndim == 3 and s.image.dtype == np.uint8
        assert 2 <= len(s.text) <= 10 and s.text.isdigit()
        assert "".join(c for c in s.written if c not in PUNCTUATION) == s.text
        assert s.text == "".join(str(digits[1][i]) for i in s.sources)
        assert len(s.boxes) == len(s.text) == len(s.sources)
        for box in s.boxes:
            assert_box_holds_ink(s.image, box)
        centres = [x + w / 2 for x, _, w, _ in s.boxes]
        assert centres == sorted(centres), "digits run left to right"
        for i in s.touching:
            a, b = s.boxes[i], s.boxes[i + 1]
            assert a[0] + a[2] > b[0], "touching digits' boxes overlap"
    assert {len(s.text) for s in samples} >= {2, 10} or len({len(s.text) for s in samples}) >= 6
    assert any(s.touching for s in samples) and not all(s.touching for s in samples)
    punctuated = [s for s in samples if s.written != s.text]
    assert punctuated and len(punctuated) < len(samples)
    assert set("".join(s.written for s in punctuated)) & set(PUNCTUATION)


def test_separate_digits_do_not_share_ink_columns_at_the_left(digits) -> None:
    for s in digit_strings(20, 4, *digits):
        for i in range(len(s.boxes) - 1):
            assert s.boxes[i + 1][0] > s.boxes[i][0], "each digit starts right of the one before"


def test_rows_written_loosely_vary_in_height_and_baseline(digits) -> None:
    # the line reader's training rows: real hands write a small 0 raised, a 7 hanging below
    def spread(loose: float) -> tuple[float, float]:
        heights, bottoms = [], []
        for s in digit_strings(40, 6, *digits, style=RowStyle(loose=loose)):
            size = np.median([h for _, _, _, h in s.boxes])
            heights += [h / size for _, _, _, h in s.boxes]
            bottoms += list(
                np.subtract([y + h for _, y, _, h in s.boxes], np.median([y + h for _, y, _, h in s.boxes])) / size
            )
        return float(np.std(heights)), float(np.std(bottoms))

    plain, loose = spread(0.0), spread(1.0)
    assert loose[0] > 2 * plain[0] and loose[1] > 2 * plain[1]
    assert same(digit_strings(5, 6, *digits), digit_strings(5, 6, *digits, style=RowStyle(loose=0.0)))
    with pytest.raises(InputError, match="fraction of rows written loosely"):
        digit_strings(1, 0, *digits, style=RowStyle(loose=1.5))


def test_training_rows_may_carry_a_printed_word(digits) -> None:
    # forms print a label before the field ("Date:") or a unit after it ("kg"): the reader learns to skip them
    rows = digit_strings(12, 7, *digits, training=True, style=RowStyle(words=1.0))
    for s in rows:
        word = "".join(c for c in s.written if c.isalpha() and c != "x")
        assert word and s.text.isdigit(), s.written
        assert word.lower() not in {"zip", "total", "no", "amount", "tel", "room"}, "benchmark labels are held out"
        grey = s.image.mean(axis=2)
        paper = np.median(grey)
        if s.written[0].isalpha():  # a label before the digits
            outside = grey[:, : s.boxes[0][0] - 1]
        else:  # a unit after them
            end = s.boxes[-1][0] + s.boxes[-1][2]
            outside = grey[:, end + 1 :]
        assert outside.size and outside.min() < 0.6 * paper, f"no printed ink beside the digits of {s.written!r}"
    assert any(s.written[0].isalpha() for s in rows) and any(s.written[-1].isalpha() for s in rows)
    plain = digit_strings(5, 6, *digits, training=True)
    assert same(plain, digit_strings(5, 6, *digits, training=True, style=RowStyle(words=0.0)))
    assert all(not any(c.isalpha() and c != "x" for c in s.written) for s in plain)
    with pytest.raises(InputError, match="fraction of rows with a printed word"):
        digit_strings(1, 0, *digits, style=RowStyle(words=-0.1))


def test_training_rows_may_be_print_alone(digits) -> None:
    # a heading or a caption holds no digit: the reader learns to read such a line as nothing
    rows = digit_strings(30, 8, *digits, training=True, style=RowStyle(text_lines=0.5))
    alone = [s for s in rows if not s.text]
    assert 5 <= len(alone) <= 25 and all(s.text.isdigit() for s in rows if s.text)
    for s in alone:
        assert not s.boxes and printed.is_word(s.written) and not any(c.isdigit() for c in s.written), s.written
        grey = s.image.mean(axis=2)
        assert grey.min() < 0.6 * np.median(grey), f"no printed ink in {s.written!r}"
    plain = digit_strings(5, 6, *digits, training=True)
    assert same(plain, digit_strings(5, 6, *digits, training=True, style=RowStyle(text_lines=0.0)))
    assert all(s.text for s in digit_strings(10, 8, *digits, style=RowStyle(text_lines=1.0))), (
        "evaluation rows always hold digits"
    )
    with pytest.raises(InputError, match="fraction of rows of print alone"):
        digit_strings(1, 0, *digits, style=RowStyle(text_lines=2.0))


def test_words_may_be_written_by_hand(digits) -> None:
    # the same rows, their words written with the row's pen (a Hershey stroke font) instead of printed
    printed_rows = digit_strings(8, 9, *digits, training=True, style=RowStyle(words=1.0))
    written_rows = digit_strings(8, 9, *digits, training=True, style=RowStyle(words=1.0, hand_words=1.0))
    assert [s.written for s in written_rows] == [s.written for s in printed_rows]
    pairs = zip(written_rows, printed_rows, strict=True)
    assert all(a.image.shape != b.image.shape or (a.image != b.image).any() for a, b in pairs)
    assert same(printed_rows, digit_strings(8, 9, *digits, training=True, style=RowStyle(words=1.0, hand_words=0.0)))
    with pytest.raises(InputError, match="fraction of words written by hand"):
        digit_strings(1, 0, *digits, style=RowStyle(hand_words=-1.0))


def test_a_word_written_by_hand_stands_on_the_baseline_at_about_the_digits_height() -> None:
    rng = np.random.default_rng(0)
    for text in ("Date:", "kg", "Total amount"):
        alpha, lift = printed.pen_alpha(text, 40.0, 4.0, rng)
        rows = np.flatnonzero((alpha > 0.5).any(axis=1))
        cap = -(lift + rows[0])  # the top of the ink above the baseline
        assert 0.5 * 40 <= cap <= 1.25 * 40, (text, cap)
        assert (alpha > 0.5).sum(axis=0).max() >= 3, "strokes as wide as the pen"


def test_a_printed_word_is_told_from_a_sign() -> None:
    assert printed.is_word("kg") and printed.is_word("Date:") and printed.is_word("xQ")
    assert not printed.is_word("x") and not printed.is_word("$") and not printed.is_word(".")


def test_digit_count_range_is_honoured(digits) -> None:
    lengths = {len(s.text) for s in digit_strings(15, 5, *digits, min_digits=3, max_digits=4)}
    assert lengths == {3, 4}
    with pytest.raises(InputError, match="min_digits"):
        digit_strings(1, 0, *digits, min_digits=5, max_digits=4)


# ---------------------------------------------------------------- set 3: drawings


def test_drawn_canvases(digits) -> None:
    samples = drawn_digits(30, 6, *digits)
    for s in samples:
        h, w = s.image.shape[:2]
        assert 200 <= h <= 600 and 200 <= w <= 600
        lum = grey(s.image)
        assert lum[0, 0] == lum[-1, -1] == 1.0, "white canvas"
        dark = lum < 0.5
        rows, cols = np.flatnonzero(dark.any(axis=1)), np.flatnonzero(dark.any(axis=0))
        assert s.box == (cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1)
        assert lum.min() == 0.0, "black strokes"
    assert any(s.image.shape[:2] == (280, 280) for s in samples)
    assert any(s.image.shape[:2] != (280, 280) for s in samples)
    heights = [s.box[3] / s.image.shape[0] for s in samples]
    assert min(heights) < 0.5 < max(heights)


def test_drawn_strokes_vary_in_width(digits) -> None:
    from digits.imaging.shapes import stroke_width

    widths = [stroke_width(grey(s.image) < 0.5) for s in drawn_digits(20, 7, *digits)]
    assert min(widths) < 6 and max(widths) > 12


# ---------------------------------------------------------------- drawing pieces


def test_trace_skeleton_line_ring_and_fork() -> None:
    line = np.zeros((20, 20), bool)
    line[10, 3:17] = True
    (path,) = strokes.trace_skeleton(line)
    assert {tuple(path[0]), tuple(path[-1])} == {(3.0, 10.0), (16.0, 10.0)} and len(path) == 14
    canvas = Image.new("1", (30, 30), 0)
    ImageDraw.Draw(canvas).ellipse((5, 5, 24, 24), outline=1)
    paths = strokes.trace_skeleton(np.asarray(canvas, bool))
    assert len(paths) == 1 and np.array_equal(paths[0][0], paths[0][-1]), "a ring is one closed path"
    fork = np.zeros((21, 21), bool)
    fork[10, 2:19] = True
    fork[2:10, 10] = True
    paths = strokes.trace_skeleton(fork)
    assert len(paths) == 3 and sum(len(p) for p in paths) == fork.sum() + 2  # the fork pixel ends 3 paths


def test_trace_skeleton_drops_short_spurs_only() -> None:
    fork = np.zeros((30, 30), bool)
    fork[15, 2:28] = True
    fork[12:15, 14] = True  # a 3-pixel spur
    assert len(strokes.trace_skeleton(fork, min_spur=5)) == 2
    assert len(strokes.trace_skeleton(fork, min_spur=2)) == 3


def test_blobs_that_do_not_trace_are_painted_whole(digits) -> None:
    canvas = Image.new("L", (112, 112), 0)
    ImageDraw.Draw(canvas).ellipse((24, 40, 88, 104), fill=255)  # a solid loop
    ImageDraw.Draw(canvas).line([(40, 50), (70, 8)], fill=255, width=12)
    blob = np.asarray(canvas.resize((28, 28), Image.Resampling.BOX))
    assert strokes.digit_strokes(blob).fidelity < strokes.MIN_FIDELITY
    assert strokes.digit_strokes(digits[0][6]).fidelity > strokes.MIN_FIDELITY
    solid = strokes.pen_alpha(blob, 100, 4) > 0.5
    assert solid.mean() > 0.3, "drawn with its own shape, not a 4 px line"
    for s in drawn_digits(4, 0, blob[None], [6]):
        x, y, w, h = s.box
        assert (grey(s.image)[y : y + h, x : x + w] < 0.5).mean() > 0.3


def test_ink_alpha_scales_and_keeps_faint_strokes_faint(digits) -> None:
    digit = digits[0][1]
    big = render.ink_alpha(digit, 200)
    box = render.ink_box(big)
    assert box is not None and abs(box[3] - 200) <= 12
    faint = render.ink_alpha((digit * 0.5).astype(np.uint8), 200, edge=0.2)
    assert 0.3 < faint.max() < 0.75 < big.max()


def test_jpeg_roundtrip_changes_pixels_a_little() -> None:
    rng = np.random.default_rng(0)
    pixels = (render.paper(rng, (64, 64)) * 255).astype(np.uint8)
    out = render.jpeg_roundtrip(pixels, 40)
    assert out.shape == pixels.shape and out.dtype == np.uint8
    assert 0 < np.abs(out.astype(int) - pixels).mean() < 10


# ---------------------------------------------------------------- files


def test_write_and_read_back_exactly(tmp_path: Path, digits) -> None:
    photos, rows = photo_digits(4, 8, *digits), digit_strings(3, 8, *digits)
    write_set(photos, tmp_path / "photos", info={"seed": 8})
    write_set(rows, tmp_path / "rows")
    assert same(read_set(tmp_path / "photos"), photos)
    assert same(read_set(tmp_path / "rows"), rows)
    meta = json.loads((tmp_path / "photos" / "labels.json").read_text())
    assert meta["kind"] == "digits" and meta["info"] == {"seed": 8} and meta["samples"][0]["file"] == "0000.png"
    write_set(photos[:2], tmp_path / "photos")  # replaces the earlier set
    assert len(read_set(tmp_path / "photos")) == 2 and not (tmp_path / "photos" / "0003.png").exists()


def test_jpeg_sets_and_refusals(tmp_path: Path, digits) -> None:
    drawn = drawn_digits(2, 9, *digits)
    write_set(drawn, tmp_path / "drawn", image_format="jpeg")
    back = read_set(tmp_path / "drawn")
    assert [s.label for s in back] == [s.label for s in drawn]
    assert np.abs(back[0].image.astype(int) - drawn[0].image).mean() < 3
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        write_set(drawn, tmp_path / "mine")
    with pytest.raises(InputError, match="image_format"):
        write_set(drawn, tmp_path / "x", image_format="gif")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="readable synthetic set"):
        read_set(tmp_path / "mine")


# ---------------------------------------------------------------- real MNIST


@pytest.mark.mnist
def test_sets_from_real_mnist_test_digits(mnist_dir: Path) -> None:
    test = load_mnist(mnist_dir, download=False).test
    images, labels = test.images, test.labels
    for s in photo_digits(30, 0, images, labels) + drawn_digits(30, 0, images, labels):
        assert_box_holds_ink(s.image, s.box)
        assert s.label == labels[s.source]
    for s in digit_strings(30, 0, images, labels):
        assert s.text == "".join(str(labels[i]) for i in s.sources)
        for box in s.boxes:
            assert_box_holds_ink(s.image, box)
