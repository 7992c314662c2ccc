"""The example DAGs in dags_examples/ run as they are against the emulator."""

from __future__ import annotations

import pendulum

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from tests.dags.conftest import EXAMPLES, DagRunner
from tests.helpers import connection


def test_engage_campaign_example_schedules_every_push_and_the_sms_plan(
    run_dag: DagRunner, dag_emulator: EmulatorControl, monkeypatch
) -> None:
    today = pendulum.now("UTC").date()
    first_push = pendulum.datetime(today.year, today.month, today.day, tz="UTC").add(days=1, hours=1)
    # A minute before tomorrow's 09:00 in Shanghai, in real time: the run schedules everything,
    # then its sensor waits for the first push to go out.
    dag_emulator.set_clock(first_push.subtract(seconds=60), frozen=False)

    result = run_dag("engage_campaign", logical_date=today.isoformat(), dags_folder=EXAMPLES)

    assert "delivery_statistics" in result["_log"]
    fired = dag_emulator.clock()["now"]
    assert pendulum.parse(fired) >= first_push
    # The singles have fired (and left the service's list); read what was scheduled as of before.
    dag_emulator.set_clock(first_push.subtract(seconds=60), frozen=True)
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(dag_emulator.base_url))
    schedules = {schedule["name"]: schedule for schedule in EngageLabHook().iter_schedules()}
    tomorrow = today.add(days=1).isoformat()
    segments = [name for name in schedules if name.startswith("Reengage_")]
    assert len(segments) == 4
    for name in segments:
        assert schedules[name]["trigger"]["single"] == {"time": f"{tomorrow} 09:00:00", "zone_type": 1}
        assert schedules[name]["push"]["body"]["options"]["plan_id"] == f"reengage_{today.strftime('%Y%m%d')}"
    assert schedules["Evening_reminder"]["trigger"]["single"] == {
        "time": f"{tomorrow} 20:00:00",
        "zone_type": 2,
    }
    digest = schedules["Daily_digest"]["trigger"]["periodical"]
    assert (digest["start"], digest["time"], digest["time_unit"]) == (
        f"{tomorrow} 08:00:00",
        "12:30:00",
        "day",
    )
    assert dag_emulator.state()["pai"]["schedules"] == 1
