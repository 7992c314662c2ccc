"""A DAG that creates a push, a tagged push plan and a PAI plan, then waits for all three with
deferrable sensors (the triggers run in-process under `airflow dags test`), and writes what the
sensors returned to ENGAGE_TEST_OUT. The test sets the emulator's clock to shortly before the
sends and lets it run, so the sensors really wait for the firings and catch them."""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import dag, task

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabUpsertPushPlanOperator,
)
from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator
from airflow_provider_engage.sensors.engagelab import (
    EngageLabPushPlanMessagesSensor,
    EngageLabScheduleFiredSensor,
)
from airflow_provider_engage.sensors.pai import PaiScheduleSensor

# data_interval_end is the run's midnight UTC: a day and an hour later is 09:00 tomorrow in Shanghai.
SEND_AT = "{{ data_interval_end.add(days=1, hours=1) }}"
SEND_DAY = "{{ data_interval_end.add(days=1, hours=1).in_timezone('Asia/Shanghai').to_date_string() }}"
PUSH = {
    "from": "push",
    "to": "all",
    "body": {"platform": "all", "notification": {"alert": "Hello"}, "options": {"plan_id": "wait_test"}},
}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 0},
)
def engage_test_waits() -> None:
    plan = EngageLabUpsertPushPlanOperator(
        task_id="plan", plan_id="wait_test", plan_description="pushes the sensors wait for"
    )
    push = EngageLabCreateScheduleOperator(task_id="push", name="Waited_for", send_at=SEND_AT, push=PUSH)
    sms = PaiCreateScheduleOperator(task_id="sms", group_id="g-wait", name="Waited_sms", execute_time=SEND_AT)
    fired = EngageLabScheduleFiredSensor(
        task_id="fired", schedule_id=push.output, deferrable=True, timeout=600, poke_interval=10
    )
    plan_ids = EngageLabPushPlanMessagesSensor(
        task_id="plan_ids",
        plan_ids=["wait_test"],
        start_date=SEND_DAY,
        end_date=SEND_DAY,
        deferrable=True,
        timeout=600,
        poke_interval=10,
    )
    sent = PaiScheduleSensor(
        task_id="sent", schedule_id=sms.output, deferrable=True, timeout=600, poke_interval=10
    )
    # `airflow dags test` runs one task at a time: every create first, then the push's wait (the
    # one that really waits), then the others, which find what they wait for done.
    plan >> push >> sms >> fired >> [plan_ids, sent]

    @task
    def report(
        records: list[dict[str, Any]], by_plan: dict[str, Any], sending: dict[str, Any], **context: Any
    ) -> None:
        from test_output import write_out  # type: ignore[import-not-found]  # the DAGs folder is on sys.path

        ti = context["ti"]
        write_out(
            records=records,
            by_plan=by_plan,
            sending=sending,
            occurrence=ti.xcom_pull(task_ids="fired", key="occurrence"),
            detected_at=ti.xcom_pull(task_ids="fired", key="detected_at"),
        )

    report(fired.output, plan_ids.output, sent.output)


engage_test_waits()
