"""The DAGs the deployments run, and what each is known to do.

``SINGLE_PUSH_DAG`` and ``FANOUT_DAG`` are the one place to switch the DAGs the deployments
run. The single push is the example ``campaign_single_push``; the fan-out is the stand-in
``tests/e2e/dags/e2e_fanout.py`` (site-time pushes, all firing at once), not the example
``segment_fanout``: that one's zone_type 2 schedules are waited for in every time zone (a
26-hour window), which a deployment in real time would need a clock jump for once the sensors
are deferred.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pendulum

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "dags_examples"
E2E_DAGS = Path(__file__).resolve().parent / "dags"

SINGLE_PUSH_DAG = "campaign_single_push"
FANOUT_DAG = "e2e_fanout"


def next_day_nine_in_shanghai(data_interval_end: pendulum.DateTime) -> pendulum.DateTime:
    """09:00 Asia/Shanghai on the day after the interval's end (a midnight-UTC end: +1 day 1 hour)."""
    local = data_interval_end.in_timezone("Asia/Shanghai").start_of("day").add(days=1, hours=9)
    return local.in_timezone("UTC")


@dataclass(frozen=True)
class DagUnderTest:
    dag_id: str
    file: Path
    # When its sensors' firing comes, from the run's data interval end.
    fire_at: Callable[[pendulum.DateTime], pendulum.DateTime]
    # How many EngageLab schedules one run creates: a second create of any shows as one more.
    schedules: int


KNOWN = {
    dag.dag_id: dag
    for dag in (
        DagUnderTest("engage_campaign", EXAMPLES / "engage_campaign.py", next_day_nine_in_shanghai, 6),
        # As announced: a push plan, one single schedule, a deferrable sensor, message statistics.
        DagUnderTest(
            "campaign_single_push", EXAMPLES / "campaign_single_push.py", next_day_nine_in_shanghai, 1
        ),
        DagUnderTest("e2e_fanout", E2E_DAGS / "e2e_fanout.py", next_day_nine_in_shanghai, 3),
    )
}

SINGLE_PUSH = KNOWN[SINGLE_PUSH_DAG]
FANOUT = KNOWN[FANOUT_DAG]

# Every run's interval: one day ending at a midnight UTC, as a scheduled @daily run has.
INTERVAL_END = pendulum.datetime(2026, 12, 2, tz="UTC")
INTERVAL_START = INTERVAL_END.subtract(days=1)
