"""An offline EngageLab AppPush + PAI User Engagement server for tests, demos and DAG authors.

What an instance is started with (:class:`EmulatorConfig`, its :class:`Credentials`), and the two
ways to start one: ``running_emulator()`` serves one in a background thread for as long as a
``with`` block runs; ``emulator_process()`` serves one from a child process of its own (no shared
GIL)::

    with running_emulator(EmulatorConfig(start_time=..., frozen=True)) as url:
        ...  # point an Airflow connection's host at url

    with emulator_process(EmulatorConfig(seed=1)) as url:
        ...

The config is plain dataclasses, so the CLI, both helpers and tests build the same thing. The
CLI's flags are its fields kebab-cased (``max_schedules`` -> ``--max-schedules``, the
credentials' fields too); :meth:`EmulatorConfig.flags` writes a config back as those flags.

Import-light on purpose: FastAPI and uvicorn load only when an emulator is started in this
process, and :mod:`~airflow_provider_engage.emulator.process` only when its names are used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_provider_engage.engagelab_spec import UNEXPIRED_SCHEDULES_MAX

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


@dataclass(frozen=True)
class Credentials:
    """The secrets the emulated services accept; the defaults are the documented demo values."""

    app_key: str = "demo-app-key"
    master_secret: str = "demo-master-secret"
    pai_api_key: str = "demo-api-key"
    pai_ak_id: str = "demo-ak-id"
    pai_ak_secret: str = "demo-ak-secret"


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator instance needs; the CLI's flags are these fields, kebab-cased."""

    host: str = "127.0.0.1"
    port: int = 0
    credentials: Credentials = field(default_factory=Credentials)
    # The EngageLab app's main-site zone: zone_type 1 times are wall clock here.
    site_tz: str = "Asia/Shanghai"
    # Serve msg-ids in the pre-2024-02-22 shape {"count", "msgids": [id, ...]}.
    legacy_msgids: bool = False
    # Answer GET /v4/schedules/{id} with a one-element array, as the vendor SDKs type it.
    get_as_array: bool = False
    # Requests per second per AppKey / per PAI key; 0 turns the limit off.
    engagelab_qps: float = 500.0
    pai_qps: float = 100.0
    # Calls per second per AppKey on each push-plan query endpoint (the plan list, msg ids by
    # plan); over it they answer 3010. 0, the default, turns it off: the service names no figure.
    plan_query_qps: float = 0.0
    max_schedules: int = UNEXPIRED_SCHEDULES_MAX
    # The AppKey lacks the push-plan permission: push plans answer 21004, msg ids by plan 23001.
    no_plan_permission: bool = False
    # sqlite file that keeps state across restarts; None keeps everything in memory.
    db: Path | None = None
    # Where the emulated clock starts, and whether it stands still; None means real time.
    start_time: datetime | None = None
    frozen: bool = False
    # Seed for everything random the emulator does (ids, fault draws, statistics).
    seed: int | None = None
    # How often (real seconds) the background task fires what has come due.
    fire_interval: float = 0.5

    def flags(self) -> list[str]:
        """The ``engage-emulator`` flags that start this config: ``--host`` and ``--port`` always,
        any other field only where it differs from the default.
        """
        found = [f"--host={self.host}", f"--port={self.port}"]
        defaults = EmulatorConfig()
        values = {**dataclasses.asdict(self.credentials), **_fields(self)}
        default_values = {**dataclasses.asdict(defaults.credentials), **_fields(defaults)}
        for name, value in values.items():
            if name in ("host", "port") or value == default_values[name]:
                continue
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                found.append(flag)  # every switch is off by default
            elif isinstance(value, datetime):
                found.append(f"{flag}={value.isoformat()}")
            elif value is not None:
                found.append(f"{flag}={value}")
        return found


def _fields(config: EmulatorConfig) -> dict[str, object]:
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "credentials"}


@contextmanager
def running_emulator(config: EmulatorConfig | None = None, **fields: Any) -> Iterator[str]:
    """Serve an emulator on loopback (a free port unless the config names one); yields its base URL.

    ``fields`` override the config's fields: ``running_emulator(frozen=True, seed=1)``.
    """
    from airflow_provider_engage.emulator.server import EmulatorServer

    config = dataclasses.replace(config or EmulatorConfig(), **fields)
    with EmulatorServer(config) as server:
        yield server.url
