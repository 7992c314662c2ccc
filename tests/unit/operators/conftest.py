"""Operators run against a real emulator over HTTP, through an `engagelab` connection from env."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from tests.helpers import TaskInstanceStandIn, connection


@pytest.fixture(scope="module")
def emulator_base_url() -> Iterator[str]:
    with running_emulator(seed=11) as url:
        yield url


@pytest.fixture
def emulator(emulator_base_url: str) -> Iterator[EmulatorControl]:
    control = EmulatorControl(emulator_base_url)
    control.reset()
    control.clear_faults()
    yield control
    control.close()


@pytest.fixture
def engagelab_conn(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> EmulatorControl:
    """An `engagelab_default` connection pointing at the emulator (site zone Asia/Shanghai)."""
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(emulator.base_url))
    return emulator


@pytest.fixture
def roa(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> EmulatorControl:
    """A `pai_engagement_default` connection, roa style, pointing at the emulator."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT",
        connection(
            emulator.base_url,
            "pai_engagement",
            login="demo-ak-id",
            password="demo-ak-secret",
            api_style="roa",
        ),
    )
    return emulator


@pytest.fixture
def ti() -> TaskInstanceStandIn:
    return TaskInstanceStandIn()
