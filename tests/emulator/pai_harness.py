"""A PAI-only emulator on a loopback port, and helpers the PAI emulator tests share.

Stands in until the emulator core's ``running_emulator`` fixture serves the whole app; it mounts
exactly the router ``create_app`` mounts, so the tests speak real HTTP either way.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import requests
import uvicorn
from fastapi import FastAPI

from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.config import Credentials
from airflow_provider_engage.emulator.pai import PaiBackend
from airflow_provider_engage.emulator.pai_routes import build_router
from airflow_provider_engage.hooks._acs3 import sign_request

CREDENTIALS = Credentials()
START = datetime(2024, 11, 30, 0, 0, 0, tzinfo=UTC)  # 2024-11-30 08:00:00 UTC+8
TIMEOUT = 10


@dataclass
class PaiEmulator:
    """A running server, its backend and its clock."""

    url: str
    host: str
    backend: PaiBackend
    clock: Clock

    def advance(self, seconds: float) -> None:
        """Move the emulated clock and fire what has come due, as ``POST /_emulator/clock`` does."""
        self.backend.fire_due(self.clock.advance(seconds))

    def gateway(self, payload: bytes, authorization: str | None) -> requests.Response:
        """A raw POST to the seed's CreateSchedule endpoint."""
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        return requests.post(
            f"{self.url}/api/PaiPlugin/2022-01-12/CreateSchedule",
            data=payload,
            headers=headers,
            timeout=TIMEOUT,
        )

    def gateway_create(self, body: Any, *, key: str | None = CREDENTIALS.pai_api_key) -> requests.Response:
        """CreateSchedule the seed's way: ``{"body": ...}`` with ``Bearer <key>``."""
        return self.gateway(json.dumps({"body": body}).encode(), None if key is None else f"Bearer {key}")

    def roa(
        self,
        method: str,
        path: str,
        action: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: bytes = b"",
        secret: str = CREDENTIALS.pai_ak_secret,
        sent_body: bytes | None = None,
        **sign_args: Any,
    ) -> requests.Response:
        """One ACS3-signed ROA request, built the way the provider's hook builds it.

        ``sent_body`` replaces the signed body on the wire (a tampering test).
        """
        query_text = {k: str(v) for k, v in (query or {}).items()}
        signed = sign_request(
            method=method,
            host=self.host,
            path=path,
            query=query_text,
            body=body,
            action=action,
            access_key_id=sign_args.pop("access_key_id", CREDENTIALS.pai_ak_id),
            access_key_secret=secret,
            content_type="application/json" if body else None,
            **sign_args,
        )
        url = f"{self.url}{path}"
        if query_text:
            url += "?" + urlencode(query_text, quote_via=quote)
        wire = body if sent_body is None else sent_body
        return requests.request(method, url, data=wire or None, headers=signed, timeout=TIMEOUT)


@contextmanager
def running_pai_emulator(seed: int = 7) -> Iterator[PaiEmulator]:
    clock = Clock(START, frozen=True)
    backend = PaiBackend(clock, seed=seed)
    app = FastAPI()
    app.include_router(build_router(backend, CREDENTIALS))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the PAI emulator did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield PaiEmulator(
            url=f"http://127.0.0.1:{port}", host=f"127.0.0.1:{port}", backend=backend, clock=clock
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
