"""Stand-in for ``segment_fanout`` in the Celery deployment: mapped deferrable sensors.

One schedule per segment (the bulk operator), each tomorrow 09:00 in Shanghai from the run's
data interval, then one deferrable ``EngageLabScheduleFiredSensor`` per schedule through dynamic
task mapping, so several triggers wait at once, on whichever triggerer claims them.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.common.compat.sdk import dag, task

from airflow_provider_engage.operators.engagelab import EngageLabCreateSchedulesOperator
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor

SEGMENTS = ("north", "south", "east")


@dag(schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, tags=["e2e"])
def e2e_fanout() -> None:
    @task
    def segment_pushes(data_interval_end: Any = None) -> list[dict[str, Any]]:
        send_at = pendulum.instance(data_interval_end).add(days=1, hours=1).isoformat()
        return [
            {
                "name": f"Fanout_{segment}",
                "send_at": send_at,
                "push": {
                    "from": "push",
                    "to": {"tag": [segment]},
                    "body": {"platform": "all", "notification": {"alert": f"Hello {segment}"}},
                },
            }
            for segment in SEGMENTS
        ]

    created = EngageLabCreateSchedulesOperator(task_id="create_schedules", schedules=segment_pushes())
    EngageLabScheduleFiredSensor.partial(
        task_id="wait_for_segment", deferrable=True, timeout=3600, poke_interval=20
    ).expand(schedule_id=created.output)


e2e_fanout()
