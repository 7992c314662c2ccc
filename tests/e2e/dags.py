"""The DAGs the deployments run, and what each is known to do.

``SINGLE_PUSH_DAG`` and ``FANOUT_DAG`` are the one place to switch the DAGs the deployments
run: the examples ``campaign_single_push`` and ``segment_fanout``. The fan-out's pushes are
zone_type 2 (09:00 on every device's clock, arriving over about 26 hours), so its run gets the
next day's interval, its first arrival comes after the single push, and a deployment moves the
emulator's clock past its window once the sensors are deferred (they re-read the service's
clock every 15 s while it disagrees with the machine's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pendulum

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "dags_examples"

SINGLE_PUSH_DAG = "campaign_single_push"
FANOUT_DAG = "segment_fanout"


# A run's data interval ends here unless its DAG says otherwise.
INTERVAL_END = pendulum.datetime(2026, 12, 2, tz="UTC")


def next_day_nine_in_shanghai(data_interval_end: pendulum.DateTime) -> pendulum.DateTime:
    """09:00 Asia/Shanghai on the day after the interval's end (a midnight-UTC end: +1 day 1 hour)."""
    local = data_interval_end.in_timezone("Asia/Shanghai").start_of("day").add(days=1, hours=9)
    return local.in_timezone("UTC")


def next_day_nine_on_every_device(data_interval_end: pendulum.DateTime) -> pendulum.DateTime:
    """When 09:00 the day after the interval's end (its UTC date) comes last: at UTC-12."""
    return data_interval_end.start_of("day").add(days=1, hours=9 + 12)


@dataclass(frozen=True)
class DagUnderTest:
    dag_id: str
    file: Path
    # When its sensors' firing has come everywhere, from the run's data interval end.
    fired_by: Callable[[pendulum.DateTime], pendulum.DateTime]
    # How many EngageLab schedules one run creates: a second create of any shows as one more.
    schedules: int
    # Its run's data interval ends here (a day ending at midnight UTC, as a scheduled @daily run's).
    interval_end: pendulum.DateTime = INTERVAL_END
    # zone_type 2 pushes: the emulator's clock is moved past their window (plus the sensors' grace).
    moves_clock: bool = False

    @property
    def logical_date(self) -> str:
        """Before now for every DAG: a run whose logical date is still ahead waits for it."""
        return INTERVAL_END.subtract(days=1).isoformat()

    @property
    def interval(self) -> tuple[str, str]:
        return self.interval_end.subtract(days=1).isoformat(), self.interval_end.isoformat()

    @property
    def fire_at(self) -> pendulum.DateTime:
        return self.fired_by(self.interval_end)


KNOWN = {
    dag.dag_id: dag
    for dag in (
        # As announced: a push plan, one single schedule, a deferrable sensor, message statistics.
        DagUnderTest(
            "campaign_single_push", EXAMPLES / "campaign_single_push.py", next_day_nine_in_shanghai, 1
        ),
        # Three segments, bulk-created at 09:00 device time the day after the next day's interval,
        # waited for in every zone by mapped sensors, then their statistics.
        DagUnderTest(
            "segment_fanout",
            EXAMPLES / "segment_fanout.py",
            next_day_nine_on_every_device,
            3,
            interval_end=pendulum.datetime(2026, 12, 3, tz="UTC"),
            moves_clock=True,
        ),
    )
}

SINGLE_PUSH = KNOWN[SINGLE_PUSH_DAG]
FANOUT = KNOWN[FANOUT_DAG]
