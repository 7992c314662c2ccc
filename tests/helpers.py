"""Small helpers tests share: connections from env, a task-instance stand-in, request counts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_engage.emulator.client import EmulatorControl


def connection(
    url: str,
    conn_type: str = "engagelab",
    *,
    login: str | None = "demo-app-key",
    password: str | None = "demo-master-secret",
    **extra: Any,
) -> str:
    """An Airflow connection (JSON for ``AIRFLOW_CONN_<ID>``) with fast retries for tests."""
    extra.setdefault("max_retries", 2)
    extra.setdefault("retry_min_wait", 0.01)
    extra.setdefault("retry_max_wait", 0.05)
    return json.dumps(
        {
            "conn_type": conn_type,
            "login": login,
            "password": password,
            "host": url,
            "extra": extra,
        }
    )


@dataclass
class TaskInstanceStandIn:
    """The few task-instance attributes operators read, for `execute()` outside a DAG run.

    DAG-level tests (tests/dags) run the same operators through real `airflow dags test`.
    """

    dag_id: str = "campaign"
    task_id: str = "create"
    run_id: str = "manual__2026-11-23T00:00:00+00:00"
    map_index: int = -1
    try_number: int = 1
    xcom: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        json.dumps(value)  # XCom values must be JSON; fail here as Airflow 3 would
        self.xcom[key] = value


def service_requests(control: EmulatorControl) -> dict[str, dict[str, int]]:
    """Requests the emulated services saw, per route and status, the control API left out."""
    return {
        route: statuses
        for route, statuses in control.state()["requests"].items()
        if "/_emulator" not in route
    }


class FakeClock:
    """A monotonic clock a test moves: ``clock()`` reads it, ``clock.sleep(s)`` records and advances."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
