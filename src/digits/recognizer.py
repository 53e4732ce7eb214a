"""From a picture to digits: a model, the one normalization and calibrated confidence.

>>> from digits import Recognizer
>>> recognizer = Recognizer()                    # the shipped model
>>> recognizer.predict("seven.png").digit        # one digit per picture
7
>>> recognizer.read("cheque.jpg").text           # every digit, in reading order
'1250'

:meth:`Recognizer.predict` normalizes the picture with
:func:`digits.imaging.normalize_digit` and asks the model. :meth:`Recognizer.read`
finds the lines of writing with :func:`digits.imaging.segment.segment_lines`
and reads each one whole with the shipped line reader
(:mod:`digits.models.line_reader`); with ``ReadOptions(line_reader=False)``
it cuts the marks into digits instead (:func:`digits.imaging.segment.segment_digits`)
and asks the model, which decides whether a wide mark is one digit or several
touching ones and drops marks it does not take for a digit. Both return
frozen result objects with ``to_dict()`` for JSON.

Confidence is the largest class probability, calibrated when the model
folder's ``model.json`` records ``info.calibration.temperature``
(``p ∝ exp(log p / T)``, see :func:`digits.evaluation.calibration.apply_temperature`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.errors import InputError
from digits.imaging.io import ImageSource, read_image
from digits.imaging.lines import Strip
from digits.imaging.normalize import normalize_digit
from digits.imaging.segment import Line, Piece, SegmentOptions, segment_digits, segment_lines, steep_tilt
from digits.imaging.turn import box_before_turn, turn
from digits.models.base import DigitModel
from digits.models.line_reader import (
    BLANK,
    SHIPPED,
    SHIPPED_LOOSE,
    SHIPPED_WORDS,
    STRIDE,
    LineDigit,
    LineReader,
    best_text,
    decode_frames,
    frame_probabilities,
    load_line_reader,
    shipped_line_readers,
)
from digits.models.pretrained import shipped_model_dir
from digits.models.store import RUNTIMES, card_temperature, load_model

N_CLASSES = 10

LOG_ASPECT = (
    (-0.118, 0.219), (-0.967, 0.486), (-0.079, 0.247), (-0.257, 0.228), (-0.257, 0.226),
    (-0.079, 0.292), (-0.361, 0.235), (-0.289, 0.229), (-0.309, 0.235), (-0.426, 0.214),
)  # fmt: skip
"""Mean and std of log(width / height) of each digit's ink (pixels >= 128) in MNIST's first
20,000 training images: a "1" is narrow (0.38), a "2" or "5" nearly square (0.92)."""


@dataclass(frozen=True)
class ReadOptions:
    """How :meth:`Recognizer.read` turns the lines and marks of a picture into digits.

    Attributes
    ----------
    segment : SegmentOptions
        The segmentation's settings.
    line_reader : bool
        True: each line is read whole by the shipped line reader
        (:mod:`digits.models.line_reader`), which needs no cuts between
        touching digits and reads punctuation as nothing; a digit alone in
        its mark is decided with the model too (see :meth:`Recognizer._line_digits`).
        On 1,000 rows of **validation** digits (``digit_strings(1000, 4242, val)``)
        this read 92.9% exactly (92.0% before lines' strips kept their small
        marks, the pieces of broken digits among them, and commas under the
        baseline stopped being lines), against 75.1% for the marks alone. Before
        strips' strokes were brought into range
        (:data:`digits.imaging.lines.STROKE_RANGE`, for thin canvas drawings)
        the line reader alone read 92.0% and with the model 92.4%. Taking the
        marks' reading wherever the two agreed on how many digits a mark
        holds read 85.0% (400 rows). False: marks only, read by the
        recognizer's model; the settings below apply then.
    mark_confidence : float
        A mark read as one digit with a confidence below this is not taken
        for a digit (a stray mark) and left out. A model trained on digits
        only is sure of most symbols ("$" reads as 5 or 8, "(" and "/" as
        1): at 0.3 no digit was lost and 1% of 420 symbols dropped; at 0.5,
        0.4-0.8% of digits were lost for 4-8% of the symbols.
    aspect_weight : float
        Weight of the log shape prior (width / height given the digit) of
        each piece. Re-measured with the shipped model on 400 strings of
        **train** digits (``digit_strings(400, 11, train)``): 0.1 read 80.0%
        of them exactly, 0.25 77.3%, 0.5 72.8%, 1.0 65.0%.
    short_weight : float
        Penalty per unit of log height for pieces under 82% of their line's
        digit height (cut fragments are shorter than the digits they came from).
    second_look, second_look_model : float
        A digit-sized mark in which the line reader read nothing is read as a
        digit when the reader gave that digit at least ``second_look`` at a
        frame over it and the model, on the mark alone, at least
        ``second_look_model`` (:meth:`Recognizer._second_look`). It brings back
        slanted 1s that the reader took for "/", and lets some signs through as
        digits: of 1,000 rows of **validation** digits (``digit_strings(1000,
        4242, val)``), 1,000 such rows with signs (``training=True``) and the
        450 texts with signs of ``benchmarks/font_rows.py``, ``read`` with the
        shipped models got 930 / 921 / 317 right without it, 937 / 923 / 302
        at 0.15, 935 / 924 / 311 at 0.3 and 933 / 926 / 314 at 0.4.
        ``second_look_model`` at 0.9 read the same.
    printed_words : bool
        True: a form's printed label before a number ("ZIP", "Total:") or unit
        after it ("kg") is left out, and so is a line of print alone (a heading,
        a caption); words written by hand, often. The line readers read letters
        as digits ("ZIP" as 218); two more readers, trained on rows with printed
        and handwritten words and lines of them
        (:data:`digits.models.line_reader.SHIPPED_WORDS`), read each line too,
        and a run of marks at either end of a line in which neither of them
        reads a digit is a word when it holds at least :data:`WORD_RUN` marks
        or the line readers read at least that many digits in it; a line of at
        least that many marks in which neither reads a digit is print
        (:func:`printed_word_marks`). Measured with the shipped readers, off and
        on: of 1,000 rows of **validation** digits with a printed word (seed
        4444, ``benchmarks/val_rows.py``), 117 and 868 read right;
        ``benchmarks/labelled_numbers.py`` (words and fonts the readers never
        trained with) 41 and 230 of 243; ``benchmarks/printed_lines.py`` (lines
        of print above or below a number, or alone) 115 and 288 of 288, and in
        25 handwriting fonts, 0 and 245 of 300 phrases alone read as nothing, 96
        and 247 of 375 numbers beside a written word read right. Of the 4,000
        other validation rows (plain, with signs, written loosely), only 2
        loosely written rows changed, both for the worse, when handwritten
        words were learnt (BENCHMARKS.md).
    loose_spread : float
        A line whose :attr:`~digits.imaging.segment.Line.spread` is over this
        (its digits of uneven heights, off a common baseline) is read by the
        shipped loose pair of line readers (:data:`digits.models.line_reader.SHIPPED_LOOSE`),
        trained with 30 % of their rows written so, instead of the shipped pair;
        ``math.inf``: never. Chosen on validation rows (``benchmarks/val_rows.py``):
        at 0.1, 2,836 of the 3,000 plain rows or rows with signs (2,837 with the
        shipped pair alone: 3 fixed, 4 broken) and 899 of 1,000 loosely written
        rows (873: 31 fixed, 5 broken); the loose pair on every line read 2,822
        and 905.

    The marks' values were chosen by measurement on strings pasted from MNIST
    test digits 5,000-9,999 (see :func:`reading_score`).
    """

    segment: SegmentOptions = field(default_factory=SegmentOptions)
    line_reader: bool = True
    mark_confidence: float = 0.3
    aspect_weight: float = 0.1
    short_weight: float = 5.0
    second_look: float = 0.3
    second_look_model: float = 0.99
    printed_words: bool = True
    loose_spread: float = 0.1


@dataclass(frozen=True)
class Prediction:
    """The answer for a picture of one digit.

    Attributes
    ----------
    digit : int or None
        None when no ink was found or the answer was rejected (below ``min_confidence``).
    confidence : float
        Probability of the most likely digit (calibrated if the model is); 0 without ink.
    probabilities : tuple of 10 floats
        Per digit 0-9; all zeros without ink.
    rejected : bool
        Whether a digit was found but its confidence was below ``min_confidence``.
    image : ndarray of uint8, shape (28, 28), or None
        What the model saw: the normalized digit.
    """

    digit: int | None
    confidence: float
    probabilities: tuple[float, ...]
    rejected: bool
    image: npt.NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"digit", "confidence", "probabilities"}`` for JSON (``digit`` None becomes null)."""
        return {"digit": self.digit, "confidence": self.confidence, "probabilities": list(self.probabilities)}


@dataclass(frozen=True)
class ReadDigit:
    """One digit of a :class:`Reading`.

    Attributes
    ----------
    digit : int or None
        None when rejected (below ``min_confidence``); it is then left out of the text.
    confidence : float
    box : (x, y, w, h)
        Where it is, in the input image's pixels.
    """

    digit: int | None
    confidence: float
    box: tuple[int, int, int, int]

    def to_dict(self) -> dict[str, Any]:
        """``{"digit", "confidence", "box": [x, y, w, h]}`` for JSON."""
        return {"digit": self.digit, "confidence": self.confidence, "box": list(self.box)}


@dataclass(frozen=True)
class Reading:
    """Every digit in a picture.

    Attributes
    ----------
    text : str
        The digits in reading order (lines top to bottom, left to right), rejected ones left out.
    digits : list of ReadDigit
        In the same order.
    """

    text: str
    digits: list[ReadDigit]

    def to_dict(self) -> dict[str, Any]:
        """``{"text", "digits": [...]}`` for JSON."""
        return {"text": self.text, "digits": [d.to_dict() for d in self.digits]}


class Recognizer:
    """A model with its preprocessing and calibration: pictures in, digits out.

    Parameters
    ----------
    model : None, path-like or DigitModel
        None for the shipped model, a model folder written by ``digits
        train``, or a fitted model. It reads single digits (:meth:`predict`);
        in :meth:`read` it reads every mark with ``ReadOptions(line_reader=False)``,
        and otherwise joins the line reader on digits alone in their mark.
    min_confidence : float
        Answers less confident than this (0-1) are rejected: ``digit`` None.
    runtime : {'auto', 'torch', 'onnx'}
        How a model loaded from a folder predicts (see :func:`digits.models.load_model`);
        'auto' uses onnxruntime when the folder holds an exported ``model.onnx`` (the
        shipped model does).
    read_options : ReadOptions, optional
        Segmentation and scoring settings of :meth:`read`.
    line_reader : None, path-like, LineReader, or a sequence of those
        The line reader of :meth:`read`: None for the shipped ones (loaded at the
        first :meth:`read`; a pair, or the loose pair for an unevenly written line:
        ``ReadOptions.loose_spread``), a folder written by ``digits train-reader``
        (loaded now, so a broken folder fails here), or a loaded reader. With several,
        each line follows the reader whose text all of them find likeliest
        (:func:`digits.models.line_reader.best_text`).

    Attributes
    ----------
    model : DigitModel
    temperature : float or None
        The calibration temperature from the model's ``info``, if any.
    read_options : ReadOptions
        How :meth:`read` segments and scores.
    """

    def __init__(
        self, model: str | os.PathLike[str] | DigitModel | None = None, *, min_confidence: float = 0.0,
        runtime: str = "auto", read_options: ReadOptions | None = None,
        line_reader: ReaderSource | Sequence[ReaderSource] | None = None,
    ) -> None:  # fmt: skip
        if not 0.0 <= min_confidence <= 1.0:
            raise InputError(f"min_confidence must be between 0 and 1, got {min_confidence!r}.")
        if runtime not in RUNTIMES:
            raise InputError(f"Unknown runtime {runtime!r}; expected one of {', '.join(RUNTIMES)}.")
        if isinstance(model, DigitModel):
            if runtime == "onnx":
                raise InputError("runtime applies to a model folder; pass the folder rather than a loaded model.")
            model._check_fitted()
            self.model = model
        else:
            self.model = load_model(shipped_model_dir() if model is None else model, runtime=runtime)
        if not np.array_equal(self.model.classes_, np.arange(N_CLASSES)):
            raise InputError(f"The model's classes are {self.model.classes_.tolist()}; a recognizer needs 0-9.")
        self.min_confidence = float(min_confidence)
        self.temperature = card_temperature(getattr(self.model, "info_", {}))
        self.read_options = read_options or ReadOptions()
        given = [line_reader] if isinstance(line_reader, (str, os.PathLike, LineReader)) else line_reader
        if given is not None and not given:
            raise InputError("line_reader: give at least one line reader, or None for the shipped ones.")
        self._line_readers = None if given is None else tuple(_line_reader(r) for r in given)

    def __repr__(self) -> str:
        return f"Recognizer(model={self.model.name!r}, min_confidence={self.min_confidence})"

    def predict(self, image: ImageSource) -> Prediction:
        """Recognize the one digit in ``image`` (a path, bytes, PIL image or array).

        Raises
        ------
        ImageDecodeError, ImageTooLargeError
            When ``image`` cannot be read (see :func:`digits.imaging.io.read_image`).
        """
        found = normalize_digit(image)
        if found is None:
            return Prediction(None, 0.0, (0.0,) * N_CLASSES, False, None)
        proba = self.probabilities(found.image[None])[0]
        best = int(np.argmax(proba))
        confidence = float(proba[best])
        rejected = confidence < self.min_confidence
        return Prediction(None if rejected else best, confidence, tuple(proba.tolist()), rejected, found.image)

    def read(self, image: ImageSource) -> Reading:
        """Read every digit in ``image``, in reading order.

        Lines of digits photographed at a steep tilt (:func:`~digits.imaging.segment.steep_tilt`) are
        read from the picture turned level, their boxes given in the picture as it is.

        Raises
        ------
        ImageDecodeError, ImageTooLargeError
            When ``image`` cannot be read.
        """
        stream = image if isinstance(image, io.IOBase) and image.seekable() else None
        start = stream.tell() if stream is not None else 0
        reading, marks = self._read_level(image)
        tilt = steep_tilt(marks)
        if not tilt or (hasattr(image, "read") and stream is None):  # a stream that cannot go back: as it is
            return reading
        if stream is not None:
            stream.seek(start)
        return self._read_turned(image, tilt) or reading

    def _read_turned(self, image: ImageSource, tilt: float) -> Reading | None:
        """:meth:`read` of ``image`` turned level from its lines' steep ``tilt`` (degrees), each box taken back
        to the picture as it is; None when it finds no digit there or its lines are steep even so."""
        grey, original = read_image(image, max_side=self.read_options.segment.normalize.max_side)
        turned = turn(grey, tilt)
        reading, marks = self._read_level(turned)
        if not reading.digits or steep_tilt(marks):
            return None
        sy, sx = original[0] / grey.shape[0], original[1] / grey.shape[1]
        digits = []
        for d in reading.digits:
            x, y, w, h = box_before_turn(d.box, tilt, grey.shape, turned.shape)
            digits.append(replace(d, box=(round(x * sx), round(y * sy), round(w * sx), round(h * sy))))
        return replace(reading, digits=digits)

    def _read_level(self, image: ImageSource) -> tuple[Reading, list[tuple[int, int, int, int]]]:
        """:meth:`read` as the picture is (lines tilted up to :data:`~digits.imaging.segment.SLANTS` levelled),
        and the boxes (x, y, w, h) of the marks it read, each whole."""
        if not self.read_options.line_reader:
            return self._read_marks(image)
        lines = segment_lines(image, self.read_options.segment)
        marks = [mark for line in lines for mark in line.marks]
        proba = iter(self.probabilities(np.stack([m.image for m in marks])) if marks else [])
        digits = []
        for line in lines:
            readers = self._readers(line)
            views = [(strip, r, r.log_probabilities([strip.image])[0]) for strip in self._strips(line) for r in readers]
            frames = [frame_probabilities(view, r.temperature) for _, r, view in views]
            found = [decode_frames(f) for f in frames]
            k = best_text([view for *_, view in views], ["".join(str(d.digit) for d in f) for f in found])
            words = self._word_digits(line)
            read_from = replace(line, strip=views[k][0])
            digits += self._line_digits(found[k], frames[k], read_from, [next(proba) for _ in line.marks], words)
        return Reading("".join(str(d.digit) for d in digits if d.digit is not None), digits), [m.box for m in marks]

    def _strips(self, line: Line) -> tuple[Strip, ...]:
        """The strips a line is read from: as written and, where it leans far, stood up (:attr:`Line.upright`;
        the text all the readers' views of both find likeliest is kept). A line written unevenly
        (``ReadOptions.loose_spread``) is read as written: its readers took the stood-up view for worse
        more often than for better (BENCHMARKS.md)."""
        if line.upright is None or line.spread > self.read_options.loose_spread:
            return (line.strip,)
        return line.strip, line.upright

    def _line_digits(
        self,
        read: list[LineDigit],
        frames: npt.NDArray[np.float64],
        line: Line,
        marks: list[npt.NDArray[np.float64]],
        words: list[list[LineDigit]],
    ) -> list[ReadDigit]:
        """The line reader's digits of a line, each boxed, and checked by the model where it is alone in its mark.

        A digit belongs to the mark whose columns hold the middle of its frames, else to
        the nearest mark. Alone in its mark, it is boxed by the mark and decided by both
        readers: the geometric mean of the line reader's probabilities and the model's
        (calibrated) ones ``marks`` (10,) for the mark read whole, rescaled to sum to 1.
        Sharing a mark (touching digits), it is boxed by the mark's ink in the columns it
        was read from. A mark the line reader read nothing in may still be a digit
        (:meth:`_second_look`, on the reader's probabilities per frame ``frames`` (frames, 11)).
        The marks of a printed word at either end of the line, or of a line of words alone, are left
        out: ``words`` are the digits the word readers read in the line, one list per reader
        (:func:`printed_word_marks`).
        """
        result: list[list[ReadDigit]] = []
        for found, mark, whole in zip(_owners(line, read), line.marks, marks, strict=True):
            read_as: Sequence[tuple[int, float, tuple[int, int, int, int] | None]]
            if not found:
                read_as = self._second_look(frames, line, mark, whole)
            elif len(found) == 1:
                both = np.sqrt(np.asarray(found[0].probabilities) * whole)  # log-linear pooling
                read_as = [(int(np.argmax(both)), float(both.max() / both.sum()), mark.box)]
            else:
                read_as = [(d.digit, d.confidence, line.strip.box(*d.span)) for d in found]
            result.append([
                ReadDigit(None if confidence < self.min_confidence else digit, confidence, box)
                for digit, confidence, box in read_as
                if box is not None
            ])  # fmt: skip
        skip: set[int] = set()
        if words and (all(words) or not any(words)):  # one word reader alone reading nothing tells nothing
            empty = [not any(owned) for owned in zip(*(_owners(line, w) for w in words), strict=True)]
            skip = printed_word_marks(empty, [len(r) for r in result])
        return [d for k, found in enumerate(result) if k not in skip for d in found]

    def _readers(self, line: Line) -> tuple[LineReader, ...]:
        """The line readers that read ``line``: those given to the recognizer, else the shipped pair,
        or the shipped loose pair where the line is written unevenly (``ReadOptions.loose_spread``)."""
        if self._line_readers is not None:
            return self._line_readers
        return shipped_line_readers(SHIPPED_LOOSE if line.spread > self.read_options.loose_spread else SHIPPED)

    def _word_digits(self, line: Line) -> list[list[LineDigit]]:
        """The digits each word reader (:data:`SHIPPED_WORDS`) reads in ``line``; none asked (``[]``) when
        ``ReadOptions.printed_words`` is off or the line has a single mark, which cannot be a word beside digits."""
        if not self.read_options.printed_words or len(line.marks) < 2:
            return []
        readers = shipped_line_readers(SHIPPED_WORDS)
        return [decode_frames(frame_probabilities(r.log_probabilities([line.strip.image])[0])) for r in readers]

    def _second_look(
        self, frames: npt.NDArray[np.float64], line: Line, mark: Piece, whole: npt.NDArray[np.float64]
    ) -> list[tuple[int, float, tuple[int, int, int, int]]]:
        """A digit-sized mark in which the line reader read nothing, read as a digit if both readers lean to it.

        The line reader learnt to skip signs (a "/" among them), and so now and then
        skips a slanted 1. If blank wins at every frame over the mark's columns (else
        a digit read there went to a neighbouring mark), the mark is read as digit
        ``d`` when, at some frame over it, the reader gives ``d`` at least
        ``ReadOptions.second_look`` (and more than any other digit there), and the
        model, on the mark alone ``whole`` (10,), takes it for ``d`` with at least
        ``ReadOptions.second_look_model``. Its confidence is the geometric mean of
        the two probabilities, blank counted:
        low, as the reader mostly saw no digit there. Else nothing (``[]``).
        """
        opts = self.read_options
        x = np.array([line.strip.input_x((t + 0.5) * STRIDE) for t in range(len(frames))])
        over = frames[(x >= mark.box[0]) & (x <= mark.box[0] + mark.box[2])]
        if not over.size or (over.argmax(axis=1) != BLANK).any():  # a digit read over it went to a neighbour
            return []
        peak = over[:, 1:].max(axis=0)
        digit = int(np.argmax(peak))
        if peak[digit] < opts.second_look or int(np.argmax(whole)) != digit or whole[digit] < opts.second_look_model:
            return []
        return [(digit, float(np.sqrt(peak[digit] * whole[digit])), mark.box)]

    def _read_marks(self, image: ImageSource) -> tuple[Reading, list[tuple[int, int, int, int]]]:
        """:meth:`read` with the model alone (each mark read as one digit or cut into several), and the
        marks' boxes."""
        candidates = segment_digits(image, self.read_options.segment)
        pieces = {id(p): p for c in candidates for alt in ((c.whole,), *c.splits) for p in alt}  # cuts share pieces
        if not pieces:
            return Reading("", []), []
        # splits are chosen, and stray marks dropped, on the model's own probabilities, the scale
        # the ReadOptions weights were measured on; the calibrated ones are what is reported
        raw = self.model.predict_proba(np.stack([p.image for p in pieces.values()]))
        proba = dict(zip(pieces, raw, strict=True))
        digits: list[ReadDigit] = []
        for candidate in candidates:
            alternatives = [[(p, proba[id(p)]) for p in alt] for alt in ((candidate.whole,), *candidate.splits)]
            best = max(alternatives, key=lambda alt: reading_score(alt, candidate.line_height, self.read_options))
            digits += self._digits(best)
        text = "".join(str(d.digit) for d in digits if d.digit is not None)
        return Reading(text, digits), [c.whole.box for c in candidates]

    def probabilities(self, images: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Calibrated class probabilities (n, 10) of MNIST-style images (n, 28, 28)."""
        return self._calibrate(self.model.predict_proba(images))

    def _calibrate(self, proba: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return proba if self.temperature is None else _apply_temperature(proba, self.temperature)

    def _digits(self, group: _Reading) -> list[ReadDigit]:
        """The digits of a mark's chosen reading; none when a lone mark is too doubtful to be a digit."""
        if len(group) == 1 and float(group[0][1].max()) < self.read_options.mark_confidence:
            return []
        result = []
        for piece, raw in group:
            calibrated = self._calibrate(raw[None])[0]
            digit = int(np.argmax(calibrated))
            confidence = float(calibrated[digit])
            result.append(ReadDigit(None if confidence < self.min_confidence else digit, confidence, piece.box))
        return result


_Reading = list[tuple[Piece, npt.NDArray[np.float64]]]
"""Pieces read as digits, each with the model's uncalibrated probabilities (10,)."""


ReaderSource = str | os.PathLike[str] | LineReader
"""A line reader, or the folder of one."""


def _owners(line: Line, read: list[LineDigit]) -> list[list[LineDigit]]:
    """The digits a line reader read in ``line``, by mark: a digit belongs to the mark whose
    columns hold the middle of its frames, else to the nearest mark."""
    spans = [(m.box[0], m.box[0] + m.box[2]) for m in line.marks]
    owned: list[list[LineDigit]] = [[] for _ in line.marks]
    for d in read:
        x = line.strip.input_x(d.at)
        owned[min(range(len(spans)), key=lambda k: max(spans[k][0] - x, x - spans[k][1], 0.0))].append(d)
    return owned


WORD_RUN = 2
"""A run of marks at a line's end that the word readers read nothing in is a printed word when it
has this many marks, or the line readers read this many digits in it. With 1, a lone sign or a small
last digit that the word readers skip went too: 39 of 4,000 validation rows got worse (BENCHMARKS.md)."""


def printed_word_marks(empty: Sequence[bool], digits: Sequence[int]) -> set[int]:
    """The marks of a line, left to right, that hold a printed word rather than digits.

    ``empty[k]``: no word reader read a digit in mark k; ``digits[k]``: how many digits the
    line readers read there. Only the runs of empty marks at the two ends of a line are
    taken, each when it has at least :data:`WORD_RUN` marks or digits: a label before the
    number or a unit after it. Empty marks between digits are signs or spaces, which the
    line readers already skip. When every mark is empty, the line is print alone (a heading,
    a caption), taken whole if it has at least :data:`WORD_RUN` marks.
    """
    n = len(empty)
    lead = next((k for k in range(n) if not empty[k]), n)
    if lead == n:
        return set(range(n)) if n >= WORD_RUN else set()
    trail = next(k for k in range(n - 1, -1, -1) if not empty[k]) + 1
    skip: set[int] = set()
    for run in (range(lead), range(trail, n)):
        if len(run) >= WORD_RUN or sum(digits[k] for k in run) >= WORD_RUN:
            skip.update(run)
    return skip


def _line_reader(source: ReaderSource) -> LineReader:
    return source if isinstance(source, LineReader) else load_line_reader(source)


def reading_score(alternative: _Reading, height: float, opts: ReadOptions | None = None) -> float:
    """How well ink in a line of digits ``height`` pixels high reads as these pieces.

    The sum over pieces of the log-probability of the piece's best digit,
    plus ``aspect_weight`` times the log density of its width / height under
    that digit's MNIST distribution (:data:`LOG_ASPECT`), minus
    ``short_weight`` times how far (in log height) it is shorter than 82% of
    the line's digits. Measured on single digits and touching pairs and
    triples pasted from MNIST test digits 5,000-9,999, read by a cnn-s2 (97.5%
    on MNIST): the best-scoring reading was right for 98.4% of 247 singles,
    70% of 199 pairs and 36% of 55 triples (without the two priors: 97.2%,
    68%, 22%; the right reading was among the alternatives for 99.2%, 89%
    and 75%).
    """
    opts = opts or ReadOptions()
    score = 0.0
    for piece, proba in alternative:
        digit = int(np.argmax(proba))
        mean, std = LOG_ASPECT[digit]
        width, tall = max(piece.box[2], 1), max(piece.box[3], 1)
        score += float(np.log(max(proba[digit], 1e-12)))
        score -= opts.aspect_weight * 0.5 * ((np.log(width / tall) - mean) / std) ** 2
        score += opts.short_weight * min(0.0, float(np.log(tall / max(height, 1))) + 0.2)
    return score


def _apply_temperature(proba: npt.NDArray[np.float64], temperature: float) -> npt.NDArray[np.float64]:
    """Temperature scaling, imported when needed (the evaluation package draws figures with matplotlib)."""
    from digits.evaluation.calibration import apply_temperature

    return apply_temperature(proba, temperature, kind="proba")
