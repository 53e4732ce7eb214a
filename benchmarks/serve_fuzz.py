"""Thousands of malformed and hostile requests against a real ``digits serve``: 0 server errors allowed.

Starts ``digits serve --port 0`` in a subprocess and sends, from a seeded
generator: random bytes, truncated and bit-flipped PNG/JPEG/BMP/GIF files,
headers declaring huge (or zero) dimensions, decompression bombs, broken and
hostile JSON (deep nesting, NaN, 1e999, wrong types and shapes), wrong
content types and multipart framing, bodies over the limit (declared and
streamed), odd model names and parameters, and garbage HTTP. It prints one
row per kind: requests and the statuses they got. Any 5xx, or a server that
no longer answers ``/healthz`` and reads a digit correctly at the end, fails
the run (exit status 1).

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/serve_fuzz.py
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import struct
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
import numpy as np
from PIL import Image

from digits.data.mnist import load_mnist

sys.path.insert(0, os.path.dirname(__file__))
from serve_load import start_server  # the benchmarks folder is not a package

LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One request: an HTTP request sent with httpx, or ``raw`` bytes written to a socket."""

    kind: str
    path: str = "/v1/predict"
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    raw: bytes | None = None


def multipart(data: bytes, *, name: str = "file", extra: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body with ``data`` as a file field, and its headers."""
    boundary = "fuzzboundary"
    field_head = '--{}\r\nContent-Disposition: form-data; name="{}"\r\n\r\n{}\r\n'
    parts = [field_head.format(boundary, k, v).encode() for k, v in (extra or {}).items()]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="x"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), {
        "content-type": f"multipart/form-data; boundary={boundary}"
    }


def upload(kind: str, data: bytes, path: str = "/v1/predict", **extra: str) -> Case:
    body, headers = multipart(data, extra=extra or None)
    return Case(kind, path, body, headers)


def encoded(image: np.ndarray, fmt: str) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format=fmt)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, depth: int = 8, colour: int = 0) -> bytes:
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def png_bomb(width: int, height: int) -> bytes:
    """A real, complete PNG of ``width`` x ``height`` black pixels: a few KB that decode to megapixels."""
    rows = zlib.compressobj(9)
    data = b"".join(rows.compress(b"\0" * (width + 1)) for _ in range(height)) + rows.flush()
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def bmp_declaring(width: int, height: int) -> bytes:
    header = struct.pack("<2sIHHI", b"BM", 54 + 16, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 16, 2835, 2835, 0, 0)
    return header + info + b"\0" * 16


def gif_declaring(width: int, height: int) -> bytes:
    size = struct.pack("<HH", width, height)
    return b"GIF89a" + size + b"\x00\x00\x00" + b",\0\0\0\0" + size + b"\x00\x02\x02D\x01\x00;"


def image_cases(rng: np.random.Generator, digits: np.ndarray, n: int) -> Iterator[Case]:
    """Random bytes, truncated and bit-flipped real images, huge or zero declared sizes, bombs."""
    for i in range(n):
        yield upload("random bytes", rng.bytes(int(rng.integers(0, 5000))), "/v1/predict" if i % 2 else "/v1/read")
    for i in range(n):
        fmt = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")[i % 6]
        data = encoded(255 - digits[i % len(digits)], fmt)
        kind = f"truncated {fmt}" if fmt in ("PNG", "JPEG") else "truncated other"
        yield upload(kind, data[: int(rng.integers(0, len(data)))])
    for i in range(n):
        data = bytearray(encoded(255 - digits[i % len(digits)], ("PNG", "JPEG", "BMP")[i % 3]))
        for _ in range(int(rng.integers(1, 20))):
            data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
        yield upload("bit-flipped image", bytes(data), "/v1/read" if i % 3 == 0 else "/v1/predict")
    sizes = [
        (100_000, 100_000),
        (2**31 - 1, 2**31 - 1),
        (0, 10),
        (10, 0),
        (8000, 6000),
        (1, 40_000_001),
        (65535, 65535),
    ]
    for width, height in sizes:
        for colour, depth in ((0, 8), (2, 8), (6, 16), (3, 1)):
            yield upload("huge/zero size in header", png_declaring(width, height, depth, colour))
        yield upload("huge/zero size in header", bmp_declaring(width, -height))
        yield upload("huge/zero size in header", gif_declaring(min(width, 65535), min(height, 65535)), "/v1/read")
    for width, height in ((8000, 6000), (20_000, 20_000), (6000, 6000), (40_000_000, 1)):
        yield upload("decompression bomb", png_bomb(width, height), "/v1/read" if width == 6000 else "/v1/predict")


def json_cases(rng: np.random.Generator, n: int) -> Iterator[Case]:
    """Broken, hostile and mis-shaped JSON bodies."""
    json_headers = {"content-type": "application/json"}
    good = json.dumps({"pixels": [0] * 784})
    fixed = [
        "",
        "{",
        "[]",
        "null",
        "1",
        '"pixels"',
        '{"pixels": null}',
        '{"pixels": {}}',
        '{"pixels": "abc"}',
        '{"pixels": [' + "NaN," * 783 + "0]}",
        '{"pixels": [' + "Infinity," * 783 + "0]}",
        '{"pixels": [' + "1e999," * 783 + "0]}",
        '{"pixels": [' + "true," * 783 + "0]}",
        '{"pixels": [' + "null," * 783 + "0]}",
        '{"pixels": ' + "[" * 5000 + "]" * 5000 + "}",
        "[" * 100_000,
        '{"pixels": [[[0]]]}',
        '{"pixels": [' + "[0]," * 783 + "[0]]}",
        '{"pixels": [0], "pixels": [1]}',
        good.replace("0", "-0.0"),
        good + "garbage",
        "\ufeff" + good,
        good.encode("utf-16").decode("latin-1"),
    ]
    for body in fixed:
        yield Case("malformed JSON", content=body.encode("utf-8", "surrogatepass"), headers=json_headers)
    for _ in range(n):
        size = int(rng.choice([0, 1, 27, 28, 29, 783, 785, 1568, 100_000]))
        values: list = rng.integers(-300, 600, size).tolist()
        if rng.random() < 0.3 and size:
            odd = ["7", None, [1, 2], {"a": 1}, 1e308, -1e308, True]
            values[int(rng.integers(0, size))] = odd[int(rng.integers(0, len(odd)))]
        yield Case("wrong pixels", content=json.dumps({"pixels": values}).encode(), headers=json_headers)
    for _ in range(n):
        cut = good.encode()[: int(rng.integers(0, len(good)))]
        body = cut if rng.random() < 0.5 else rng.bytes(int(rng.integers(0, 3000)))
        yield Case("truncated / random JSON", content=body, headers=json_headers)


def request_cases(rng: np.random.Generator, digit_png: bytes, n: int) -> Iterator[Case]:
    """Wrong content types, broken multipart, parameters, models and methods."""
    body, headers = multipart(digit_png)
    for content_type in (
        "",
        "text/plain",
        "image/png",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=wrong",
        "application/xml",
        "application/json; charset=latin-1",
        "multipart/mixed; boundary=fuzzboundary",
    ):
        yield Case("wrong content type", content=body, headers={"content-type": content_type})
        yield Case("wrong content type", "/v1/read", digit_png, {"content-type": content_type})
    for i in range(n):
        cut = body[: int(rng.integers(0, len(body)))]
        yield Case("broken multipart", "/v1/read" if i % 2 else "/v1/predict", cut, headers)
    yield Case("broken multipart", content=multipart(digit_png, name="image")[0], headers=headers)
    many = b"".join(multipart(b"x", name=f"f{k}")[0][: -len("--fuzzboundary--\r\n")] for k in range(2000))
    yield Case("broken multipart", content=many + b"--fuzzboundary--\r\n", headers=headers)
    names = ["nope", "", "../../etc/passwd", "fast-cnn\x00", "é" * 50, "x" * 10_000, "%00", "FAST-CNN", " fast-cnn"]
    for name in names:
        yield Case("unknown model", f"/v1/predict?model={quote(name)}", body, headers)
        yield upload("unknown model", digit_png, "/v1/read", model=name)
    for value in ("nan", "inf", "-1", "2", "1e999", "x", "", "0x1", "1" * 400):
        yield Case("bad min_confidence", f"/v1/predict?min_confidence={quote(value)}", body, headers)
        yield upload("bad min_confidence", digit_png, min_confidence=value)
    wrong = [("GET", "/v1/predict"), ("PUT", "/v1/read"), ("DELETE", "/v1/models"), ("POST", "/healthz")]
    wrong += [("GET", "/static/../serve/app.py"), ("GET", "/static/%2e%2e/app.py"), ("GET", "/nope")]
    for method, path in wrong:
        yield Case("wrong method / path", path, b"", {}, method)


def transport_cases(rng: np.random.Generator, n: int) -> Iterator[Case]:
    """Bodies over the limit (declared, streamed, chunked) and garbage HTTP."""
    yield upload("body over the limit", b"\0" * (LIMIT + 1))
    huge_json = b'{"pixels": [' + b"0," * (LIMIT // 2) + b"0]}"
    yield Case("body over the limit", content=huge_json, headers={"content-type": "application/json"})
    head = b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
    yield Case("body over the limit", raw=head + b"Content-Length: 99999999999\r\n\r\n")
    chunks = b"Transfer-Encoding: chunked\r\n\r\n" + (b"100000\r\n" + b"\0" * 0x100000 + b"\r\n") * 11
    yield Case("body over the limit", raw=head + chunks)
    garbage = [
        b"\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /v1/predict HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
        b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 20_000 + b"\r\n",
    ]
    for raw in garbage + [rng.bytes(int(rng.integers(1, 2000))) + b"\r\n\r\n" for _ in range(n // 10)]:
        yield Case("garbage HTTP", raw=raw)


def send(client: httpx.Client, host: str, port: int, case: Case) -> str:
    """Send ``case``; return its status code as text, or 'reset' / 'closed' / 'timeout' when there was none."""
    if case.raw is None:
        try:
            return str(client.request(case.method, case.path, content=case.content, headers=case.headers).status_code)
        except httpx.TimeoutException:
            return "timeout"
        except httpx.TransportError:
            return "reset"
    with socket.create_connection((host, port), timeout=30) as conn:
        try:
            conn.sendall(case.raw)
        except OSError:
            pass  # the server may answer and close before everything is written
        try:
            reply = conn.recv(64)
        except TimeoutError:
            return "timeout"
        except OSError:
            return "reset"
    return reply.split(b" ")[1].decode() if reply.startswith(b"HTTP/1.1 ") else "closed"


def still_serving(base: str, digit_png: bytes, label: int) -> tuple[bool, str]:
    health = httpx.get(f"{base}/healthz", timeout=30)
    answer = httpx.post(f"{base}/v1/predict", files={"file": ("d.png", digit_png)}, timeout=30).json()
    ok = health.status_code == 200 and answer["digit"] == label
    return ok, f"/healthz {health.status_code}, digit {answer['digit']} (truth {label})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="requests per generated kind (default: 500)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent client connections (default: 4)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    test = load_mnist(download=False).test
    digit_png = encoded(255 - test.images[0], "PNG")
    cases: list[Case] = [
        *image_cases(rng, test.images[:50], args.n),
        *json_cases(rng, args.n),
        *request_cases(rng, digit_png, args.n),
        *transport_cases(rng, args.n),
    ]
    process, host, port = start_server(threads=2)
    base = f"http://{host}:{port}"
    results: dict[str, Counter[str]] = defaultdict(Counter)
    start = time.perf_counter()
    try:
        with httpx.Client(base_url=base, timeout=60) as client, ThreadPoolExecutor(args.workers) as pool:
            work: Callable[[Case], str] = lambda case: send(client, host, port, case)  # noqa: E731
            for case, status in zip(cases, pool.map(work, cases), strict=True):
                results[case.kind][status] += 1
        ok, health = still_serving(base, digit_png, int(test.labels[0]))
    finally:
        process.terminate()
        process.wait(timeout=20)
    elapsed = time.perf_counter() - start
    server_errors = sum(n for counts in results.values() for status, n in counts.items() if status.startswith("5"))
    print(
        f"# {platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, seed {args.seed}, "
        f"{len(cases)} requests in {elapsed:.0f} s, {args.workers} client connections"
    )
    print("| kind | requests | answers (status: count) | 5xx |")
    print("|---|---:|---|---:|")
    for kind, counts in results.items():
        answers = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
        fives = sum(n for status, n in counts.items() if status.startswith("5"))
        print(f"| {kind} | {sum(counts.values())} | {answers} | {fives} |")
    print(f"| **all** | {len(cases)} | | **{server_errors}** |")
    print(f"\nafterwards: {health}")
    return 0 if server_errors == 0 and ok else 1


if __name__ == "__main__":
    sys.exit(main())
