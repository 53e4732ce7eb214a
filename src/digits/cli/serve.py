"""``digits serve``: the HTTP API and web page on one port.

FastAPI and uvicorn are imported only when the command runs, so ``digits
--help`` and the other commands start without them.
"""

from __future__ import annotations

import argparse
import socket

from digits.errors import InputError
from digits.models.pretrained import SHIPPED_MODEL

DEFAULT_PORT = 8000
DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_MAX_BODY_MB = 10.0
DEFAULT_THREADS = 2


def add_serve_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``digits serve`` to ``sub``, the ``add_subparsers()`` object of the ``digits`` parser."""
    from digits.cli import _add_offered_models, _positive_int, _probability, int_in  # digits.cli imports us

    p = sub.add_parser("serve", help="serve the HTTP API (/v1/predict, /v1/read, /docs) and the drawing page at /")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument(
        "--port",
        type=int_in(0, 65535, "a port number from 0 to 65535"),
        default=DEFAULT_PORT,
        help=f"port; 0 picks a free one (default: {DEFAULT_PORT})",
    )
    _add_offered_models(p, "the default")
    p.add_argument(
        "--min-confidence",
        type=_probability,
        default=DEFAULT_MIN_CONFIDENCE,
        metavar="P",
        help=f"default for requests: answers less confident than P are rejected, 'not sure' "
        f"(default: {DEFAULT_MIN_CONFIDENCE})",
    )
    p.add_argument(
        "--max-body-mb",
        type=_positive_float,
        default=DEFAULT_MAX_BODY_MB,
        metavar="MB",
        help=f"largest request body accepted, in MiB; larger ones get 413 (default: {DEFAULT_MAX_BODY_MB:g})",
    )
    p.add_argument(
        "--threads",
        type=_positive_int,
        default=DEFAULT_THREADS,
        help=f"requests recognized at the same time; the others wait (default: {DEFAULT_THREADS})",
    )
    p.add_argument(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN (e.g. https://example.org) call the API; repeatable (default: none, CORS off)",
    )
    p.add_argument("--access-log", action="store_true", help="log every request on stderr (default: off)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Load the models, listen, print the address and serve until interrupted."""
    import uvicorn

    from digits.serve import ServeConfig, create_app

    config = ServeConfig(
        models=tuple(str(m) for m in args.models) or (SHIPPED_MODEL,),
        runtime=args.runtime,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        min_confidence=args.min_confidence,
        inference_threads=args.threads,
        cors_origins=tuple(args.cors_origins),
    )
    app = create_app(config)
    sock = _listen(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    names = ", ".join(app.state.catalogue.names)
    print(f"digits: serving {names} on http://{shown}:{port}/ (API docs: http://{shown}:{port}/docs)", flush=True)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="info" if args.access_log else "warning", access_log=args.access_log)
    )
    server.run(sockets=[sock])
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """A bound TCP socket on ``host``:``port``; InputError with the reason when that fails."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto given explicitly: asyncio sets TCP_NODELAY only on IPPROTO_TCP sockets (else 40 ms Nagle stalls)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"Cannot listen on {host}:{port} ({exc.strerror}); choose another --port or --host.") from exc
    sock.set_inheritable(True)
    return sock


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value
