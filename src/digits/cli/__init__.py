"""The ``digits`` command line: ``models``, ``train``, ``evaluate``, ``compare``, ``predict``, ``read``.

Only this package prints. Errors a user can fix print one line on stderr and
exit with status 2; progress goes to stderr so ``--json`` output on stdout
stays machine-readable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from digits import __version__
from digits.cli import commands, recognize, serve
from digits.errors import DigitsError
from digits.models.pretrained import SHIPPED_MODEL

DEFAULT_MODEL = "fast-cnn"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command (each flag's help states its default)."""
    parser = argparse.ArgumentParser(prog="digits", description="Handwritten digit recognition on MNIST.")
    parser.add_argument("--version", action="version", version=f"digits {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("models", help="list the models that can be trained")
    p.set_defaults(func=commands.cmd_models)

    p = sub.add_parser("train", help="train a model, evaluate it and save a run folder")
    p.add_argument(
        "model", nargs="?", default=DEFAULT_MODEL, help=f"model name (default: {DEFAULT_MODEL}; see `digits models`)"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a hyperparameter; repeatable (default: the model's own)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the model's seed parameter)")
    p.add_argument("--out", type=_path, default=None, help="run folder to write (default: runs/MODEL-TIMESTAMP)")
    p.add_argument(
        "--quick", action="store_true", help="train on 5,000 and test on 2,000 images, for smoke tests (default: off)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted torch run in --out from its checkpoint (default: off)",
    )
    p.add_argument(
        "--renderings",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="also train on N photo-like and N drawn renderings of train-split digits, normalized like any "
        "input picture (default: 0, MNIST alone)",
    )
    p.add_argument(
        "--row-marks",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="also train on the one-digit marks that read's segmentation cuts from N photographed rows of "
        "train-split digits, about 4.5 a row (default: 0, none)",
    )
    p.add_argument(
        "--init",
        type=_path,
        default=None,
        metavar="DIR",
        help="fine-tune: start from the weights of this saved model folder of the same torch model and size "
        "(default: random weights)",
    )
    p.add_argument(
        "--flagged-ones",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="also train on N train-split 1s redrawn with a continental flag (a 1 that much of the world "
        "writes and MNIST lacks); the renderings and rows draw on them too (default: 0, none)",
    )
    _add_common(p)
    p.set_defaults(func=commands.cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a saved model on the validation or test split")
    p.add_argument(
        "model_dir",
        nargs="?",
        type=_path,
        default=None,
        help="a model folder written by `digits train` (default: the shipped model)",
    )
    _add_runtime(p)
    p.add_argument("--split", choices=("val", "test"), default="test", help="which split (default: test)")
    p.add_argument("--limit", type=_positive_int, default=None, help="evaluate only the first N images (default: all)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table (default: off)")
    p.add_argument("--out", type=_path, default=None, help="also write metrics.json and figures here (default: none)")
    _add_common(p)
    p.set_defaults(func=commands.cmd_evaluate)

    p = sub.add_parser("compare", help="compare run folders side by side")
    p.add_argument("runs", nargs="+", type=_path, metavar="RUN_DIR", help="run folders holding metrics.json")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table (default: off)")
    p.set_defaults(func=commands.cmd_compare)

    p = sub.add_parser("benchmark", help="train models and compare accuracy, training time, speed and size")
    p.add_argument(
        "models", nargs="*", metavar="MODEL", help="models to train (default: every model, unless --from is given)"
    )
    p.add_argument(
        "--from",
        dest="runs",
        action="append",
        type=_path,
        default=[],
        metavar="RUN_DIR",
        help="also include an existing run folder; repeatable (default: none)",
    )
    p.add_argument("--quick", action="store_true", help="train on 5,000 and test on 2,000 images (default: off)")
    p.add_argument("--seed", type=int, default=None, help="random seed for every model (default: each model's own)")
    p.add_argument(
        "--out",
        type=_path,
        default=None,
        help="folder for the runs and benchmark.json (default: runs/benchmark-TIMESTAMP)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table (default: off)")
    p.add_argument(
        "--real",
        action="store_true",
        help="score saved models (--from, default the shipped one) on photo-like, drawn and string pictures "
        "built from MNIST test digits, instead of training (default: off)",
    )
    p.add_argument("--n-per-set", type=_positive_int, default=200, help="pictures in each --real set (default: 200)")
    p.add_argument(
        "--min-confidence", type=float, default=0.0, help="--real: reject answers below this confidence (default: 0)"
    )
    _add_runtime(p)
    _add_common(p)
    p.set_defaults(func=commands.cmd_benchmark)

    p = sub.add_parser("calibrate", help="fit a saved model's confidence (temperature) on the validation split")
    p.add_argument("model_dir", type=_path, help="a model folder written by `digits train`")
    _add_common(p)
    p.set_defaults(func=commands.cmd_calibrate)

    p = sub.add_parser("export", help="export a saved torch model (ONNX) for onnxruntime")
    p.add_argument("model_dir", type=_path, help="a torch model folder written by `digits train`")
    p.add_argument("--format", choices=("onnx",), default="onnx", help="export format (default: onnx)")
    p.set_defaults(func=commands.cmd_export)

    p = sub.add_parser("predict", help="recognize the one digit in each image")
    _add_recognize(p)
    p.set_defaults(func=recognize.cmd_predict)

    p = sub.add_parser("read", help="read every digit in each image, in reading order")
    _add_recognize(p)
    p.add_argument(
        "--marks-only",
        action="store_true",
        help="cut the writing into digits and read each with --model alone, instead of reading each line "
        "whole with the shipped line reader (default: the line reader, joined by --model on digits that "
        "stand alone)",
    )
    p.add_argument(
        "--reader",
        type=_path,
        nargs="+",
        default=None,
        help="line reader folders written by `digits train-reader`; with several, each line follows the one "
        "whose text they all find likeliest (default: the shipped pair, or the shipped loose pair for a line "
        "whose digits are of uneven heights)",
    )
    p.set_defaults(func=recognize.cmd_read)

    serve.add_serve_parser(sub)

    from digits.cli.gui import add_gui_parser  # tkinter itself is imported only when `digits gui` runs

    add_gui_parser(sub)

    from digits.cli.reader import add_reader_parser

    add_reader_parser(sub)

    from digits.cli import study

    p = sub.add_parser("study", help="preprocessing/feature x model grid with significance tests and a report")
    study.add_arguments(p)
    _add_common(p)
    p.set_defaults(func=study.cmd_study)
    return parser


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        type=_path,
        default=None,
        help="folder with the four MNIST .gz files (default: $DIGITS_DATA_DIR, then the cache, then download)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide progress bars (default: shown)")


def _add_runtime(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--runtime",
        choices=("auto", "torch", "onnx"),
        default="auto",
        help="predict with the model's own code (torch) or with onnxruntime on its exported model.onnx "
        "(onnx); auto: onnx when the model folder holds that export (default: auto)",
    )


def _add_offered_models(p: argparse.ArgumentParser, first: str) -> None:
    """``--model`` (repeatable) and ``--runtime``: the models a server or window offers, the first being ``first``."""
    p.add_argument(
        "--model",
        dest="models",
        action="append",
        default=[],
        metavar="NAME_OR_DIR",
        help=f"offer a model folder written by `digits train`, named after its folder; repeatable; the first is "
        f"{first} (default: {SHIPPED_MODEL}, the shipped model, which is always offered)",
    )
    _add_runtime(p)


def _add_recognize(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, BMP, TIFF, WebP, GIF)")
    p.add_argument(
        "--model",
        default=SHIPPED_MODEL,
        metavar="NAME_OR_DIR",
        help=f"a model folder written by `digits train`, or {SHIPPED_MODEL} for the shipped model "
        f"(default: {SHIPPED_MODEL}; write ./{SHIPPED_MODEL} for a folder of that name)",
    )
    p.add_argument(
        "--min-confidence",
        type=_probability,
        default=0.0,
        metavar="P",
        help="reject answers less confident than P, from 0 to 1: the digit is then null (default: 0, never)",
    )
    _add_runtime(p)
    p.add_argument("--json", action="store_true", help="print one JSON object per image (default: a line of text)")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value}")
    return value


def _path(text: str):
    from pathlib import Path

    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return Path(text)


def int_in(minimum: int, maximum: int | None, words: str) -> Callable[[str], int]:
    """An argparse type for whole numbers from ``minimum`` to ``maximum`` (None: no limit); ``words`` name them."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {words}, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {words}, got {value}")
        return value

    return parse


_positive_int = int_in(1, None, "a positive integer")
_non_negative_int = int_in(0, None, "a whole number >= 0")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``digits`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (DigitsError, ValueError, OSError) as exc:
        print(f"digits: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("digits: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
