"""The test kit (pytest plugin `airflow_provider_engage.testing`) as a user's project meets it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

USER_DAG = '''
"""A user's campaign: tomorrow 09:00 in Shanghai, waited for, then its message ids kept."""
import pendulum
from airflow.providers.common.compat.sdk import dag, task

from airflow_provider_engage.operators.engagelab import EngageLabCreateScheduleOperator
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def user_campaign():
    push = EngageLabCreateScheduleOperator(
        task_id="push",
        name="Tomorrow_nine",
        send_at="{{ data_interval_end.add(days=1, hours=1) }}",
        push={"to": "all", "body": {"platform": "all", "notification": {"alert": "Hi"}}},
    )
    EngageLabScheduleFiredSensor(task_id="fired", schedule_id=push.output, deferrable=True, timeout=600)


user_campaign()
'''

USER_TEST = """
import pendulum

from airflow_provider_engage.hooks.engagelab import EngageLabHook


def test_the_campaign_schedules_tomorrow_nine_and_waits_for_it(engage_emulator, airflow_dags_test):
    today = pendulum.datetime(2026, 12, 1, tz="UTC")
    send_at = today.add(days=1, hours=1)  # 09:00 tomorrow in Shanghai
    engage_emulator.set_clock(send_at.subtract(seconds=30), frozen=False)  # runs with real time

    result = airflow_dags_test("user_campaign", dags_folder="dags", logical_date="2026-12-01")

    assert result.succeeded, result.log[-3000:]
    assert engage_emulator.state()["engagelab"]["messages"] == 1  # it fired, and the sensor saw it
    engage_emulator.set_clock(send_at.subtract(seconds=30))  # as scheduled, before it fired
    (schedule,) = EngageLabHook().iter_schedules()  # the connection points at the emulator
    assert schedule["trigger"]["single"]["time"] == "2026-12-02 09:00:00"


def test_faults_are_one_call_away(engage_emulator):
    engage_emulator.faults([{"kind": "status", "status": 503, "code": 28203, "next": 1}])
    assert len(EngageLabHook().list_schedules()["schedules"]) == 0  # retried through the 503
    assert engage_emulator.state()["faults"]["injected"] == {"status": 1}
"""


def test_a_users_dag_test_runs_against_the_emulator_with_the_kit(pytester: pytest.Pytester) -> None:
    pytester.mkdir("dags")
    (pytester.path / "dags" / "user_campaign.py").write_text(textwrap.dedent(USER_DAG))
    pytester.makepyfile(test_user_campaign=USER_TEST)

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
