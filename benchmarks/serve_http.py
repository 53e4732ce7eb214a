"""uvicorn's HTTP implementations side by side: h11 + asyncio against httptools + uvloop.

Serves :func:`digits.serve.app.create_app` with each implementation in turn
(``ROUNDS`` times, alternating, so machine noise hits both) and measures one
keep-alive client's p50 latency on ``POST /v1/predict`` (the 28x28 PNG of
``serve_load.py``) and on ``GET /healthz`` (the server alone).
``digits serve`` uses uvicorn's "auto" choice, httptools and uvloop (both
dependencies), so the h11 + asyncio rows are the alternative.

    DIGITS_DATA_DIR=/work/shared/data/mnist .venv/bin/python benchmarks/serve_http.py [ROUNDS]
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from serve_load import digit_request, load

IMPLEMENTATIONS = (("h11", "asyncio"), ("httptools", "uvloop"))
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(http: str, loop: str, port: int) -> subprocess.Popen:
    """A uvicorn server of the digits app on ``port``, once it answers /healthz."""
    code = (
        "import uvicorn; from digits.serve.app import create_app; "
        f"uvicorn.run(create_app(), host='127.0.0.1', port={port}, http='{http}', loop='{loop}', log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"uvicorn with http={http} did not start")


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}, 1 client, "
          f"8 s predict + 3 s healthz per row, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print("| round | http, loop | predict p50 ms | healthz p50 ms |")
    print("|---:|---|---:|---:|")
    for number in range(1, rounds + 1):
        for http, loop in IMPLEMENTATIONS:
            port = free_port()
            process = serve(http, loop, port)
            try:
                request, _ = digit_request("upload", "127.0.0.1", port)
                asyncio.run(load("127.0.0.1", port, request, 1, 1.0))  # warm-up
                predict = asyncio.run(load("127.0.0.1", port, request, 1, 8.0))
                health = asyncio.run(load("127.0.0.1", port, HEALTHZ, 1, 3.0))
            finally:
                process.terminate()
                process.wait(timeout=20)
            print(f"| {number} | {http}, {loop} | {1000 * np.median(predict.latencies):.2f} | "
                  f"{1000 * np.median(health.latencies):.3f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
