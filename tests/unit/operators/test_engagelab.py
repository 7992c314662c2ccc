"""EngageLab operators through `execute()` against the emulator over real HTTP."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pendulum
import pytest
import requests
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabCreateSchedulesOperator,
    EngageLabDeleteScheduleOperator,
    EngageLabUpdateScheduleOperator,
    EngageLabUpsertPushPlanOperator,
)
from airflow_provider_engage.schedules import IDEMPOTENCY_MARKER
from airflow_provider_engage.service_errors import EngageLabNotFoundError
from tests.helpers import TaskInstanceStandIn, connection, service_requests

PUSH: dict[str, Any] = {
    "from": "push",
    "to": {"registration_id": ["1a0018970ab49abda3e", "100d85590955c1d2793"]},
    "body": {
        "platform": "android",
        "notification": {"alert": "Scheduled task from API", "android": {"title": "Hello"}},
        "message": {},
        "options": {"time_to_live": 60},
    },
}


def tomorrow_at(hour: int, tz: str = "Asia/Shanghai") -> pendulum.DateTime:
    return pendulum.now(tz).add(days=1).replace(hour=hour, minute=0, second=0, microsecond=0)


def create_op(**kwargs: Any) -> EngageLabCreateScheduleOperator:
    kwargs.setdefault("name", "Spring_sale")
    kwargs.setdefault("push", PUSH)
    return EngageLabCreateScheduleOperator(task_id="create", **kwargs)


def stored(schedule_id: str) -> dict[str, Any]:
    return EngageLabHook().get_schedule(schedule_id)


# --- create: time zones ---------------------------------------------------------------------------


def test_aware_utc_send_at_becomes_site_wall_clock(engagelab_conn: EmulatorControl, ti) -> None:
    nine_shanghai = tomorrow_at(9)
    schedule_id = create_op(send_at=nine_shanghai.in_timezone("UTC")).execute({"ti": ti})

    trigger = stored(schedule_id)["trigger"]
    assert trigger == {"single": {"time": nine_shanghai.format("YYYY-MM-DD") + " 09:00:00", "zone_type": 1}}
    assert ti.xcom["next_occurrences"][0]["earliest"] == nine_shanghai.in_timezone("UTC").isoformat()


def test_rendered_iso_string_with_offset_is_converted(engagelab_conn: EmulatorControl, ti) -> None:
    nine_shanghai = tomorrow_at(9)
    rendered = nine_shanghai.in_timezone("America/New_York").isoformat()  # what a template gives
    schedule_id = create_op(send_at=rendered).execute({"ti": ti})

    assert stored(schedule_id)["trigger"]["single"]["time"] == nine_shanghai.format("YYYY-MM-DD HH:mm:ss")


def test_api_string_passes_through_unchanged(engagelab_conn: EmulatorControl, ti) -> None:
    text = tomorrow_at(21).format("YYYY-MM-DD HH:mm:ss")
    schedule_id = create_op(send_at=text).execute({"ti": ti})

    assert stored(schedule_id)["trigger"]["single"]["time"] == text


def test_site_timezone_with_daylight_saving_is_honoured(
    emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch, ti
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(emulator.base_url, site_timezone="America/New_York")
    )
    # 9:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
    year = pendulum.now("UTC").year + 1
    for month, utc_hour in ((1, 14), (7, 13)):
        send_at = pendulum.datetime(year, month, 15, utc_hour, tz="UTC")
        if send_at > pendulum.now("UTC").add(years=1):
            send_at = send_at.subtract(years=1)
        schedule_id = create_op(name=f"Sale_{month}", send_at=send_at).execute({"ti": ti})
        wall = stored(schedule_id)["trigger"]["single"]["time"]
        assert wall.endswith(" 09:00:00"), (month, wall)


def test_zone_type_2_keeps_the_device_wall_clock(engagelab_conn: EmulatorControl, ti) -> None:
    nine_somewhere = tomorrow_at(9, "Europe/Berlin")
    schedule_id = create_op(send_at=nine_somewhere, zone_type=2).execute({"ti": ti})

    single = stored(schedule_id)["trigger"]["single"]
    assert single == {"time": nine_somewhere.format("YYYY-MM-DD") + " 09:00:00", "zone_type": 2}
    first = ti.xcom["next_occurrences"][0]
    earliest, latest = pendulum.parse(first["earliest"]), pendulum.parse(first["latest"])
    assert (latest - earliest).in_hours() == 26


def test_periodical_from_convenience_arguments(engagelab_conn: EmulatorControl, ti) -> None:
    start = tomorrow_at(0)
    schedule_id = create_op(
        start=start, end=start.add(days=30), time="12:30:00", time_unit="WEEK", point=["mon", "FRI"]
    ).execute({"ti": ti})

    periodical = stored(schedule_id)["trigger"]["periodical"]
    assert periodical["start"] == start.format("YYYY-MM-DD HH:mm:ss")
    assert periodical["end"] == start.add(days=30).format("YYYY-MM-DD HH:mm:ss")
    assert (periodical["time"], periodical["zone_type"]) == ("12:30:00", 1)
    occurrences = ti.xcom["next_occurrences"]
    days = [start.add(days=offset) for offset in range(30)]  # 12:30 on each day from start until end
    expected = [day for day in days if day.day_of_week in (pendulum.MONDAY, pendulum.FRIDAY)]
    assert [o["wall_time"] for o in occurrences] == [
        day.format("YYYY-MM-DD") + " 12:30:00" for day in expected
    ]
    assert {pendulum.parse(o["earliest"]).in_timezone("Asia/Shanghai").day_of_week for o in occurrences} == {
        pendulum.MONDAY,
        pendulum.FRIDAY,
    }


def test_console_url_names_the_schedule(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = create_op(send_at=tomorrow_at(9)).execute({"ti": ti})

    assert ti.xcom["console_url"] == f"{engagelab_conn.base_url}/_emulator/schedules/{schedule_id}"
    page = requests.get(ti.xcom["console_url"], timeout=10)
    assert page.json()["schedule"]["name"] == "Spring_sale"


# --- create: bad input ----------------------------------------------------------------------------

BAD_INPUT = [
    ({"name": "Spring sale!", "send_at": tomorrow_at(9)}, "name"),
    ({"name": "", "send_at": tomorrow_at(9)}, "name"),
    ({"push": {**PUSH, "to": None}, "send_at": tomorrow_at(9)}, "push.to"),
    (
        {"push": {**PUSH, "body": {"notification": {"alert": "x"}}}, "send_at": tomorrow_at(9)},
        "push.body.platform",
    ),
    # A refusal names the argument the DAG author wrote, not the API path it became.
    ({"send_at": "2030-2-15 13:16:59"}, "send_at"),
    ({"send_at": dt.datetime(2030, 1, 1, 9)}, "send_at"),  # naive
    ({"send_at": "yesterday"}, "send_at"),
    ({"send_at": tomorrow_at(9), "zone_type": 3}, "zone_type"),
    ({"trigger": {"single": {"time": "2030-01-01 09:00:00"}, "periodical": {}}}, "trigger"),
    ({"trigger": {"single": {"time": "2030-1-1 09:00:00"}}}, "trigger.single.time"),  # the API's own dict
    ({"trigger": {"single": {"time": tomorrow_at(9)}}, "zone_type": 3}, "zone_type"),
    ({"trigger": {"single": {"time": tomorrow_at(9), "zone_type": 3}}}, "trigger.single.zone_type"),
    ({"send_at": tomorrow_at(9), "time": "09:00:00"}, "trigger"),
    ({}, "trigger"),
    ({"start": tomorrow_at(0), "end": tomorrow_at(0).add(days=3), "time": "09:00"}, "time_unit"),
    (
        {"start": tomorrow_at(0), "end": tomorrow_at(0).add(days=3), "time": "24:00:00", "time_unit": "day"},
        "time",
    ),
    (
        {"start": tomorrow_at(0), "end": tomorrow_at(0).add(days=3), "time": "09:00:00", "time_unit": "hour"},
        "time_unit",
    ),
    (
        {
            "start": tomorrow_at(0),
            "end": tomorrow_at(0).add(days=40),
            "time": "09:00:00",
            "time_unit": "week",
            "point": ["MON", "FUN"],
        },
        "point[1]",
    ),
    (
        {
            "start": tomorrow_at(0),
            "end": tomorrow_at(0).add(years=1, days=1),
            "time": "09:00:00",
            "time_unit": "day",
        },
        "end",
    ),
    (
        {
            "start": tomorrow_at(0),
            "end": tomorrow_at(0).subtract(days=1),
            "time": "09:00:00",
            "time_unit": "day",
        },
        "end",
    ),
    (
        {
            "start": "2030-1-1 00:00:00",
            "end": tomorrow_at(0).add(days=3),
            "time": "09:00:00",
            "time_unit": "day",
        },
        "start",
    ),
    (
        {
            "start": tomorrow_at(0),
            "end": tomorrow_at(0).add(days=1),
            "time": "09:00:00",
            "time_unit": "month",
            "point": ["31"] if tomorrow_at(0).day < 30 else ["01"],
        },
        "start/end/time/time_unit/point",
    ),
    (
        {
            "start": tomorrow_at(0),
            "end": tomorrow_at(0).add(days=3),
            "time": "09:00:00",
            "time_unit": "day",
            "zone_type": 0,
        },
        "zone_type",
    ),
]


@pytest.mark.parametrize(("arguments", "field"), BAD_INPUT, ids=[field for _, field in BAD_INPUT])
def test_bad_input_names_the_field_and_sends_nothing(
    engagelab_conn: EmulatorControl, ti, arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(AirflowFailException, match=f"nothing was sent: {pytest_escape(field)}: "):
        create_op(**arguments).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


# The rules against the clock are the service's, judged by its clock: the look for an earlier
# create tells it (its Date), so that look is the one request made; nothing is created.
CLOCK_REFUSALS = [
    pytest.param({"hours": -1}, "in the past", id="in-the-past"),
    pytest.param({"years": 1, "days": 2}, "more than one year ahead", id="over-a-year-ahead"),
]


@pytest.mark.parametrize(("shift", "rule"), CLOCK_REFUSALS)
def test_a_time_against_the_services_clock_is_refused_after_the_look_creating_nothing(
    engagelab_conn: EmulatorControl, ti, shift: dict[str, int], rule: str
) -> None:
    service_now = pendulum.datetime(2031, 3, 4, 5, 6, 7, tz="UTC")
    engagelab_conn.set_clock(service_now, frozen=True)

    with pytest.raises(AirflowFailException, match=f"nothing was sent: send_at: .*{rule}"):
        create_op(send_at=service_now.add(**shift)).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {"GET /v4/schedules": {"200": 1}}


def test_the_clock_rules_follow_the_services_clock_not_this_machines(
    engagelab_conn: EmulatorControl, ti
) -> None:
    # The service's clock is two years ahead of this machine's (an emulator moved in a test, or
    # this machine's clock gone wrong): "not in the past" is what the service says it is.
    service_now = pendulum.now("UTC").add(years=2).start_of("hour")
    engagelab_conn.set_clock(service_now, frozen=True)

    schedule_id = create_op(send_at=service_now.add(hours=2)).execute({"ti": ti})
    with pytest.raises(AirflowFailException, match=r"send_at: .* is in the past"):
        create_op(
            name="Too_late", send_at=pendulum.now("UTC").add(days=1), idempotency_key="too-late"
        ).execute({"ti": ti})

    assert stored(schedule_id)["trigger"]["single"]["time"] == service_now.add(hours=2).in_timezone(
        "Asia/Shanghai"
    ).format("YYYY-MM-DD HH:mm:ss")
    (first, *_) = ti.xcom["next_occurrences"]
    assert pendulum.parse(first["earliest"]) == service_now.add(hours=2)


def pytest_escape(text: str) -> str:
    import re

    return re.escape(text)


# --- create: never a duplicate --------------------------------------------------------------------


def test_retry_reattaches_to_the_schedule_an_earlier_try_created(engagelab_conn: EmulatorControl) -> None:
    first_try = TaskInstanceStandIn(try_number=1)
    created = create_op(send_at=tomorrow_at(9)).execute({"ti": first_try})
    retry = TaskInstanceStandIn(try_number=2)

    reattached = create_op(send_at=tomorrow_at(9)).execute({"ti": retry})

    assert reattached == created
    assert engagelab_conn.state()["engagelab"]["schedules"] == 1
    assert retry.xcom["console_url"].endswith(created)


def test_running_a_finished_task_again_at_try_1_reattaches(
    engagelab_conn: EmulatorControl, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # `airflow tasks test` twice, or a second `airflow dags test` of one run: both start at try 1.
    with caplog.at_level(logging.INFO):
        created = create_op(send_at=tomorrow_at(9)).execute({"ti": TaskInstanceStandIn()})
        first_log = caplog.text + capsys.readouterr().out
        caplog.clear()
        again = create_op(send_at=tomorrow_at(9)).execute({"ti": TaskInstanceStandIn()})
        second_log = caplog.text + capsys.readouterr().out

    assert again == created
    assert engagelab_conn.state()["engagelab"]["schedules"] == 1
    assert service_requests(engagelab_conn)["POST /v4/schedules"] == {"200": 1}
    assert f"Created schedule {created} (Spring_sale) with idempotency key af-" in first_log
    assert "Re-attached" not in first_log
    assert f"Re-attached to schedule {created} (Spring_sale), created earlier with idempotency key af-" in (
        second_log
    )
    assert "Created schedule" not in second_log


def test_a_chosen_idempotency_key_also_reattaches(engagelab_conn: EmulatorControl) -> None:
    first = create_op(send_at=tomorrow_at(9), idempotency_key="campaign_2026_11").execute(
        {"ti": TaskInstanceStandIn()}
    )
    again = create_op(send_at=tomorrow_at(9), idempotency_key="campaign_2026_11").execute(
        {"ti": TaskInstanceStandIn(try_number=2)}
    )

    assert again == first
    assert engagelab_conn.state()["engagelab"]["schedules"] == 1


def test_a_retry_after_the_send_time_says_the_earlier_try_may_have_sent_it(
    engagelab_conn: EmulatorControl,
) -> None:
    import time_machine

    soon = pendulum.now("UTC").add(minutes=2)
    create_op(send_at=soon).execute({"ti": TaskInstanceStandIn()})

    with time_machine.travel(soon.add(minutes=3), tick=True):
        engagelab_conn.advance(0)  # the emulator fires what the moved clock made due
        with pytest.raises(AirflowFailException, match="may have created it and it has fired already"):
            create_op(send_at=soon).execute({"ti": TaskInstanceStandIn(try_number=2)})

    assert service_requests(engagelab_conn)["POST /v4/schedules"] == {"200": 1}


def test_another_run_creates_its_own_schedule(engagelab_conn: EmulatorControl) -> None:
    first = create_op(send_at=tomorrow_at(9)).execute({"ti": TaskInstanceStandIn(run_id="a")})
    second = create_op(send_at=tomorrow_at(9)).execute({"ti": TaskInstanceStandIn(run_id="b", try_number=2)})

    assert first != second
    assert engagelab_conn.state()["engagelab"]["schedules"] == 2


def test_a_run_replaced_for_the_same_logical_date_reattaches(engagelab_conn: EmulatorControl) -> None:
    # `airflow dags test DAG DATE` run again replaces the run of DATE with one of a new run id.
    date = pendulum.datetime(2026, 11, 23, tz="UTC")
    first = create_op(send_at=tomorrow_at(9)).execute(
        {"ti": TaskInstanceStandIn(run_id="manual__first"), "logical_date": date}
    )
    again = create_op(send_at=tomorrow_at(9)).execute(
        {"ti": TaskInstanceStandIn(run_id="manual__again"), "logical_date": date.in_timezone("Asia/Tokyo")}
    )
    other_date = create_op(send_at=tomorrow_at(9)).execute(
        {"ti": TaskInstanceStandIn(run_id="manual__again"), "logical_date": date.add(days=1)}
    )

    assert again == first
    assert other_date != first
    assert engagelab_conn.state()["engagelab"]["schedules"] == 2


def test_lost_answer_after_commit_reattaches_within_the_same_try(engagelab_conn: EmulatorControl, ti) -> None:
    engagelab_conn.faults(
        [{"kind": "commit_then_drop", "next": 1, "method": "POST", "path": "/v4/schedules"}]
    )

    schedule_id = create_op(send_at=tomorrow_at(9)).execute({"ti": ti})

    state = engagelab_conn.state()
    assert state["engagelab"]["schedules"] == 1
    assert stored(schedule_id)["push"]["request_id"].startswith("af-")
    assert state["requests"]["POST /v4/schedules"] == {"dropped": 1}  # sent once (answer lost), never again


def test_user_request_id_is_kept_and_the_key_goes_to_custom_args(engagelab_conn: EmulatorControl) -> None:
    push = {**PUSH, "request_id": "crm-42"}
    created = create_op(push=push, send_at=tomorrow_at(9)).execute({"ti": TaskInstanceStandIn()})
    again = create_op(push=push, send_at=tomorrow_at(9)).execute({"ti": TaskInstanceStandIn(try_number=2)})

    schedule = stored(created)
    assert again == created
    assert schedule["push"]["request_id"] == "crm-42"
    assert schedule["push"]["custom_args"][IDEMPOTENCY_MARKER].startswith("af-")


# --- create: what a retry can and cannot change --------------------------------------------------


def test_a_refusal_of_the_service_fails_without_retry_keeping_its_code(
    engagelab_conn: EmulatorControl, ti
) -> None:
    engagelab_conn.faults([{"kind": "status", "next": 1, "method": "POST", "status": 400, "code": 28100}])

    with pytest.raises(AirflowFailException, match="code 28100") as failed:
        create_op(send_at=tomorrow_at(9)).execute({"ti": ti})

    assert failed.value.__cause__.vendor_code == 28100
    assert "no retry can change this refusal" in str(failed.value)


def test_bad_credentials_fail_without_retry(emulator: EmulatorControl, monkeypatch, ti) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(emulator.base_url, password="wrong-secret")
    )

    with pytest.raises(AirflowFailException, match="HTTP 401, code 28101"):
        create_op(send_at=tomorrow_at(9)).execute({"ti": ti})
    with pytest.raises(AirflowFailException, match="HTTP 401, code 28101"):
        EngageLabUpsertPushPlanOperator(task_id="plan", plan_id="p_1", plan_description="x").execute(
            {"ti": ti}
        )
    with pytest.raises(AirflowFailException, match="HTTP 401, code 28101"):
        EngageLabDeleteScheduleOperator(task_id="delete", schedule_id="any").execute({"ti": ti})
    with pytest.raises(AirflowFailException, match="HTTP 401, code 28101"):
        update_op(schedule_id="any", enabled=False).execute({"ti": ti})
    with pytest.raises(AirflowFailException, match="HTTP 401, code 28101"):
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=segment_items(2)).execute({"ti": ti})


def test_a_connection_without_the_master_secret_fails_without_retry_before_any_request(
    emulator: EmulatorControl, monkeypatch, ti
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(emulator.base_url, password=None))

    with pytest.raises(AirflowFailException, match="needs the AppKey as login and the Master Secret"):
        create_op(send_at=tomorrow_at(9)).execute({"ti": ti})

    assert service_requests(emulator) == {}


def test_a_transient_failure_stays_retryable(engagelab_conn: EmulatorControl, ti) -> None:
    # More 503s than the hook's own retries (2 in tests): Airflow's retry of the task may still succeed.
    engagelab_conn.faults([{"kind": "status", "next": 10, "method": "GET", "status": 503}])

    with pytest.raises(AirflowException, match="HTTP 503") as failed:
        create_op(send_at=tomorrow_at(9)).execute({"ti": ti})

    assert not isinstance(failed.value, AirflowFailException)
    assert "POST /v4/schedules" not in service_requests(engagelab_conn)


def test_a_bulk_task_with_a_transient_failure_among_refusals_stays_retryable(
    engagelab_conn: EmulatorControl, ti
) -> None:
    engagelab_conn.faults(
        [
            {"kind": "status", "next": 1, "method": "POST", "status": 400, "code": 28100},
            {"kind": "status", "next": 3, "method": "POST", "status": 503},  # the hook retries twice
        ]
    )

    with pytest.raises(AirflowException, match="2 of 4 schedules were not created") as failed:
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=segment_items(4), max_workers=1).execute(
            {"ti": ti}
        )

    assert not isinstance(failed.value, AirflowFailException)


@pytest.fixture
def client_checks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every schedule body the client checks (``validation.check_schedule``), as it was checked."""
    from airflow_provider_engage import validation

    checked: list[dict[str, Any]] = []
    real = validation.check_schedule

    def check_schedule(body: Any, **kwargs: Any) -> None:
        if kwargs.get("now") is None:  # the emulator, in this process, checks by its clock as the service
            checked.append({"name": body["name"], "creating": kwargs["creating"]})
        real(body, **kwargs)

    monkeypatch.setattr(validation, "check_schedule", check_schedule)
    return checked


def test_a_create_checks_its_body_once(
    engagelab_conn: EmulatorControl, ti, client_checks: list[dict[str, Any]]
) -> None:

    create_op(send_at=tomorrow_at(9)).execute({"ti": ti})

    assert [check["creating"] for check in client_checks] == [True]


def test_an_idempotency_key_that_is_not_text_is_refused_before_anything_is_sent(
    engagelab_conn: EmulatorControl, ti
) -> None:
    with pytest.raises(AirflowFailException, match="idempotency_key: must be a non-empty string, got 5"):
        create_op(send_at=tomorrow_at(9), idempotency_key=5).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


# --- bulk -----------------------------------------------------------------------------------------


def segment_items(count: int) -> list[dict[str, Any]]:
    send_at = tomorrow_at(10).isoformat()
    return [
        {
            "name": f"Segment_{index:04d}",
            "push": {**PUSH, "to": {"tag": [f"segment_{index}"]}},
            "send_at": send_at,
        }
        for index in range(count)
    ]


def test_bulk_returns_ids_in_input_order_and_logs_progress(
    engagelab_conn: EmulatorControl, ti, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    items = segment_items(40)
    operator = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items, max_workers=8)

    with caplog.at_level(logging.INFO):
        ids = operator.execute({"ti": ti})

    assert len(set(ids)) == 40
    hook = EngageLabHook()
    assert [hook.get_schedule(schedule_id)["name"] for schedule_id in ids] == [item["name"] for item in items]
    logged = caplog.text + capsys.readouterr().out  # Airflow 3 logs through structlog to stdout
    assert "Created 40/40 schedules (0 failed)" in logged


def test_bulk_creates_the_services_cap_of_1000_once_under_rate_limit_and_latency(
    engagelab_conn: EmulatorControl, ti, capsys: pytest.CaptureFixture[str]
) -> None:
    # The emulator limits this AppKey to 500 requests a second, and every request takes 50 ms more.
    engagelab_conn.faults([{"kind": "latency", "probability": 1.0, "path": "/v4/", "latency_ms": 50}])
    items = segment_items(1000)

    ids = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items, progress_interval=0.5).execute(
        {"ti": ti}
    )

    state = engagelab_conn.state()
    assert len(set(ids)) == 1000
    assert state["engagelab"]["schedules"] == 1000
    assert state["requests"]["POST /v4/schedules"] == {"200": 1000}  # no 429, no second try
    progress = [line for line in capsys.readouterr().out.splitlines() if "schedules (0 failed)" in line]
    assert len(progress) >= 2  # lines while it runs, not only at the end
    assert "Created 1000/1000 schedules (0 failed)" in progress[-1]


def test_bulk_pacing_lets_no_second_see_more_than_498_creates_at_the_default_rate() -> None:
    import bisect

    from airflow_provider_engage.operators.engagelab import DEFAULT_REQUESTS_PER_SECOND, _burst
    from airflow_provider_engage.ratelimit import RateLimiter

    rate = DEFAULT_REQUESTS_PER_SECOND
    limiter = RateLimiter(rate, burst=_burst(rate), clock=lambda: 0.0)  # everyone asks at once

    slots = [limiter.reserve() for _ in range(2000)]

    assert max(slots[:23]) < 1e-9 < slots[23]  # a twentieth of a second's worth goes at once
    busiest = max(bisect.bisect_left(slots, start + 1.0) - index for index, start in enumerate(slots))
    assert busiest <= 498  # under EngageLab's 500 a second


def test_bulk_retry_creates_only_what_is_missing(engagelab_conn: EmulatorControl) -> None:
    items = segment_items(12)
    engagelab_conn.faults([{"kind": "status", "next": 3, "method": "POST", "status": 400, "code": 28100}])
    first = TaskInstanceStandIn(task_id="bulk")

    with pytest.raises(AirflowException, match="3 of 12 schedules were not created") as failed:
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items, max_workers=4).execute(
            {"ti": first}
        )

    assert "28100" in str(failed.value)
    assert isinstance(failed.value, AirflowFailException)  # refusals: Airflow's own retry would not help
    assert sum(schedule_id is not None for schedule_id in first.xcom["schedule_ids"]) == 9
    retry = TaskInstanceStandIn(task_id="bulk", try_number=2)
    ids = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items, max_workers=4).execute(
        {"ti": retry}
    )

    assert engagelab_conn.state()["engagelab"]["schedules"] == 12
    assert [schedule_id for schedule_id in first.xcom["schedule_ids"] if schedule_id] == [
        schedule_id for schedule_id, earlier in zip(ids, first.xcom["schedule_ids"], strict=True) if earlier
    ]
    assert engagelab_conn.state()["requests"]["POST /v4/schedules"]["200"] == 12


def test_bulk_retry_matches_items_by_content_not_position(engagelab_conn: EmulatorControl) -> None:
    items = segment_items(6)
    first = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute(
        {"ti": TaskInstanceStandIn(task_id="bulk")}
    )
    reordered = list(reversed(items))
    again = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=reordered).execute(
        {"ti": TaskInstanceStandIn(task_id="bulk", try_number=2)}
    )

    assert again == list(reversed(first))
    assert engagelab_conn.state()["engagelab"]["schedules"] == 6


def test_bulk_run_again_at_try_1_creates_nothing_and_lists_once(engagelab_conn: EmulatorControl) -> None:
    items = segment_items(8)
    first = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute(
        {"ti": TaskInstanceStandIn(task_id="bulk")}
    )
    listed_before = service_requests(engagelab_conn)["GET /v4/schedules"]["200"]

    again = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute(
        {"ti": TaskInstanceStandIn(task_id="bulk")}
    )

    assert again == first
    requests_seen = service_requests(engagelab_conn)
    assert requests_seen["POST /v4/schedules"] == {"200": 8}
    assert requests_seen["GET /v4/schedules"]["200"] == listed_before + 1  # one listing for all 8


def test_bulk_refuses_two_items_with_the_same_chosen_key(engagelab_conn: EmulatorControl, ti) -> None:
    items = [{**item, "idempotency_key": "segment"} for item in segment_items(3)]

    with pytest.raises(
        AirflowFailException, match=r"schedules\[1\]\.idempotency_key: 'segment' is also schedules\[0\]'s"
    ):
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


def test_bulk_lost_answers_are_resolved_without_duplicates(engagelab_conn: EmulatorControl, ti) -> None:
    engagelab_conn.faults(
        [{"kind": "commit_then_drop", "next": 4, "method": "POST", "path": "/v4/schedules"}]
    )

    ids = EngageLabCreateSchedulesOperator(
        task_id="bulk", schedules=segment_items(10), max_workers=4
    ).execute({"ti": ti})

    assert len(set(ids)) == 10
    assert engagelab_conn.state()["engagelab"]["schedules"] == 10


def test_bulk_items_with_a_chosen_key_reattach_on_retry(engagelab_conn: EmulatorControl) -> None:
    items = [{**item, "idempotency_key": f"segment-{index}"} for index, item in enumerate(segment_items(3))]
    first = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute(
        {"ti": TaskInstanceStandIn(task_id="bulk")}
    )
    again = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute(
        {"ti": TaskInstanceStandIn(task_id="bulk", try_number=2)}
    )

    assert again == first
    assert engagelab_conn.state()["engagelab"]["schedules"] == 3


def test_bulk_refuses_an_item_key_it_does_not_know(engagelab_conn: EmulatorControl, ti) -> None:
    items = segment_items(2)
    items[1]["zone_typ"] = 2

    with pytest.raises(AirflowFailException, match=r"schedules\[1\]\.zone_typ: is not an argument"):
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


def test_bulk_checks_every_item_before_sending_anything(engagelab_conn: EmulatorControl, ti) -> None:
    items = segment_items(5)
    items[1]["send_at"] = "2030-1-1 09:00:00"
    items[3]["push"] = {**PUSH, "body": {"platform": "android"}}

    with pytest.raises(AirflowFailException, match=r"schedules\[1\]\.send_at: ") as failed:
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({"ti": ti})

    assert "2 of 5 schedules are invalid" in str(failed.value)
    assert "schedules[3].push.body" in str(failed.value)
    assert service_requests(engagelab_conn) == {}


def test_bulk_checks_each_body_once(
    engagelab_conn: EmulatorControl, ti, client_checks: list[dict[str, Any]]
) -> None:

    EngageLabCreateSchedulesOperator(task_id="bulk", schedules=segment_items(3)).execute({"ti": ti})

    names = sorted(check["name"] for check in client_checks)
    assert names == ["Segment_0000", "Segment_0001", "Segment_0002"]


def test_bulk_refuses_an_item_key_that_is_not_text_before_anything_is_sent(
    engagelab_conn: EmulatorControl, ti
) -> None:
    items = segment_items(2)
    items[1]["idempotency_key"] = 7

    with pytest.raises(
        AirflowFailException, match=r"schedules\[1\]\.idempotency_key: must be a non-empty string"
    ):
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


def test_bulk_checks_a_trigger_its_items_share_against_the_clock_once(
    engagelab_conn: EmulatorControl, ti, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_engage.operators import engagelab as module

    items = segment_items(6)
    items[4]["send_at"] = items[5]["send_at"] = tomorrow_at(11).isoformat()
    checked: list[str] = []
    real = module._check_due

    def check_due(spec: dict[str, Any], body: dict[str, Any], **kwargs: Any) -> None:
        checked.append(body["trigger"]["single"]["time"])
        real(spec, body, **kwargs)

    monkeypatch.setattr(module, "_check_due", check_due)

    ids = EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({"ti": ti})

    assert len(ids) == 6
    assert sorted(checked) == sorted({item["trigger"]["single"]["time"] for item in map(stored, ids)})


def test_bulk_names_every_item_whose_shared_trigger_is_in_the_past(
    engagelab_conn: EmulatorControl, ti
) -> None:
    items = segment_items(4)
    past = pendulum.now("UTC").subtract(hours=1).isoformat()
    items[1]["send_at"] = items[3]["send_at"] = past

    with pytest.raises(AirflowFailException, match=r"schedules\[1\]\.send_at: ") as failed:
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=items).execute({"ti": ti})

    assert "2 of 4 schedules are invalid" in str(failed.value)
    assert "schedules[3].send_at: " in str(failed.value)
    assert service_requests(engagelab_conn) == {"GET /v4/schedules": {"200": 1}}  # the look, no create


# --- update ---------------------------------------------------------------------------------------


def created_schedule(**kwargs: Any) -> str:
    kwargs.setdefault("send_at", tomorrow_at(9))
    return create_op(**kwargs).execute({"ti": TaskInstanceStandIn(run_id=str(pendulum.now().timestamp()))})


def update_op(**kwargs: Any) -> EngageLabUpdateScheduleOperator:
    return EngageLabUpdateScheduleOperator(task_id="update", **kwargs)


def test_merge_changes_one_field_and_keeps_the_rest(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = created_schedule()
    before = stored(schedule_id)

    update_op(schedule_id=schedule_id, push={"body": {"notification": {"alert": "Last chance"}}}).execute(
        {"ti": ti}
    )

    after = stored(schedule_id)
    assert after["push"]["body"]["notification"] == {"alert": "Last chance", "android": {"title": "Hello"}}
    assert after["push"]["to"] == before["push"]["to"]
    assert (after["name"], after["trigger"], after["enabled"]) == (before["name"], before["trigger"], True)


def test_enabled_false_pauses_the_campaign(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = created_schedule()

    result = update_op(schedule_id=schedule_id, enabled=False).execute({"ti": ti})

    assert stored(schedule_id)["enabled"] is False
    assert result["schedule_id"] == schedule_id


def test_merge_moves_the_send_time_with_any_time_form(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = created_schedule()
    later = tomorrow_at(18)

    update_op(
        schedule_id=schedule_id, trigger={"single": {"time": later.in_timezone("UTC").isoformat()}}
    ).execute({"ti": ti})

    assert stored(schedule_id)["trigger"]["single"] == {
        "time": later.format("YYYY-MM-DD HH:mm:ss"),
        "zone_type": 1,
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"trigger": {"periodical": {"start": "2030-01-01 00:00:00"}}},
            "trigger",
            "cannot switch a single schedule to periodical",
        ),
        (
            {"trigger": {"single": {"zone_type": 2}}},
            "trigger.single.zone_type",
            "cannot switch zone_type 1 to 2",
        ),
        ({"push": {"to": None}}, "push.to", "required"),
    ],
)
def test_update_refuses_what_the_service_forbids_before_sending(
    engagelab_conn: EmulatorControl, ti, changes: dict[str, Any], field: str, message: str
) -> None:
    schedule_id = created_schedule()

    with pytest.raises(AirflowFailException, match=f"{pytest_escape(field)}: .*{message}"):
        update_op(schedule_id=schedule_id, **changes).execute({"ti": ti})

    assert "PUT /v4/schedules/{schedule_id}" not in service_requests(engagelab_conn)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "bad!name"}, "name"),
        ({"enabled": "no"}, "enabled"),
        ({"push": "all"}, "push"),
        ({"trigger": {"single": {"time": "2030-1-1 09:00:00"}}}, "trigger.single.time"),
        ({"trigger": {"single": {"time": pendulum.naive(2030, 1, 1, 9)}}}, "trigger.single.time"),
        ({"trigger": {"periodical": {"time": "25:00:00"}}}, "trigger.periodical.time"),
        ({"trigger": {"once": {}}}, "trigger"),
    ],
)
def test_update_refuses_bad_changes_before_reading_the_schedule(
    engagelab_conn: EmulatorControl, ti, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(AirflowFailException, match=f"nothing was sent: {pytest_escape(field)}: "):
        update_op(schedule_id="0eac1b80-c2ac-4b69-948b-c65b34b96512", **changes).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


def test_merge_replaces_the_audience_whole(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = created_schedule()  # to: registration ids

    update_op(schedule_id=schedule_id, push={"to": {"tag": ["vip"]}}).execute({"ti": ti})

    after = stored(schedule_id)
    assert after["push"]["to"] == {"tag": ["vip"]}
    assert after["push"]["body"] == PUSH["body"]


def test_replace_refuses_an_incomplete_body_before_any_request(engagelab_conn: EmulatorControl, ti) -> None:
    with pytest.raises(AirflowFailException, match="push: mode='replace' sends a complete schedule"):
        update_op(schedule_id="0eac1b80", name="New_name", enabled=True, trigger={}, mode="replace").execute(
            {"ti": ti}
        )

    assert service_requests(engagelab_conn) == {}


def test_replace_refuses_a_bad_push_before_reading_the_schedule(engagelab_conn: EmulatorControl, ti) -> None:
    # Found by the input fuzz: the push was checked only after the current schedule was read.
    push = {
        "to": "all",
        "body": {"platform": "ios", "notification": {"alert": "x"}, "options": {"plan_id": "_x"}},
    }
    trigger = {"single": {"time": tomorrow_at(20).format("YYYY-MM-DD HH:mm:ss"), "zone_type": 1}}
    with pytest.raises(AirflowFailException, match=r"push\.body\.options\.plan_id: may hold only") as failed:
        update_op(
            schedule_id="0eac1b80", name="New_name", enabled=True, trigger=trigger, push=push, mode="replace"
        ).execute({"ti": ti})

    assert isinstance(failed.value.__cause__, InvalidFieldError)
    assert service_requests(engagelab_conn) == {}


@pytest.mark.parametrize("mode", ["merge", "replace"])
@pytest.mark.parametrize("zone_type", [0, 3, True, 1.0, "1"])
def test_a_zone_type_that_is_none_is_refused_before_reading_the_schedule(
    engagelab_conn: EmulatorControl, ti, mode: str, zone_type: Any
) -> None:
    # Found by the input fuzz: read first, then refused as "cannot switch zone_type 2 to 0".
    trigger = {"single": {"time": tomorrow_at(20).format("YYYY-MM-DD HH:mm:ss"), "zone_type": zone_type}}
    parts = {"name": "New_name", "enabled": True, "push": PUSH} if mode == "replace" else {}
    with pytest.raises(
        AirflowFailException, match=r"trigger\.single\.zone_type: must be 1 \(site zone\) or 2"
    ):
        update_op(schedule_id="0eac1b80", trigger=trigger, mode=mode, **parts).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


def test_replace_refuses_a_bad_trigger_before_reading_the_schedule(
    engagelab_conn: EmulatorControl, ti
) -> None:
    # Found by the input fuzz: a whole trigger of replace mode was judged only after the read.
    start = tomorrow_at(8).format("YYYY-MM-DD HH:mm:ss")
    end = tomorrow_at(8).add(days=30).format("YYYY-MM-DD HH:mm:ss")
    periodical = {"start": start, "end": end, "time": "09:00:00", "time_unit": "", "zone_type": 1}
    with pytest.raises(
        AirflowFailException, match=r"trigger\.periodical\.time_unit: must be day, week or month"
    ):
        update_op(
            schedule_id="0eac1b80",
            name="New_name",
            enabled=True,
            trigger={"periodical": periodical},
            push=PUSH,
            mode="replace",
        ).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


def test_a_trigger_of_both_kinds_is_refused_as_that(engagelab_conn: EmulatorControl, ti) -> None:
    # Found by the input fuzz: refused as "trigger.single.time" (a periodical's time of day).
    single = {"time": tomorrow_at(9).format("YYYY-MM-DD HH:mm:ss"), "zone_type": 1}
    with pytest.raises(
        AirflowFailException, match="trigger: must hold exactly one of 'single' and 'periodical'"
    ):
        create_op(trigger={"single": single, "periodical": {**single, "time": "09:00:00"}}).execute(
            {"ti": ti}
        )

    assert service_requests(engagelab_conn) == {}


def test_replace_sends_exactly_what_is_given(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = created_schedule()
    push = {"from": "push", "to": "all", "body": {"platform": "ios", "notification": {"alert": "All"}}}
    trigger = {"single": {"time": tomorrow_at(20).format("YYYY-MM-DD HH:mm:ss"), "zone_type": 1}}

    update_op(
        schedule_id=schedule_id, name="Replaced", enabled=True, trigger=trigger, push=push, mode="replace"
    ).execute({"ti": ti})

    after = stored(schedule_id)
    assert (after["name"], after["trigger"], after["push"]) == ("Replaced", trigger, push)


def test_update_judges_expiry_by_the_services_clock_not_this_machines(
    engagelab_conn: EmulatorControl, ti
) -> None:
    soon = pendulum.now("UTC").add(minutes=2)
    schedule_id = created_schedule(send_at=soon)
    engagelab_conn.set_clock(pendulum.now("UTC"), frozen=True)  # the service still holds it

    import time_machine

    # This machine's clock says the send time has passed; the service's says it has not.
    with time_machine.travel(soon.add(minutes=5), tick=False):
        update_op(schedule_id=schedule_id, enabled=False).execute({"ti": ti})

    assert stored(schedule_id)["enabled"] is False


def test_update_of_an_unknown_schedule_fails_without_retrying(engagelab_conn: EmulatorControl, ti) -> None:
    with pytest.raises(AirflowFailException, match="does not exist"):
        update_op(schedule_id="no-such-schedule", enabled=False).execute({"ti": ti})


def test_mode_is_checked_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="mode: must be one of merge, replace"):
        update_op(schedule_id="x", name="y", mode="patch")


# --- delete and plans -----------------------------------------------------------------------------


def test_delete_removes_the_schedule(engagelab_conn: EmulatorControl, ti) -> None:
    schedule_id = created_schedule()

    EngageLabDeleteScheduleOperator(task_id="delete", schedule_id=schedule_id).execute({"ti": ti})

    with pytest.raises(EngageLabNotFoundError):
        stored(schedule_id)


def test_delete_of_a_missing_schedule_is_fine_unless_asked_otherwise(
    engagelab_conn: EmulatorControl, ti
) -> None:
    EngageLabDeleteScheduleOperator(task_id="delete", schedule_id="gone").execute({"ti": ti})

    with pytest.raises(AirflowFailException, match="code 28104") as failed:  # no retry finds it either
        EngageLabDeleteScheduleOperator(task_id="delete", schedule_id="gone", missing_ok=False).execute(
            {"ti": ti}
        )
    assert isinstance(failed.value.__cause__, EngageLabNotFoundError)


def test_upsert_push_plan_creates_then_updates(engagelab_conn: EmulatorControl, ti) -> None:
    for description in ("Double 11 promotion", "Double 11 promotion, second wave"):
        plan_id = EngageLabUpsertPushPlanOperator(
            task_id="plan", plan_id="push_20261111", plan_description=description
        ).execute({"ti": ti})
        assert plan_id == "push_20261111"

    plans = EngageLabHook().list_push_plans(search_description="push_20261111")["push_plan_info"]
    assert [(plan["push_id"], plan["plan_description"]) for plan in plans] == [
        ("push_20261111", "Double 11 promotion, second wave")
    ]


@pytest.mark.parametrize(
    ("plan_id", "field"),
    [("_hidden", "plan_id"), ("has-dash", "plan_id"), ("x" * 51, "plan_id"), ("", "plan_id")],
)
def test_upsert_refuses_bad_plan_ids_before_sending(
    engagelab_conn: EmulatorControl, ti, plan_id: str, field: str
) -> None:
    with pytest.raises(AirflowFailException, match=f"nothing was sent: {field}: "):
        EngageLabUpsertPushPlanOperator(task_id="plan", plan_id=plan_id, plan_description="x").execute(
            {"ti": ti}
        )

    assert service_requests(engagelab_conn) == {}


def test_delete_without_an_id_is_refused_before_any_request(engagelab_conn: EmulatorControl, ti) -> None:
    with pytest.raises(AirflowFailException, match="nothing was sent: schedule_id: must be a non-empty"):
        EngageLabDeleteScheduleOperator(task_id="delete", schedule_id="").execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


@pytest.mark.parametrize("schedule_id", ["  ", 5, "..", "caf\udce9"])
def test_an_id_no_path_can_hold_fails_the_task_without_retry_and_sends_nothing(
    engagelab_conn: EmulatorControl, ti, schedule_id: Any
) -> None:
    # Found by the input fuzz: these raised a bare InvalidFieldError (so Airflow retried) or
    # reached another endpoint ("..").
    for operator in (
        EngageLabDeleteScheduleOperator(task_id="delete", schedule_id=schedule_id),
        update_op(schedule_id=schedule_id, enabled=False),
    ):
        with pytest.raises(AirflowFailException, match="nothing was sent: schedule_id: "):
            operator.execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: create_op(send_at="2030-01-01 09:00:00", preview_count=-1), "preview_count"),
        (lambda: EngageLabCreateSchedulesOperator(task_id="b", schedules=[], max_workers=0), "max_workers"),
        (
            lambda: EngageLabCreateSchedulesOperator(task_id="b", schedules=[], requests_per_second=0),
            "requests_per_second",
        ),
        (
            lambda: EngageLabCreateSchedulesOperator(
                task_id="b", schedules=[], requests_per_second=float("nan")
            ),
            "requests_per_second",
        ),
        (lambda: update_op(schedule_id="x", name="y", mode="patch"), "mode"),
    ],
)
def test_arguments_that_are_not_templated_are_refused_when_the_dag_is_parsed(make: Any, field: str) -> None:
    # A negative preview_count was found by the fuzz: the schedule was created, then the task
    # failed on it naming "limit", and its retry re-attached.
    with pytest.raises(InvalidFieldError) as caught:
        make()
    assert caught.value.field == field


@pytest.mark.parametrize("schedules", [5, "abc", {"name": "x"}])
def test_bulk_schedules_that_are_no_list_are_refused_before_any_request(
    engagelab_conn: EmulatorControl, ti, schedules: Any
) -> None:
    # Before: a TypeError for 5, and a string's characters or a dict's keys taken for items.
    with pytest.raises(AirflowFailException, match="nothing was sent: schedules: must be a list"):
        EngageLabCreateSchedulesOperator(task_id="bulk", schedules=schedules).execute({"ti": ti})

    assert service_requests(engagelab_conn) == {}
