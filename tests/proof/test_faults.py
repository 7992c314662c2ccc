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
from typing import Any

import pendulum
import pytest

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from tests.proof.campaign import (
    PUSH,
    SECRET,
    create_schedules,
    created_ids,
    proof_connection,
)
from tests.proof.conftest import TIMEOUT, RecordFigures
from tests.proof.faults import FAULT_KINDS, count_causes, fault_rules, injected, unexplained
from tests.proof.waits import wait_for_own_firing
from tests.unit.sensors.conftest import SimulatedTime

pytestmark = pytest.mark.timeout(TIMEOUT)


def schedule_items(total: int) -> list[dict[str, Any]]:
    """``total`` distinct single pushes, tomorrow, each named for its place in the campaign."""
    send_at = pendulum.now("UTC").add(days=1).replace(microsecond=0).isoformat()
    return [{"name": f"Proof_{index:05d}", "push": PUSH, "send_at": send_at} for index in range(total)]


def test_creations_under_transient_faults_leave_exactly_one_schedule_each(
    proof_size: Callable[[int, int], int],
    proof_figures: RecordFigures,
    hook_retries: Counter[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    total = proof_size(100, 1000)
    items = schedule_items(total)
    config = EmulatorConfig(seed=12, engagelab_qps=0, max_schedules=2 * total)  # a duplicate would fit
    with emulator_process(config) as url:
        control = EmulatorControl(url)
        monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", proof_connection(url))
        control.faults(fault_rules(), seed=12)
        started = time.monotonic()
        runs = create_schedules(items)
        wall = time.monotonic() - started
        state = control.state()
        control.clear_faults()
        listed = list(EngageLabHook().iter_schedules())

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
            "one_by_one": total // 2,
            "in_bulk": total - total // 2,
            "tasks": len(runs),
            "tries": sum(run.tries for run in runs),
            "most_tries_of_a_task": max(run.tries for run in runs),
            "failed_tries": len(failures),
            "failed_tries_by_cause": dict(count_causes(failures)),
            "tasks_failed_for_good": sum(not run.succeeded for run in runs),
            "hook_retries": dict(hook_retries),
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

    waited = [
        wait_for_own_firing(
            number,
            emulator,
            simulated,
            trouble=lambda number=number: emulator.faults(fault_rules(), seed=100 + number),
            calm=emulator.clear_faults,
        )
        for number in range(total)
    ]

    state = emulator.state()
    runs = [case.run for case in waited]
    failures = [message for run in runs for message in run.failures]
    wrong = [case for case in waited if not case.right]
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
