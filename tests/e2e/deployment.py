"""One Airflow 3 deployment: its configuration, its components as separate processes, its API.

Everything of one deployment lives under one folder (``AIRFLOW_HOME``, the DAGs folder, the
components' output, the servers' data) and runs in the network namespace the test session was
started in (``tests/e2e/run.py``). The components are the real CLI commands (`airflow
scheduler`, `dag-processor`, `triggerer`, `api-server`, `celery worker`), never `airflow
standalone`, configured through ``AIRFLOW__*`` variables only.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.api import AirflowApi
from tests.e2e.processes import Service, stop_all, wait_until
from tests.e2e.servers import port_open

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
ADMIN = "admin"


@dataclass(frozen=True)
class Ports:
    """The loopback ports of one deployment, chosen by the runner among those free on the host."""

    api: int
    emulator: int
    postgres: int
    redis: int
    worker_logs: tuple[int, ...]
    trigger_logs: tuple[int, ...]

    @classmethod
    def from_env(cls) -> Ports:
        raw = json.loads(os.environ["ENGAGE_E2E_PORTS"])
        return cls(
            api=raw[0],
            emulator=raw[1],
            postgres=raw[2],
            redis=raw[3],
            worker_logs=tuple(raw[4:6]),
            trigger_logs=tuple(raw[6:8]),
        )

    def all(self) -> list[int]:
        return [self.api, self.emulator, self.postgres, self.redis, *self.worker_logs, *self.trigger_logs]


@dataclass
class Deployment:
    root: Path
    ports: Ports
    db_url: str
    executor: str = "LocalExecutor"
    broker_url: str | None = None
    dag_files: Iterable[Path] = ()
    # Environment for every component on top of the defaults below (a DAG's inputs, a setting).
    settings: Mapping[str, str] = field(default_factory=dict)
    services: list[Service] = field(default_factory=list)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def __post_init__(self) -> None:
        self.home = self.root / "airflow-home"
        self.dags = self.root / "dags"
        self.logs = self.root / "components"
        for folder in (self.home, self.dags, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        for dag_file in self.dag_files:
            shutil.copy(dag_file, self.dags / dag_file.name)
        self.passwords_file = self.home / "passwords.json"
        self.passwords_file.write_text(json.dumps({ADMIN: self.password}))
        from cryptography.fernet import Fernet

        self._fernet = Fernet.generate_key().decode()
        self._jwt_secret = secrets.token_urlsafe(32)
        self._api_secret = secrets.token_urlsafe(32)
        self.api_url = f"http://127.0.0.1:{self.ports.api}"
        self.api = AirflowApi(self.api_url, ADMIN, self.password)

    # --- configuration ---------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ENGAGE_E2E_HOSTNAME"))}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "PATH": os.pathsep.join([str(BIN), env.get("PATH", "")]),
                "PYTHONPATH": str(REPO),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": self.executor,
                "AIRFLOW__CORE__FERNET_KEY": self._fernet,
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.e2e.hostname.hostname",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.passwords_file),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.db_url,
                "AIRFLOW__API__BASE_URL": self.api_url,
                "AIRFLOW__API__SECRET_KEY": self._api_secret,
                "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
                # Runs come from the REST API only: no scheduled run of an @daily example
                # sneaks in to create pushes of its own.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "300",
                # A killed triggerer's triggers move to a live one this long after its last beat.
                "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": "20",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.ports.worker_logs[0]),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.ports.trigger_logs[0]),
            }
        )
        if self.broker_url:
            env["AIRFLOW__CELERY__BROKER_URL"] = self.broker_url
            env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + self.db_url.replace("+psycopg2", "")
            env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = "4"
        env.update(self.settings)
        env.update(extra)
        return env

    # --- components ------------------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [AIRFLOW, *args], env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        (self.logs / f"airflow-{'-'.join(args[:2])}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-4000:]}")
        return done

    def start(self, name: str, *args: str, hostname: str = "127.0.0.1", **env: str) -> Service:
        service = Service(
            name, [AIRFLOW, *args], log_dir=self.logs, env=self.env(ENGAGE_E2E_HOSTNAME=hostname, **env)
        ).start()
        self.services.append(service)
        return service

    def start_api_server(self) -> Service:
        service = self.start(
            "api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.ports.api), "--workers", "1"
        )
        wait_until(lambda: port_open(self.ports.api), 120, what="the api-server listening")
        wait_until(self.api.version, 60, what="the api-server answering /api/v2/version")
        return service

    def wait_for_dags(self, dag_ids: Iterable[str], timeout: float = 180) -> None:
        def parsed() -> bool:
            errors = self.api.import_errors()
            if errors:
                raise AssertionError(f"DAG import errors: {errors}")
            return all(self.api.dag(dag_id) is not None for dag_id in dag_ids)

        try:
            wait_until(parsed, timeout, interval=2, what=f"the DAGs {list(dag_ids)} parsed")
        except TimeoutError:
            errors = self.api.import_errors()
            if errors:
                raise AssertionError(f"DAG import errors: {errors}") from None
            raise

    def check_alive(self, killed: Iterable[Service] = ()) -> None:
        """Fail if a component died, other than those a test ``killed`` on purpose."""
        dead = [
            f"{s.name} (exit {s.process.returncode if s.process else None})"
            for s in self.services
            if not s.alive() and s not in killed
        ]
        if dead:
            raise AssertionError(f"components died: {dead}")

    def stop(self) -> None:
        errors = stop_all(self.services)
        if errors:
            raise AssertionError(f"components that did not stop cleanly: {errors}")

    def component_logs(self) -> dict[str, str]:
        return {path.name: path.read_text(errors="replace") for path in sorted(self.logs.glob("*.log"))}

    def task_log_files(self) -> dict[str, str]:
        logs = self.home / "logs"
        return {
            str(p.relative_to(logs)): p.read_text(errors="replace")
            for p in sorted(logs.rglob("*"))
            if p.is_file()
        }


@dataclass(frozen=True)
class EmulatorSecrets:
    """Distinctive credentials for the emulator and the connections, so a leak is unmistakable."""

    app_key: str = field(default_factory=lambda: "e2e-appkey-" + secrets.token_hex(6))
    master_secret: str = field(default_factory=lambda: "e2e-MASTER-" + secrets.token_hex(10))
    pai_ak_id: str = field(default_factory=lambda: "e2e-akid-" + secrets.token_hex(6))
    pai_ak_secret: str = field(default_factory=lambda: "e2e-AKSECRET-" + secrets.token_hex(10))

    def flags(self) -> list[str]:
        return [
            f"--app-key={self.app_key}",
            f"--master-secret={self.master_secret}",
            f"--pai-ak-id={self.pai_ak_id}",
            f"--pai-ak-secret={self.pai_ak_secret}",
        ]

    def forbidden(self) -> dict[str, str]:
        """What must never be written anywhere: each secret, and the Basic credentials it makes."""
        basic = base64.b64encode(f"{self.app_key}:{self.master_secret}".encode()).decode()
        return {
            "EngageLab Master Secret": self.master_secret,
            "EngageLab Basic credentials": basic,
            "PAI AccessKey secret": self.pai_ak_secret,
        }

    def create_connections(self, api: AirflowApi, emulator_url: str) -> None:
        api.create_connection(
            "engagelab_default",
            "engagelab",
            host=emulator_url,
            login=self.app_key,
            password=self.master_secret,
            extra=json.dumps({"site_timezone": "Asia/Shanghai"}),
        )
        api.create_connection(
            "pai_engagement_default",
            "pai_engagement",
            host=emulator_url,
            login=self.pai_ak_id,
            password=self.pai_ak_secret,
            extra=json.dumps({"api_style": "roa"}),
        )


def leaks(texts: Mapping[str, str], forbidden: Mapping[str, str]) -> list[str]:
    """``"<file>: <what>"`` for every text containing one of the forbidden values."""
    return [
        f"{name}: {what}"
        for name, text in texts.items()
        for what, value in forbidden.items()
        if value in text
    ]
