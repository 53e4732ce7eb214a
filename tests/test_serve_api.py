"""The HTTP API through a real HTTP client against a real uvicorn server on loopback.

Every success path is compared with the library's own answer for the same
bytes (the API is a shell over :class:`digits.Recognizer`), and every error
path checks the status, that the body is JSON with a ``detail`` message, and
that the server keeps serving.
"""

from __future__ import annotations

import contextlib
import io
import json
import select
import shutil
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from digits.cli import main
from digits.models import create_model
from digits.models.pretrained import shipped_model_dir
from digits.models.store import read_card
from digits.recognizer import Recognizer
from digits.serve import ServeConfig, create_app

BODY_LIMIT = 1024 * 1024


# ---- pictures drawn the way a person would -----------------------------------------------


def draw_number(text: str, *, height: int = 120, stroke: int = 12) -> Image.Image:
    """Dark strokes on white paper: each character of ``text`` is '1', '7', '0' or ' ' (a gap)."""
    width = height * 3 // 5
    image = Image.new("L", (len(text) * (width + height // 3) + height // 2, height + height // 2), 255)
    pen = ImageDraw.Draw(image)
    for k, char in enumerate(text):
        x, y = height // 4 + k * (width + height // 3), height // 4
        if char == "1":
            pen.line([(x + width // 2, y), (x + width // 2, y + height)], fill=0, width=stroke)
        elif char == "7":
            pen.line([(x, y), (x + width, y), (x + width // 4, y + height)], fill=0, width=stroke, joint="curve")
        elif char == "0":
            pen.ellipse([x, y, x + width, y + height], outline=0, width=stroke)
    return image


def png(image: Image.Image | np.ndarray) -> bytes:
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG declaring ``width`` x ``height`` pixels whose data is a few compressed bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


# ---- a real server -------------------------------------------------------------------------


@contextlib.contextmanager
def serving(config: ServeConfig) -> Iterator[str]:
    """Run the app of ``config`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    import uvicorn

    app = create_app(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY in asyncio
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, fake_digits) -> Path:
    """A second model: a NumPy MLP trained on 200 fake digits (its folder name is its served name)."""
    X_train, y_train, _, _ = fake_digits
    model = create_model("numpy-mlp", epochs=2, seed=0)
    model.fit(X_train, y_train)
    return model.save(tmp_path_factory.mktemp("models") / "tiny-mlp")


@pytest.fixture(scope="module")
def base_url(tiny_model_dir: Path) -> Iterator[str]:
    config = ServeConfig(models=("fast-cnn", str(tiny_model_dir)), max_body_bytes=BODY_LIMIT)
    with serving(config) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def error_detail(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


# ---- success paths -------------------------------------------------------------------------


def test_health_and_models(client: httpx.Client, tiny_model_dir: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "models": 2}
    listing = client.get("/v1/models").json()
    assert listing["default"] == "fast-cnn"
    shipped, tiny = listing["models"]
    card = read_card(shipped_model_dir())
    assert shipped == {
        "name": "fast-cnn",
        "family": "fast-cnn",
        "test_accuracy": card["info"]["metrics"]["test"]["accuracy"],
        "calibrated": True,
        "default": True,
        "source": "shipped",
    }
    assert tiny["name"] == "tiny-mlp" and tiny["family"] == "numpy-mlp"
    assert tiny["test_accuracy"] is None and tiny["calibrated"] is False and tiny["default"] is False
    assert Path(tiny["source"]) == tiny_model_dir


@pytest.mark.parametrize("digit", ["1", "7", "0"])
def test_predict_upload_matches_library(client: httpx.Client, digit: str) -> None:
    data = png(draw_number(digit))
    answer = client.post("/v1/predict", files={"file": ("digit.png", data, "image/png")}).json()
    expected = Recognizer(min_confidence=0.5).predict(data)
    assert answer["digit"] == int(digit) == expected.digit
    assert answer["model"] == "fast-cnn" and answer["rejected"] is False
    assert answer["probabilities"] == pytest.approx(list(expected.probabilities), abs=1e-6)
    assert answer["confidence"] == pytest.approx(expected.confidence, abs=1e-6)
    assert np.array_equal(np.array(answer["image"], dtype=np.uint8), expected.image)


def test_predict_json_pixels_rows_and_flat(client: httpx.Client) -> None:
    seven = np.asarray(draw_number("7").resize((28, 28), Image.Resampling.BOX))  # (28, 28) dark on white
    rows = client.post("/v1/predict", json={"pixels": seven.tolist()}).json()
    flat = client.post("/v1/predict", json={"pixels": seven.ravel().astype(float).tolist()}).json()
    expected = Recognizer().predict(seven)
    assert rows["digit"] == flat["digit"] == expected.digit == 7
    assert rows["probabilities"] == flat["probabilities"] == pytest.approx(list(expected.probabilities), abs=1e-6)


def test_blank_picture_gives_no_digit(client: httpx.Client) -> None:
    blank = np.full((60, 60), 255, dtype=np.uint8)
    for answer in (
        client.post("/v1/predict", files={"file": ("blank.png", png(blank))}).json(),
        client.post("/v1/predict", json={"pixels": [0] * 784}).json(),
    ):
        assert answer["digit"] is None and answer["rejected"] is False and answer["image"] is None
        assert answer["confidence"] == 0 and answer["probabilities"] == [0.0] * 10
    assert client.post("/v1/read", files={"file": ("blank.png", png(blank))}).json()["text"] == ""


def test_min_confidence_by_query_and_form(client: httpx.Client) -> None:
    files = {"file": ("seven.png", png(draw_number("7")))}
    by_query = client.post("/v1/predict", params={"min_confidence": 1.0}, files=files).json()
    by_form = client.post("/v1/predict", data={"min_confidence": "1"}, files=files).json()
    lenient = client.post("/v1/predict", params={"min_confidence": 0}, files=files).json()
    for answer in (by_query, by_form):
        assert answer["rejected"] is True and answer["digit"] is None and answer["image"] is not None
    assert lenient["digit"] == 7 and lenient["rejected"] is False


def test_model_parameter_picks_the_model(client: httpx.Client, tiny_model_dir: Path) -> None:
    data = png(draw_number("0"))
    by_query = client.post("/v1/predict", params={"model": "tiny-mlp"}, files={"file": ("d.png", data)}).json()
    by_form = client.post("/v1/predict", data={"model": "tiny-mlp"}, files={"file": ("d.png", data)}).json()
    expected = Recognizer(tiny_model_dir).predict(data)
    assert by_query["model"] == by_form["model"] == "tiny-mlp"
    assert by_query["probabilities"] == pytest.approx(list(expected.probabilities), abs=1e-6)
    assert by_form["probabilities"] == by_query["probabilities"]
    shipped = client.post("/v1/predict", files={"file": ("d.png", data)}).json()
    assert shipped["probabilities"] != by_query["probabilities"]


def test_read_finds_every_digit_with_boxes(client: httpx.Client) -> None:
    picture = draw_number("1 70")
    answer = client.post("/v1/read", files={"file": ("number.png", png(picture), "image/png")}).json()
    expected = Recognizer(min_confidence=0.5).read(np.asarray(picture))
    assert answer == {**expected.to_dict(), "model": "fast-cnn"}
    assert answer["text"] == "170"
    lefts = [d["box"][0] for d in answer["digits"]]
    assert lefts == sorted(lefts)
    for d in answer["digits"]:
        x, y, w, h = d["box"]
        assert 0 <= x and x + w <= picture.width and 0 <= y and y + h <= picture.height


@pytest.mark.mnist
def test_read_mnist_test_digits(client: httpx.Client, mnist_dir: Path) -> None:
    from small_model import mnist_test, paste_digits

    images, labels = mnist_test(mnist_dir)
    picture, boxes = paste_digits([images[k] for k in range(4)], [16, 16, 16])
    answer = client.post("/v1/read", files={"file": ("mnist.png", png(picture))}).json()
    assert answer["text"] == "".join(str(labels[k]) for k in range(4))
    for found, (x, y, w, h) in zip(answer["digits"], boxes, strict=True):
        fx, fy, fw, fh = found["box"]
        assert abs(fx - x) <= 3 and abs(fy - y) <= 3 and abs(fw - w) <= 6 and abs(fh - h) <= 6


def test_page_docs_and_assets_are_served_locally(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for asset, kind in (("/static/app.js", "javascript"), ("/static/style.css", "text/css")):
        response = client.get(asset)
        assert response.status_code == 200 and kind in response.headers["content-type"]
        assert "http://" not in response.text and "https://" not in response.text  # no CDN: works offline
        assert f'"{asset}"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/v1/predict"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data", "application/json"}
    assert {"404", "413", "415", "422"} <= set(schema["paths"]["/v1/read"]["post"]["responses"])


# ---- error paths ---------------------------------------------------------------------------


def test_not_an_image_is_415(client: httpx.Client) -> None:
    seven = png(draw_number("7"))
    for data in (b"GIF89a not really", b"\x00" * 100, seven[: len(seven) // 2], b""):
        for path in ("/v1/predict", "/v1/read"):
            assert "Cannot" in error_detail(client.post(path, files={"file": ("x.png", data)}), 415)
    detail = error_detail(client.post("/v1/predict", content=seven, headers={"content-type": "image/png"}), 415)
    assert "multipart/form-data" in detail and "pixels" in detail
    error_detail(client.post("/v1/read", json={"pixels": [0] * 784}), 415)


def test_image_over_40_megapixels_is_413_before_decoding(client: httpx.Client) -> None:
    bomb = png_header(8000, 6000)  # 48 megapixels declared in 70 bytes
    detail = error_detail(client.post("/v1/predict", files={"file": ("big.png", bomb)}), 413)
    assert "48,000,000 pixels" in detail
    error_detail(client.post("/v1/read", files={"file": ("big.png", bomb)}), 413)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"pixels": [1, 2', "Invalid JSON"),
        (b"[]", "pixels"),
        (b'{"pixels": [0, 0, 0]}', "784 values"),
        (json.dumps({"pixels": [[0] * 28] * 27}).encode(), "28 rows of 28"),
        (json.dumps({"pixels": [[0] * 27] * 28}).encode(), "28 rows of 28"),
        (json.dumps({"pixels": [0] * 783 + [256]}).encode(), "less than or equal to 255"),
        (json.dumps({"pixels": [0] * 783 + [-1]}).encode(), "greater than or equal to 0"),
        (json.dumps({"pixels": ["a"] * 784}).encode(), "pixels"),
        (json.dumps({"pixels": [True] * 784}).encode(), "valid number"),  # JSON true is not 1
        (json.dumps({"pixels": ["7"] * 784}).encode(), "valid number"),
        (b'{"pixels": [' + b"NaN, " * 783 + b"0]}", "Invalid JSON"),
        (json.dumps({"pixels": [0] * 784, "extra": 1}).encode(), "extra"),
        (b"[" * 100_000, "Invalid JSON"),
    ],
)
def test_bad_json_is_422(client: httpx.Client, body: bytes, needle: str) -> None:
    response = client.post("/v1/predict", content=body, headers={"content-type": "application/json"})
    assert needle in error_detail(response, 422)


def test_bad_parameters_are_422(client: httpx.Client) -> None:
    files = {"file": ("seven.png", png(draw_number("7")))}
    assert "min_confidence" in error_detail(client.post("/v1/predict?min_confidence=2", files=files), 422)
    assert "min_confidence" in error_detail(client.post("/v1/read?min_confidence=x", files=files), 422)
    assert "min_confidence" in error_detail(client.post("/v1/predict", data={"min_confidence": "x"}, files=files), 422)
    assert "'file'" in error_detail(client.post("/v1/predict", data={"image": "7"}, files={"other": b"x"}), 422)


def test_unknown_model_is_404_listing_the_models(client: httpx.Client) -> None:
    for response in (
        client.post("/v1/predict?model=nope", files={"file": ("x.png", png(draw_number("1")))}),
        client.post("/v1/predict?model=nope", json={"pixels": [0] * 784}),
        client.post("/v1/read", data={"model": "nope"}, files={"file": ("x.png", png(draw_number("1")))}),
    ):
        assert "fast-cnn, tiny-mlp" in error_detail(response, 404)


def receive_all(conn: socket.socket) -> str:
    """What the server sends until it closes the connection (or resets it, having left a body unread)."""
    parts = []
    with contextlib.suppress(ConnectionResetError):
        while part := conn.recv(65536):
            parts.append(part)
    return b"".join(parts).decode()


def test_declared_body_over_limit_is_413_before_it_is_sent(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 500000000\r\n\r\n"
        )
        reply = receive_all(conn)  # answered although no byte of the body was sent
    status, _, rest = reply.partition("\r\n")
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert "larger than this server's limit of 1,048,576 bytes" in json.loads(rest.split("\r\n\r\n", 1)[1])["detail"]


def test_streamed_body_over_limit_is_413_without_reading_it_all(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"\x00" * 64 * 1024)
    sent = 0
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        preamble = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n'
        conn.sendall(b"%x\r\n%s\r\n" % (len(preamble), preamble))
        while not select.select([conn], [], [], 0)[0]:
            assert sent < 100 * BODY_LIMIT, "the server kept reading the body"
            try:
                conn.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 64 * 1024
        reply = receive_all(conn)
    assert reply.startswith("HTTP/1.1 413 "), reply
    assert sent < 20 * BODY_LIMIT


def test_body_under_limit_is_read(client: httpx.Client) -> None:
    almost = b"\x89PNG" + b"\x00" * (BODY_LIMIT - 1000)  # with the multipart framing, just under the limit
    assert "Cannot" in error_detail(client.post("/v1/read", files={"file": ("big.png", almost)}), 415)
    assert client.get("/healthz").status_code == 200


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), as_json=st.booleans())
def test_random_bodies_never_give_a_server_error(client: httpx.Client, data: bytes, as_json: bool) -> None:
    if as_json:
        response = client.post("/v1/predict", content=data, headers={"content-type": "application/json"})
    else:
        response = client.post("/v1/predict", files={"file": ("x", data)})
    assert 400 <= response.status_code < 500 or response.status_code == 200
    assert "detail" in response.json() or "probabilities" in response.json()


def test_cors_is_off_unless_configured(client: httpx.Client) -> None:
    origin = {"Origin": "https://example.org"}
    assert "access-control-allow-origin" not in client.get("/v1/models", headers=origin).headers
    with serving(ServeConfig(cors_origins=("https://example.org",))) as url:
        allowed = httpx.get(f"{url}/v1/models", headers=origin)
        other = httpx.get(f"{url}/v1/models", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://example.org"
    assert "access-control-allow-origin" not in other.headers


# ---- the command line ----------------------------------------------------------------------


def test_serve_command_refuses_bad_models(tmp_path: Path, tiny_model_dir: Path, capsys) -> None:
    assert main(["serve", "--model", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    clash = tmp_path / "other" / "tiny-mlp"
    shutil.copytree(tiny_model_dir, clash)
    assert main(["serve", "--model", str(tiny_model_dir), "--model", str(clash)]) == 2
    err = capsys.readouterr().err
    assert "Two models would be served as 'tiny-mlp'" in err and err.count("\n") == 1


def test_serve_help_states_every_default(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--host", "--port", "--model", "--runtime", "--min-confidence", "--max-body-mb", "--threads"):
        assert flag in text
    assert text.count("(default:") >= 9
