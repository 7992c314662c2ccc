"""What the hook tests share: a loopback HTTP server, connections from env, recorded sleeps.

Nothing here sleeps for real: the transport's ``_sleep`` is replaced by a recorder, so retry
tests assert the waits the policy chose and stay fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_engage.hooks.transport import EngageAsyncHook, EngageSyncHook

ConnFactory = Callable[..., str]
Said = Callable[[BaseException], str]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses the retry loop asked for, in order, sync or async (nothing actually sleeps)."""
    recorded: list[float] = []

    async def record(self: EngageAsyncHook, seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(EngageSyncHook, "_sleep", lambda self, seconds: recorded.append(seconds))
    monkeypatch.setattr(EngageAsyncHook, "_sleep", record)
    return recorded


@pytest.fixture
def everything_said(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> Said:
    """All a failure left behind: the logs (DEBUG up), the output, the error's text and attributes,
    and the traceback Airflow would print. Secrets must be in none of it."""
    caplog.set_level(logging.DEBUG)

    def said(error: BaseException) -> str:
        output = capfd.readouterr()
        return "\n".join(
            [
                caplog.text,
                output.out,
                output.err,
                str(error),
                repr(error),
                repr(vars(error)),
                "".join(traceback.format_exception(error)),
            ]
        )

    return said


@pytest.fixture
def make_conn(monkeypatch: pytest.MonkeyPatch) -> ConnFactory:
    """Define an Airflow connection through ``AIRFLOW_CONN_<ID>`` JSON; returns its id."""

    def make(
        conn_id: str,
        conn_type: str,
        *,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> str:
        data = {"conn_type": conn_type, "host": host, "login": login, "password": password, "extra": extra}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(data))
        return conn_id

    return make


class DroppingServer:
    """Reads each request whole, counts it, then closes the socket without answering.

    What a client sees when a proxy or the service dies after the request arrived: the request
    may have taken effect, and no answer says whether it did.
    """

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.requests: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._socket.accept()
            except OSError:
                return
            with client:
                self.requests.append(_read_request(client))

    def close(self) -> None:
        self._socket.close()


def _read_request(client: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@pytest.fixture
def dropping_server() -> Iterator[DroppingServer]:
    server = DroppingServer()
    yield server
    server.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class EitherHook:
    """One vendor's sync or async hook, called the same way, so one test specifies both.

    ``sync``: the sync hook's methods as they are. ``async``: each call runs in its own event
    loop on a fresh async hook of the same connection (what one trigger does), closed after.
    """

    def __init__(self, kind: str, sync_hook: Any, make_async: Callable[[], Any]) -> None:
        self.kind = kind
        self.sync_hook = sync_hook
        self._make_async = make_async

    def __getattr__(self, name: str) -> Any:
        if self.kind == "sync":
            return getattr(self.sync_hook, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            async def once() -> Any:
                hook = self._make_async()
                try:
                    return await getattr(hook, name)(*args, **kwargs)
                finally:
                    await hook.close()

            return asyncio.run(once())

        return call
