"""The line reader: strips of whole lines, CTC decoding, training, saving and loading, the shipped reader."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import ImageDraw

from digits.cli import main
from digits.data.line_rows import line_rows
from digits.data.strings import RowStyle, digit_strings
from digits.errors import ModelFileError
from digits.imaging.deskew import line_slant
from digits.imaging.lines import DIGIT_HEIGHT, HEIGHT, TYPICAL_SLANT
from digits.imaging.segment import segment_lines
from digits.models.line_reader import (
    BLANK,
    SHIPPED_LOOSE,
    STRIDE,
    LineReader,
    best_text,
    build_net,
    decode,
    load_line_reader,
    shipped_line_readers,
    text_log_likelihood,
)
from digits.models.line_train import TEMPERATURES, train_line_reader
from digits.recognizer import ReadOptions, Recognizer, printed_word_marks
from small_model import mnist_test
from test_segment import SIZE, draw_digits, ink_box


def _frames(labels: list[int], p: float = 0.9) -> np.ndarray:
    """Log-probabilities (len, 11) whose best class per frame is ``labels`` with probability ``p``."""
    out = np.full((len(labels), 11), (1 - p) / 10)
    out[np.arange(len(labels)), labels] = p
    return np.log(out).astype(np.float32)


def test_decoding_merges_repeats_and_needs_a_blank_between_equal_digits() -> None:
    # classes are digit + 1: "1 1 - 8 - 8 8 - -" reads "0", "7", "7"
    digits = decode(_frames([1, 1, BLANK, 8, BLANK, 8, 8, BLANK, BLANK]))
    assert [d.digit for d in digits] == [0, 7, 7]
    # frame t covers columns 2t..2t+2: centres 2, 7 and 12; spans end halfway between them
    assert [d.span for d in digits] == [(0.0, 4.5), (4.5, 9.5), (9.5, 9 * STRIDE)]
    assert [d.at for d in digits] == [2.0, 7.0, 12.0]
    assert all(d.confidence == pytest.approx(0.9) for d in digits)
    assert decode(_frames([BLANK] * 5)) == []
    warmer = decode(_frames([1, 1, BLANK, 8, BLANK, 8, 8, BLANK, BLANK]), temperature=2.0)
    assert [d.digit for d in warmer] == [0, 7, 7]  # a temperature changes confidences, not digits
    assert all(0.1 < d.confidence < 0.9 for d in warmer)


def test_the_net_gives_a_frame_every_two_columns() -> None:
    import torch

    out = build_net()(torch.zeros(3, 1, HEIGHT, 50))
    assert out.shape == (3, 50 // STRIDE, 11)
    assert torch.allclose(out.exp().sum(-1), torch.ones(3, 25))


def test_a_line_strip_holds_the_line_at_a_fixed_height_and_maps_columns_back_to_the_picture() -> None:
    items = [("7", 40, 30), ("2", 140, 34), ("0", 240, 30)]
    lines = segment_lines(draw_digits(items, (340, 140)))
    assert len(lines) == 1
    strip = lines[0].strip
    assert strip.image.shape[0] == HEIGHT
    rows = np.flatnonzero((strip.image >= 0.5).any(axis=1))
    assert abs((rows[-1] - rows[0] + 1) - DIGIT_HEIGHT) <= 2
    # each third of the strip's ink maps back to that digit's box in the picture
    cols = np.flatnonzero((strip.image >= 0.5).any(axis=0))
    bounds = np.linspace(cols[0], cols[-1] + 1, 4)
    for (shape, left, top), a, b in zip(items, bounds[:-1], bounds[1:], strict=True):
        box = strip.box(a, b)
        expected = ink_box(shape, left, top)
        assert box is not None
        assert np.allclose(box, expected, atol=4), (shape, box, expected)
    assert strip.box(0, 1) is None  # the margin holds no ink


def _leaning_ones(lean: float) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """Three 1s, 60 px tall, whose tops are ``lean`` x 60 px right of their feet (a pen 6 px wide), and their boxes."""
    picture = draw_digits([], (420, 140))
    draw = ImageDraw.Draw(picture)
    boxes = []
    for foot in (80, 200, 320):
        draw.line([(foot + lean * SIZE, 40), (foot, 40 + SIZE)], fill=0, width=6)
        boxes.append((foot - 3, 37, lean * SIZE + 6, SIZE + 6))
    return np.asarray(picture), boxes


def test_a_line_leaning_far_is_stood_up_in_its_strip_and_its_boxes_map_back() -> None:
    picture, boxes = _leaning_ones(0.6)  # 31 degrees
    (line,) = segment_lines(picture)
    assert line_slant(line.strip.image, DIGIT_HEIGHT / 2) == pytest.approx(-0.6, abs=0.05)  # the strip as written
    strip = line.upright
    assert strip is not None and strip.shifts is not None
    assert line_slant(strip.image, DIGIT_HEIGHT / 2) == pytest.approx(TYPICAL_SLANT, abs=0.08)
    ink = (strip.image >= 0.5).any(axis=0)
    runs = np.flatnonzero(np.diff(np.concatenate([[0], ink.astype(int), [0]])))  # start, stop of each 1's columns
    assert len(runs) == 6
    for (start, stop), expected in zip(runs.reshape(3, 2), boxes, strict=True):
        assert strip.box(start, stop) == pytest.approx(expected, abs=4)


def test_a_line_leaning_as_mnist_rows_do_is_left_as_it_is() -> None:
    picture, _ = _leaning_ones(0.15)
    (line,) = segment_lines(picture)
    assert line.upright is None
    assert line_slant(line.strip.image, DIGIT_HEIGHT / 2) == pytest.approx(-0.15, abs=0.05)


def test_the_slant_of_a_line_is_the_median_of_its_pieces() -> None:
    image = np.zeros((40, 200))
    for x0, lean in ((20, -0.3), (70, -0.35), (120, -0.4), (170, 0.9)):  # three digits and a backslash
        for y in range(5, 35):
            image[y, round(x0 + lean * (y - 20)) : round(x0 + lean * (y - 20)) + 3] = 1.0
    assert line_slant(image, 10) == pytest.approx(np.median([-0.3, -0.35, -0.4, 0.9]), abs=0.03)
    assert line_slant(image[:, :100], 10) == pytest.approx(-0.325, abs=0.03)
    assert line_slant(image[:, :50], 10) is None  # one piece: its shape, not the hand
    assert line_slant(image[:, :100], 40) is None  # none tall enough


def test_a_line_strip_leaves_out_the_other_lines() -> None:
    picture = draw_digits(
        [("1", 40, 20), ("7", 120, 20), ("2", 40, 20 + 2 * SIZE), ("0", 120, 20 + 2 * SIZE)], (240, 220)
    )
    lines = segment_lines(picture)
    assert len(lines) == 2
    for line in lines:
        ink = line.strip.image >= 0.5
        assert ink[0].sum() == 0 and ink[-1].sum() == 0  # nothing of the other line at the top or bottom rows
    assert [len(line.strip.image) for line in lines] == [HEIGHT, HEIGHT]
    assert [len(line.marks) for line in lines] == [2, 2]


def test_a_line_strip_keeps_the_small_marks_that_are_not_digit_marks() -> None:
    # a dash between digits, and a 5 drawn as two short strokes, each under half a digit's height
    picture = draw_digits([("1", 20, 20), ("2", 80, 20), ("7", 240, 20)], (380, 120))
    draw = ImageDraw.Draw(picture)
    draw.line([(140, 50), (165, 50)], fill=0, width=6)
    draw.line([(300, 20), (330, 20)], fill=0, width=6)  # the 5's flag ...
    draw.line([(300, 50), (330, 55), (330, 70), (298, 72)], fill=0, width=6)  # ... and its lower part
    (line,) = segment_lines(picture)
    assert [m.box[0] for m in line.marks] == pytest.approx([35, 77, 237], abs=4)  # digit-sized marks only
    ink = (line.strip.image >= 0.5).any(axis=0)
    x = np.array([line.strip.input_x(c + 0.5) for c in range(len(ink))])
    assert ink[(x > 145) & (x < 160)].all()  # the dash
    assert ink[(x > 305) & (x < 325)].all()  # both pieces of the 5
    assert line.strip.box(*np.flatnonzero(x > 290)[[0, -1]]) == pytest.approx((295, 17, 38, 58), abs=4)


def test_a_line_strip_leaves_out_a_short_stroke_far_from_the_writing() -> None:
    # the stub of a ruled line two digit heights left of a row: not punctuation, not part of a digit
    picture = draw_digits([("1", 160, 20), ("7", 220, 20)], (320, 120))
    draw = ImageDraw.Draw(picture)
    draw.line([(40, 40), (40, 62)], fill=0, width=4)
    draw.line([(290, 58), (300, 58)], fill=0, width=6)  # a dash half a digit past the last one stays
    (line,) = segment_lines(picture)
    assert len(line.marks) == 2
    ink = (line.strip.image >= 0.5).any(axis=0)
    x = np.array([line.strip.input_x(c + 0.5) for c in range(len(ink))])
    assert x[ink].min() > 150 and x[ink].max() > 290


def test_training_rows_are_the_same_whatever_the_number_of_processes(mnist_dir) -> None:
    images, labels = mnist_test(mnist_dir)  # test digits stand in: this checks the rendering, not a model
    one = line_rows(images[:500], labels[:500], 12, 3, workers=1)
    two = line_rows(images[:500], labels[:500], 12, 3, workers=2)
    assert one[1] == two[1] and all(np.array_equal(a, b) for a, b in zip(one[0], two[0], strict=True))
    assert len(one[0]) >= 10  # a picture whose writing is not one line is left out, rarely
    assert all(s.dtype == np.uint8 and s.shape[0] == HEIGHT for s in one[0])
    assert all(t.isdigit() for t in one[1])


def test_training_lowers_the_ctc_loss_and_keeps_the_best_epoch(mnist_dir, tmp_path) -> None:
    images, labels = mnist_test(mnist_dir)
    strips, texts = line_rows(images[:2000], labels[:2000], 200, 5, workers=1)
    reader = train_line_reader(
        strips[:160], texts[:160], strips[160:], texts[160:], epochs=3, batch_size=16, device="cpu"
    )
    info = reader.card["info"]
    losses = [h["loss"] for h in info["history"]]
    assert losses[-1] < losses[0]
    assert info["val_exact"] == max(h["val_exact"] for h in info["history"])
    assert info["calibration"]["temperature"] in TEMPERATURES
    assert reader.temperature == info["calibration"]["temperature"]
    reader.save(tmp_path / "reader")
    again = load_line_reader(tmp_path / "reader")
    a, b = reader.log_probabilities(strips[:3]), again.log_probabilities(strips[:3])
    assert all(np.allclose(x, y, atol=1e-6) for x, y in zip(a, b, strict=True))


def test_loading_a_broken_reader_says_what_is_wrong(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="model.json"):
        load_line_reader(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": 1, "name": "fast-cnn"}))
    with pytest.raises(ModelFileError, match="not a line-reader card"):
        load_line_reader(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": 1, "name": "line-reader", "params": {}}))
    with pytest.raises(ModelFileError, match="weights"):
        load_line_reader(tmp_path)
    LineReader(
        build_net(), {"format": 1, "name": "line-reader", "params": {"channels": [16, 32, 64, 64], "hidden": 96}}
    ).save(tmp_path)
    card = json.loads((tmp_path / "model.json").read_text())
    (tmp_path / "model.json").write_text(json.dumps({**card, "info": {"calibration": {"temperature": -1}}}))
    with pytest.raises(ModelFileError, match="temperature"):
        load_line_reader(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps(card))
    (tmp_path / "weights.safetensors").write_bytes(b"not weights")
    with pytest.raises(ModelFileError, match="weights"):
        load_line_reader(tmp_path)


def test_a_strip_of_the_wrong_shape_is_refused() -> None:
    reader = LineReader(build_net(), {})
    with pytest.raises(ValueError, match="strip"):
        reader.read([np.zeros((28, 40), np.float32)])
    assert reader.read([]) == []


def test_the_shipped_reader_reads_rows_of_test_digits(mnist_dir) -> None:
    images, labels = mnist_test(mnist_dir)
    samples = digit_strings(40, 123, images, labels)
    reader = load_line_reader()
    strips = [line.strip.image for sample in samples for line in segment_lines(sample.image)[:1]]
    read = ["".join(str(d.digit) for d in line) for line in reader.read(strips)]
    right = sum(r == s.text for r, s in zip(read, samples, strict=True))
    assert right >= 34, f"{right}/40 rows read exactly"


@pytest.mark.parametrize(
    ("empty", "digits", "word"),
    [
        ([True, True, False, False], [1, 1, 1, 1], {0, 1}),  # a label of two letters read as digits
        ([False, False, True, True, True], [1, 1, 0, 1, 1], {2, 3, 4}),  # a unit after the number
        ([True, False, False], [2, 1, 1], {0}),  # one mark the line readers read as two digits
        ([True, False, False], [1, 1, 1], set()),  # one mark, one digit: a small digit the word readers skip
        ([False, True, True, False], [1, 1, 1, 1], set()),  # between digits: signs are the line readers' job
        ([True, True, False, True], [1, 1, 1, 1], {0, 1}),
        ([True, True, True], [1, 1, 1], {0, 1, 2}),  # no digit anywhere: a line of print alone
        ([True], [1], set()),  # one mark alone is no word
    ],
)
def test_a_printed_word_is_a_run_of_marks_at_a_line_end_the_word_readers_read_nothing_in(empty, digits, word) -> None:
    assert printed_word_marks(empty, digits) == word


def test_rows_with_a_printed_word_are_read_as_their_digits(mnist_dir) -> None:
    images, labels = mnist_test(mnist_dir)
    worded = digit_strings(30, 5, images, labels, training=True, style=RowStyle(words=1.0))
    plain = digit_strings(30, 123, images, labels)
    right = {}
    for words in (True, False):
        recognizer = Recognizer(read_options=ReadOptions(printed_words=words))
        right[words] = [sum(recognizer.read(s.image).text == s.text for s in rows) for rows in (worded, plain)]
    assert right[True][0] >= 21 and right[False][0] <= 9, right  # validation rows: 820 and 117 of 1,000
    assert right[True][1] >= right[False][1], right


def test_unevenly_written_lines_are_read_by_the_loose_readers(mnist_dir) -> None:
    images, labels = mnist_test(mnist_dir)
    rows = {loose: digit_strings(40, 9, images, labels, style=RowStyle(loose=loose)) for loose in (0.0, 1.0)}
    recognizer = Recognizer()
    loose_pair = shipped_line_readers(SHIPPED_LOOSE)
    sent = {k: sum(recognizer._readers(segment_lines(r.image)[0]) == loose_pair for r in rows[k]) for k in rows}
    assert sent[0.0] <= 8 and sent[1.0] >= 24, sent  # of 1,000 validation rows each: 65-70 and 772
    given = Recognizer(line_reader=load_line_reader())
    assert given._readers(segment_lines(rows[1.0][0].image)[0]) == given._line_readers  # the readers given, always


def test_train_reader_command_saves_a_reader(mnist_dir, tmp_path, capsys) -> None:
    out = tmp_path / "reader"
    code = main(["train-reader", "--rows", "40", "--val-rows", "10", "--epochs", "1", "--workers", "1",
                 "--channels", "8,8,16,24", "--hidden", "20", "--loose", "0.5", "--words", "0.3", "--text-lines", "0.2",
                 "--hand-words", "0.5", "--flagged-ones", "5",
                 "--device", "cpu", "--data-dir", str(mnist_dir), "--out", str(out), "--no-progress"])  # fmt: skip
    assert code == 0
    assert "validation rows read exactly" in capsys.readouterr().out
    reader = load_line_reader(out)
    assert reader.card["info"]["n_train"] >= 35 and reader.card["info"]["loose"] == 0.5
    assert reader.card["info"]["words"] == 0.3 and reader.card["info"]["text_lines"] == 0.2
    assert reader.card["info"]["hand_words"] == 0.5 and reader.card["info"]["flagged_ones"] == 5
    assert reader.card["params"] == {"channels": [8, 8, 16, 24], "hidden": 20}
    assert reader.net.rnn.hidden_size == 20


@pytest.mark.parametrize("channels", ["16,32,64", "16,32,64,x", "16,0,64,64", ""])
def test_train_reader_rejects_bad_channels(channels, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["train-reader", "--channels", channels])
    assert stop.value.code == 2
    assert "expected four" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--loose", "--words", "--text-lines", "--hand-words"])
@pytest.mark.parametrize("value", ["-0.1", "1.5", "some"])
def test_train_reader_rejects_a_bad_fraction(flag, value, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["train-reader", flag, value])
    assert stop.value.code == 2
    assert flag in capsys.readouterr().err


def test_text_log_likelihood_is_ctc() -> None:
    import torch

    rng = np.random.default_rng(0)
    logp = np.log(rng.dirichlet(np.ones(11), size=30)).astype(np.float32)
    for text in ["", "7", "11", "2024", "5550123"]:
        expected = -torch.nn.functional.ctc_loss(
            torch.from_numpy(logp)[:, None, :],
            torch.tensor([[int(c) + 1 for c in text]] if text else [[]], dtype=torch.long),
            torch.tensor([30]),
            torch.tensor([len(text)]),
            reduction="sum",
        )
        assert text_log_likelihood(logp, text) == pytest.approx(float(expected), rel=1e-6)
    assert text_log_likelihood(logp[:2], "111") == -np.inf  # "111" needs 5 frames: 1 blank 1 blank 1


def test_best_text_follows_the_reader_whose_text_both_find_likelier() -> None:
    def frames(*labels: int, sure: float = 0.9) -> np.ndarray:
        p = np.full((len(labels), 11), (1 - sure) / 10)
        p[np.arange(len(labels)), labels] = sure
        return np.log(p).astype(np.float32)

    one = frames(0, 4, 0, 8, 0)  # reads "37"
    two = frames(0, 4, 0, 9, 0, sure=0.4)  # reads "38", unsure of its 8
    assert [d.digit for d in decode(one)] == [3, 7] and [d.digit for d in decode(two)] == [3, 8]
    assert best_text([one, one], ["37", "37"]) == 0
    assert best_text([one, two], ["37", "38"]) == 0 and best_text([two, one], ["38", "37"]) == 1
    sure = frames(0, 4, 0, 9, 0, sure=0.99)  # sure of "38"
    assert best_text([one, sure], ["37", "38"]) == 1
