"""Importing the sensors (what DAG parsing does) stays light: hooks, HTTP clients and the triggers
load when a task runs or defers."""

from __future__ import annotations

from tests.unit.operators.test_operators_import import _loaded_after

TRIGGERS = (
    "airflow_provider_engage.triggers.engagelab",
    "airflow_provider_engage.triggers.pai",
    "airflow_provider_engage.triggers.deferral",
    "airflow_provider_engage.triggers.events",
)


def test_importing_the_sensors_loads_no_hook_no_trigger_and_no_http_client() -> None:
    airflow_alone = _loaded_after(
        "from airflow.providers.common.compat.sdk import "
        "AirflowException, AirflowFailException, BaseSensorOperator, BaseOperatorLink, XCom"
    )
    probe = "import airflow_provider_engage.sensors.engagelab, airflow_provider_engage.sensors.pai"

    assert _loaded_after(probe) - airflow_alone == set()
    assert _loaded_after(probe, TRIGGERS) == set()
