"""The operators in real Airflow: templated times, mapped tasks, XCom and retries, via `airflow dags test`."""

from __future__ import annotations

import pendulum
from airflow import __version__ as airflow_version

from airflow_provider_engage.emulator.client import EmulatorControl
from tests.dags.conftest import DagRunner

AIRFLOW_3 = airflow_version.startswith("3.")
LINK_WITHOUT_URL = "" if AIRFLOW_3 else None  # 2.11 stores no link XCom at all


def test_campaign_dag_creates_tomorrow_nine_shanghai_from_a_utc_dag(
    run_dag: DagRunner, dag_emulator: EmulatorControl
) -> None:
    today = pendulum.now("UTC").date()
    result = run_dag("engage_test_campaign", logical_date=today.isoformat())

    tomorrow = today.add(days=1)
    schedules = result["schedules"]
    single = schedules[result["single"]]
    assert single["trigger"]["single"] == {"time": f"{tomorrow.isoformat()} 09:00:00", "zone_type": 1}
    assert single["enabled"] is False  # paused by the update task, everything else kept
    assert single["push"]["body"]["notification"] == {"alert": "Hello"}
    assert result["single_next"][0]["earliest"] == f"{tomorrow.isoformat()}T01:00:00+00:00"

    mapped = result["mapped"]
    assert sorted(schedules[schedule_id]["name"] for schedule_id in mapped) == [
        "Mapped_a",
        "Mapped_b",
        "Mapped_c",
    ]
    assert (
        len({schedules[schedule_id]["push"]["request_id"] for schedule_id in mapped}) == 3
    )  # one key per map index

    assert [schedules[schedule_id]["name"] for schedule_id in result["bulk"]] == [
        f"Bulk_{i}" for i in range(5)
    ]
    assert {schedules[schedule_id]["trigger"]["single"]["time"] for schedule_id in result["bulk"]} == {
        f"{tomorrow.isoformat()} 10:00:00"
    }
    assert result["throwaway"] not in schedules  # deleted downstream
    assert len(schedules) == 1 + 3 + 5

    assert result["pai_next"][:2] == [
        f"{tomorrow.isoformat()}T09:00:00+08:00",
        f"{tomorrow.add(days=1).isoformat()}T09:00:00+08:00",
    ]
    assert dag_emulator.state()["pai"]["schedules"] == 1


def test_a_task_failing_after_its_create_reattaches_on_retry(
    run_dag: DagRunner, dag_emulator: EmulatorControl
) -> None:
    result = run_dag("engage_test_retry")

    assert "worker lost after creating" in result["_log"]  # the first try did fail
    assert list(result["schedules"]) == [result["flaky"]]
    assert dag_emulator.state()["requests"]["POST /v4/schedules"] == {"200": 1}


def test_a_lost_create_answer_and_a_retry_still_leave_one_schedule(
    run_dag: DagRunner, dag_emulator: EmulatorControl
) -> None:
    dag_emulator.faults([{"kind": "commit_then_drop", "next": 1, "method": "POST", "path": "/v4/schedules"}])

    result = run_dag("engage_test_retry")

    assert list(result["schedules"]) == [result["flaky"]]
    assert dag_emulator.state()["requests"]["POST /v4/schedules"] == {"dropped": 1}


def test_a_second_dags_test_of_one_run_reattaches_instead_of_duplicating(
    run_dag: DagRunner, dag_emulator: EmulatorControl
) -> None:
    today = pendulum.now("UTC").date().isoformat()
    first = run_dag("engage_test_rerun", logical_date=today)

    second = run_dag("engage_test_rerun", logical_date=today)

    assert (second["push"], second["bulk"], second["sms"]) == (first["push"], first["bulk"], first["sms"])
    assert len(second["schedules"]) == 1 + 3
    assert dag_emulator.state()["pai"]["schedules"] == 1
    assert dag_emulator.state()["requests"]["POST /v4/schedules"] == {"200": 4}
    assert f"Created schedule {first['push']}" in first["_log"]
    assert f"Re-attached to schedule {first['push']} (Rerun_push), created earlier" in second["_log"]
    assert f"Re-attached to PAI plan {first['sms']} (Rerun_SMS)" in second["_log"]


def test_refusals_no_retry_can_change_are_not_retried(
    run_dag: DagRunner, dag_emulator: EmulatorControl
) -> None:
    dag_emulator.faults(
        [{"kind": "status", "probability": 1.0, "method": "POST", "status": 400, "code": 28100}]
    )

    result = run_dag("engage_test_refused")

    log = result["_log"]
    assert dag_emulator.state()["requests"]["POST /v4/schedules"] == {"400": 1}  # retries=2, one try
    assert "Invalid input, nothing was sent: send_at: " in log
    assert log.count("running task <TaskInstance: engage_test_refused.bad_input ") == 1  # one try
    assert "no retry can change this refusal" in log
    # Neither task published a console URL: the link is empty, and no second, misleading error.
    assert "XCom not found" not in log
    assert result["links"] == dict.fromkeys(("bad_input", "refused"), LINK_WITHOUT_URL)


def test_the_link_of_a_task_that_created_is_its_console_url(run_dag: DagRunner) -> None:
    result = run_dag("engage_test_rerun", logical_date=pendulum.now("UTC").date().isoformat())

    assert result["push_url"].endswith(f"/_emulator/schedules/{result['push']}")
    # Airflow 3 stores the link as the task ends; 2.11 computes it in the webserver only.
    assert result["push_link"] == (result["push_url"] if AIRFLOW_3 else None)


def test_deferrable_sensors_wait_for_the_firings_and_catch_them(
    run_dag: DagRunner, dag_emulator: EmulatorControl
) -> None:
    today = pendulum.now("UTC").start_of("day")
    send_at = today.add(days=1, hours=1)  # what the DAG schedules: 09:00 tomorrow in Shanghai
    # Real time, a minute before: the run creates everything first, then the sensors defer and wait.
    dag_emulator.set_clock(send_at.subtract(seconds=60), frozen=False)

    result = run_dag("engage_test_waits", logical_date=today.to_date_string())

    assert result["occurrence"]["earliest"] == send_at.isoformat()
    assert [record["fired_at"] for record in result["records"]] == [send_at.isoformat()]
    assert result["by_plan"] == {"wait_test": [result["records"][0]["msg_id"]]}
    assert result["sending"]["status"] == 4
    detected = pendulum.parse(result["detected_at"])
    assert send_at <= detected <= send_at.add(seconds=30)  # caught within a poke interval or so
    requests = dag_emulator.state()["requests"]
    msg_id_reads = sum(requests.get("GET /v4/schedules/{schedule_id}/msg-ids", {}).values())
    assert msg_id_reads <= 4  # before the wait, then a look or two: no polling while it waited
    if AIRFLOW_3:
        assert "Pausing task as DEFERRED" in result["_log"]
