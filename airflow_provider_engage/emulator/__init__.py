"""An offline EngageLab AppPush + PAI User Engagement server for tests, demos and DAG authors.

``running_emulator()`` serves one in a background thread for as long as a ``with`` block runs;
``emulator_process()`` serves one from a child process of its own (no shared GIL)::

    with running_emulator(EmulatorConfig(start_time=..., frozen=True)) as url:
        ...  # point an Airflow connection's host at url

    with emulator_process(EmulatorConfig(seed=1)) as url:
        ...

Import-light on purpose: FastAPI and uvicorn load only when an emulator is started in this
process, and :mod:`~airflow_provider_engage.emulator.process` only when its names are used.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from airflow_provider_engage.emulator.config import Credentials, EmulatorConfig

if TYPE_CHECKING:
    from airflow_provider_engage.emulator.process import (
        EmulatorProcess,
        EmulatorStartError,
        emulator_process,
    )

__all__ = [
    "Credentials",
    "EmulatorConfig",
    "EmulatorProcess",
    "EmulatorStartError",
    "emulator_process",
    "running_emulator",
]

_FROM_PROCESS = frozenset({"EmulatorProcess", "EmulatorStartError", "emulator_process"})


def __getattr__(name: str) -> Any:
    if name in _FROM_PROCESS:
        from airflow_provider_engage.emulator import process

        return getattr(process, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
