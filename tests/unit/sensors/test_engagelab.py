"""EngageLabScheduleFiredSensor and EngageLabPushPlanMessagesSensor against the emulator over real
HTTP, in poke, reschedule and deferrable modes, on a simulated clock (see conftest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    TaskDeferred,
)

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.sensors.engagelab import (
    EngageLabPushPlanMessagesSensor,
    EngageLabScheduleFiredSensor,
)
from tests.helpers import service_requests

from .conftest import START, Rescheduling, SimulatedTime, Store, drive, run_context

MODES = ["poke", "reschedule", "deferrable"]
PUSH: dict[str, Any] = {"to": "all", "body": {"platform": "all", "notification": {"alert": "Hello"}}}


def create(trigger: dict[str, Any], *, push: dict[str, Any] | None = None, name: str = "campaign") -> str:
    body = {"name": name, "enabled": True, "trigger": trigger, "push": push or PUSH}
    return str(EngageLabHook().create_schedule(body)["schedule_id"])


def single(wall: str, zone_type: int = 1) -> dict[str, Any]:
    return {"single": {"time": wall, "zone_type": zone_type}}


def periodical(unit: str, point: list[str], *, time: str = "09:00:00", zone_type: int = 1) -> dict[str, Any]:
    return {
        "periodical": {
            "start": "2030-01-01 00:00:00",
            "end": "2030-06-30 00:00:00",
            "time": time,
            "time_unit": unit,
            "point": point,
            "zone_type": zone_type,
        }
    }


def sensor(mode: str, schedule_id: str, **options: Any) -> EngageLabScheduleFiredSensor:
    return EngageLabScheduleFiredSensor(
        task_id="wait",
        schedule_id=schedule_id,
        mode="reschedule" if mode == "reschedule" else "poke",
        deferrable=mode == "deferrable",
        timeout=options.pop("timeout", 60 * 86400),
        **options,
    )


def fired_calls(control: EmulatorControl) -> int:
    return sum(sum(statuses.values()) for statuses in service_requests(control).values())


# --- the three modes catch one firing, cheaply ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("trigger", "first_wall"),
    [
        (single("2030-01-08 09:00:00"), "2030-01-08 09:00:00"),
        (periodical("day", []), "2030-01-01 09:00:00"),
        (periodical("week", ["WED"]), "2030-01-02 09:00:00"),
        (periodical("month", ["15"]), "2030-01-15 09:00:00"),
    ],
    ids=["single", "daily", "weekly", "monthly"],
)
def test_a_firing_is_caught_within_seconds_in_a_handful_of_calls(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str, trigger: dict[str, Any], first_wall: str
) -> None:
    schedule_id = create(trigger)
    before = fired_calls(emulator)
    context = run_context()
    ti = context["ti"]

    outcome = drive(sensor(mode, schedule_id), simulated, context)

    records = outcome.result
    assert [record["ok"] for record in records] == [True]
    assert records[0]["schedule_id"] == schedule_id  # what a statistics load keys its rows by
    assert ti.xcom["occurrence"]["wall_time"] == first_wall
    fired_at = dt.datetime.fromisoformat(records[0]["fired_at"])
    assert fired_at == dt.datetime.fromisoformat(ti.xcom["occurrence"]["earliest"])
    caught = dt.datetime.fromisoformat(ti.xcom["detected_at"])  # the service's now when it was seen
    assert dt.timedelta(0) <= caught - fired_at <= dt.timedelta(seconds=60)  # within a poke interval
    assert fired_calls(emulator) - before <= 5  # get + msg-ids before, then a look or two
    assert (outcome.deferrals, outcome.reschedules > 0) == (int(mode == "deferrable"), mode == "reschedule")


@pytest.mark.parametrize("mode", MODES)
def test_a_sensor_started_after_the_firing_succeeds_at_once(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = create(periodical("day", []))
    emulator.set_clock("2030-01-01T01:00:30+00:00")  # 09:00:30 in Shanghai: today's push is out

    outcome = drive(sensor(mode, schedule_id), simulated)

    assert [r["fired_at"] for r in outcome.result] == ["2030-01-01T01:00:00+00:00"]
    assert (outcome.deferrals, outcome.reschedules, simulated.slept) == (0, 0, [])


def test_a_sensor_started_during_a_device_zone_occurrence_succeeds_on_what_arrived(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = create(single("2030-01-03 09:00:00", zone_type=2))
    emulator.set_clock("2030-01-02T23:30:00+00:00")  # UTC+14 and UTC+12 have had it

    outcome = drive(sensor("poke", schedule_id), simulated)

    assert len(outcome.result) >= 1
    assert simulated.slept == []


@pytest.mark.parametrize("mode", MODES)
def test_all_zones_waits_for_the_last_arrival_and_its_grace(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = create(single("2030-01-03 09:00:00", zone_type=2))  # 2030-01-02 19:00Z .. 01-03 21:00Z

    outcome = drive(sensor(mode, schedule_id, wait_for_all_zones=True, grace=300), simulated)

    assert len(outcome.result) == 14  # every band the emulator delivers it in
    assert outcome.result[-1]["fired_at"] == "2030-01-03T21:00:00+00:00"
    assert dt.datetime.fromisoformat(emulator.clock()["now"]) >= dt.datetime(2030, 1, 3, 21, 5, tzinfo=dt.UTC)


# --- which firing, fixed once ---------------------------------------------------------------------


def test_an_explicit_occurrence_waits_for_that_one_not_the_next(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = create(periodical("day", []))

    outcome = drive(sensor("poke", schedule_id, occurrence="2030-01-04T00:00:00+00:00"), simulated)

    assert [r["fired_at"] for r in outcome.result] == ["2030-01-04T01:00:00+00:00"]


def test_a_retry_after_its_occurrence_fired_takes_that_occurrence_not_the_next(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = create(periodical("day", []))
    store = Store()
    with pytest.raises(TaskDeferred):  # the first try defers, then dies with its triggerer
        sensor("deferrable", schedule_id).execute(run_context(task_state_store=store))
    emulator.set_clock("2030-01-03T00:00:00+00:00")  # two days on: the awaited firing is long out

    retry = drive(sensor("poke", schedule_id), simulated, run_context(task_state_store=store))

    assert [r["fired_at"] for r in retry.result] == ["2030-01-01T01:00:00+00:00"]


def test_a_task_cleared_to_run_again_waits_afresh(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = create(periodical("day", []))
    store = Store()
    drive(sensor("poke", schedule_id), simulated, run_context(task_state_store=store))
    emulator.set_clock("2030-01-03T00:00:00+00:00")
    cleared_ti = Rescheduling(max_tries=2)  # clearing a task raises its max_tries; a retry does not

    cleared = drive(
        sensor("poke", schedule_id), simulated, run_context(ti=cleared_ti, task_state_store=store)
    )

    assert [r["fired_at"] for r in cleared.result] == ["2030-01-03T01:00:00+00:00"]


# --- endings that cannot change --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_schedule_deleted_before_it_fired_fails_at_once(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = create(single("2030-01-08 09:00:00"))
    EngageLabHook().delete_schedule(schedule_id)

    with pytest.raises(AirflowFailException, match="deleted"):
        drive(sensor(mode, schedule_id), simulated)
    assert simulated.slept == []


def test_a_schedule_deleted_during_the_wait_fails_at_its_next_look(
    emulator: EmulatorControl, simulated: SimulatedTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule_id = create(single("2030-01-08 09:00:00"))
    from airflow_provider_engage.sensors.base import WaitingSensor

    def delete_then_sleep(self: Any, seconds: float) -> None:
        EngageLabHook().delete_schedule(schedule_id)
        simulated.sleep(seconds)

    monkeypatch.setattr(WaitingSensor, "_sleep", delete_then_sleep)

    with pytest.raises(AirflowFailException, match="was deleted"):
        drive(sensor("poke", schedule_id), simulated)


@pytest.mark.parametrize("mode", MODES)
def test_a_disabled_schedule_fails_at_once(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = create(single("2030-01-08 09:00:00"))
    hook = EngageLabHook()
    current = hook.get_schedule(schedule_id)
    hook.update_schedule(
        schedule_id, {**{k: current[k] for k in ("name", "trigger", "push")}, "enabled": False}
    )

    with pytest.raises(AirflowFailException, match="is disabled"):
        drive(sensor(mode, schedule_id), simulated)


@pytest.mark.parametrize("mode", MODES)
def test_a_firing_that_reached_nobody_is_returned_and_fails_only_when_asked(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    gone = {"to": {"registration_id": ["gone-device-1"]}, "body": PUSH["body"]}
    schedule_id = create(single("2030-01-08 09:00:00"), push=gone)

    records = drive(sensor(mode, schedule_id), simulated).result
    assert [(r["error_code"], r["meaning"]) for r in records] == [(1011, "cannot find sending target")]
    emulator.set_clock(START)
    again = create(single("2030-01-08 09:00:00"), push=gone, name="again")
    with pytest.raises(AirflowFailException, match="fail_on_message_errors"):
        drive(sensor(mode, again, fail_on_message_errors=True), simulated)


def test_a_window_that_passes_with_no_ids_fails_at_once_not_at_the_timeout(
    emulator: EmulatorControl, simulated: SimulatedTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A push whose targets never existed: the service keeps the schedule but fires nothing here,
    # as a service that silently drops a firing would.
    schedule_id = create(single("2030-01-08 09:00:00"))
    asked = EngageLabHook.get_schedule_msg_ids
    monkeypatch.setattr(EngageLabHook, "get_schedule_msg_ids", lambda self, sid: asked(self, sid)[:0])

    with pytest.raises(AirflowFailException, match="did not fire"):
        drive(sensor("poke", schedule_id, grace=120), simulated)
    assert dt.datetime.fromisoformat(emulator.clock()["now"]) < dt.datetime(2030, 1, 8, 1, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize("mode", MODES)
def test_the_timeout_ends_the_wait_as_airflows_sensors_do_and_soft_fail_skips(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = create(single("2030-01-08 09:00:00"))

    with pytest.raises(AirflowSensorTimeout):  # timeout=0: the deadline is the first look
        drive(sensor(mode, schedule_id, timeout=0), simulated)
    with pytest.raises(AirflowSkipException):
        drive(sensor(mode, schedule_id, timeout=0, soft_fail=True), simulated)


# --- transient trouble is waited through ---------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "status", "status": 503, "code": 28203, "probability": 0.5},
        {"kind": "drop", "probability": 0.5},
    ],
    ids=["28203-storm", "dropped-connections"],
)
def test_a_storm_of_transient_failures_during_the_wait_does_not_end_it(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str, rule: dict[str, Any]
) -> None:
    schedule_id = create(single("2030-01-08 09:00:00"))
    storm = [{**rule, "method": "GET", "path": f"/v4/schedules/{schedule_id}/msg-ids"}]
    simulated.when_waiting.append(lambda: emulator.faults(storm, seed=4))

    outcome = drive(sensor(mode, schedule_id, poke_interval=30), simulated)

    assert outcome.result[0]["fired_at"] == "2030-01-08T01:00:00+00:00"
    assert emulator.state()["faults"]["injected"]


@pytest.mark.parametrize("mode", MODES)
def test_the_legacy_msgids_answer_is_read_by_growth(
    legacy_emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = create(periodical("day", []))
    legacy_emulator.set_clock("2030-01-03T00:00:00+00:00")  # two firings already out
    before = EngageLabHook().get_schedule_msg_ids(schedule_id)

    outcome = drive(sensor(mode, schedule_id), simulated, run_context(task_state_store=Store()))

    assert [r.fired_at for r in before] == [None, None]  # no ts: only the count can tell
    assert len(outcome.result) == 1
    assert outcome.result[0]["msg_id"] not in {r.msg_id for r in before}


def test_a_legacy_answer_first_read_inside_a_periodicals_window_fails_rather_than_guesses(
    legacy_emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = create(periodical("day", []))
    legacy_emulator.set_clock("2030-01-03T01:00:30+00:00")  # today's push is out: whose ids are whose?

    with pytest.raises(AirflowFailException, match="cannot be told from earlier firings"):
        drive(sensor("poke", schedule_id), simulated)


# --- push plans -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_the_plan_sensor_waits_until_each_plan_has_ids_in_the_range(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    hook = EngageLabHook()
    for plan in ("spring", "autumn"):
        hook.upsert_push_plan(plan, plan)
        tagged = {**PUSH, "body": {**PUSH["body"], "options": {"plan_id": plan}}}
        create(single("2030-01-02 09:00:00"), push=tagged, name=plan)

    plans = EngageLabPushPlanMessagesSensor(
        task_id="plans",
        plan_ids="spring,autumn",
        start_date="2030-01-02",
        end_date="2030-01-03",
        mode="reschedule" if mode == "reschedule" else "poke",
        deferrable=mode == "deferrable",
    )
    found = drive(plans, simulated).result

    assert sorted(found) == ["autumn", "spring"]
    assert all(len(ids) == 1 for ids in found.values())


def test_the_plan_sensor_checks_the_seeds_date_rules_before_it_waits(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    plans = EngageLabPushPlanMessagesSensor(
        task_id="plans", plan_ids=["spring"], start_date="2030-01-10", end_date="2030-01-01"
    )
    before = fired_calls(emulator)

    with pytest.raises(AirflowFailException, match="end_date"):
        drive(plans, simulated)
    assert fired_calls(emulator) == before


def test_the_plan_sensor_fails_once_the_range_has_passed_without_ids(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    EngageLabHook().upsert_push_plan("quiet", "nothing is tagged with it")
    plans = EngageLabPushPlanMessagesSensor(
        task_id="plans", plan_ids=["quiet"], start_date="2030-01-01", end_date="2030-01-01", grace=60
    )

    with pytest.raises(AirflowFailException, match="quiet"):
        drive(plans, simulated)


@pytest.mark.parametrize("occurrence", ["tomorrow", "2030-01-08T09:00:00", 5, dt.datetime(2030, 1, 8, 9)])
def test_an_occurrence_no_schedule_can_have_is_refused_before_any_request(
    emulator: EmulatorControl, simulated: SimulatedTime, occurrence: Any
) -> None:
    # Found by the input fuzz: the sensor read the schedule first, then refused the form.
    schedule_id = create(single("2030-01-08 09:00:00"))
    before = fired_calls(emulator)
    with pytest.raises(AirflowFailException, match="the sensor did not wait: occurrence: "):
        drive(sensor("poke", schedule_id, occurrence=occurrence), simulated)
    assert fired_calls(emulator) == before


def test_min_messages_is_refused_when_the_dag_is_parsed_naming_it() -> None:
    from airflow_provider_engage.input_errors import InvalidFieldError

    for make in (
        lambda: sensor("poke", "s1", min_messages=0),
        lambda: EngageLabPushPlanMessagesSensor(
            task_id="p", plan_ids="p1", start_date="2030-01-01", end_date="2030-01-02", min_messages=0
        ),
    ):
        with pytest.raises(InvalidFieldError) as caught:
            make()
        assert caught.value.field == "min_messages"
