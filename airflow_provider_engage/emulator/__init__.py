"""An offline EngageLab AppPush + PAI User Engagement server for tests, demos and DAG authors.

``running_emulator()`` serves one in a background thread for as long as a ``with`` block runs::

    with running_emulator(EmulatorConfig(start_time=..., frozen=True)) as url:
        ...  # point an Airflow connection's host at url

Import-light on purpose: FastAPI and uvicorn load only when an emulator is started.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from airflow_provider_engage.emulator.config import Credentials, EmulatorConfig

__all__ = ["Credentials", "EmulatorConfig", "running_emulator"]


@contextmanager
def running_emulator(config: EmulatorConfig | None = None, **fields: Any) -> Iterator[str]:
    """Serve an emulator on loopback (a free port unless the config names one); yields its base URL.

    ``fields`` override the config's fields: ``running_emulator(frozen=True, seed=1)``.
    """
    from dataclasses import replace

    from airflow_provider_engage.emulator.server import EmulatorServer

    config = replace(config or EmulatorConfig(), **fields)
    with EmulatorServer(config) as server:
        yield server.url
