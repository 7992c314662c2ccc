"""Importing the operators (what DAG parsing does) stays light: hooks, HTTP clients load when a task runs."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "airflow_provider_engage.hooks.engagelab",
    "airflow_provider_engage.hooks.pai",
    "airflow_provider_engage.hooks.transport",
    "requests",
    "aiohttp",
    "tenacity",
)


def _loaded_after(statement: str, watched: tuple[str, ...] = HEAVY) -> set[str]:
    probe = f"import json, sys; {statement}; print(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_operators_loads_no_hook_and_no_http_client() -> None:
    # Whatever Airflow itself loads (2.11 imports requests and tenacity) is not the operators' doing.
    airflow_alone = _loaded_after(
        "from airflow.providers.common.compat.sdk import "
        "AirflowException, AirflowFailException, BaseOperator, BaseOperatorLink, XCom"
    )
    operators = _loaded_after(
        "import airflow_provider_engage.operators.engagelab, airflow_provider_engage.operators.pai"
    )

    assert operators - airflow_alone == set()
