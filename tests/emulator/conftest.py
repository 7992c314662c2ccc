"""One emulator for the whole test session, reset before every test that asks for it.

- ``emulator_url``: the base URL of a freshly reset emulator (real-time clock, default limits).
- ``emulator``: an :class:`EmulatorControl` for the same emulator (``reset``, ``set_clock``,
  ``advance``, ``faults``, ``state``), also reset before the test.
- ``emulator_server``: the running :class:`EmulatorServer`, to reach its backends directly.

Tests that need other flags (legacy msg-ids, ``--db`` ...) start their own with
``running_emulator(...)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_engage.emulator import EmulatorConfig
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.server import EmulatorServer

APP_KEY, MASTER_SECRET = "demo-app-key", "demo-master-secret"
ENGAGELAB_AUTH = (APP_KEY, MASTER_SECRET)


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
