"""A small client of Airflow 3's public REST API (``/api/v2``), authenticated as a real user.

The token comes from the simple auth manager (``POST /auth/token`` with the user's password, as
the UI's login form does) and is renewed when the API answers 401.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import requests

TIMEOUT = 30.0


class AirflowApi:
    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.session = requests.Session()
        self._token: str | None = None

    def token(self) -> str:
        response = self.session.post(
            f"{self.base_url}/auth/token",
            json={"username": self.username, "password": self._password},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        self._token = token
        return token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self._token is None:
            self.token()
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self._token}", **kwargs.pop("headers", {})}
            response = self.session.request(
                method, f"{self.base_url}{path}", headers=headers, timeout=TIMEOUT, **kwargs
            )
            if response.status_code == 401 and attempt == 0:
                self.token()
                continue
            return response
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.text[:2000]}")
        return response.json() if response.content else None

    # --- what the tests use ----------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        result: dict[str, Any] = self.json("GET", "/api/v2/version")
        return result

    def create_connection(self, connection_id: str, conn_type: str, **fields: Any) -> None:
        self.json(
            "POST",
            "/api/v2/connections",
            json={"connection_id": connection_id, "conn_type": conn_type, **fields},
        )

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        response = self.call("GET", f"/api/v2/dags/{dag_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def import_errors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.json("GET", "/api/v2/importErrors")["import_errors"]
        return result

    def trigger(
        self, dag_id: str, run_id: str, *, logical_date: str, interval: tuple[str, str]
    ) -> dict[str, Any]:
        body = {
            "dag_run_id": run_id,
            "logical_date": logical_date,
            "data_interval_start": interval[0],
            "data_interval_end": interval[1],
            "conf": {},
        }
        result: dict[str, Any] = self.json("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)
        return result

    def run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id)}")
        return result

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.json(
            "GET", f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id)}/taskInstances", params={"limit": 100}
        )["task_instances"]
        return result

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id)}/taskInstances/{task_id}"
        if map_index >= 0:
            path += f"/{map_index}"
        result: list[dict[str, Any]] = self.json("GET", f"{path}/tries")["task_instances"]
        return result

    def log(
        self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1
    ) -> list[dict[str, Any]]:
        """The whole log of one try, as the UI gets it: structured entries (``event``, ``level``, ...)."""
        response = self.call(
            "GET",
            f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id)}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true", "map_index": map_index},
            headers={"Accept": "application/json"},
        )
        if response.status_code >= 400:
            raise AssertionError(
                f"log of {task_id}[{map_index}] try {try_number}: "
                f"{response.status_code} {response.text[:500]}"
            )
        content = response.json()["content"]
        return [entry if isinstance(entry, dict) else {"event": str(entry)} for entry in content]

    def jobs(self, job_type: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.json(
            "GET", "/api/v2/jobs", params={"job_type": job_type, "limit": 100}
        )["jobs"]
        return result

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float, on_poll: Any = None) -> dict[str, Any]:
        """Poll the run until it ends; ``on_poll(task_instances)`` sees every poll's task instances."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(dag_id, run_id)
            if on_poll is not None:
                on_poll(self.task_instances(dag_id, run_id))
            if run["state"] in ("success", "failed"):
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"{dag_id} {run_id} still {run['state']} after {timeout:g} s")
            time.sleep(1.0)
