"""One emulator for the whole test session, reset before every test that asks for it.

- ``emulator_url``: the base URL of a freshly reset emulator (real-time clock, default limits).
- ``emulator``: an :class:`EmulatorControl` for the same emulator (``reset``, ``set_clock``,
  ``advance``, ``faults``, ``state``), also reset before the test.
- ``emulator_server``: the running :class:`EmulatorServer`, to reach its backends directly.
- ``api``: an EngageLab client (``engagelab_harness.Api``) with the clock frozen at ``START``
  (2025-01-01 00:00 UTC, 08:00 in the default site zone).

Tests that need other flags (legacy msg-ids, ``--db`` ...) start their own with
``running_emulator(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from engagelab_harness import START, Api

from airflow_provider_engage.emulator import EmulatorConfig
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.server import EmulatorServer


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorConfig(seed=7)) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> Iterator[EmulatorControl]:
    control = EmulatorControl(emulator_server.url)
    control.reset()
    yield control
    control.close()


@pytest.fixture
def emulator_url(emulator: EmulatorControl) -> str:
    return emulator.base_url


@pytest.fixture
def api(emulator: EmulatorControl, emulator_url: str) -> Api:
    emulator.set_clock(START)
    return Api(emulator_url)
