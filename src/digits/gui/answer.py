"""What the drawing window shows for a picture: the recognizer's reading, put into words and boxes.

Recognition is entirely the :class:`~digits.recognizer.Recognizer`'s:
:meth:`~digits.recognizer.Recognizer.read` finds every digit with its box;
when it finds exactly one, :meth:`~digits.recognizer.Recognizer.predict`
gives its ten probabilities as well. This module only turns those results
into text. It knows nothing of Tk.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from digits.recognizer import Prediction, Reading, Recognizer

PROMPT = "draw a digit"
"""Shown while the picture is blank."""

NOTHING = "no digit found"
"""Shown when the recognizer finds no digit in the strokes."""

NOT_SURE = "not sure"
"""Shown for a single digit the recognizer rejected (below its ``min_confidence``)."""


@dataclass(frozen=True)
class Mark:
    """One digit found on the canvas.

    Attributes
    ----------
    box : (x, y, w, h)
        Where it is, in picture pixels.
    label : str
        ``"7 (98%)"``, or ``"? (41%)"`` when rejected.
    rejected : bool
        Whether the recognizer was not sure enough to name it.
    """

    box: tuple[int, int, int, int]
    label: str
    rejected: bool


@dataclass(frozen=True)
class Answer:
    """Everything the window shows about a picture.

    Attributes
    ----------
    text : str
        The digits in reading order (``"?"`` for a rejected one among
        several), or :data:`PROMPT`, :data:`NOTHING` or :data:`NOT_SURE`.
    marks : tuple of Mark
        A box and label per digit found, in reading order.
    probabilities : tuple of 10 floats, or None
        The digit's probabilities (0-9) when exactly one was found.
    """

    text: str
    marks: tuple[Mark, ...] = ()
    probabilities: tuple[float, ...] | None = None


BLANK = Answer(PROMPT)
"""The answer for an empty canvas."""


def answer(recognizer: Recognizer, image: Image.Image) -> Answer:
    """Read ``image`` with ``recognizer``: every digit's box and label, and for a lone digit its probabilities."""
    reading = recognizer.read(image)
    if len(reading.digits) == 1:
        return _single(reading, recognizer.predict(image))
    return _several(reading)


def _single(reading: Reading, prediction: Prediction) -> Answer:
    """One mark: named by :meth:`Recognizer.predict`, the single-digit path, with its probabilities."""
    if prediction.digit is None and not prediction.rejected:  # no ink for the one-digit normalization
        return Answer(NOTHING)
    box = reading.digits[0].box
    mark = Mark(box, _label(prediction.digit, prediction.confidence), prediction.rejected)
    text = NOT_SURE if prediction.rejected else str(prediction.digit)
    return Answer(text, (mark,), prediction.probabilities)


def _several(reading: Reading) -> Answer:
    """No mark or several: a box and label per digit, the text with ``?`` for rejected ones."""
    if not reading.digits:
        return Answer(NOTHING)
    marks = tuple(Mark(d.box, _label(d.digit, d.confidence), d.digit is None) for d in reading.digits)
    return Answer("".join("?" if d.digit is None else str(d.digit) for d in reading.digits), marks)


def _label(digit: int | None, confidence: float) -> str:
    """``"7 (98%)"``; ``"? (41%)"`` for a rejected digit."""
    return f"{'?' if digit is None else digit} ({confidence:.0%})"
