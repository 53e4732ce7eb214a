"""``digits predict`` and ``digits read``: recognize digits in image files.

Each image is handled on its own: one that cannot be read prints a one-line
error on stderr and the others are still processed; the exit status is then 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digits.errors import DigitsError
from digits.models.pretrained import SHIPPED_MODEL

if TYPE_CHECKING:
    from digits.recognizer import Recognizer


def cmd_predict(args: argparse.Namespace) -> int:
    """Print the digit of each image: a line of text or a JSON object per image."""
    recognizer = _recognizer(args)

    def show(path: str) -> str:
        prediction = recognizer.predict(path)
        if args.json:
            return _json({"path": path, **prediction.to_dict()})
        if prediction.rejected:
            best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
            return f"{path}: rejected (best guess {best} at {prediction.confidence:.1%})"
        if prediction.digit is None:
            return f"{path}: no digit found"
        return f"{path}: {prediction.digit} ({prediction.confidence:.1%})"

    return _each(args.images, show)


def cmd_read(args: argparse.Namespace) -> int:
    """Print the digits of each image in reading order: a line of text or a JSON object per image."""
    recognizer = _recognizer(args)

    def show(path: str) -> str:
        reading = recognizer.read(path)
        if args.json:
            return _json({"path": path, **reading.to_dict()})
        rejected = sum(d.digit is None for d in reading.digits)
        note = f" ({rejected} rejected)" if rejected else ""
        return f"{path}: {reading.text}{note}" if reading.digits else f"{path}: no digits found"

    return _each(args.images, show)


def _recognizer(args: argparse.Namespace) -> Recognizer:
    """The recognizer the flags ask for; imported here so other commands start without it."""
    from digits.recognizer import ReadOptions, Recognizer

    model = None if args.model == SHIPPED_MODEL else Path(args.model)
    options = ReadOptions(line_reader=not getattr(args, "marks_only", False))
    return Recognizer(
        model,
        min_confidence=args.min_confidence,
        runtime=args.runtime,
        read_options=options,
        line_reader=getattr(args, "reader", None),
    )


def _each(paths: list[str], show: Callable[[str], str]) -> int:
    """Print ``show(path)`` for every path; report unreadable ones on stderr and return 2 if any were."""
    status = 0
    for path in paths:
        try:
            line = show(path)
        except (DigitsError, OSError) as exc:
            print(f"digits: error: {exc}", file=sys.stderr, flush=True)
            status = 2
            continue
        print(line, flush=True)
    return status


def _json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, allow_nan=False)
