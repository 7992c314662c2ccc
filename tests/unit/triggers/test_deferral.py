"""The deferral triggers: plain-JSON kwargs through Airflow's own trigger row, one terminal event,
transient trouble outlived, a restart mid-wait, cancellation, cleanup, no blocking in the loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import logging
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, TaskDeferred

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor
from airflow_provider_engage.triggers.deferral import WaitingTrigger
from airflow_provider_engage.triggers.engagelab import EngageLabScheduleFiredTrigger
from tests.helpers import connection
from tests.unit.sensors.conftest import SimulatedTime, run_context, run_trigger

PUSH = {"to": "all", "body": {"platform": "all", "notification": {"alert": "hi"}}}


def deferred_trigger(wall: str = "2030-01-08 09:00:00", **options: Any) -> WaitingTrigger:
    """A sensor's trigger, as the sensor deferred with it."""
    body = {"name": "t", "enabled": True, "trigger": {"single": {"time": wall, "zone_type": 1}}, "push": PUSH}
    schedule_id = EngageLabHook().create_schedule(body)["schedule_id"]
    sensor = EngageLabScheduleFiredSensor(task_id="wait", schedule_id=schedule_id, deferrable=True, **options)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(run_context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, WaitingTrigger)
    return trigger


def through_the_trigger_table(trigger: WaitingTrigger) -> WaitingTrigger:
    """Rebuilt as a triggerer does: Airflow's trigger row (serde, encryption) and back."""
    from airflow.models.trigger import Trigger

    row = Trigger.from_object(trigger)
    module, _, name = row.classpath.rpartition(".")
    rebuilt: WaitingTrigger = getattr(importlib.import_module(module), name)(**row.kwargs)
    return rebuilt


def test_kwargs_are_plain_json_with_absolute_instants_and_survive_the_trigger_table(
    emulator: EmulatorControl,
) -> None:
    import json

    trigger = deferred_trigger()
    path, kwargs = trigger.serialize()

    assert path == "airflow_provider_engage.triggers.engagelab.EngageLabScheduleFiredTrigger"
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert kwargs["watch"]["occurrence"]["earliest"] == "2030-01-08T01:00:00+00:00"
    assert dt.datetime.fromisoformat(kwargs["deadline"]).tzinfo is not None
    assert through_the_trigger_table(trigger).serialize() == (path, kwargs)


def test_the_trigger_yields_one_success_event_with_the_records(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    event = run_trigger(through_the_trigger_table(deferred_trigger()))

    assert event["status"] == "success"
    assert [r["fired_at"] for r in event["result"]] == ["2030-01-08T01:00:00+00:00"]


def test_a_restart_mid_wait_resumes_from_the_kwargs_and_reports_once(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    trigger = deferred_trigger()
    _, kwargs = trigger.serialize()
    events: list[dict[str, Any]] = []

    async def killed_mid_wait() -> None:
        run = asyncio.ensure_future(_all_events(trigger, events))
        while not simulated.slept:  # noqa: ASYNC110 (the trigger is asleep before the firing)
            await asyncio.sleep(0.01)
        run.cancel()  # the triggerer dies
        with pytest.raises(asyncio.CancelledError):
            await run

    asyncio.run(killed_mid_wait())
    assert events == []  # cancellation is never an event
    assert trigger._hook is None  # cleanup closed the session

    restarted = EngageLabScheduleFiredTrigger(**kwargs)
    asyncio.run(_all_events(restarted, events))

    assert [event["status"] for event in events] == ["success"]


async def _all_events(trigger: WaitingTrigger, into: list[dict[str, Any]]) -> None:
    try:
        async for event in trigger.run():
            into.append(dict(event.payload))
    finally:
        await trigger.cleanup()


def test_transient_faults_are_outlived_and_logged(
    emulator: EmulatorControl,
    simulated: SimulatedTime,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    trigger = deferred_trigger()
    rule = {
        "kind": "status",
        "status": 503,
        "code": 28203,
        "next": 9,
        "method": "GET",
        "path": "/v4/schedules",
    }
    simulated.when_waiting.append(lambda: emulator.faults([rule]))
    caplog.set_level(logging.WARNING)

    event = run_trigger(trigger)

    assert event["status"] == "success"
    assert emulator.state()["faults"]["injected"]["status"] == 9  # three looks' worth of hook retries
    said = "Waiting through a transient failure"
    # Airflow 3 logs through structlog to stdout, 2.11 through logging (and stdout too).
    assert max(caplog.text.count(said), capfd.readouterr().out.count(said)) == 3


def test_a_refusal_no_retry_can_change_ends_the_wait_with_an_error_event(
    emulator: EmulatorControl, simulated: SimulatedTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    trigger = deferred_trigger()
    monkeypatch.setenv(
        "AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(emulator.base_url, password="not-the-master-secret")
    )

    event = run_trigger(trigger)

    assert event["status"] == "error"
    assert "28101" in event["message"]
    assert "not-the-master-secret" not in event["message"]


def test_the_deadline_ends_the_wait_with_a_timeout_event_by_this_machines_clock(
    emulator: EmulatorControl,
) -> None:
    trigger = deferred_trigger(timeout=1)  # real time: the firing is a week of service time away
    started = dt.datetime.now(dt.UTC)

    event = run_trigger(trigger)

    assert event["status"] == "timeout"
    assert dt.datetime.now(dt.UTC) - started < dt.timedelta(seconds=10)


@pytest.mark.parametrize("event", [None, {}, {"status": "done"}, {"message": "no status"}, "success"])
def test_execute_complete_refuses_an_unknown_or_missing_status(event: Any) -> None:
    sensor = EngageLabScheduleFiredSensor(task_id="wait", schedule_id="s1")

    with pytest.raises(AirflowException, match="no known status"):
        sensor.execute_complete({}, event)


def test_the_wait_never_blocks_the_event_loop(
    emulator: EmulatorControl, simulated: SimulatedTime, caplog: pytest.LogCaptureFixture
) -> None:
    trigger = deferred_trigger()

    async def watched() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = 0.2  # what Airflow's triggerer warns at
        events: list[dict[str, Any]] = []
        await _all_events(trigger, events)
        return events[0]

    caplog.set_level(logging.WARNING, logger="asyncio")
    event = asyncio.run(watched())

    assert event["status"] == "success"
    assert "Executing" not in caplog.text, caplog.text
