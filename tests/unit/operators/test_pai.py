"""PAI operators through `execute()` against the emulator: both API styles, UTC+8, re-attach."""

from __future__ import annotations

import logging
from typing import Any

import pendulum
import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_engage import timing
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.operators.pai import PaiCreateScheduleOperator, PaiDeleteScheduleOperator
from airflow_provider_engage.service_errors import PaiEngagementNotFoundError
from tests.helpers import TaskInstanceStandIn, connection, service_requests

UTC8 = timing.PAI_TZ


@pytest.fixture
def gateway(emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch) -> EmulatorControl:
    monkeypatch.setenv(
        "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT",
        connection(emulator.base_url, "pai_engagement", login=None, password="demo-api-key"),
    )
    return emulator


def create_op(**kwargs: Any) -> PaiCreateScheduleOperator:
    kwargs.setdefault("group_id", "group-12345")
    kwargs.setdefault("name", "DailyReminder")
    kwargs.setdefault("template_code", "SMS_DAILY")
    kwargs.setdefault("sign_name", "MyApp")
    return PaiCreateScheduleOperator(task_id="pai", **kwargs)


def tomorrow_nine_utc8() -> pendulum.DateTime:
    return pendulum.now(UTC8).add(days=1).replace(hour=9, minute=0, second=0, microsecond=0)


def test_aware_time_is_sent_as_utc8_wall_clock(roa: EmulatorControl) -> None:
    ti = TaskInstanceStandIn()
    nine = tomorrow_nine_utc8()
    schedule_id = create_op(
        execute_time=nine.in_timezone("UTC").isoformat(), repeat_cycle=1, repeat_cycle_unit=2, repeat_times=2
    ).execute({"ti": ti})

    plan = PaiEngagementHook().get_schedule(schedule_id)
    assert plan["ExecuteTime"] == nine.format("YYYY-MM-DD HH:mm:ss")
    assert ti.xcom["next_sendings"] == [nine.add(days=day).isoformat() for day in range(3)]
    assert ti.xcom["console_url"].endswith(schedule_id)


def test_gateway_style_creates_through_the_seed_endpoint(gateway: EmulatorControl) -> None:
    schedule_id = create_op(execute_time=tomorrow_nine_utc8(), payment_type="Subscription").execute(
        {"ti": TaskInstanceStandIn()}
    )

    assert schedule_id
    assert service_requests(gateway) == {"POST /api/PaiPlugin/2022-01-12/CreateSchedule": {"200": 1}}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"name": "x"}, "name"),
        ({"name": "has space"}, "name"),
        ({"execute_time": "2030-1-1 09:00:00"}, "execute_time"),
        ({"execute_time": "2030-01-01T09:00:00"}, "execute_time"),
        ({"execute_time": pendulum.naive(2030, 1, 1, 9)}, "execute_time"),
        ({"repeat_cycle_unit": 7, "repeat_cycle": 1}, "repeat_cycle_unit"),
        ({"repeat_times": -2, "repeat_cycle": 1, "repeat_cycle_unit": 2}, "repeat_times"),
        ({"payment_type": "Free"}, "payment_type"),
        ({"end_time": 253402300800000}, "end_time"),  # past 9999: it was sent (fuzz)
    ],
)
def test_bad_input_names_the_argument_and_sends_nothing(
    roa: EmulatorControl, arguments: dict[str, Any], field: str
) -> None:
    arguments.setdefault("execute_time", tomorrow_nine_utc8())
    with pytest.raises(AirflowFailException, match=f"nothing was sent: .*{field}"):
        create_op(**arguments).execute({"ti": TaskInstanceStandIn()})

    assert service_requests(roa) == {}


def test_a_negative_preview_count_is_refused_when_the_dag_is_parsed() -> None:
    # Found by the input fuzz: the plan was created first, then the task failed naming "limit".
    with pytest.raises(InvalidFieldError) as caught:
        create_op(preview_count=-1)
    assert caught.value.field == "preview_count"


def test_retry_reattaches_to_the_plan_an_earlier_try_created(roa: EmulatorControl) -> None:
    first = create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    again = create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn(try_number=2)})

    assert again == first
    assert roa.state()["pai"]["schedules"] == 1


def test_running_a_finished_task_again_at_try_1_reattaches_on_roa(
    roa: EmulatorControl, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.INFO):
        first = create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})
        first_log = caplog.text + capsys.readouterr().out
        caplog.clear()
        again = create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})
        second_log = caplog.text + capsys.readouterr().out

    assert again == first
    assert roa.state()["pai"]["schedules"] == 1
    assert f"Created PAI plan {first} (DailyReminder)" in first_log
    assert f"Re-attached to PAI plan {first} (DailyReminder), created earlier in this DAG run" in second_log
    assert "Created PAI plan" not in second_log


def test_mapped_tasks_sharing_a_name_each_create_their_plan(roa: EmulatorControl) -> None:
    nine = tomorrow_nine_utc8()
    ids = [
        create_op(execute_time=nine.add(hours=index)).execute({"ti": TaskInstanceStandIn(map_index=index)})
        for index in range(3)
    ]

    assert len(set(ids)) == 3
    assert roa.state()["pai"]["schedules"] == 3


def test_retry_does_not_take_a_plan_of_the_same_name_for_another_group(roa: EmulatorControl) -> None:
    create_op(group_id="group-a", execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    create_op(group_id="group-b", execute_time=tomorrow_nine_utc8()).execute(
        {"ti": TaskInstanceStandIn(try_number=2)}
    )

    assert roa.state()["pai"]["schedules"] == 2


def test_retry_finds_its_plan_among_many_whose_names_share_a_part(roa: EmulatorControl) -> None:
    # ListSchedules matches Name as a substring, newest first: "VIP_1" also finds VIP_10..VIP_19.
    ids = {
        name: create_op(name=name, execute_time=tomorrow_nine_utc8()).execute(
            {"ti": TaskInstanceStandIn(map_index=index)}
        )
        for index, name in enumerate(f"VIP_{number}" for number in range(1, 21))
    }

    again = create_op(name="VIP_1", execute_time=tomorrow_nine_utc8()).execute(
        {"ti": TaskInstanceStandIn(map_index=0, try_number=2)}
    )

    assert again == ids["VIP_1"]
    assert roa.state()["pai"]["schedules"] == 20


def test_an_epoch_end_time_rendered_as_text_is_sent_as_a_number(roa: EmulatorControl) -> None:
    ti = TaskInstanceStandIn()
    end = tomorrow_nine_utc8().add(days=10)
    schedule_id = create_op(
        execute_time=tomorrow_nine_utc8(),
        repeat_cycle=1,
        repeat_cycle_unit=2,
        end_time=str(end.int_timestamp),  # what "{{ ... .int_timestamp }}" renders
        preview_count=20,
    ).execute({"ti": ti})

    assert PaiEngagementHook().get_schedule(schedule_id)["EndTime"] == end.int_timestamp
    assert len(ti.xcom["next_sendings"]) == 11  # daily from tomorrow through the end, inclusive


def test_lost_answer_on_roa_reattaches_within_the_same_try(roa: EmulatorControl) -> None:
    roa.faults([{"kind": "commit_then_drop", "next": 1, "method": "POST", "path": "/api/v2/schedules"}])

    schedule_id = create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    assert PaiEngagementHook().get_schedule(schedule_id)["Name"] == "DailyReminder"
    assert roa.state()["pai"]["schedules"] == 1


def test_lost_answer_on_the_gateway_fails_without_retry(gateway: EmulatorControl) -> None:
    gateway.faults([{"kind": "commit_then_drop", "next": 1, "method": "POST", "path": "/api/PaiPlugin"}])

    with pytest.raises(AirflowFailException, match="got no answer; it may exist"):
        create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    assert gateway.state()["pai"]["schedules"] == 1  # it did take effect: a retry would have doubled it


@pytest.mark.parametrize("api_style", ["roa", "gateway"])
def test_a_refusal_of_the_service_fails_without_retry(
    emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch, api_style: str
) -> None:
    login = "demo-ak-id" if api_style == "roa" else None
    monkeypatch.setenv(
        "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT",
        connection(
            emulator.base_url, "pai_engagement", login=login, password="wrong-secret", api_style=api_style
        ),
    )

    with pytest.raises(AirflowFailException, match="HTTP 40") as failed:
        create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    assert failed.value.__cause__.status_code in (400, 401, 403)  # SignatureDoesNotMatch is a 400
    assert not failed.value.__cause__.transient


def test_a_transient_failure_of_the_gateway_stays_retryable(gateway: EmulatorControl) -> None:
    gateway.faults(
        [{"kind": "status", "next": 10, "method": "POST", "path": "/api/PaiPlugin", "status": 429}]
    )

    with pytest.raises(AirflowException, match="HTTP 429") as failed:
        create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    assert not isinstance(failed.value, AirflowFailException)
    assert gateway.state()["pai"]["schedules"] == 0


def test_delete_removes_the_plan_and_tolerates_a_missing_one(roa: EmulatorControl) -> None:
    schedule_id = create_op(execute_time=tomorrow_nine_utc8()).execute({"ti": TaskInstanceStandIn()})

    PaiDeleteScheduleOperator(task_id="delete", schedule_id=schedule_id).execute({})
    PaiDeleteScheduleOperator(task_id="delete", schedule_id=schedule_id).execute({})

    assert roa.state()["pai"]["schedules"] == 0
    with pytest.raises(AirflowFailException, match="code 404") as failed:
        PaiDeleteScheduleOperator(task_id="delete", schedule_id=schedule_id, missing_ok=False).execute({})
    assert isinstance(failed.value.__cause__, PaiEngagementNotFoundError)
