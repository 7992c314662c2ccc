"""The test kit (pytest plugin `airflow_provider_engage.testing`) as a user's project meets it."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTING_DOC = Path(__file__).parents[2] / "docs" / "testing.md"


def documented_example() -> tuple[str, str]:
    """The user's DAG and its test, as docs/testing.md shows them (the page is the test)."""
    blocks = re.findall(r"```python\n(.*?)```", TESTING_DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    (dag_file,) = [block for block in blocks if "@dag" in block]
    (test_file,) = [block for block in blocks if "airflow_dags_test" in block and "def test_" in block]
    return dag_file, test_file


def test_a_users_dag_test_runs_against_the_emulator_with_the_kit(pytester: pytest.Pytester) -> None:
    dag_file, test_file = documented_example()
    pytester.mkdir("dags")
    (pytester.path / "dags" / "user_campaign.py").write_text(dag_file)
    pytester.makepyfile(test_user_campaign=test_file)

    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", timeout=600)

    outcome.assert_outcomes(passed=2)


def test_without_the_emulator_extra_the_plugin_registers_nothing() -> None:
    hide = textwrap.dedent(
        """
        import importlib.util, sys
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: None if name in ("fastapi", "uvicorn") else real(name, *a)
        import airflow_provider_engage.testing as kit
        print(kit.AVAILABLE, hasattr(kit, "engage_emulator"), hasattr(kit, "airflow_dags_test"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", hide], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "False", "False"]
