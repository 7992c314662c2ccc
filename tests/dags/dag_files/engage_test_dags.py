"""DAGs the DAG-level tests run with `airflow dags test` against the emulator.

Each ends with a task that writes what the run produced (XCom values, what the service holds)
to the JSON file named by ENGAGE_TEST_OUT, for the test to check.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import dag, task
from test_output import write_out  # type: ignore[import-not-found]  # the DAGs folder is on sys.path

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabCreateSchedulesOperator,
    EngageLabDeleteScheduleOperator,
    EngageLabUpdateScheduleOperator,
    EngageLabUpsertPushPlanOperator,
)
from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator, PaiDeleteScheduleOperator

PUSH = {
    "from": "push",
    "to": "all",
    "body": {"platform": "all", "notification": {"alert": "Hello"}, "options": {"plan_id": "campaign_test"}},
}
PUSH_WITHOUT_PLAN = {
    "from": "push",
    "to": "all",
    "body": {"platform": "all", "notification": {"alert": "Hi"}},
}
# Tomorrow 09:00 in Shanghai for today's run of a daily DAG in UTC: data_interval_end is today's
# midnight UTC (08:00 in Shanghai), so a day and an hour later it is 09:00 tomorrow there.
TOMORROW_NINE_SHANGHAI = "{{ data_interval_end.add(days=1, hours=1) }}"


def stored_schedules() -> dict[str, dict[str, Any]]:
    from airflow_provider_engage.hooks.engagelab import EngageLabHook

    return {schedule["schedule_id"]: schedule for schedule in EngageLabHook().iter_schedules()}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 0},
)
def engage_test_campaign() -> None:
    plan = EngageLabUpsertPushPlanOperator(
        task_id="plan", plan_id="campaign_test", plan_description="DAG-level test campaign"
    )
    single = EngageLabCreateScheduleOperator(
        task_id="single", name="Tomorrow_nine", push=PUSH, send_at=TOMORROW_NINE_SHANGHAI
    )

    mapped = EngageLabCreateScheduleOperator.partial(
        task_id="mapped", push=PUSH, send_at=TOMORROW_NINE_SHANGHAI
    ).expand(name=["Mapped_a", "Mapped_b", "Mapped_c"])

    @task
    def bulk_items(data_interval_end: pendulum.DateTime | None = None) -> list[dict[str, Any]]:
        assert data_interval_end is not None
        send_at = data_interval_end.add(days=1, hours=2).isoformat()
        return [{"name": f"Bulk_{index}", "push": PUSH, "send_at": send_at} for index in range(5)]

    bulk = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=bulk_items(), max_workers=4)
    pause = EngageLabUpdateScheduleOperator(
        task_id="pause", schedule_id="{{ ti.xcom_pull(task_ids='single') }}", enabled=False
    )
    throwaway = EngageLabCreateScheduleOperator(
        task_id="throwaway", name="Throwaway", push=PUSH, send_at=TOMORROW_NINE_SHANGHAI
    )
    delete = EngageLabDeleteScheduleOperator(
        task_id="delete", schedule_id="{{ ti.xcom_pull(task_ids='throwaway') }}"
    )
    pai = PaiCreateScheduleOperator(
        task_id="pai",
        group_id="group-12345",
        name="DailyReminder",
        execute_time=TOMORROW_NINE_SHANGHAI,
        repeat_cycle=1,
        repeat_cycle_unit=2,
        repeat_times=3,
        template_code="SMS_DAILY",
        sign_name="MyApp",
    )

    pai_throwaway = PaiCreateScheduleOperator(
        task_id="pai_throwaway", group_id="group-12345", name="Throwaway_SMS", template_code="SMS_X"
    )
    pai_delete = PaiDeleteScheduleOperator(
        task_id="pai_delete", schedule_id="{{ ti.xcom_pull(task_ids='pai_throwaway') }}"
    )

    @task
    def collect(ti: Any = None, data_interval_end: pendulum.DateTime | None = None) -> None:
        write_out(
            data_interval_end=data_interval_end,
            single=ti.xcom_pull(task_ids="single"),
            single_next=ti.xcom_pull(task_ids="single", key="next_occurrences"),
            mapped=list(ti.xcom_pull(task_ids="mapped")),
            bulk=ti.xcom_pull(task_ids="bulk"),
            throwaway=ti.xcom_pull(task_ids="throwaway"),
            pai=ti.xcom_pull(task_ids="pai"),
            pai_next=ti.xcom_pull(task_ids="pai", key="next_sendings"),
            schedules=stored_schedules(),
        )

    plan >> [single, mapped, bulk, throwaway, pai]
    single >> pause
    throwaway >> delete
    pai_throwaway >> pai_delete
    [pause, delete, mapped, bulk, pai, pai_delete] >> collect()


engage_test_campaign()


class CreateThenFailOnce(EngageLabCreateScheduleOperator):
    """Creates its schedule, then fails its first try: the retry must re-attach, not re-create."""

    def execute(self, context: Any) -> str:
        schedule_id = super().execute(context)
        if context["ti"].try_number == 1:
            raise RuntimeError(f"worker lost after creating {schedule_id}")
        return schedule_id


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def engage_test_retry() -> None:
    flaky = CreateThenFailOnce(
        task_id="flaky",
        name="Created_once",
        push=PUSH_WITHOUT_PLAN,
        send_at="{{ data_interval_end.add(days=1) }}",
        retries=1,
        retry_delay=dt.timedelta(seconds=0),
    )

    @task
    def collect(ti: Any = None) -> None:
        write_out(flaky=ti.xcom_pull(task_ids="flaky"), schedules=stored_schedules())

    flaky >> collect()


engage_test_retry()


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def engage_test_rerun() -> None:
    """Run twice for one date (a second `airflow dags test`): every task starts again at try 1."""
    push = EngageLabCreateScheduleOperator(
        task_id="push", name="Rerun_push", push=PUSH_WITHOUT_PLAN, send_at=TOMORROW_NINE_SHANGHAI
    )
    bulk = EngageLabCreateSchedulesOperator(
        task_id="bulk",
        schedules=[
            {"name": f"Rerun_bulk_{index}", "push": PUSH_WITHOUT_PLAN, "send_at": TOMORROW_NINE_SHANGHAI}
            for index in range(3)
        ],
    )
    sms = PaiCreateScheduleOperator(
        task_id="sms",
        group_id="group-12345",
        name="Rerun_SMS",
        execute_time=TOMORROW_NINE_SHANGHAI,
        template_code="SMS_RERUN",
        sign_name="MyApp",
    )

    @task
    def collect(ti: Any = None) -> None:
        write_out(
            push_url=ti.xcom_pull(task_ids="push", key="console_url"),
            push_link=ti.xcom_pull(task_ids="push", key="_link_EngageLabScheduleLink"),
            push=ti.xcom_pull(task_ids="push"),
            bulk=ti.xcom_pull(task_ids="bulk"),
            sms=ti.xcom_pull(task_ids="sms"),
            schedules=stored_schedules(),
        )

    [push, bulk, sms] >> collect()


engage_test_rerun()


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False)
def engage_test_refused() -> None:
    """Tasks with retries that no retry could help: bad input, and a refusal of the service."""
    retrying = {"retries": 2, "retry_delay": dt.timedelta(seconds=0)}
    bad_input = EngageLabCreateScheduleOperator(
        task_id="bad_input", name="Bad_input", push=PUSH_WITHOUT_PLAN, send_at="not a time", **retrying
    )
    refused = EngageLabCreateScheduleOperator(
        task_id="refused", name="Refused", push=PUSH_WITHOUT_PLAN, send_at=TOMORROW_NINE_SHANGHAI, **retrying
    )

    @task(trigger_rule="all_done")
    def collect(ti: Any = None) -> None:
        write_out(
            links={
                task_id: ti.xcom_pull(task_ids=task_id, key="_link_EngageLabScheduleLink")
                for task_id in ("bad_input", "refused")
            }
        )

    [bad_input, refused] >> collect()


engage_test_refused()
