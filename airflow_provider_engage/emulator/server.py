"""Runs the emulator app under uvicorn: in a background thread (tests) or in the foreground (CLI).

The listening socket is bound before uvicorn starts, so ``port=0`` yields the real port at once.
A protocol subclass records each connection's transport in the emulator's
:class:`~airflow_provider_engage.emulator.traffic.ConnectionRegistry`; that is how the "drop" faults
close a connection without any HTTP answer.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from airflow_provider_engage.emulator import EmulatorConfig
from airflow_provider_engage.emulator.app import Emulator, create_app
from airflow_provider_engage.emulator.traffic import ConnectionRegistry

STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 10.0


def _peer(transport: asyncio.BaseTransport) -> tuple[str, int] | None:
    info = transport.get_extra_info("peername")
    return (str(info[0]), int(info[1])) if isinstance(info, tuple) and len(info) >= 2 else None


def _tracking_protocol(registry: ConnectionRegistry) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, telling ``registry`` when a connection opens and closes."""
    base: Any = AutoHTTPProtocol

    class TrackingProtocol(base):  # type: ignore[misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._engage_peer = _peer(transport)
            if self._engage_peer is not None:
                registry.opened(self._engage_peer, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._engage_peer is not None:
                registry.closed(self._engage_peer)
            super().connection_lost(exc)

    return TrackingProtocol


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


class EmulatorServer:
    """One emulator listening on ``config.host``/``config.port``; ``url`` is its base URL."""

    def __init__(self, config: EmulatorConfig | None = None, *, log_level: str = "warning") -> None:
        self.config = config or EmulatorConfig()
        self.app = create_app(self.config)
        self.emulator: Emulator = self.app.state.emulator
        self._socket = _bind(self.config.host, self.config.port)
        self.port: int = self._socket.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                http=_tracking_protocol(self.emulator.connections),
                log_level=log_level,
                access_log=log_level in ("debug", "info"),
                lifespan="on",
                date_header=False,  # the middleware dates answers by the emulated clock
                timeout_graceful_shutdown=2,
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (Ctrl-C / SIGTERM)."""
        self._server.run(sockets=[self._socket])

    def start(self) -> str:
        """Serve from a background thread; answers the base URL once requests are accepted."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="engage-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(SHUTDOWN_TIMEOUT)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(SHUTDOWN_TIMEOUT)
            self._thread = None
        self._socket.close()
        if self.emulator.store is not None:
            self.emulator.store.close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
