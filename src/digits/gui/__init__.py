"""The Tk desktop window of ``digits gui``: draw digits, see what the recognizer reads.

A thin shell over :class:`digits.recognizer.Recognizer`:

- :mod:`digits.gui.ink`: the strokes and the parallel PIL picture they make (no Tk);
- :mod:`digits.gui.answer`: the recognizer's reading put into words and boxes (no Tk);
- :mod:`digits.gui.app`: the window (:class:`DrawingApp`).

>>> import tkinter as tk
>>> from digits import Recognizer
>>> root = tk.Tk()
>>> app = DrawingApp(root, {"fast-cnn": Recognizer()})
>>> root.mainloop()
"""

from digits.gui.app import DrawingApp, GuiOptions

__all__ = ["DrawingApp", "GuiOptions"]
