"""One sensor task waiting for its own firing, whatever trouble a campaign makes meanwhile.

Sensor ``number`` gets a schedule of its own, created just before it waits, whose next firing is
hours or days ahead on the simulated clock (``tests/unit/sensors/conftest.py``): a single push,
a daily or a weekly one, or a single push in every device's zone (spread over 26 hours). It
waits in poke, reschedule or deferrable mode, retried as Airflow retries a failed try (on
Airflow 3.3 every try shares the task state store). What it reported is then held to what the
emulator fired for that firing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pendulum
from airflow import __version__ as airflow_version

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor
from tests.proof.campaign import MAX_TRIES, PUSH, SITE_TZ, wall
from tests.proof.tries import TaskRun, run_with_retries
from tests.unit.sensors.conftest import SimulatedTime, Store, drive, run_context

AIRFLOW_3 = airflow_version.startswith("3.")
MODES = ("poke", "reschedule", "deferrable")
SHAPES = 4
ZONES_SPAN_MS = 26 * 3600 * 1000  # a zone_type 2 firing arrives from UTC+14 to UTC-12


def awaited_trigger(shape: int, now: pendulum.DateTime) -> dict[str, Any]:
    """A schedule whose next firing is hours or days after ``now``, in one of :data:`SHAPES` shapes."""
    if shape == 0:
        return {"single": {"time": wall(now.add(hours=6)), "zone_type": 1}}
    if shape == 3:
        return {"single": {"time": wall(now.add(days=1)), "zone_type": 2}}
    first = now.add(hours=3) if shape == 1 else now.add(days=2)
    periodical = {
        "start": wall(now),
        "end": wall(now.add(days=30)),
        "time": wall(first)[11:],
        "time_unit": "day" if shape == 1 else "week",
        "point": [] if shape == 1 else [first.in_timezone(SITE_TZ).format("ddd").upper()],
        "zone_type": 1,
    }
    return {"periodical": periodical}


def first_firing_ids(
    control: EmulatorControl, schedule_id: str, after: pendulum.DateTime, span_ms: int
) -> list[str]:
    """The ids the emulator fired for the schedule's first firing after ``after`` (the truth)."""
    records = control.schedule(schedule_id)["msg_ids"]
    after_ms = int(after.timestamp() * 1000)
    first = min(record["ts"] for record in records if record["ts"] > after_ms)
    return sorted(record["msg_id"] for record in records if first <= record["ts"] <= first + span_ms)


@dataclass
class Waited:
    """One sensor task: how it went, what it reported, and what the emulator fired."""

    mode: str
    run: TaskRun
    reported: list[str]
    fired: list[str]

    @property
    def right(self) -> bool:
        return self.run.succeeded and self.reported == self.fired


def wait_for_own_firing(
    number: int,
    control: EmulatorControl,
    clock: SimulatedTime,
    *,
    trouble: Callable[[], None] = lambda: None,
    calm: Callable[[], None] = lambda: None,
) -> Waited:
    """Create sensor ``number``'s schedule, start ``trouble``, wait for the firing, ``calm`` it all."""
    shape, mode = number % SHAPES, MODES[number % len(MODES)]
    now = pendulum.parse(control.clock()["now"])
    body = {
        "name": f"Awaited_{number}",
        "enabled": True,
        "trigger": awaited_trigger(shape, now),
        "push": PUSH,
    }
    schedule_id = str(EngageLabHook().create_schedule(body)["schedule_id"])
    store, dag_run = Store(), run_context()["dag_run"]  # every try of the task shares them

    def a_try(context: dict[str, Any]) -> Any:
        sensor = EngageLabScheduleFiredSensor(
            task_id=f"wait_{number}",
            schedule_id=schedule_id,
            mode="reschedule" if mode == "reschedule" else "poke",
            deferrable=mode == "deferrable",
            wait_for_all_zones=shape == 3,
            timeout=60 * 86400,
        )
        return drive(sensor, clock, context)

    def context_of(ti: Any) -> dict[str, Any]:
        context = {"ti": ti, "dag_run": dag_run}
        if AIRFLOW_3:  # Airflow 3.3's task state store keeps the wait across tries
            context["task_state_store"] = store
        return context

    trouble()
    run = run_with_retries(a_try, run_context()["ti"], max_tries=MAX_TRIES, context=context_of)
    calm()
    if run.succeeded and mode == "deferrable":
        assert len(run.result.events) == run.result.deferrals == 1  # one event, one resumption
    reported = sorted(record["msg_id"] for record in run.result.result) if run.succeeded else []
    fired = first_firing_ids(control, schedule_id, now, ZONES_SPAN_MS if shape == 3 else 0)
    return Waited(mode, run, reported, fired)
