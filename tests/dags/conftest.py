"""Real `airflow dags test` runs against an emulator, through the project's own test kit.

The pytest plugin `airflow_provider_engage.testing` (what users of the provider get too) gives
the emulator (`engage_emulator`, emptied before each test) and `airflow_dags_test`: each run is
a subprocess of the real `airflow` CLI with the emulator's connections in its environment, so
operators, sensors, triggers, templates, mapping, XCom and retries behave as in a deployment.
The DAG files here write what they saw to ``ENGAGE_TEST_OUT``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_engage.testing import DagsTest, EngageEmulator

DAG_FILES = Path(__file__).parent / "dag_files"
EXAMPLES = Path(__file__).parents[2] / "dags_examples"
RUN_TIMEOUT = 240


@pytest.fixture
def dag_emulator(engage_emulator: EngageEmulator) -> EngageEmulator:
    return engage_emulator


DagRunner = Callable[..., dict[str, Any]]


@pytest.fixture
def run_dag(airflow_dags_test: DagsTest, tmp_path: Path) -> DagRunner:
    """Run one DAG with `airflow dags test`; returns what its tasks wrote to ENGAGE_TEST_OUT."""

    def run(
        dag_id: str,
        *,
        logical_date: str | None = None,
        dags_folder: Path = DAG_FILES,
        env: dict[str, str] | None = None,
        conf: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        out = tmp_path / f"{dag_id}.json"
        project = str(Path(__file__).parents[2])
        env = {
            "ENGAGE_TEST_OUT": str(out),
            "PYTHONPATH": os.pathsep.join([project, os.environ.get("PYTHONPATH", "")]),
            **(env or {}),
        }
        done = airflow_dags_test(
            dag_id,
            dags_folder=dags_folder,
            logical_date=logical_date,
            env=env,
            conf=conf,
            timeout=RUN_TIMEOUT,
        )
        if not done.succeeded:
            raise AssertionError(
                f"airflow dags test {dag_id} failed ({done.returncode}):\n{done.log[-8000:]}"
            )
        result: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
        result["_log"] = done.log
        return result

    return run
