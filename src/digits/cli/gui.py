"""``digits gui``: the Tk drawing window.

tkinter and the window's code are imported only when the command runs, so
the other commands work on machines without Tk or a display. Without a
display the command prints one line and exits with status 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from digits.errors import InputError

if TYPE_CHECKING:
    import tkinter

    from digits.recognizer import Recognizer

DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_BRUSH = 18


def add_gui_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``digits gui`` to ``sub``, the ``add_subparsers()`` object of the ``digits`` parser."""
    from digits.cli import _add_offered_models, _positive_int, _probability  # shared flag types; digits.cli imports us

    p = sub.add_parser("gui", help="open a window to draw digits and see them recognized (needs a display)")
    _add_offered_models(p, "selected")
    p.add_argument(
        "--min-confidence",
        type=_probability,
        default=DEFAULT_MIN_CONFIDENCE,
        metavar="P",
        help=f"answers less confident than P are shown as 'not sure' (default: {DEFAULT_MIN_CONFIDENCE})",
    )
    p.add_argument(
        "--brush",
        type=_positive_int,
        default=DEFAULT_BRUSH,
        metavar="PIXELS",
        help=f"initial brush diameter; the window can change it (default: {DEFAULT_BRUSH})",
    )
    p.add_argument(
        "--auto-predict",
        action="store_true",
        help="predict each time a stroke ends; the window can change it (default: off, press Predict or Enter)",
    )
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    """Open the window with the requested models and run it until it is closed."""
    root = open_window()
    try:
        from digits.gui import DrawingApp, GuiOptions

        options = GuiOptions(brush=args.brush, auto_predict=args.auto_predict)
        DrawingApp(root, _recognizers(args), options)
    except BaseException:
        root.destroy()
        raise
    root.deiconify()
    root.mainloop()
    return 0


def open_window() -> tkinter.Tk:
    """A hidden Tk main window; InputError with the fix when Tk is missing or no display can be opened."""
    try:
        import tkinter
    except ImportError:
        raise InputError(
            "no Tk: this Python was built without tkinter; install it (Debian/Ubuntu: apt install python3-tk)"
        ) from None
    try:
        root = tkinter.Tk(className="digits")
    except tkinter.TclError as exc:
        raise InputError(f"no display: Tk cannot open a window ({exc}); set DISPLAY or run under xvfb-run") from None
    root.withdraw()  # shown once the models are loaded and the widgets built
    return root


def _recognizers(args: argparse.Namespace) -> dict[str, Recognizer]:
    """The offered models' recognizers by name, named as ``digits serve`` names them."""
    from digits.catalogue import ModelCatalogue

    catalogue = ModelCatalogue(list(args.models), runtime=args.runtime)
    return {name: catalogue.recognizer(name, args.min_confidence) for name in catalogue.names}
