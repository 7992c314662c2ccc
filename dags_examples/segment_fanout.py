"""One push per audience segment to a global audience, each waited for in every time zone, then reported.

Every run:

1. an upstream task lists the day's segments (here a fixed list; in production a warehouse query);
2. a task turns them into one schedule each, at 09:00 the next day on each device's own clock
   (``zone_type`` 2: one sending arrives from UTC+14 first to UTC-12 last, over about 26
   hours), and ``EngageLabCreateSchedulesOperator`` creates them all in one task under the
   service's rate limit (a retry creates only what is missing);
3. one deferrable ``EngageLabScheduleFiredSensor`` per schedule (dynamic task mapping,
   ``.expand`` over the ids created) waits, with ``wait_for_all_zones=True``, until every time
   zone has had its push, and returns all of its messages;
4. ``EngageLabMessageStatsOperator`` takes the mapped sensors' records together and writes one
   row per message and channel, each carrying its segment's schedule id, to
   ``<engage_stats_dir>/segment_fanout/<ds>.jsonl``.

``engage_stats_dir`` is an Airflow Variable (or the environment variable
``AIRFLOW_VAR_ENGAGE_STATS_DIR``), read when the task runs; without it the file goes under
``file:///tmp/engage_stats``.

Connection: ``engagelab_default`` (AppKey, Master Secret; for the offline emulator its host is
the emulator's URL). Nothing else changes between the emulator and the real service.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import dag, task

from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateSchedulesOperator,
    EngageLabMessageStatsOperator,
)
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor

STATS_DIR = "{{ var.value.get('engage_stats_dir', 'file:///tmp/engage_stats') }}"
# zone_type 2 keeps the wall clock a time shows: 09:00 the next day (UTC date), on every device.
NEXT_DAY_NINE_DEVICE_CLOCK = "{{ data_interval_end.start_of('day').add(days=1, hours=9) }}"


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=30)},
    tags=["engage", "example"],
)
def segment_fanout() -> None:
    @task
    def segments() -> list[dict[str, str]]:
        """The day's segments and their message (a warehouse query in production)."""
        return [
            {"segment": "lapsed_7d", "alert": "Your streak is waiting"},
            {"segment": "cart_abandoners", "alert": "Your cart is saved"},
            {"segment": "new_this_week", "alert": "Three tips to get started"},
        ]

    @task
    def segment_schedules(segments: list[dict[str, str]], send_at: str) -> list[dict[str, Any]]:
        """One schedule per segment, for the bulk operator (each item takes the create operator's
        arguments)."""
        return [
            {
                "name": f"Global_{segment['segment']}",
                "send_at": send_at,
                "zone_type": 2,
                "push": {
                    "from": "push",
                    "to": {"tag": [segment["segment"]]},
                    "body": {"platform": "all", "notification": {"alert": segment["alert"]}},
                },
            }
            for segment in segments
        ]

    created = EngageLabCreateSchedulesOperator(
        task_id="schedule_segments",
        schedules=segment_schedules(segments(), NEXT_DAY_NINE_DEVICE_CLOCK),
    )
    delivered_everywhere = EngageLabScheduleFiredSensor.partial(
        task_id="wait_for_segment",
        deferrable=True,
        wait_for_all_zones=True,  # until UTC-12 has had it (plus grace), not the first arrival
        # The sensor takes the service's clock to run with this machine's between answers. An
        # emulator's clock can be moved while the trigger sleeps through the ~26-hour window (a
        # test jumps it past the window); this makes the trigger re-read it every 15 s while the
        # two disagree, one look each time. A real service's clock agrees with this machine's,
        # so there it costs no look at all.
        clock_sync_interval=15,
        poke_interval=300,
        timeout=3 * 86400,
    ).expand(schedule_id=created.output)
    EngageLabMessageStatsOperator(
        task_id="segment_statistics",
        msg_ids=delivered_everywhere.output,  # every segment's records, each naming its schedule
        destination=STATS_DIR + "/segment_fanout/{{ ds }}.jsonl",
    )


segment_fanout()
