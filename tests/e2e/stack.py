"""Building blocks of a deployment the fixtures assemble: the emulator, artefacts kept."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

from airflow_provider_engage.emulator import EmulatorConfig
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.process import EmulatorProcess
from tests.e2e.deployment import Deployment, EmulatorSecrets, Ports
from tests.e2e.evidence import ARTIFACTS


@dataclass
class Emulator:
    url: str
    control: EmulatorControl
    secrets: EmulatorSecrets
    process: EmulatorProcess


@contextlib.contextmanager
def emulator(ports: Ports) -> Iterator[Emulator]:
    secrets = EmulatorSecrets()
    process = EmulatorProcess(EmulatorConfig(port=ports.emulator, seed=7), flags=secrets.flags())
    url = process.start()
    try:
        yield Emulator(url, EmulatorControl(url), secrets, process)
    finally:
        process.stop()


def keep_artifacts(deployment: Deployment) -> None:
    """The components' output and Airflow's task logs, into this part's artefacts folder."""
    for source, name in ((deployment.logs, "components"), (deployment.home / "logs", "task-logs")):
        target = ARTIFACTS / name
        shutil.rmtree(target, ignore_errors=True)
        if source.exists():
            shutil.copytree(source, target)


@dataclass
class OneMachine:
    deployment: Deployment
    emulator: Emulator
