"""The web page in headless Chromium (Playwright) against a real ``digits serve`` on loopback.

Digits are drawn with the mouse the way a person would (a "1" as a vertical
line, a "7" as a bar and a diagonal, a "0" as an ellipse); the tests read
what the page shows, as a person would.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_serve_api import draw_number, png, tiny_model_dir  # noqa: F401 (tiny_model_dir is a fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_MS = 20_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium (/usr/bin/chromium) is not installed")

Point = tuple[float, float]
SHAPES: dict[str, list[list[Point]]] = {  # strokes in fractions of a digit's box (x right, y down)
    "1": [[(0.5, 0.0), (0.5, 1.0)]],
    "7": [[(0.0, 0.0), (1.0, 0.0), (0.3, 1.0)]],
    "0": [[(0.5 + 0.5 * math.sin(t / 16 * math.pi), 0.5 - 0.5 * math.cos(t / 16 * math.pi)) for t in range(33)]],
}


@pytest.fixture(scope="module")
def server(tiny_model_dir: Path) -> Iterator[str]:  # noqa: F811 (the fixture imported above)
    """``digits serve --port 0`` with the shipped model and the tiny one; yields the base URL."""
    command = [sys.executable, "-m", "digits", "serve", "--port", "0", "--model", "fast-cnn"]
    command += ["--model", str(tiny_model_dir)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()  # printed once the models are loaded and the port is bound
        assert line.startswith("digits: serving"), line + process.stderr.read()
        yield line.split(" on ")[1].split("/ ")[0]
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server: str):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.goto(server + "/")
    tab.wait_for_function("document.querySelectorAll('#model option').length > 0", timeout=WAIT_MS)
    yield tab
    context.close()


def draw(page, text: str, *, left: float = 0.3, top: float = 0.15, height: float = 0.7) -> None:
    """Draw ``text`` ('1', '7', '0') on the pad with the mouse, each digit ``height`` of the pad tall."""
    box = page.locator("#pad").bounding_box()
    size = height * box["height"]
    for k, char in enumerate(text):
        x0 = box["x"] + left * box["width"] + k * 0.8 * size
        y0 = box["y"] + top * box["height"]
        for stroke in SHAPES[char]:
            points = [(x0 + fx * 0.55 * size, y0 + fy * size) for fx, fy in stroke]
            page.mouse.move(*points[0])
            page.mouse.down()
            for point in points[1:]:
                page.mouse.move(*point, steps=6)
            page.mouse.up()


def settled(page) -> str:
    """The result panel's state once no prediction is pending: 'shown', 'blank' or 'error'."""
    page.wait_for_function("document.querySelector('#result').dataset.state !== 'pending'", timeout=WAIT_MS)
    return page.locator("#result").get_attribute("data-state")


def chart(page) -> list[tuple[int, float, bool]]:
    """(digit, probability, highlighted) of each bar of the chart."""
    bars = page.locator("#chart .bar")
    return [
        (int(bar.get_attribute("data-digit")), float(bar.get_attribute("data-p")), "top" in bar.get_attribute("class"))
        for bar in bars.all()
    ]


def ink_of(page, canvas: str) -> int:
    """How many pixels of canvas ``canvas`` are not black-transparent or white: drawn content."""
    return page.evaluate(
        """(id) => {
            const c = document.getElementById(id);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] < 3 * 250) n++;
            return n;
        }""",
        canvas,
    )


@pytest.mark.parametrize("digit", ["1", "7", "0"])
def test_drawn_digit_is_predicted_with_chart_and_seen_image(page, digit: str) -> None:
    draw(page, digit)
    assert settled(page) == "shown"
    assert page.locator("#digit").inner_text() == digit
    assert page.locator("#unsure").is_hidden()
    assert page.locator("#model-used").inner_text() == "fast-cnn"
    bars = chart(page)
    assert [d for d, _, _ in bars] == list(range(10))
    best = max(bars, key=lambda bar: bar[1])
    assert best[0] == int(digit) and best[2] and sum(top for _, _, top in bars) == 1
    assert sum(p for _, p, _ in bars) == pytest.approx(1.0, abs=1e-6)
    assert page.evaluate("getComputedStyle(document.getElementById('seen')).imageRendering") == "pixelated"
    seen_white = page.evaluate(
        "(() => { const d = document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data;"
        " let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++; return n; })()"
    )
    assert 10 < seen_white < 400  # white ink on black, as MNIST
    assert digit in page.locator("#summary").inner_text()


def test_blank_canvas_shows_nothing_and_undo_clear_work(page) -> None:
    assert page.locator("#result").get_attribute("data-state") == "blank"
    assert page.locator("#single").is_hidden() and page.locator("#summary").inner_text() == ""
    draw(page, "0")
    assert settled(page) == "shown" and page.locator("#digit").inner_text() == "0"
    ink_zero = ink_of(page, "pad")
    draw(page, "1", left=0.75, top=0.05, height=0.3)  # a stray stroke beside the 0
    settled(page)
    assert ink_of(page, "pad") > ink_zero
    page.keyboard.press("Control+z")
    assert settled(page) == "shown" and page.locator("#digit").inner_text() == "0"
    assert ink_of(page, "pad") == ink_zero
    page.get_by_role("button", name="Undo").click()
    assert settled(page) == "blank" and page.locator("#single").is_hidden() and ink_of(page, "pad") == 0
    draw(page, "7")
    assert settled(page) == "shown"
    page.get_by_role("button", name="Clear").focus()
    page.keyboard.press("Enter")  # keyboard operable
    assert settled(page) == "blank" and page.locator("#summary").inner_text() == ""
    assert page.locator("#chart").is_hidden() and ink_of(page, "pad") == 0


def test_switching_model_sends_it_and_shows_it(page) -> None:
    options = page.locator("#model option").all_inner_texts()
    assert options[0].startswith("fast-cnn (fast-cnn, 99.") and options[1].startswith("tiny-mlp (numpy-mlp")
    page.get_by_label("Model").select_option("tiny-mlp")
    with page.expect_request(lambda request: "/v1/predict" in request.url) as request:
        draw(page, "1")
    assert request.value.url.endswith("/v1/predict?model=tiny-mlp")
    assert settled(page) == "shown"
    assert page.locator("#model-used").inner_text() == "tiny-mlp"
    assert len(chart(page)) == 10


def test_several_digits_get_boxes_labels_and_text(page) -> None:
    page.get_by_label("Several digits (read a number)").check()
    draw(page, "170", left=0.12, height=0.6)
    assert settled(page) == "shown"
    assert page.locator("#text").inner_text() == "170"
    assert "170" in page.locator("#summary").inner_text()
    assert ink_of(page, "overlay") > 100  # boxes and labels drawn over the digits
    assert page.locator("#single").is_hidden()


def test_uploaded_photo_gets_boxes_digits_and_text(page, tmp_path: Path) -> None:
    picture = draw_number("1 70")
    path = tmp_path / "number.png"
    path.write_bytes(png(picture))
    page.get_by_label("Upload a picture or take a photo of digits").set_input_files(str(path))
    page.wait_for_function("document.querySelector('#photo').dataset.state === 'shown'", timeout=WAIT_MS)
    assert "It reads 170 (3 digits found)" in page.locator("#photo-summary").inner_text()
    boxes = page.evaluate("JSON.parse(document.getElementById('photo').dataset.boxes)")
    assert len(boxes) == 3 and [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    size = page.evaluate("[document.getElementById('photo').width, document.getElementById('photo').height]")
    assert size == [picture.width, picture.height]
    blue = page.evaluate(
        """(() => { const c = document.getElementById('photo');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 200 && d[i] < 100) n++; return n; })()"""
    )
    assert blue > 100  # the boxes and labels are drawn over the picture


def test_upload_of_a_non_image_shows_the_error(page, tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_bytes(b"these are not pixels")
    page.get_by_label("Upload a picture or take a photo of digits").set_input_files(str(path))
    page.wait_for_function("document.querySelector('#photo').dataset.state === 'error'", timeout=WAIT_MS)
    assert "Cannot" in page.locator("#photo-error").inner_text()


def test_controls_are_labelled_and_drawing_does_not_scroll(page) -> None:
    for label in (
        "Model",
        "Brush size",
        "Several digits (read a number)",
        "Upload a picture or take a photo of digits",
    ):
        assert page.get_by_label(label).count() == 1
    for name in ("Undo", "Clear"):
        assert page.get_by_role("button", name=name).count() == 1
    assert page.evaluate("getComputedStyle(document.getElementById('pad')).touchAction") == "none"
    assert page.locator("#summary").get_attribute("aria-live") == "polite"
    brush = page.get_by_label("Brush size")
    brush.focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#brush-value").inner_text() == "19"
