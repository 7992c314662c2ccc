"""One push a day, waited for, and its statistics written where a warehouse load picks them up.

Every run:

1. upserts the day's push plan (``single_push_<yyyyMMdd>``), so its messages can also be found
   by plan;
2. schedules one push for 09:00 the next day in Asia/Shanghai, computed from the run's data
   interval (rounded to the day, so a run triggered by hand gets 09:00 too);
3. waits for it to go out with a deferrable ``EngageLabScheduleFiredSensor``: the wait sits in
   the triggerer, holding no worker slot, and looks only once the push is due;
4. reads the statistics of the messages it fired (``EngageLabMessageStatsOperator``) and writes
   them, one row per message and channel, to
   ``<engage_stats_dir>/campaign_single_push/<ds>.jsonl``.

``engage_stats_dir`` is an Airflow Variable (or the environment variable
``AIRFLOW_VAR_ENGAGE_STATS_DIR``), read when the task runs: ``s3://bucket/engage`` or any URI
Airflow's object storage reaches; without it the file goes under ``file:///tmp/engage_stats``.

Connection: ``engagelab_default`` (AppKey as login, Master Secret as password; for the offline
emulator its host is the emulator's URL). The same file runs against the emulator and the real
service: only the connection differs.
"""

from __future__ import annotations

import pendulum
from airflow.providers.common.compat.sdk import dag

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabMessageStatsOperator,
    EngageLabUpsertPushPlanOperator,
)
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor

STATS_DIR = "{{ var.value.get('engage_stats_dir', 'file:///tmp/engage_stats') }}"
PLAN_ID = "single_push_{{ ds_nodash }}"
# 09:00 the next day in Shanghai for any run: a scheduled one (whose interval ends at midnight
# UTC) and one triggered by hand (whose interval ends when it was triggered) alike.
NEXT_DAY_NINE_SHANGHAI = (
    "{{ data_interval_end.in_timezone('Asia/Shanghai').start_of('day').add(days=1, hours=9) }}"
)


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    tags=["engage", "example"],
)
def campaign_single_push() -> None:
    plan = EngageLabUpsertPushPlanOperator(
        task_id="push_plan",
        plan_id=PLAN_ID,
        plan_description="Daily push to lapsed users, {{ ds }}",
    )
    push = EngageLabCreateScheduleOperator(
        task_id="schedule_push",
        name="Daily_lapsed_push",
        send_at=NEXT_DAY_NINE_SHANGHAI,
        push={
            "from": "push",
            "to": {"tag": ["lapsed_7d"]},
            "body": {
                "platform": "all",
                "notification": {"alert": "Your streak is waiting", "android": {"title": "We miss you"}},
                "options": {"time_to_live": 86400, "plan_id": PLAN_ID},
            },
        },
    )
    fired = EngageLabScheduleFiredSensor(
        task_id="wait_for_push",
        schedule_id=push.output,
        deferrable=True,  # waits in the triggerer, and looks only once the push is due
        poke_interval=30,
        timeout=2 * 86400,
    )
    EngageLabMessageStatsOperator(
        task_id="push_statistics",
        msg_ids=fired.output,  # the firing's records: each row carries the schedule id
        destination=STATS_DIR + "/campaign_single_push/{{ ds }}.jsonl",
    )
    plan >> push


campaign_single_push()
