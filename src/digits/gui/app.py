"""The drawing window: a canvas, a model choice, Predict / Undo / Clear, and the answer.

Each stroke is drawn twice: on the Tk canvas and into the parallel PIL
picture of :class:`~digits.gui.ink.Drawing`, which is what the recognizer
reads. Every answer comes from :func:`digits.gui.answer.answer`, that is
from :class:`~digits.recognizer.Recognizer`; nothing here looks at pixels.

Keys: Enter predicts, Escape clears, Ctrl+Z undoes the last stroke.
"""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Mapping
from dataclasses import dataclass
from tkinter import ttk

from digits.errors import DigitsError
from digits.gui.answer import BLANK, Answer, answer
from digits.gui.ink import Drawing, Point
from digits.recognizer import Recognizer

HINT = "Enter: predict · Escape: clear · Ctrl+Z: undo"
SURE, UNSURE, BAR, FAINT = "#1565c0", "#e65100", "#90a4ae", "#607d8b"  # colours of boxes, labels and bars
BARS_HEIGHT = 110
"""Height in pixels of the probability chart under the canvas."""


@dataclass(frozen=True)
class GuiOptions:
    """Settings of the drawing window.

    Attributes
    ----------
    width, height : int
        Size of the drawing canvas (and of the picture the recognizer reads), in pixels.
    brush : int
        Initial brush diameter in pixels (the window has a control to change it).
    auto_predict : bool
        Initially, whether to predict each time a stroke ends (the window has a checkbox).
    """

    width: int = 560
    height: int = 280
    brush: int = 18
    auto_predict: bool = False

    def __post_init__(self) -> None:
        if min(self.width, self.height) < 50:
            raise ValueError(f"The canvas must be at least 50x50 pixels, got {self.width}x{self.height}.")
        limit = min(self.width, self.height) // 2
        if not 1 <= self.brush <= limit:
            raise ValueError(f"The brush must be 1 to {limit} pixels (half the canvas's side), got {self.brush}.")


class DrawingApp:
    """The window's widgets and behaviour, built inside ``root``.

    Parameters
    ----------
    root : tk.Tk or tk.Toplevel
        The window to fill.
    recognizers : mapping of str to Recognizer
        The models to choose from, by the name shown; the first is selected.
    options : GuiOptions, optional

    Attributes
    ----------
    drawing : Drawing
        The strokes and the PIL picture (mode "L", ``options.width`` x ``options.height``) they make.
    answer : Answer or None
        What is shown; None after the strokes changed and before the next prediction.
    canvas, bars : tk.Canvas
        The drawing canvas (boxes tagged ``answer-box``, labels ``answer-label``) and the probability
        chart (bars tagged ``bar``).
    model_box : ttk.Combobox
        The model choice; ``model`` (tk.StringVar) holds the selected name.
    brush : tk.IntVar
        Brush diameter in pixels for the next stroke.
    auto_predict : tk.BooleanVar
        Whether each stroke's end predicts.
    text, status : tk.StringVar
        The answer in large type (``Answer.text``) and the line under the chart (model, answer, time).
    predict_button, undo_button, clear_button : ttk.Button
    """

    def __init__(
        self, root: tk.Tk | tk.Toplevel, recognizers: Mapping[str, Recognizer], options: GuiOptions | None = None
    ) -> None:
        if not recognizers:
            raise ValueError("DrawingApp needs at least one recognizer to choose from.")
        self.recognizers = dict(recognizers)
        self.options = options or GuiOptions()
        self.drawing = Drawing((self.options.width, self.options.height))
        self.answer: Answer | None = BLANK
        self.model = tk.StringVar(root, next(iter(self.recognizers)))
        self.brush = tk.IntVar(root, self.options.brush)
        self.auto_predict = tk.BooleanVar(root, self.options.auto_predict)
        self.text = tk.StringVar(root, BLANK.text)
        self.status = tk.StringVar(root, HINT)
        self._pressed = False  # a stroke is being drawn
        self._build(root)
        self._bind(root)
        self._show(BLANK)

    @property
    def recognizer(self) -> Recognizer:
        """The selected model's recognizer."""
        return self.recognizers[self.model.get()]

    def predict(self) -> Answer | None:
        """Read the picture with the selected recognizer and show the answer; return it (None on an error)."""
        if self.drawing.blank:
            self._show(BLANK)
            return BLANK
        start = time.perf_counter()
        try:
            result = answer(self.recognizer, self.drawing.image)
        except DigitsError as exc:  # e.g. a model that fails on this input: say so, keep the window
            self.status.set(f"{self.model.get()}: error: {exc}")
            self._forget()
            return None
        self._show(result)
        self.status.set(f"{self.model.get()}: {result.text}   ({(time.perf_counter() - start) * 1000:.0f} ms)")
        return result

    def undo(self) -> None:
        """Remove the last stroke, from the canvas and from the picture."""
        if self.drawing.undo() is not None:
            self.canvas.delete(_stroke_tag(len(self.drawing.strokes)))
            self._changed()

    def clear(self) -> None:
        """Remove every stroke and the answer."""
        self.drawing.clear()
        self.canvas.delete("ink")
        self._changed()

    def _build(self, root: tk.Tk | tk.Toplevel) -> None:
        root.title("digits: draw digits")
        ttk.Style(root).theme_use("clam")  # built into every Tk 8.6; flatter than "default"
        frame = ttk.Frame(root, padding=8)
        frame.pack(fill="both", expand=True)
        self._toolbar(frame).pack(fill="x", pady=(0, 6))
        self.canvas = tk.Canvas(
            frame, width=self.options.width, height=self.options.height, background="white",
            highlightthickness=0, borderwidth=0, cursor="pencil",
        )  # fmt: skip
        self.canvas.pack()
        actions = ttk.Frame(frame)
        actions.pack(fill="x", pady=6)
        self.predict_button = ttk.Button(actions, text="Predict", command=self.predict)
        self.undo_button = ttk.Button(actions, text="Undo", command=self.undo)
        self.clear_button = ttk.Button(actions, text="Clear", command=self.clear)
        for button in (self.predict_button, self.undo_button, self.clear_button):
            button.pack(side="left", padx=(0, 6))
        ttk.Label(actions, textvariable=self.text, font=("Helvetica", 22, "bold")).pack(side="left", padx=12)
        self.bars = tk.Canvas(frame, width=self.options.width, height=BARS_HEIGHT, background="white",
                              highlightthickness=0)  # fmt: skip
        self.bars.pack()
        ttk.Label(frame, textvariable=self.status, foreground=FAINT).pack(fill="x", pady=(6, 0))

    def _toolbar(self, parent: ttk.Frame) -> ttk.Frame:
        bar = ttk.Frame(parent)
        names = list(self.recognizers)
        ttk.Label(bar, text="Model").pack(side="left")
        self.model_box = ttk.Combobox(
            bar, textvariable=self.model, values=names, state="readonly", width=max(12, *map(len, names))
        )
        self.model_box.pack(side="left", padx=(4, 16))
        ttk.Label(bar, text="Brush").pack(side="left")
        limit = min(self.options.width, self.options.height) // 2
        ttk.Spinbox(bar, from_=1, to=limit, increment=2, textvariable=self.brush, width=4).pack(side="left", padx=4)
        ttk.Checkbutton(bar, text="Predict when a stroke ends", variable=self.auto_predict).pack(side="left", padx=16)
        return bar

    def _bind(self, root: tk.Tk | tk.Toplevel) -> None:
        self.canvas.bind("<ButtonPress-1>", lambda e: self._press(self._point(e)))
        self.canvas.bind("<B1-Motion>", lambda e: self._drag(self._point(e)))
        self.canvas.bind("<ButtonRelease-1>", lambda e: self._release())
        self.model_box.bind("<<ComboboxSelected>>", lambda e: self._model_changed())
        for key, action in (("<Return>", self.predict), ("<KP_Enter>", self.predict), ("<Escape>", self.clear),
                            ("<Control-z>", self.undo), ("<Control-Z>", self.undo)):  # fmt: skip
            root.bind(key, lambda e, act=action: act())

    def _point(self, event: tk.Event) -> Point:
        return float(self.canvas.canvasx(event.x)), float(self.canvas.canvasy(event.y))

    def _press(self, point: Point) -> None:
        stroke = self.drawing.begin(point, self._brush_width())
        self._pressed = True
        r, (x, y) = stroke.width / 2, point
        self.canvas.create_oval(x - r, y - r, x + r, y + r, fill="black", outline="", tags=self._tags())
        self._forget()

    def _drag(self, point: Point) -> None:
        if not self._pressed:  # the press happened outside the canvas
            return
        stroke = self.drawing.strokes[-1]
        start = stroke.points[-1]
        self.drawing.extend(point)
        self.canvas.create_line(*start, *point, width=stroke.width, fill="black", capstyle="round",
                                joinstyle="round", tags=self._tags())  # fmt: skip

    def _release(self) -> None:
        if self._pressed:
            self._pressed = False
            if self.auto_predict.get():
                self.predict()

    def _tags(self) -> tuple[str, str]:
        """Canvas tags of the current stroke's items: all ink, and this stroke (for Undo)."""
        return "ink", _stroke_tag(len(self.drawing.strokes) - 1)

    def _brush_width(self) -> int:
        """The brush control's value, kept within its limits (its initial value while it holds no number)."""
        try:
            width = int(self.brush.get())
        except (tk.TclError, ValueError):
            width = self.options.brush
        return max(1, min(width, min(self.options.width, self.options.height) // 2))

    def _model_changed(self) -> None:
        self.model_box.selection_clear()
        if self.answer is not None and not self.drawing.blank:
            self.predict()

    def _changed(self) -> None:
        """After Undo or Clear: the prompt when blank, else a fresh answer (when predicting on release) or none."""
        if self.drawing.blank:
            self._show(BLANK)
        elif self.auto_predict.get():
            self.predict()
        else:
            self._forget()

    def _forget(self) -> None:
        """The strokes changed: take the old answer off the screen."""
        self._show(Answer(""))
        self.answer = None

    def _show(self, result: Answer) -> None:
        self.answer = result
        self.text.set(result.text)
        self.canvas.delete("answer")
        for mark in result.marks:
            x, y, w, h = mark.box
            colour = UNSURE if mark.rejected else SURE
            self.canvas.create_rectangle(x - 3, y - 3, x + w + 3, y + h + 3, outline=colour, width=2,
                                         tags=("answer", "answer-box"))  # fmt: skip
            above = y - 6 >= 16
            self.canvas.create_text(x - 3, y - 6 if above else y + h + 6, anchor="sw" if above else "nw",
                                    text=mark.label, fill=colour, font=("Helvetica", 13, "bold"),
                                    tags=("answer", "answer-label"))  # fmt: skip
        self._draw_bars(result.probabilities)
        if result is BLANK:
            self.status.set(HINT)

    def _draw_bars(self, probabilities: tuple[float, ...] | None) -> None:
        """Ten bars, one per digit, as tall as its probability (empty without one)."""
        self.bars.delete("all")
        slot = self.options.width / 10
        top, bottom = 18, BARS_HEIGHT - 20
        best = None if probabilities is None else max(range(10), key=probabilities.__getitem__)
        if probabilities is None:
            self.bars.create_text(self.options.width / 2, (top + bottom) / 2, fill=FAINT, tags="caption",
                                  text="the ten probabilities are shown when there is one digit")  # fmt: skip
        for digit in range(10):
            centre = (digit + 0.5) * slot
            self.bars.create_text(centre, bottom + 10, text=str(digit), fill=FAINT, tags="digit")
            if probabilities is None:
                continue
            p = probabilities[digit]
            colour = SURE if digit == best else BAR
            self.bars.create_rectangle(centre - slot * 0.3, bottom - p * (bottom - top), centre + slot * 0.3,
                                       bottom, fill=colour, outline="", tags="bar")  # fmt: skip
            if p >= 0.005:
                self.bars.create_text(centre, bottom - p * (bottom - top) - 8, text=f"{p:.0%}", fill=colour,
                                      tags="percent")  # fmt: skip
        self.bars.create_line(0, bottom, self.options.width, bottom, fill=BAR)


def _stroke_tag(index: int) -> str:
    return f"stroke{index}"
