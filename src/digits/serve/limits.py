"""A request-body size limit as a pure ASGI middleware.

A declared ``Content-Length`` over the limit is answered 413 before any of
the body is read. A body without one (chunked) is counted as it streams in:
the first chunk past the limit raises :class:`BodyTooLargeError`, a 413 HTTP
error, so the application stops reading and answers 413 whatever it was
doing. Either way the connection is closed after the answer, so the rest of
the body is never read.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(HTTPException):
    """The request body is larger than the server accepts (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than this server's limit of {limit:,} bytes. "
            "Send a smaller image (a digit needs far fewer bytes).",
        )


class BodyLimitMiddleware:
    """Refuse HTTP request bodies over ``max_bytes`` with a 413 JSON ``{"detail": ...}``.

    Parameters
    ----------
    app : ASGI application
    max_bytes : int
        Largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_json(send, 413, BodyTooLargeError(self.max_bytes).detail)
            return
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLargeError(self.max_bytes)
            return message

        async def closing_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if exceeded:  # the rest of the body is never read: close the connection after answering
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, counting_receive, closing_send)
        except BodyTooLargeError as exc:  # raised where no handler turned it into a response
            if started:
                raise
            await _send_json(send, 413, exc.detail)


def _content_length(scope: Scope) -> int | None:
    """The request's declared ``Content-Length``; None when absent or not a number (then bytes are counted)."""
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send: Send, status: int, detail: Any) -> None:
    """Send a complete JSON response ``{"detail": detail}`` that closes the connection."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
