"""PaiScheduleSensor against the emulator (roa, signed) in poke, reschedule and deferrable modes."""

from __future__ import annotations

import datetime as dt

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.sensors.pai import PaiScheduleSensor
from tests.helpers import service_requests

from .conftest import SimulatedTime, drive

MODES = ["poke", "reschedule", "deferrable"]


def sensor(mode: str, schedule_id: str, **options: object) -> PaiScheduleSensor:
    return PaiScheduleSensor(
        task_id="wait_for_sms",
        schedule_id=schedule_id,
        mode="reschedule" if mode == "reschedule" else "poke",
        deferrable=mode == "deferrable",
        timeout=60 * 86400,
        **options,  # type: ignore[arg-type]
    )


def plan(group_id: str = "churned", **fields: object) -> str:
    settings = {"execute_time": "2030-01-02 10:00:00", **fields}
    return str(PaiEngagementHook().create_schedule(group_id=group_id, name="Recall", **settings)["Id"])  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", MODES)
def test_a_plan_that_sends_once_succeeds_when_sent(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = plan()

    outcome = drive(sensor(mode, schedule_id), simulated)

    assert outcome.result == {"schedule_id": schedule_id, "sending": "2030-01-02T02:00:00+00:00", "status": 4}
    now = dt.datetime.fromisoformat(emulator.clock()["now"])
    assert dt.timedelta(0) <= now - dt.datetime(2030, 1, 2, 2, tzinfo=dt.UTC) <= dt.timedelta(seconds=60)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("group", "words"), [("fail-check-1", "check failed"), ("fail-send-1", "send failed")]
)
def test_a_failed_check_or_sending_fails_at_once_with_the_reason(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str, group: str, words: str
) -> None:
    schedule_id = plan(group)

    with pytest.raises(AirflowFailException, match=words):
        drive(sensor(mode, schedule_id), simulated)


@pytest.mark.parametrize("mode", MODES)
def test_a_daily_plans_awaited_sending_is_found_in_its_days_metrics(
    emulator: EmulatorControl, simulated: SimulatedTime, mode: str
) -> None:
    schedule_id = plan(repeat_cycle=1, repeat_cycle_unit=2, repeat_times=-1)

    outcome = drive(sensor(mode, schedule_id, sending="2030-01-04T00:00:00+00:00"), simulated)

    assert outcome.result["sending"] == "2030-01-04T02:00:00+00:00"
    metrics = outcome.result["metrics"]
    assert metrics["Date"] == "20300104"
    assert metrics["Total"] == metrics["Success"] + metrics["Fail"] > 0
    assert metrics["Pending"] == 0


def test_an_hourly_plan_counts_growth_over_the_days_earlier_sendings(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = plan(repeat_cycle=1, repeat_cycle_unit=1, repeat_times=-1)
    emulator.set_clock("2030-01-02T02:30:00+00:00")  # 10:00 UTC+8 sent; the sensor awaits 11:00
    earlier = PaiEngagementHook().list_message_metrics(schedule_id, "20300102", "20300102")["Metrics"][0]

    outcome = drive(sensor("poke", schedule_id), simulated)

    assert outcome.result["sending"] == "2030-01-02T03:00:00+00:00"
    assert outcome.result["metrics"]["Total"] > earlier["Total"] > 0  # grew by the 11:00 sending
    caught = dt.datetime.fromisoformat(emulator.clock()["now"])
    assert caught - dt.datetime(2030, 1, 2, 3, tzinfo=dt.UTC) <= dt.timedelta(seconds=60)


def test_an_hourly_plan_read_after_its_sending_refuses_to_guess(
    emulator: EmulatorControl, simulated: SimulatedTime
) -> None:
    schedule_id = plan(repeat_cycle=1, repeat_cycle_unit=1, repeat_times=-1)
    emulator.set_clock("2030-01-02T02:30:00+00:00")

    with pytest.raises(AirflowFailException, match="cannot be told from the day's others"):
        drive(sensor("poke", schedule_id, sending="2030-01-02T02:00:00+00:00"), simulated)


def test_the_gateway_style_says_plainly_there_is_nothing_to_wait_on(
    emulator: EmulatorControl, simulated: SimulatedTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import connection

    monkeypatch.setenv(
        "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT",
        connection(emulator.base_url, "pai_engagement", login=None, password="demo-api-key"),
    )

    with pytest.raises(AirflowFailException, match=r"needs api_style 'roa'.*nothing to wait on"):
        drive(sensor("deferrable", "any-plan"), simulated)


def test_a_deleted_plan_fails_at_once(emulator: EmulatorControl, simulated: SimulatedTime) -> None:
    schedule_id = plan()
    PaiEngagementHook().delete_schedule(schedule_id)

    with pytest.raises(AirflowFailException, match="does not exist"):
        drive(sensor("poke", schedule_id), simulated)


@pytest.mark.parametrize("sending", ["tomorrow", "2030-01-02T10:00:00", 5, dt.datetime(2030, 1, 2, 10)])
def test_a_sending_no_plan_can_have_is_refused_before_any_request(
    emulator: EmulatorControl, simulated: SimulatedTime, sending: object
) -> None:
    # Found by the input fuzz: the sensor read the plan first, then refused the form.
    schedule_id = plan()
    before = service_requests(emulator)
    with pytest.raises(AirflowFailException, match="the sensor did not wait: sending: "):
        drive(sensor("poke", schedule_id, sending=sending), simulated)
    assert service_requests(emulator) == before
