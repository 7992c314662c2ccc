"""Testing campaign code offline, as the user guide's "Testing your DAGs" page shows it.

The page includes the marked regions of this file, so what it shows is what runs here. The file
stands alone (the test kit's fixtures, no helpers from this project's own tests) so that it can
be copied into a project's tests as it is.
"""

from __future__ import annotations

# --8<-- [start:setup]
from typing import Any

import pendulum

from airflow_provider_engage.emulator import EmulatorConfig, emulator_process
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.operators.engagelab import EngageLabCreateScheduleOperator
from airflow_provider_engage.sensors.engagelab import EngageLabScheduleFiredSensor
from airflow_provider_engage.testing import EngageEmulator

PUSH: dict[str, Any] = {
    "from": "push",
    "to": {"tag": ["vip"]},
    "body": {"platform": "all", "notification": {"alert": "Hello"}},
}
# --8<-- [end:setup]


# --8<-- [start:clock]
def test_a_push_for_tomorrow_fires_when_the_emulated_clock_gets_there(
    engage_emulator: EngageEmulator,
) -> None:
    send_at = pendulum.now("Asia/Shanghai").add(days=1).start_of("hour")
    schedule_id = EngageLabCreateScheduleOperator(
        task_id="push", name="Tomorrow", send_at=send_at, push=PUSH
    ).execute({})

    hook = EngageLabHook()
    assert hook.get_schedule_msg_ids(schedule_id) == []  # nothing yet
    engage_emulator.advance(2 * 86400)  # two days pass; what came due has fired when this returns

    (record,) = hook.get_schedule_msg_ids(schedule_id)
    assert record.ok
    assert record.fired_at == send_at.in_timezone("UTC")


# --8<-- [end:clock]


# --8<-- [start:sensor]
def test_a_sensor_started_after_the_firing_succeeds_at_once(
    engage_emulator: EngageEmulator,
) -> None:
    send_at = pendulum.now("UTC").add(hours=1)
    schedule_id = EngageLabCreateScheduleOperator(
        task_id="push", name="In_an_hour", send_at=send_at, push=PUSH
    ).execute({})
    engage_emulator.advance(2 * 3600)

    records = EngageLabScheduleFiredSensor(task_id="wait", schedule_id=schedule_id).execute({})

    assert [record["ok"] for record in records] == [True]


# --8<-- [end:sensor]


# --8<-- [start:faults]
def test_a_passing_outage_is_waited_out_and_the_push_created_once(
    engage_emulator: EngageEmulator,
) -> None:
    # The next two creates are refused with 503 (EngageLab's 28203): not applied, safe to send again.
    refusal = {"kind": "status", "status": 503, "next": 2, "method": "POST", "path": "/v4/schedules"}
    engage_emulator.faults([refusal])

    EngageLabCreateScheduleOperator(
        task_id="push", name="Despite_503", send_at=pendulum.now("UTC").add(days=1), push=PUSH
    ).execute({})

    state = engage_emulator.state()
    assert state["requests"]["POST /v4/schedules"] == {"503": 2, "200": 1}
    assert state["engagelab"]["schedules"] == 1


def test_a_create_whose_answer_was_lost_is_found_not_sent_twice(
    engage_emulator: EngageEmulator,
) -> None:
    # The service takes the next create, then the connection drops before the answer.
    lost_answer = {"kind": "commit_then_drop", "next": 1, "method": "POST", "path": "/v4/schedules"}
    engage_emulator.faults([lost_answer])

    EngageLabCreateScheduleOperator(
        task_id="push", name="Answer_lost", send_at=pendulum.now("UTC").add(days=1), push=PUSH
    ).execute({})

    assert engage_emulator.state()["engagelab"]["schedules"] == 1


# --8<-- [end:faults]


# --8<-- [start:process]
def test_an_emulator_in_a_process_of_its_own() -> None:
    start = pendulum.datetime(2030, 1, 1, tz="UTC")
    with emulator_process(EmulatorConfig(start_time=start, frozen=True, seed=1)) as url:
        control = EmulatorControl(url)
        control.advance(3600)

        assert pendulum.parse(control.clock()["now"]) == start.add(hours=1)


# --8<-- [end:process]
