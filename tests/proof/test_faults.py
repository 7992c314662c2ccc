"""Faults campaign: creations and waits under transient faults lose nothing and repeat nothing.

The emulator injects the mix of :mod:`tests.proof.faults` (20% 5xx, 10% 429, 5% dropped
connections, 5% "commit then drop the answer") on every EngageLab request. Creations go through
the bulk and the single create operator, each task retried the way Airflow retries a failed try;
afterwards exactly one schedule exists per creation asked for, and every try that failed said
why. Sensors in poke, reschedule and deferrable mode then wait under the same faults, on the
simulated clock of ``tests/unit/sensors/conftest.py``, each for its own firing: each reports that
firing's messages, once. (Event watchers under faults: ``test_faults_watchers.py``, Airflow 3.)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pendulum
import pytest
from airflow import __version__ as airflow_version

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabCreateSchedulesOperator,
)
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor
from tests.helpers import TaskInstanceStandIn
from tests.proof.campaign import PUSH, SECRET, SITE_TZ, proof_connection, wall
from tests.proof.conftest import RecordFigures
from tests.proof.faults import FAULT_KINDS, count_causes, fault_rules, injected, unexplained
from tests.proof.tries import TaskRun, run_with_retries
from tests.unit.sensors.conftest import SimulatedTime, Store, drive, run_context

MAX_TRIES = 30  # Airflow's retries for every task of the campaign: far more than it needs
BULK_SIZE = 50  # items per bulk task
AIRFLOW_3 = airflow_version.startswith("3.")


def schedule_items(total: int) -> list[dict[str, Any]]:
    """``total`` distinct single pushes, tomorrow, each named for its place in the campaign."""
    send_at = pendulum.now("UTC").add(days=1).replace(microsecond=0).isoformat()
    return [{"name": f"Proof_{index:05d}", "push": PUSH, "send_at": send_at} for index in range(total)]


def retried(operator: Any) -> TaskRun:
    ti = TaskInstanceStandIn(task_id=operator.task_id)
    return run_with_retries(operator.execute, ti, max_tries=MAX_TRIES)


def create_in_bulk(number: int, items: list[dict[str, Any]]) -> TaskRun:
    return retried(EngageLabCreateSchedulesOperator(task_id=f"bulk_{number}", schedules=items, max_workers=8))


def create_one(number: int, item: dict[str, Any]) -> TaskRun:
    return retried(EngageLabCreateScheduleOperator(task_id=f"push_{number}", **item))


def created_ids(runs: list[TaskRun]) -> list[str]:
    ids: list[str] = []
    for run in runs:
        ids.extend(run.result if isinstance(run.result, list) else [run.result])
    return ids


def test_creations_under_transient_faults_leave_exactly_one_schedule_each(
    proof_size: Callable[[int, int], int], proof_figures: RecordFigures, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = proof_size(100, 1000)
    items = schedule_items(total)
    in_bulk, one_by_one = items[: total // 2], items[total // 2 :]
    config = EmulatorConfig(seed=12, engagelab_qps=0, max_schedules=2 * total)  # a duplicate would fit
    with emulator_process(config) as url:
        control = EmulatorControl(url)
        monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", proof_connection(url))
        control.faults(fault_rules(), seed=12)
        started = time.monotonic()
        bulk_runs = [
            create_in_bulk(number, in_bulk[start : start + BULK_SIZE])
            for number, start in enumerate(range(0, len(in_bulk), BULK_SIZE))
        ]
        # One after another: Airflow runs each task in a process of its own, and 2.11 refuses an
        # operator's execute() called from a thread other than the one that built it.
        single_runs = [create_one(number, item) for number, item in enumerate(one_by_one)]
        wall = time.monotonic() - started
        state = control.state()
        control.clear_faults()
        listed = list(EngageLabHook().iter_schedules())

    runs = bulk_runs + single_runs
    failures = [message for run in runs for message in run.failures]
    names = Counter(schedule["name"] for schedule in listed)
    request_ids = Counter(schedule["push"].get("request_id") for schedule in listed)
    faults = injected(state)
    duplicates = sum(count - 1 for count in names.values() if count > 1)
    lost = sum(1 for item in items if item["name"] not in names)
    proof_figures(
        "faults_creations",
        {
            "creations": total,
            "in_bulk": len(in_bulk),
            "one_by_one": len(one_by_one),
            "tasks": len(runs),
            "tries": sum(run.tries for run in runs),
            "most_tries_of_a_task": max(run.tries for run in runs),
            "failed_tries": len(failures),
            "failed_tries_by_cause": dict(count_causes(failures)),
            "tasks_failed_for_good": sum(not run.succeeded for run in runs),
            "faults_injected": faults,
            "requests": sum(sum(s.values()) for r, s in state["requests"].items() if "/_emulator" not in r),
            "schedules_found": len(listed),
            "duplicates": duplicates,
            "lost": lost,
            "wall_seconds": round(wall, 2),
        },
    )

    assert [run.task_id for run in runs if not run.succeeded] == []
    assert failures, "the faults made no try fail: the campaign proved nothing about retries"
    assert unexplained(failures) == []
    assert not [message for message in failures if SECRET in message]
    assert all(faults[kind] > 0 for kind in FAULT_KINDS)
    assert sum(faults[kind] for kind in FAULT_KINDS if kind.startswith("status")) == faults["status_total"]
    assert duplicates == 0
    assert lost == 0
    assert set(names) == {item["name"] for item in items}
    assert len(listed) == total == state["engagelab"]["schedules"]
    assert len(request_ids) == total  # one idempotency key per schedule
    assert sorted(created_ids(runs)) == sorted(schedule["schedule_id"] for schedule in listed)


# --- waiting under the same faults -------------------------------------------------------------------

MODES = ("poke", "reschedule", "deferrable")
ZONES_SPAN_MS = 26 * 3600 * 1000  # a zone_type 2 firing arrives from UTC+14 to UTC-12


def awaited_trigger(shape: int, now: pendulum.DateTime) -> dict[str, Any]:
    """A schedule whose next firing is hours or days after ``now``: single, daily, weekly, or a
    single in every device's zone (its firing spread over 26 hours)."""
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
    """One sensor task of the campaign: how it went, what it reported, what the emulator fired."""

    mode: str
    run: TaskRun
    reported: list[str]
    fired: list[str]


def wait_for_own_firing(number: int, emulator: EmulatorControl, simulated: SimulatedTime) -> Waited:
    """Create sensor ``number``'s schedule (without faults), then wait for its next firing under
    them, in one of the three modes, retried as Airflow retries a failed try."""
    shape, mode = number % 4, MODES[number % 3]
    emulator.clear_faults()
    now = pendulum.parse(emulator.clock()["now"])
    body = {
        "name": f"Awaited_{number}",
        "enabled": True,
        "trigger": awaited_trigger(shape, now),
        "push": PUSH,
    }
    schedule_id = str(EngageLabHook().create_schedule(body)["schedule_id"])
    emulator.faults(fault_rules(), seed=100 + number)
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
        return drive(sensor, simulated, context)

    def context_of(ti: Any) -> dict[str, Any]:
        context = {"ti": ti, "dag_run": dag_run}
        if AIRFLOW_3:  # Airflow 3.3's task state store keeps the wait across tries
            context["task_state_store"] = store
        return context

    run = run_with_retries(a_try, run_context()["ti"], max_tries=MAX_TRIES, context=context_of)
    emulator.clear_faults()
    if run.succeeded and mode == "deferrable":
        assert len(run.result.events) == run.result.deferrals == 1  # one event, one resumption
    reported = sorted(record["msg_id"] for record in run.result.result) if run.succeeded else []
    fired = first_firing_ids(emulator, schedule_id, now, ZONES_SPAN_MS if shape == 3 else 0)
    return Waited(mode, run, reported, fired)


def test_sensors_wait_through_transient_faults_and_report_their_own_firing_once(
    emulator: EmulatorControl,
    simulated: SimulatedTime,
    proof_size: Callable[[int, int], int],
    proof_figures: RecordFigures,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", proof_connection(emulator.base_url))
    total = proof_size(20, 100)
    simulated_start = pendulum.parse(emulator.clock()["now"])

    waited = [wait_for_own_firing(number, emulator, simulated) for number in range(total)]

    state = emulator.state()
    runs = [case.run for case in waited]
    failures = [message for run in runs for message in run.failures]
    wrong = [case for case in waited if case.reported != case.fired]
    proof_figures(
        "faults_sensors",
        {
            "sensors": total,
            "by_mode": dict(Counter(case.mode for case in waited)),
            "tries": sum(run.tries for run in runs),
            "failed_tries": len(failures),
            "failed_tries_by_cause": dict(count_causes(failures)),
            "failed_for_good": sum(not run.succeeded for run in runs),
            "wrong_firing_reported": len(wrong),
            "faults_injected": injected(state),
            "simulated_days": round(
                (pendulum.parse(state["now"]) - simulated_start).total_seconds() / 86400, 1
            ),
        },
    )

    assert [run.task_id for run in runs if not run.succeeded] == []
    assert wrong == []
    assert unexplained(failures) == []
    assert sum(injected(state)[kind] for kind in FAULT_KINDS) > total  # they met faults, many
