"""A hostile HTTP server: whatever is asked, it answers the one :class:`Answer` it is told to.

Stdlib only (``http.server`` in a thread), on 127.0.0.1, every socket with a timeout, stopped
when its ``with`` block ends. It can answer what a proxy, a broken gateway or a buggy service
sends: any status, body and content type, a ``Content-Length`` larger than the body, a chunked
body cut off mid-way, a page that quotes the request's headers, or bytes that are not HTTP.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar


@dataclass(frozen=True)
class Answer:
    """What the server sends back; ``cut`` says how the answer breaks, if it does."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json"
    cut: str | None = None  # "short" (Content-Length says more than comes), "chunk" (chunked, cut off), "raw"
    echo_headers: bool = False  # the body goes on with the request's headers, as some proxies' pages do


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a stuck client cannot hold a thread for long
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests += 1
        answer = self.server.answer
        if answer.cut == "raw":
            self.wfile.write(answer.body)
            self._hang_up()
            return
        body = answer.body
        if answer.echo_headers:
            body = "".join(f"{name}: {value}\n" for name, value in self.headers.items()).encode() + body
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        if answer.cut == "chunk":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(f"{len(body):x}\r\n".encode() + body[: len(body) // 2])
            self._hang_up()
            return
        self.send_header("Content-Length", str(len(body) + (1000 if answer.cut == "short" else 0)))
        self.end_headers()
        self.wfile.write(body)
        if answer.cut == "short":
            self._hang_up()

    def _hang_up(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a campaign sends thousands."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    answer: Answer = Answer()
    requests: int = 0


class HostileServer:
    """``with HostileServer() as server``: its ``url``; set ``server.answer`` before each call."""

    HOST: ClassVar[str] = "127.0.0.1"

    def __init__(self) -> None:
        self._server = _Server((self.HOST, 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.HOST}:{self._server.server_address[1]}"

    @property
    def answer(self) -> Answer:
        return self._server.answer

    @answer.setter
    def answer(self, answer: Answer) -> None:
        self._server.answer = answer

    @property
    def requests(self) -> int:
        return self._server.requests

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
