"""Real `airflow dags test` runs against an emulator served by the test process.

One AIRFLOW_HOME (SQLite, migrated once) per session; each run is a subprocess of the real
`airflow` CLI with the connections in its environment, so operators, templates, mapping, XCom and
retries behave as in a deployment. DAG files write what they saw to ``ENGAGE_TEST_OUT``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from tests.helpers import connection

DAG_FILES = Path(__file__).parent / "dag_files"
EXAMPLES = Path(__file__).parents[2] / "dags_examples"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
RUN_TIMEOUT = 240


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow-home")
    env = _airflow_env(home, DAG_FILES)
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=RUN_TIMEOUT)
    return home


@pytest.fixture(scope="session")
def dag_emulator() -> Iterator[EmulatorControl]:
    with running_emulator(seed=5) as url:
        control = EmulatorControl(url)
        yield control
        control.close()


def _airflow_env(home: Path, dags_folder: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), env.get("PYTHONPATH", "")]),
        }
    )
    return env


DagRunner = Callable[..., dict[str, Any]]


@pytest.fixture
def run_dag(airflow_home: Path, dag_emulator: EmulatorControl, tmp_path: Path) -> DagRunner:
    """Run one DAG with `airflow dags test`; returns what its tasks wrote to ENGAGE_TEST_OUT."""
    dag_emulator.reset()
    dag_emulator.clear_faults()

    def run(dag_id: str, *, logical_date: str | None = None, dags_folder: Path = DAG_FILES) -> dict[str, Any]:
        out = tmp_path / f"{dag_id}.json"
        env = _airflow_env(airflow_home, dags_folder)
        env["ENGAGE_TEST_OUT"] = str(out)
        env["AIRFLOW_CONN_ENGAGELAB_DEFAULT"] = connection(dag_emulator.base_url)
        env["AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT"] = connection(
            dag_emulator.base_url,
            "pai_engagement",
            login="demo-ak-id",
            password="demo-ak-secret",
            api_style="roa",
        )
        command = [AIRFLOW, "dags", "test", dag_id] + ([logical_date] if logical_date else [])
        done = subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
        )
        log = done.stdout + done.stderr
        if done.returncode != 0 or "state=success" not in log:
            raise AssertionError(f"airflow dags test {dag_id} failed ({done.returncode}):\n{log[-8000:]}")
        result: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
        result["_log"] = log
        return result

    return run
