"""``digits train-reader``: train the line reader that ``read`` uses for touching digits."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from digits.cli.progress import count_bar


def add_reader_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``digits train-reader`` to ``sub``, the ``add_subparsers()`` object of the ``digits`` parser."""
    from digits.cli import (  # digits.cli imports us
        _add_common,
        _non_negative_int,
        _path,
        _positive_int,
        _probability,
        int_in,
    )
    from digits.cli.serve import _positive_float

    p = sub.add_parser(
        "train-reader",
        help="train the line reader on photographed rows of train digits (the shipped one: the defaults, then --init)",
    )
    p.add_argument("--rows", type=_positive_int, default=50_000, help="training rows to render (default: 50000)")
    p.add_argument("--val-rows", type=_positive_int, default=2_000, help="validation rows (default: 2000)")
    p.add_argument("--epochs", type=_positive_int, default=12, help="passes over the rows (default: 12)")
    p.add_argument(
        "--learning-rate", type=_positive_float, default=2e-3, help="peak of the one-cycle schedule (default: 0.002)"
    )
    p.add_argument(
        "--channels",
        type=_channels,
        default=(16, 32, 64, 64),
        help="output channels of the four convolutions, comma-separated (default: 16,32,64,64)",
    )
    p.add_argument("--hidden", type=_positive_int, default=96, help="features per frame and GRU width (default: 96)")
    p.add_argument(
        "--init",
        type=_path,
        default=None,
        help="start from this saved reader, whose size replaces --channels and --hidden (default: random weights)",
    )
    p.add_argument(
        "--loose",
        type=_probability,
        default=0.0,
        help="fraction of the rows written loosely: digits of uneven heights off a common baseline "
        "(default: 0, as the shipped readers)",
    )
    p.add_argument(
        "--words",
        type=_probability,
        default=0.0,
        help="fraction of the rows with a printed word before or after the digits (a label such as 'Date:', "
        "a unit such as 'kg'), which the reader learns to skip (default: 0)",
    )
    p.add_argument(
        "--text-lines",
        type=_probability,
        default=0.0,
        help="fraction of the rows of print alone, no digit (a heading, a caption), which the reader learns to "
        "read as nothing (default: 0)",
    )
    p.add_argument(
        "--hand-words",
        type=_probability,
        default=0.0,
        help="fraction of those printed words and lines of print written by hand instead, with the row's pen "
        "(default: 0)",
    )
    p.add_argument(
        "--flagged-ones",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="add N train-split 1s redrawn with a continental flag to the digits the training rows are "
        "written with (default: 0)",
    )
    p.add_argument("--seed", type=int_in(0, None, "a whole number >= 0"), default=0, help="seed (default: 0)")
    p.add_argument("--workers", type=_positive_int, default=None, help="rendering processes (default: CPU count)")
    p.add_argument(
        "--device", default="auto", help="torch device: auto (CUDA when there is one, else CPU), cpu or cuda"
    )
    p.add_argument(
        "--out", type=_path, default=Path("runs/line-reader"), help="folder to save it in (default: runs/line-reader)"
    )
    _add_common(p)
    p.set_defaults(func=cmd_train_reader)


def _channels(text: str) -> tuple[int, ...]:
    """``--channels``: four positive whole numbers, comma-separated (the strip's 32 rows halve four times)."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected four whole numbers such as 16,32,64,64, got {text!r}") from None
    if len(values) != 4 or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected four positive whole numbers such as 16,32,64,64, got {text!r}")
    return values


def cmd_train_reader(args: argparse.Namespace) -> int:
    """Render rows of the train split (and of the validation split), train, save, print the accuracy."""
    from digits.data.line_rows import line_rows
    from digits.data.mnist import load_mnist
    from digits.data.strings import RowStyle
    from digits.data.variants import with_flagged_ones
    from digits.models.line_reader import load_line_reader
    from digits.models.line_train import train_line_reader

    init = load_line_reader(args.init) if args.init is not None else None
    data = load_mnist(args.data_dir)
    images, labels = with_flagged_ones(data.train.images, data.train.labels, args.flagged_ones, args.seed)
    style = RowStyle(loose=args.loose, words=args.words, text_lines=args.text_lines, hand_words=args.hand_words)
    with count_bar("render training rows", not args.no_progress, unit="row") as bar:
        strips, texts = line_rows(images, labels, args.rows, args.seed, workers=args.workers, progress=bar, style=style)
    with count_bar("render validation rows", not args.no_progress, unit="row") as bar:
        val = line_rows(
            data.val.images, data.val.labels, args.val_rows, args.seed + 1,
            workers=args.workers, progress=bar, style=style,
        )  # fmt: skip
    reader = train_line_reader(
        strips,
        texts,
        *val,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        channels=args.channels,
        hidden=args.hidden,
        seed=args.seed,
        device=args.device,
        init=init,
        log=lambda s: print(s, file=sys.stderr),
    )
    reader.card["info"].update(asdict(style))  # how the rows were written, beside how they were learnt
    reader.card["info"]["flagged_ones"] = args.flagged_ones
    reader.save(args.out)
    info = reader.card["info"]
    print(f"line reader saved to {args.out}: {info['val_exact']:.2%} of {info['n_val']} validation rows read exactly")
    return 0
