"""What the PAI emulator tests share: the emulator on a known frozen clock, and request helpers.

Built on the session emulator from ``conftest.py`` (reset before each test), so every request
goes over real HTTP through the same middleware users meet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from airflow_provider_engage.acs3 import sign_request
from airflow_provider_engage.emulator import Credentials
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.pai.models import PaiBackend
from airflow_provider_engage.emulator.server import EmulatorServer

CREDENTIALS = Credentials()
START = datetime(2024, 11, 30, 0, 0, 0, tzinfo=UTC)  # 2024-11-30 08:00:00 UTC+8
TIMEOUT = 10


@dataclass
class PaiEmulator:
    """The running emulator seen from the PAI side: its URL, its PAI backend, its control API."""

    url: str
    backend: PaiBackend
    control: EmulatorControl

    @classmethod
    def frozen_at_start(cls, control: EmulatorControl, server: EmulatorServer) -> PaiEmulator:
        """The (already reset) emulator with its clock frozen at :data:`START`."""
        control.set_clock(START, frozen=True)
        return cls(url=server.url, backend=server.emulator.pai, control=control)

    @property
    def host(self) -> str:
        """The ``Host`` header a client sends (``127.0.0.1:<port>``), which ACS3 signs."""
        return urlsplit(self.url).netloc

    def advance(self, seconds: float) -> None:
        """Move the emulated clock; what came due has fired when this returns."""
        self.control.advance(seconds)

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
