"""The Tk drawing window under a real X server (Xvfb): strokes as Tk events, answers from real models.

Each test draws with generated mouse events (press, motions, release) on the
canvas, presses Predict (the button or a key) and checks what the window
shows: the text, the boxes and labels over the digits, the probability bars,
and the parallel PIL picture the recognizer reads.
"""

from __future__ import annotations

import itertools
import os
import select
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digits.recognizer import Recognizer

tk = pytest.importorskip("tkinter", reason="this Python has no tkinter (Debian: apt install python3-tk)")

from digits.gui import DrawingApp, GuiOptions  # noqa: E402 (after the tkinter check)
from digits.gui.answer import NOT_SURE, PROMPT  # noqa: E402

ONE = [(150, 50), (150, 230)]
SEVEN = [(200, 60), (330, 60), (250, 230)]
SEVEN_RIGHT = [(300, 60), (430, 60), (350, 230)]


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A fresh Xvfb server (1024x768, 24 bits) for this module; its display name, e.g. ``":5"``."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (Debian: apt install xvfb); the Tk window tests need an X server")
    read_end, write_end = os.pipe()
    command = [xvfb, "-displayfd", str(write_end), "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-noreset"]
    server = subprocess.Popen(command, pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_end)
    number = _read_line(read_end, seconds=30)  # the whole line: Xvfb dies if the pipe closes before it wrote it
    os.close(read_end)
    if not number or not _accepts_clients(number):
        server.kill()
        pytest.fail(f"Xvfb did not start: {server.communicate()[1].decode(errors='replace')[-500:]}")
    yield f":{number}"
    server.terminate()
    server.wait(10)


def _read_line(fd: int, seconds: float) -> str:
    """The first line written to ``fd`` within ``seconds``, without its newline ("" if none came)."""
    data, deadline = b"", time.monotonic() + seconds
    while not data.endswith(b"\n") and select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.decode().strip() if data.endswith(b"\n") else ""


def _accepts_clients(number: str, seconds: float = 10) -> bool:
    """Whether the X server of display ``number`` accepts connections on its socket within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as client:
            try:
                client.connect(f"/tmp/.X11-unix/X{number}")
                return True
            except OSError:
                time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def shipped() -> Recognizer:
    return Recognizer(min_confidence=0.5)


@pytest.fixture()
def root(display: str) -> Iterator[tk.Tk]:
    window = tk.Tk(screenName=display)
    yield window
    window.destroy()


@pytest.fixture()
def app(root: tk.Tk, shipped: Recognizer) -> DrawingApp:
    return open_app(root, {"fast-cnn": shipped})


def open_app(window: tk.Tk | tk.Toplevel, recognizers: dict[str, Recognizer]) -> DrawingApp:
    """The drawing window in ``window``, shown on the screen (events reach only mapped windows)."""
    drawing_app = DrawingApp(window, recognizers)
    deadline = time.monotonic() + 10
    while not drawing_app.canvas.winfo_viewable() and time.monotonic() < deadline:
        window.update()
    assert drawing_app.canvas.winfo_viewable(), "the window did not appear on the X server"
    return drawing_app


def draw(app: DrawingApp, corners: list[tuple[int, int]], step: int = 8) -> None:
    """One stroke through ``corners`` as real Tk events: a press, a motion every ``step`` pixels, a release."""
    canvas = app.canvas
    canvas.event_generate("<ButtonPress-1>", x=corners[0][0], y=corners[0][1])
    canvas.update()
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        n = max(1, int(np.hypot(x1 - x0, y1 - y0) // step))
        for t in np.linspace(0, 1, n + 1)[1:]:
            canvas.event_generate("<B1-Motion>", x=round(x0 + (x1 - x0) * t), y=round(y0 + (y1 - y0) * t))
            canvas.update()
    canvas.event_generate("<ButtonRelease-1>", x=corners[-1][0], y=corners[-1][1])
    canvas.update()


def ink(app: DrawingApp) -> np.ndarray:
    """The parallel picture as a boolean (height, width) array: True where it is black."""
    return np.asarray(app.drawing.image) < 128


def labels(app: DrawingApp) -> list[str]:
    return [app.canvas.itemcget(item, "text") for item in app.canvas.find_withtag("answer-label")]


def test_a_vertical_stroke_is_a_1_with_its_box_label_and_bars(app: DrawingApp) -> None:
    assert app.text.get() == PROMPT
    draw(app, ONE)
    app.predict_button.invoke()
    app.canvas.update()
    assert app.text.get() == "1"
    assert len(app.canvas.find_withtag("answer-box")) == 1
    [label] = labels(app)
    assert label.startswith("1 (") and label.endswith("%)")
    x0, y0, x1, y1 = app.canvas.coords(app.canvas.find_withtag("answer-box")[0])
    assert x0 <= 150 <= x1 and y0 <= 50 and y1 >= 230  # the box surrounds the stroke
    probabilities = app.answer.probabilities
    assert probabilities is not None and int(np.argmax(probabilities)) == 1
    assert len(app.bars.find_withtag("bar")) == 10
    assert app.status.get().startswith("fast-cnn: 1")


def test_a_7_is_read_with_the_enter_key(app: DrawingApp) -> None:
    draw(app, SEVEN)
    app.canvas.event_generate("<Return>")
    app.canvas.update()
    assert app.text.get() == "7"
    assert labels(app)[0].startswith("7 (")


def test_two_digits_side_by_side_give_two_boxes_and_two_characters(app: DrawingApp) -> None:
    draw(app, ONE)
    draw(app, SEVEN_RIGHT)
    app.predict()
    assert app.text.get() == "17"
    assert len(app.canvas.find_withtag("answer-box")) == 2
    assert [label.split()[0] for label in labels(app)] == ["1", "7"]
    assert app.answer.probabilities is None and not app.bars.find_withtag("bar")  # bars only for a lone digit


def test_the_parallel_picture_holds_the_strokes_ink(app: DrawingApp) -> None:
    app.brush.set(10)
    draw(app, [(100, 40), (100, 200)])
    image = app.drawing.image
    assert image.size == (560, 280) and image.mode == "L"
    black = ink(app)
    assert black[40:201, 97:104].all()  # the stroke, 10 pixels wide, round ends
    rows, cols = np.nonzero(black)
    assert (rows.min(), rows.max()) == pytest.approx((35, 205), abs=1)
    assert (cols.min(), cols.max()) == pytest.approx((95, 105), abs=1)
    assert len(app.canvas.find_withtag("ink")) > 10  # and the same stroke on the canvas


def test_escape_clears_the_picture_and_the_answer(app: DrawingApp) -> None:
    draw(app, SEVEN)
    app.predict()
    assert app.canvas.find_withtag("answer-box")
    app.canvas.event_generate("<Escape>")
    app.canvas.update()
    assert not ink(app).any() and app.drawing.blank
    assert app.text.get() == PROMPT
    assert not app.canvas.find_withtag("ink") and not app.canvas.find_withtag("answer")
    assert not app.bars.find_withtag("bar")
    app.predict_button.invoke()
    assert app.text.get() == PROMPT


def test_ctrl_z_removes_the_last_stroke_only(app: DrawingApp) -> None:
    draw(app, ONE)
    first_items = len(app.canvas.find_withtag("ink"))
    draw(app, SEVEN_RIGHT)
    app.predict()
    assert app.text.get() == "17"
    app.canvas.event_generate("<Control-z>")
    app.canvas.update()
    black = ink(app)
    assert black[60:220, 150].all() and not black[:, 250:].any()  # the 1 stays, the 7 is gone
    assert len(app.canvas.find_withtag("ink")) == first_items
    assert app.answer is None and not app.canvas.find_withtag("answer")  # the old answer is taken away
    app.undo_button.invoke()
    assert not ink(app).any() and app.text.get() == PROMPT


def test_predict_on_release_and_brush_size(app: DrawingApp) -> None:
    app.auto_predict.set(True)
    app.brush.set(30)
    draw(app, ONE)
    assert app.text.get() == "1"  # no button pressed
    assert ink(app)[140, 135:166].all()  # 30 pixels wide
    app.brush.set("not a number")
    draw(app, SEVEN_RIGHT)  # falls back to the initial brush instead of failing
    assert app.drawing.strokes[-1].width == GuiOptions().brush
    assert app.text.get() == "17"


def test_doubtful_answers_are_not_sure(root: tk.Tk, shipped: Recognizer) -> None:
    strict = open_app(root, {"strict": Recognizer(shipped.model, min_confidence=0.999999)})
    draw(strict, [(200, 100), (260, 60), (300, 120), (220, 200), (320, 210)])  # a loose "2", one stroke
    strict.predict()
    [mark] = strict.answer.marks
    assert mark.rejected and labels(strict)[0].startswith("? (")
    assert strict.text.get() == NOT_SURE
    strict.clear()
    draw(strict, ONE)
    draw(strict, SEVEN_RIGHT)
    strict.predict()  # two digits the recognizer is not sure enough of: a "?" for each, orange boxes
    assert strict.text.get() == "??" and all(mark.rejected for mark in strict.answer.marks)
    assert [label[0] for label in labels(strict)] == ["?", "?"]


@pytest.mark.mnist
def test_switching_the_model_switches_the_recognizer(
    app: DrawingApp, root: tk.Tk, shipped: Recognizer, mnist_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from small_model import small_model_dir

    small = Recognizer(small_model_dir(mnist_dir, tmp_path_factory.mktemp("model")), min_confidence=0.5)
    window = open_app(tk.Toplevel(root), {"fast-cnn": shipped, "cnn-s2-small": small})
    assert list(window.model_box["values"]) == ["fast-cnn", "cnn-s2-small"]
    draw(window, SEVEN)
    first = window.predict()
    assert first.probabilities == shipped.predict(window.drawing.image).probabilities
    window.model_box.set("cnn-s2-small")
    window.model_box.event_generate("<<ComboboxSelected>>")  # answers again with the new model
    window.model_box.update()
    second = window.answer
    assert second.probabilities == small.predict(window.drawing.image).probabilities
    assert second.probabilities != first.probabilities
    assert window.status.get().startswith("cnn-s2-small: ")


def _cli(args: list[str], display: str | None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    if display is not None:
        env["DISPLAY"] = display
    return subprocess.run(
        [sys.executable, "-m", "digits", "gui", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_without_a_display_the_command_says_so_and_exits_2() -> None:
    done = _cli([], display=None)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("digits: error: no display:") and "set DISPLAY or run under xvfb-run" in line


def test_the_command_reports_a_bad_model_folder(display: str, tmp_path: Path) -> None:
    done = _cli(["--model", str(tmp_path / "missing")], display=display)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("digits: error: ") and "missing" in line


def test_the_command_opens_the_window(display: str) -> None:
    """``digits gui`` under Xvfb: the window (its white canvas) appears on the screen; then it is closed."""
    from PIL import ImageGrab

    process = subprocess.Popen(
        [sys.executable, "-m", "digits", "gui"], env={**os.environ, "DISPLAY": display}, stderr=subprocess.PIPE
    )
    try:
        deadline, white = time.monotonic() + 90, 0
        while time.monotonic() < deadline and process.poll() is None and white < 560 * 280:
            time.sleep(0.5)
            screen = np.asarray(ImageGrab.grab(xdisplay=display).convert("L"))
            white = int((screen == 255).sum())
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert white >= 560 * 280, "no window with a white 560x280 canvas appeared within 90 s"
    finally:
        process.terminate()
        process.wait(10)


def test_the_picture_is_what_the_recognizer_reads(app: DrawingApp, shipped: Recognizer, tmp_path: Path) -> None:
    """The answer is the recognizer's own reading of the picture, saved and reloaded as a PNG file."""
    draw(app, ONE)
    draw(app, SEVEN_RIGHT)
    shown = app.predict()
    app.drawing.image.save(tmp_path / "drawn.png")
    reading = shipped.read(Image.open(tmp_path / "drawn.png"))
    assert shown.text == reading.text
    assert [m.box for m in shown.marks] == [d.box for d in reading.digits]
