"""Latency and throughput of ``POST /v1/predict`` on loopback, against a real ``digits serve``.

Starts ``digits serve --port 0`` in a subprocess, then for each number of
concurrent clients (default 1, 8 and 32) runs that many keep-alive
connections for a fixed time, each sending the same request back to back,
and prints one table row: requests, throughput, latency p50/p99 and errors
(any answer but 200, or a failed connection). The clients are plain asyncio
sockets with a pre-built request, so they cost the shared CPU little.

The picture is MNIST test digit 0 (a 7) as dark ink on white, a 28x28 PNG;
``--mode json`` sends the same digit as ``{"pixels": [...]}``, ``--mode
canvas`` the digit enlarged to 200x200 in the middle of a white 600x340 PNG,
the size of the web page's drawing pad (what its live prediction sends). The last
column is the library alone (``Recognizer.predict`` on the same input, in
this process): the difference is the server's cost.

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/serve_load.py
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from digits.data.mnist import load_mnist
from digits.recognizer import Recognizer

LABELS = {"upload": "28x28 PNG upload", "json": "JSON 28x28 pixels", "canvas": "600x340 canvas PNG upload"}


@dataclass(frozen=True)
class Run:
    """What ``clients`` concurrent clients got in ``seconds``."""

    clients: int
    seconds: float
    latencies: list[float]
    errors: int


def digit_request(mode: str, host: str, port: int) -> tuple[bytes, object]:
    """The raw HTTP request for MNIST test digit 0 and the same input as the library takes it."""
    digit = 255 - load_mnist(download=False).test.images[0]  # dark ink on white, (28, 28) uint8
    if mode == "json":
        body = json.dumps({"pixels": digit.tolist()}).encode()
        content_type = b"application/json"
        library_input: object = digit
    else:
        picture = Image.fromarray(digit)
        if mode == "canvas":
            pad = Image.new("L", (600, 340), 255)
            pad.paste(picture.resize((200, 200), Image.Resampling.BILINEAR), (200, 70))
            picture = pad
        out = io.BytesIO()
        picture.save(out, format="PNG")
        boundary = b"digitsbenchmark"
        body = (
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="digit.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + out.getvalue() + b"\r\n--" + boundary + b"--\r\n"
        )
        content_type = b"multipart/form-data; boundary=" + boundary
        library_input = out.getvalue()
    head = b"POST /v1/predict HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
        host.encode(),
        port,
        content_type,
        len(body),
    )
    return head + body, library_input


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP response with a Content-Length body; return its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def client(host: str, port: int, request: bytes, until: float, latencies: list[float]) -> int:
    """Send ``request`` back to back on one connection until ``until``; return the number of errors."""
    errors = 0
    reader, writer = await asyncio.open_connection(host, port)
    while time.perf_counter() < until:
        start = time.perf_counter()
        try:
            writer.write(request)
            status = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
            continue
        latencies.append(time.perf_counter() - start)
        errors += status != 200
    writer.close()
    return errors


async def load(host: str, port: int, request: bytes, clients: int, seconds: float) -> Run:
    latencies: list[float] = []
    until = time.perf_counter() + seconds
    errors = await asyncio.gather(*(client(host, port, request, until, latencies) for _ in range(clients)))
    return Run(clients, seconds, latencies, sum(errors))


def start_server(threads: int) -> tuple[subprocess.Popen, str, int]:
    command = [sys.executable, "-m", "digits", "serve", "--port", "0", "--threads", str(threads)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line.startswith("digits: serving"):
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    address = line.split("http://")[1].split("/")[0]
    host, port = address.rsplit(":", 1)
    return process, host, int(port)


def library_ms(library_input: object, repeats: int = 200) -> float:
    """Median milliseconds of ``Recognizer.predict`` on the same input, in this process."""
    recognizer = Recognizer(min_confidence=0.5)
    for _ in range(10):
        recognizer.predict(library_input)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        recognizer.predict(library_input)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 8, 32], help="concurrent clients (default: 1 8 32)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run (default: 10)")
    parser.add_argument("--mode", choices=tuple(LABELS), nargs="+", default=list(LABELS),
                        help="28x28 PNG upload, JSON pixels, 600x340 canvas PNG upload (default: all)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="the server's --threads (default: 2)")
    args = parser.parse_args()

    process, host, port = start_server(args.threads)
    try:
        print(f"# {platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, "
              f"digits serve --threads {args.threads}, {args.seconds:g} s per row, load average "
              f"{os.getloadavg()[0]:.1f}")  # fmt: skip
        print("| input | clients | requests | req/s | p50 ms | p99 ms | errors | library alone, ms |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for mode in args.mode:
            request, library_input = digit_request(mode, host, port)
            asyncio.run(load(host, port, request, 1, 1.0))  # warm-up
            alone = library_ms(library_input)
            for clients in args.clients:
                run = asyncio.run(load(host, port, request, clients, args.seconds))
                ms = 1000 * np.array(run.latencies)
                print(f"| {LABELS[mode]} | {clients} | {len(ms)} | {len(ms) / run.seconds:.0f} | "
                      f"{np.percentile(ms, 50):.1f} | {np.percentile(ms, 99):.1f} | {run.errors} | {alone:.1f} |",
                      flush=True)  # fmt: skip
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
