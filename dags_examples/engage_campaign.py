"""A daily re-engagement campaign, end to end: audiences in, scheduled pushes and an SMS plan out.

Every run:

1. upserts a push plan for the day, so all of the day's messages can be found by plan later;
2. computes the audiences (here a fixed list; in production a warehouse query);
3. schedules one push per audience segment for tomorrow 09:00 in the app's site time zone
   (zone_type 1), all in one task under the service's rate limit;
4. schedules a reminder for 20:00 on each device's own clock (zone_type 2);
5. schedules a daily digest at 12:30 site time for the next two weeks (a periodical);
6. creates a PAI User Engagement SMS plan for tomorrow 10:00 UTC+8, repeated weekly three times;
7. waits, in the triggerer (no worker slot), until the first segment's push has really gone out,
   and hands its message ids to ``EngageLabMessageStatsOperator``, which writes their delivery
   statistics (one row per message and channel) to
   ``<engage_stats_dir>/engage_campaign/<ds>.jsonl`` for a warehouse load.

Every create is safe to retry or run again: it re-attaches to what an earlier try created.
It runs as it is against the offline emulator (`make demo`) or against the real services.
Connections: `engagelab_default` (AppKey, Master Secret) and `pai_engagement_default`.
``engage_stats_dir`` is an Airflow Variable (or the environment variable
``AIRFLOW_VAR_ENGAGE_STATS_DIR``), read when the task runs; without it the file goes under
``file:///tmp/engage_stats``.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import dag, task

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabCreateSchedulesOperator,
    EngageLabMessageStatsOperator,
    EngageLabUpsertPushPlanOperator,
)
from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor

PLAN_ID = "reengage_{{ ds_nodash }}"
STATS_DIR = "{{ var.value.get('engage_stats_dir', 'file:///tmp/engage_stats') }}"
# data_interval_end is a scheduled run's midnight UTC (08:00 in Shanghai); a day and an hour later
# it is 09:00 tomorrow in Shanghai, which the operator turns into the site's wall clock. A run
# triggered by hand on Airflow 3 ends its interval at the moment of triggering instead: see
# "runs triggered by hand" in docs/operators.md for a template that rounds to the day.
TOMORROW_NINE_SITE = "{{ data_interval_end.add(days=1, hours=1) }}"


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    tags=["engage", "example"],
)
def engage_campaign() -> None:
    # --8<-- [start:upsert-push-plan]
    plan = EngageLabUpsertPushPlanOperator(
        task_id="push_plan",
        plan_id=PLAN_ID,
        plan_description="Daily re-engagement: lapsed users by segment, {{ ds }}",
    )
    # --8<-- [end:upsert-push-plan]

    @task
    def audiences() -> list[dict[str, Any]]:
        """The segments to reach today (a warehouse query in production)."""
        return [
            {"segment": "lapsed_7d", "title": "We miss you", "alert": "Your streak is waiting"},
            {"segment": "lapsed_30d", "title": "Come back", "alert": "Here is 20% off your next order"},
            {"segment": "cart_abandoners", "title": "Still thinking?", "alert": "Your cart is saved"},
            {"segment": "new_this_week", "title": "Welcome", "alert": "Three tips to get started"},
        ]

    # --8<-- [start:create-schedules]
    @task
    def segment_pushes(segments: list[dict[str, Any]], plan_id: str, send_at: str) -> list[dict[str, Any]]:
        """One schedule per segment, tagged with the day's plan."""
        return [
            {
                "name": f"Reengage_{segment['segment']}",
                "send_at": send_at,
                "push": {
                    "from": "push",
                    "to": {"tag": [segment["segment"]]},
                    "body": {
                        "platform": "all",
                        "notification": {"alert": segment["alert"], "android": {"title": segment["title"]}},
                        "options": {"time_to_live": 86400, "plan_id": plan_id},
                    },
                },
            }
            for segment in segments
        ]

    segments = EngageLabCreateSchedulesOperator(
        task_id="schedule_segments",
        schedules=segment_pushes(audiences(), plan.output, TOMORROW_NINE_SITE),
    )
    # --8<-- [end:create-schedules]
    # --8<-- [start:schedule-fired-sensor]
    first_push_out = EngageLabScheduleFiredSensor(
        task_id="wait_for_first_push",
        schedule_id="{{ ti.xcom_pull(task_ids='schedule_segments')[0] }}",
        deferrable=True,  # waits in the triggerer, and looks only once the push is due
        timeout=2 * 86400,
    )
    # --8<-- [end:schedule-fired-sensor]

    segments >> first_push_out
    # --8<-- [start:message-stats]
    EngageLabMessageStatsOperator(
        task_id="delivery_statistics",
        msg_ids=first_push_out.output,  # the firing's records: failed ones have no statistics
        destination=STATS_DIR + "/engage_campaign/{{ ds }}.jsonl",
    )
    # --8<-- [end:message-stats]
    # --8<-- [start:create-schedule-device-time]
    device_local = EngageLabCreateScheduleOperator(
        task_id="evening_reminder",
        name="Evening_reminder",
        zone_type=2,  # 20:00 on every device's own clock: arrives from UTC+14 to UTC-12
        send_at="{{ data_interval_end.add(days=1, hours=20) }}",
        push={
            "from": "push",
            "to": {"tag": ["lapsed_7d"]},
            "body": {"platform": "all", "notification": {"alert": "Five minutes tonight?"}},
        },
    )
    # --8<-- [end:create-schedule-device-time]
    # --8<-- [start:create-schedule-periodical]
    digest = EngageLabCreateScheduleOperator(
        task_id="daily_digest",
        name="Daily_digest",
        start="{{ data_interval_end.add(days=1) }}",
        end="{{ data_interval_end.add(days=15) }}",
        time="12:30:00",
        time_unit="day",
        push={
            "from": "push",
            "to": "all",
            "body": {"platform": "all", "notification": {"alert": "Today's picks for you"}},
        },
    )
    # --8<-- [end:create-schedule-periodical]
    # --8<-- [start:pai-create-schedule]
    sms = PaiCreateScheduleOperator(
        task_id="sms_plan",
        group_id="lapsed-30d-group",
        name="Reengage_SMS",
        execute_time="{{ data_interval_end.add(days=1, hours=2) }}",  # 10:00 tomorrow, UTC+8
        repeat_cycle=1,
        repeat_cycle_unit=3,  # weekly
        repeat_times=3,  # the first sending and three repeats
        template_code="SMS_REENGAGE",
        sign_name="MyApp",
    )
    # --8<-- [end:pai-create-schedule]
    plan >> [device_local, digest, sms]


engage_campaign()
