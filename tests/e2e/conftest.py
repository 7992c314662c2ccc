"""Fixtures of the real deployments (see docs/deployments.md); run by ``make e2e`` only.

Each pytest session here runs inside a network namespace of its own, started by
``tests/e2e/run.py``; the fixtures refuse to start anything outside one. Every server is started
by the fixture that needs it and stopped by its pid when the fixture ends, a failure included.
What each phase took is printed at the end of the session; component output, task logs and
screenshots are copied to ``e2e-artifacts/<part>/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import netns
from tests.e2e.deployment import Deployment, Ports
from tests.e2e.evidence import ARTIFACTS, PHASES, Teardown, phase
from tests.e2e.servers import postgres
from tests.e2e.stack import OneMachine, emulator, keep_artifacts


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not PHASES:
        return
    terminalreporter.section("e2e phases (seconds)")
    for name, elapsed in PHASES:
        terminalreporter.write_line(f"{elapsed:8.1f}  {name}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "phases.json").write_text(
        json.dumps([{"phase": n, "seconds": round(s, 1)} for n, s in PHASES])
    )


@pytest.fixture(scope="session")
def isolated_namespace() -> str:
    """This session's network namespace: only loopback, and not the host's."""
    if "ENGAGE_E2E_HOST_NETNS" not in os.environ:
        pytest.fail(
            "run the deployments through `make e2e` (tests/e2e/run.py): they need a namespace of their own"
        )
    here, host = netns.namespace_id(), os.readlink(os.environ["ENGAGE_E2E_HOST_NETNS"])
    assert here != host, "the session runs in the host's network namespace"
    assert netns.interfaces() == ["lo"], f"interfaces in the deployment's namespace: {netns.interfaces()}"
    return here


@pytest.fixture(scope="session")
def ports(isolated_namespace: str) -> Ports:
    return Ports.from_env()


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="engage-e2e-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def one_machine(ports: Ports, workdir: Path) -> Iterator[OneMachine]:
    """Airflow 3 with LocalExecutor on PostgreSQL: scheduler, dag-processor, triggerer, api-server."""
    from tests.e2e.dags import SINGLE_PUSH

    root = workdir / "one-machine"
    with contextlib.ExitStack() as stack:
        teardown = Teardown("one-machine: everything stopped")
        stack.callback(teardown.end)
        with phase("one-machine: PostgreSQL and the emulator up"):
            pg, url = postgres(root / "postgres", ports.postgres, log_dir=root / "components")
            stack.callback(pg.stop)
            emu = stack.enter_context(emulator(ports))
        deployment = Deployment(root, ports, url, dag_files=[SINGLE_PUSH.file])
        stack.callback(keep_artifacts, deployment)
        stack.callback(deployment.stop)
        with phase("one-machine: airflow db migrate"):
            deployment.airflow("db", "migrate")
        with phase("one-machine: components up, connections made, DAG parsed"):
            deployment.start("scheduler", "scheduler", hostname="127.0.1.1")
            deployment.start("dag-processor", "dag-processor", hostname="127.0.1.2")
            deployment.start("triggerer", "triggerer", hostname="127.0.1.3")
            deployment.start_api_server()
            emu.secrets.create_connections(deployment.api, emu.url)
            deployment.wait_for_dags([SINGLE_PUSH.dag_id])
        stack.callback(teardown.start)
        yield OneMachine(deployment, emu)
