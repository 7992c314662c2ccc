"""An SMS recall for each day's churned users: a PAI reach plan, its first sending waited for, its metrics.

Every run (daily, for the cohort of users who churned that day):

1. creates a PAI User Engagement reach plan for the day's churned-user group
   (``churned_<yyyyMMdd>``, uploaded by the warehouse job that computes it) that sends at 10:00
   UTC+8 the next day and again on the two days after (daily recurrence, three sendings). The
   times come from templates on the run's data interval, rounded to the day in UTC+8, and the
   operator sends them as UTC+8 wall clock;
2. waits with a deferrable ``PaiScheduleSensor`` (in the triggerer, no worker slot) until the
   first sending has completed: its messages sent, none pending;
3. writes that day's Total/Success/Fail/Pending (``PaiMessageMetricsOperator``, every page of
   ListMessageMetrics) to ``<engage_stats_dir>/churn_recall_pai/<ds>.jsonl``.

A retried or re-run create re-attaches to the plan it made (same Name, group, template and
times, created in this DAG run) instead of sending a second recall.

``engage_stats_dir`` is an Airflow Variable (or the environment variable
``AIRFLOW_VAR_ENGAGE_STATS_DIR``), read when the task runs; without it the file goes under
``file:///tmp/engage_stats``.

Connection: ``pai_engagement_default`` in the ``roa`` style (AccessKey id as login, AccessKey
secret as password, extra ``{"api_style": "roa"}``; for the offline emulator its host is the
emulator's URL): the sensor and the metrics read the plan, which the gateway style cannot.
"""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import dag

from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator, PaiMessageMetricsOperator
from airflow_provider_engage.sensors.pai import PaiScheduleSensor

STATS_DIR = "{{ var.value.get('engage_stats_dir', 'file:///tmp/engage_stats') }}"
# The next day in UTC+8 (Asia/Shanghai keeps UTC+8 all year), for scheduled and manual runs alike.
NEXT_DAY_UTC8 = "data_interval_end.in_timezone('Asia/Shanghai').start_of('day').add(days=1)"
FIRST_SENDING = "{{ " + NEXT_DAY_UTC8 + ".add(hours=10) }}"
FIRST_SENDING_DAY = "{{ " + NEXT_DAY_UTC8 + ".to_date_string() }}"


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    tags=["engage", "example"],
)
def churn_recall_pai() -> None:
    plan = PaiCreateScheduleOperator(
        task_id="recall_plan",
        group_id="churned_{{ ds_nodash }}",
        name="Churn_recall_{{ ds_nodash }}",
        execute_time=FIRST_SENDING,
        repeat_cycle=1,
        repeat_cycle_unit=2,  # days
        repeat_times=2,  # the first sending and two repeats
        template_code="SMS_CHURN_RECALL",
        sign_name="MyApp",
    )
    first_sending = PaiScheduleSensor(
        task_id="wait_for_first_sending",
        schedule_id=plan.output,
        sending=FIRST_SENDING,
        deferrable=True,
        poke_interval=30,
        timeout=2 * 86400,
    )
    metrics = PaiMessageMetricsOperator(
        task_id="first_day_metrics",
        schedule_id=plan.output,
        start_date=FIRST_SENDING_DAY,  # days in UTC+8, as ListMessageMetrics counts them
        end_date=FIRST_SENDING_DAY,
        destination=STATS_DIR + "/churn_recall_pai/{{ ds }}.jsonl",
    )
    first_sending >> metrics


churn_recall_pai()
