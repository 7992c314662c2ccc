"""The emulator stays light: the package imports no web framework, and nothing in it imports Airflow."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    probe = f"import json, sys; {statement}; print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    output = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    loaded: list[str] = json.loads(output)
    return loaded


def test_importing_the_package_loads_no_web_framework() -> None:
    assert _loaded_after("import airflow_provider_engage.emulator", ("fastapi", "starlette", "uvicorn")) == []


def test_the_process_helper_loads_only_when_used() -> None:
    process = "airflow_provider_engage.emulator.process"
    assert _loaded_after("import airflow_provider_engage.emulator", (process,)) == []
    statement = "from airflow_provider_engage.emulator import emulator_process"
    assert _loaded_after(statement, (process, "fastapi", "uvicorn")) == [process]


@pytest.mark.parametrize(
    "module",
    [
        "airflow_provider_engage.emulator.engagelab.models",
        "airflow_provider_engage.emulator.pai.models",
        "airflow_provider_engage.emulator.clock",
        "airflow_provider_engage.emulator.store",
    ],
)
def test_the_backends_do_not_import_fastapi(module: str) -> None:
    assert _loaded_after(f"import {module}", ("fastapi", "starlette")) == []


def test_a_running_emulator_never_imports_airflow() -> None:
    statement = (
        "from airflow_provider_engage.emulator import running_emulator; "
        "exec('with running_emulator() as url: pass')"
    )
    assert _loaded_after(statement, ("airflow",)) == []
