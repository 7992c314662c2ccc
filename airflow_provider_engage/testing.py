"""A pytest plugin for testing campaign DAGs offline, the way ``moto`` serves AWS users.

Installed with the package (entry point ``pytest11``) and active where the ``emulator`` extra is
installed (FastAPI and uvicorn); elsewhere it registers nothing. Fixtures:

* ``engage_emulator``: an emulator of both services on a free loopback port (one per test
  session, emptied before each test), the Airflow connections ``engagelab_default`` and
  ``pai_engagement_default`` (roa style) pointing at it, and its clock, faults and state through a
  small Python API (:class:`EngageEmulator`).
* ``engage_emulator_config``: the :class:`~airflow_provider_engage.emulator.EmulatorConfig` it
  starts with; override it in your ``conftest.py`` (a frozen start time, legacy answers ...).
* ``airflow_dags_test``: runs ``airflow dags test`` on a DAG of yours in a subprocess (real task
  runner, real triggers), with an Airflow home of its own (SQLite, migrated once a session) and
  the emulator's connections: :class:`DagsTest`.

See ``docs/testing.md`` for a complete example.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_engage.emulator import Credentials, EmulatorConfig
from airflow_provider_engage.emulator.client import EmulatorControl

__all__ = ["DagTestResult", "DagsTest", "EngageEmulator"]

EMULATOR_EXTRA = ("fastapi", "uvicorn")
AVAILABLE = all(importlib.util.find_spec(module) is not None for module in EMULATOR_EXTRA)
DAGS_TEST_TIMEOUT = 300.0


class EngageEmulator(EmulatorControl):
    """The emulator a test talks to: its URL, connections, and the control API's clock, faults,
    state and reset (:class:`~airflow_provider_engage.emulator.client.EmulatorControl`)."""

    def __init__(self, base_url: str, credentials: Credentials) -> None:
        super().__init__(base_url)
        self.credentials = credentials

    @property
    def url(self) -> str:
        return self.base_url

    @contextlib.contextmanager
    def hold_clock(
        self,
        instant: datetime,
        *,
        until: Callable[[dict[str, Any]], bool],
        poll_interval: float = 0.2,
        release_at: datetime | None = None,
    ) -> Iterator[None]:
        """Keep the clock frozen at ``instant`` until ``until(state())`` holds, then let it run with
        real time from there: a DAG run takes what it takes to start, and what it schedules for
        just after ``instant`` is still ahead when it is created. With ``release_at`` the clock
        jumps there instead when released (hours passing while a deferred sensor sleeps)."""
        self.set_clock(instant, frozen=True)
        stop, failures = threading.Event(), []

        def watch() -> None:
            watcher = EmulatorControl(self.base_url)  # a session of its own for this thread
            try:
                while not stop.wait(poll_interval):
                    if until(watcher.state()):
                        watcher.set_clock(release_at or instant, frozen=False)
                        return
            except Exception as err:
                failures.append(err)
            finally:
                watcher.close()

        thread = threading.Thread(target=watch, name="engage-hold-clock", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        if failures:
            raise failures[0]

    def connections(self) -> dict[str, str]:
        """``AIRFLOW_CONN_*`` variables for both services (fast retries, for tests)."""
        retries = {"max_retries": 2, "retry_min_wait": 0.05, "retry_max_wait": 1}
        creds = self.credentials
        engagelab = {"conn_type": "engagelab", "host": self.url, "login": creds.app_key}
        pai = {"conn_type": "pai_engagement", "host": self.url, "login": creds.pai_ak_id}
        return {
            "AIRFLOW_CONN_ENGAGELAB_DEFAULT": json.dumps(
                {**engagelab, "password": creds.master_secret, "extra": retries}
            ),
            "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT": json.dumps(
                {**pai, "password": creds.pai_ak_secret, "extra": {**retries, "api_style": "roa"}}
            ),
        }


@dataclass(frozen=True)
class DagTestResult:
    """What ``airflow dags test`` did: its exit code and log (stdout and stderr)."""

    dag_id: str
    returncode: int
    log: str

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and "state=success" in self.log


@dataclass
class DagsTest:
    """Runs ``airflow dags test`` with an Airflow home of its own and the emulator's connections."""

    home: Path
    connections: Mapping[str, str]
    airflow: str = field(default_factory=lambda: str(Path(sys.executable).with_name("airflow")))

    def env(self, dags_folder: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                **self.connections,
                **(extra or {}),
            }
        )
        return env

    def migrate(self) -> None:
        command = [self.airflow, "db", "migrate"]
        env = self.env(self.home)
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)  # noqa: S603 (our airflow)

    def __call__(
        self,
        dag_id: str,
        *,
        dags_folder: Path | str,
        logical_date: str | None = None,
        env: Mapping[str, str] | None = None,
        conf: Mapping[str, object] | None = None,
        timeout: float = DAGS_TEST_TIMEOUT,
    ) -> DagTestResult:
        command = [self.airflow, "dags", "test", dag_id, *([logical_date] if logical_date else [])]
        if conf is not None:  # the run's conf: what a DAG's params take, as a trigger's form gives them
            command += ["--conf", json.dumps(conf)]
        done = subprocess.run(  # noqa: S603 (the venv's own airflow, the test's arguments)
            command,
            env=self.env(Path(dags_folder), env),
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return DagTestResult(dag_id, done.returncode, done.stdout + done.stderr)


if AVAILABLE:

    @pytest.fixture(scope="session")
    def engage_emulator_config() -> EmulatorConfig:
        """The emulator's settings; override this fixture to change them (it must stay on loopback)."""
        return EmulatorConfig(seed=1)

    @pytest.fixture(scope="session")
    def _engage_emulator_server(engage_emulator_config: EmulatorConfig) -> Iterator[EngageEmulator]:
        from airflow_provider_engage.emulator import running_emulator

        config = replace(engage_emulator_config, host="127.0.0.1", port=0)
        with running_emulator(config) as url:
            control = EngageEmulator(url, config.credentials)
            yield control
            control.close()

    @pytest.fixture
    def engage_emulator(
        _engage_emulator_server: EngageEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> EngageEmulator:
        """An empty emulator (state, faults and clock reset), and the connections set to it."""
        _engage_emulator_server.reset()
        _engage_emulator_server.clear_faults()
        for name, value in _engage_emulator_server.connections().items():
            monkeypatch.setenv(name, value)
        return _engage_emulator_server

    @pytest.fixture(scope="session")
    def _airflow_dags_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
        home = tmp_path_factory.mktemp("airflow-home")
        DagsTest(home, {}).migrate()
        return home

    @pytest.fixture
    def airflow_dags_test(_airflow_dags_home: Path, engage_emulator: EngageEmulator) -> DagsTest:
        """``airflow_dags_test(dag_id, dags_folder=..., logical_date=...)`` against the emulator."""
        return DagsTest(_airflow_dags_home, engage_emulator.connections())
