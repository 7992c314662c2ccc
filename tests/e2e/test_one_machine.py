"""Deployment 1: one machine, LocalExecutor on PostgreSQL, every component its own process.

The single-push example is triggered through the REST API with the emulator's clock set (and
running) shortly before its push fires, so its sensor really defers, the triggerer really waits,
and the sensor is resumed on a worker when the push has gone out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pendulum
import pytest

from tests.e2e import netns
from tests.e2e.dags import SINGLE_PUSH
from tests.e2e.deployment import leaks
from tests.e2e.evidence import phase, record
from tests.e2e.observe import TRIGGER_CLASS, RunWatch, log_text
from tests.e2e.stack import OneMachine

# Real seconds between setting the emulator's clock and the push firing: the run reaches its
# sensor about 11 s after the trigger here alone, and up to a minute while the other deployments
# start beside it, so the sensor still defers with time to wait.
LEAD = 90
RUN_TIMEOUT = 600


@dataclass
class SinglePushRun:
    watch: RunWatch
    run: dict[str, Any]
    fire_at: pendulum.DateTime
    clock_at_trigger: pendulum.DateTime
    emulator_state: dict[str, Any]


@pytest.fixture(scope="module")
def single_push(one_machine: OneMachine) -> SinglePushRun:
    deployment, emulator = one_machine.deployment, one_machine.emulator
    fire_at = SINGLE_PUSH.fire_at
    run_id = "e2e_single_push"
    watch = RunWatch(SINGLE_PUSH.dag_id, run_id)
    with phase(f"one-machine: {SINGLE_PUSH.dag_id} triggered and run to its end"):
        clock = emulator.control.set_clock(fire_at.subtract(seconds=LEAD), frozen=False)
        deployment.api.trigger(
            SINGLE_PUSH.dag_id,
            run_id,
            logical_date=SINGLE_PUSH.logical_date,
            interval=SINGLE_PUSH.interval,
        )
        run = deployment.api.wait_for_run(SINGLE_PUSH.dag_id, run_id, RUN_TIMEOUT, watch.take)
        watch.take(deployment.api.task_instances(SINGLE_PUSH.dag_id, run_id))
    record("one-machine-run", {"run": run, "task_instances": watch.summary()})
    return SinglePushRun(watch, run, fire_at, pendulum.parse(clock["now"]), emulator.control.state())


def test_the_run_succeeds_with_every_task(single_push: SinglePushRun) -> None:
    assert single_push.run["state"] == "success", single_push.watch.summary()
    finals = {
        key: states[-1]
        for key, states in ((k, single_push.watch.states(k)) for k in single_push.watch.history)
    }
    assert set(finals.values()) == {"success"}, finals


def test_the_sensor_deferred_to_the_triggerer_and_was_resumed(
    single_push: SinglePushRun, one_machine: OneMachine
) -> None:
    api, watch = one_machine.deployment.api, single_push.watch
    sensors = watch.sensors()
    assert sensors, f"no sensor in {SINGLE_PUSH.dag_id}: {watch.operators}"
    assert single_push.clock_at_trigger < single_push.fire_at
    (triggerer,) = [job for job in api.jobs("TriggererJob") if job["hostname"] == "127.0.1.3"]
    for task_id, map_index in sensors:
        states = watch.states((task_id, map_index))
        # running on a worker, deferred (no worker slot held), back to the scheduler, run again
        assert states[-1] == "success"
        assert "deferred" in states, states
        after = states[states.index("deferred") + 1 :]
        assert "success" in after, states
        seen = [s for s in watch.history[(task_id, map_index)] if s.state == "deferred"]
        assert {s.trigger for s in seen} == {TRIGGER_CLASS}
        assert watch.deferred_on((task_id, map_index)) == [(triggerer["id"], "127.0.1.3")]

        # One try: deferring and resuming is not a retry.
        tries = api.tries(SINGLE_PUSH.dag_id, watch.run_id, task_id, map_index)
        assert [(t["try_number"], t["state"]) for t in tries] == [(1, "success")]

        entries = api.log(SINGLE_PUSH.dag_id, watch.run_id, task_id, 1, map_index)
        text = log_text(entries)
        record(f"one-machine-log-{task_id}", entries)
        # The worker looked once before the firing and deferred ...
        assert re.search(r"0 of \d+ records for its .* occurrence so far", text), text
        assert "Pausing task as DEFERRED" in text
        # ... the triggerer ran the trigger (its lines come from the triggerer's own log file) ...
        assert f".log.trigger.{triggerer['id']}.log" in text
        fired = [entry for entry in entries if entry.get("event") == "Trigger fired event"]
        assert len(fired) == 1, text
        assert "'status': 'success'" in str(fired[0].get("result")), fired
        # ... and the resumed sensor took the firing's records.
        assert re.search(r"fired for its .* occurrence: \d+ records", text), text


def test_the_sensor_did_not_poll_before_the_push_was_due(single_push: SinglePushRun) -> None:
    requests = single_push.emulator_state["requests"]
    msg_id_reads = sum(requests.get("GET /v4/schedules/{schedule_id}/msg-ids", {}).values())
    # one look before deferring, then the trigger's look(s) once the push is due, then the
    # resumed sensor's: a handful, however long the wait (a poking sensor would make one a poke).
    assert 1 <= msg_id_reads <= 5, requests


def test_schedules_were_created_once(single_push: SinglePushRun) -> None:
    state = single_push.emulator_state
    assert state["engagelab"]["schedules"] == SINGLE_PUSH.schedules
    created = state["requests"]["POST /v4/schedules"]
    assert created.get("200", 0) == SINGLE_PUSH.schedules, created


def test_no_log_holds_a_connection_secret(single_push: SinglePushRun, one_machine: OneMachine) -> None:
    deployment, forbidden = one_machine.deployment, one_machine.emulator.secrets.forbidden()
    api, watch = deployment.api, single_push.watch
    served: dict[str, str] = {}
    for task_id, map_index in sorted(watch.current):
        for attempt in api.tries(watch.dag_id, watch.run_id, task_id, map_index):
            entries = api.log(watch.dag_id, watch.run_id, task_id, attempt["try_number"], map_index)
            served[f"{task_id}[{map_index}] try {attempt['try_number']}"] = repr(entries)
    files = deployment.task_log_files()
    assert served
    assert files
    assert leaks(served, forbidden) == []
    assert leaks(files, forbidden) == []
    # Nor the components' own output (scheduler, triggerer, api-server, dag-processor).
    assert leaks(deployment.component_logs(), forbidden) == []


def test_nothing_is_reachable_from_outside_the_namespace(one_machine: OneMachine) -> None:
    ports = one_machine.deployment.ports
    # The api-server, PostgreSQL and the emulator on loopback; Airflow's log servers (the
    # scheduler's for LocalExecutor, the triggerer's) on every interface, which only the
    # namespace keeps from the outside.
    seen = netns.check_isolation(
        [ports.api, ports.postgres, ports.emulator, ports.worker_logs[0], ports.trigger_logs[0]]
    )
    record("one-machine-isolation", seen)
