"""The real ROA API under /api/v2: ACS3 signatures, schedules, status progression, messages."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from pai_harness import PaiEmulator

from airflow_provider_engage.acs3 import percent_encode
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.pai.responses import NonceWindow
from airflow_provider_engage.emulator.server import EmulatorServer

PLAN = {
    "GroupId": "group-1",
    "Name": "Daily_Reminder",
    "ExecuteTime": "2024-12-01 09:00:00",  # the emulator starts at 2024-11-30 08:00:00 UTC+8
    "RepeatCycle": 1,
    "RepeatCycleUnit": 2,
    "RepeatTimes": 2,  # the first send and two repeats
    "SignName": "MyApp",
    "TemplateCode": "SMS_DAILY",
}
HOUR = 3600
DAY = 86400


@pytest.fixture
def pai(emulator: EmulatorControl, emulator_server: EmulatorServer) -> PaiEmulator:
    return PaiEmulator.frozen_at_start(emulator, emulator_server)


def _data(answer: requests.Response) -> Any:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["ErrorCode"], body["ErrorMessage"]) == (0, "OK"), body
    return body["Data"]


def _create(pai: PaiEmulator, **change: Any) -> dict[str, Any]:
    body = json.dumps({**PLAN, **change}).encode()
    data: dict[str, Any] = _data(pai.roa("POST", "/api/v2/schedules", "CreateSchedule", body=body))
    return data


def _get(pai: PaiEmulator, schedule_id: str) -> dict[str, Any]:
    path = f"/api/v2/schedules/{percent_encode(schedule_id)}"
    data: dict[str, Any] = _data(pai.roa("GET", path, "GetSchedule"))
    return data


def _messages(pai: PaiEmulator, **query: Any) -> dict[str, Any]:
    data: dict[str, Any] = _data(pai.roa("GET", "/api/v2/messages", "ListMessages", query=query))
    return data


def _metrics(pai: PaiEmulator, **query: Any) -> list[dict[str, Any]]:
    data = _data(pai.roa("GET", "/api/v2/messages/metrics", "ListMessageMetrics", query=query))
    metrics: list[dict[str, Any]] = data["Metrics"]
    return metrics


# --- schedules ---------------------------------------------------------------------------------------


def test_create_takes_the_unwrapped_body(pai: PaiEmulator) -> None:
    created = _create(pai)
    assert {k: created[k] for k in PLAN} == PLAN
    assert created["Status"] == 0
    assert created["PaymentType"] == "PayAsYouGo"
    assert created["CreatedTime"] == "2024-11-30 08:00:00"


def test_get_answers_the_schedule_with_its_history(pai: PaiEmulator) -> None:
    created = _create(pai)
    got = _get(pai, created["Id"])
    assert {k: got[k] for k in created if k not in ("Status", "UpdatedTime")} == {
        k: v for k, v in created.items() if k not in ("Status", "UpdatedTime")
    }
    # The background tick may already have checked it (0 -> 1); creation is always first.
    assert json.loads(got["History"])[0] == {"Time": "2024-11-30 08:00:00", "Status": 0}


def test_list_filters_by_name_and_status_and_pages(pai: PaiEmulator) -> None:
    first = _create(pai, Name="Alpha_one")
    second = _create(pai, Name="Alpha_two")
    _create(pai, Name="Beta_one", ExecuteTime="", RepeatCycleUnit=0)
    pai.advance(1)

    def listing(**query: Any) -> dict[str, Any]:
        data: dict[str, Any] = _data(pai.roa("GET", "/api/v2/schedules", "ListSchedules", query=query))
        return data

    alpha = listing(Name="Alpha")
    assert alpha["TotalCount"] == 2
    assert [s["Id"] for s in alpha["Schedules"]] == [second["Id"], first["Id"]]  # newest first
    assert [s["Name"] for s in listing(Status=4)["Schedules"]] == ["Beta_one"]
    page = listing(PageNumber=2, PageSize=2)
    assert (page["TotalCount"], page["PageNumber"], page["PageSize"]) == (3, 2, 2)
    assert [s["Id"] for s in page["Schedules"]] == [first["Id"]]


def test_delete_then_get_answers_not_found_in_the_envelope(pai: PaiEmulator) -> None:
    created = _create(pai)
    path = f"/api/v2/schedules/{created['Id']}"
    assert _data(pai.roa("DELETE", path, "DeleteSchedule")) == created["Id"]
    answer = pai.roa("GET", path, "GetSchedule")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["ErrorCode"], body["Data"]) == (404, None)
    assert created["Id"] in body["ErrorMessage"]


def test_validation_errors_name_the_field(pai: PaiEmulator) -> None:
    answer = pai.roa("POST", "/api/v2/schedules", "CreateSchedule", body=b'{"GroupId": "g", "Name": "x"}')
    body = answer.json()
    assert (answer.status_code, body["ErrorCode"]) == (200, 400)
    assert body["ErrorMessage"].startswith("Name:")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"PageSize": "101"}, "PageSize"),
        ({"PageNumber": "0"}, "PageNumber"),
        ({"Status": "sent"}, "Status"),
    ],
)
def test_bad_list_parameters_name_the_field(pai: PaiEmulator, query: dict[str, str], field: str) -> None:
    body = pai.roa("GET", "/api/v2/schedules", "ListSchedules", query=query).json()
    assert body["ErrorCode"] == 400
    assert body["ErrorMessage"].startswith(f"{field}:")


# --- status progression and messages ------------------------------------------------------------------


def test_status_moves_with_the_emulator_clock(pai: PaiEmulator) -> None:
    schedule_id = _create(pai)["Id"]
    pai.advance(1)
    assert _get(pai, schedule_id)["Status"] == 1  # check passed at the first tick
    pai.advance(HOUR)  # 2024-11-30 09:00 UTC+8: a day before the first send
    assert _get(pai, schedule_id)["Status"] == 1
    pai.advance(DAY)  # 2024-12-01 09:00:01: the first send
    assert _get(pai, schedule_id)["Status"] == 3
    pai.advance(DAY)
    assert _get(pai, schedule_id)["Status"] == 3
    pai.advance(DAY)  # the third and last send
    got = _get(pai, schedule_id)
    assert got["Status"] == 4
    assert [h["Status"] for h in json.loads(got["History"])] == [0, 1, 3, 4]
    assert got["UpdatedTime"] == "2024-12-03 09:00:00"


def test_each_send_makes_messages_on_its_day(pai: PaiEmulator) -> None:
    schedule_id = _create(pai)["Id"]
    pai.advance(4 * DAY)
    per_day = {day: _messages(pai, ScheduleId=schedule_id, Datetime=day) for day in ("20241201", "20241202")}
    for listing in per_day.values():
        assert 3 <= listing["TotalCount"] <= 6
        assert {m["ScheduleId"] for m in listing["Messages"]} == {schedule_id}
        assert {m["Status"] for m in listing["Messages"]} <= {1, 2}
    assert _messages(pai, ScheduleId=schedule_id, Datetime="20241130")["TotalCount"] == 0
    assert _messages(pai, ScheduleId=schedule_id, Datetime="20241204")["TotalCount"] == 0


def test_messages_are_sending_until_they_settle(pai: PaiEmulator) -> None:
    schedule_id = _create(pai, ExecuteTime="", RepeatCycleUnit=0, RepeatTimes=0)["Id"]
    pai.advance(5)
    sending = _messages(pai, ScheduleId=schedule_id)["Messages"]
    assert sending
    assert {(m["Status"], m["ErrorCode"]) for m in sending} == {(0, "")}
    pai.advance(5)
    settled = _messages(pai, ScheduleId=schedule_id)["Messages"]
    assert [m["Id"] for m in settled] == [m["Id"] for m in sending]
    assert {m["Status"] for m in settled} <= {1, 2}
    for message in settled:
        assert (message["ErrorCode"] == "DELIVERED") == (message["Status"] == 1)


def test_metrics_count_each_day_and_agree_with_messages(pai: PaiEmulator) -> None:
    schedule_id = _create(pai)["Id"]
    pai.advance(4 * DAY)
    metrics = _metrics(pai, ScheduleId=schedule_id, StartDate="20241130", EndDate="20241210")
    assert [m["Date"] for m in metrics] == ["20241201", "20241202", "20241203"]
    for day in metrics:
        listed = _messages(pai, ScheduleId=schedule_id, Datetime=day["Date"], PageSize=100)["Messages"]
        assert day["Total"] == len(listed) == day["Success"] + day["Fail"] + day["Pending"]
        assert day["Fail"] == sum(m["Status"] == 2 for m in listed)
        assert day["Pending"] == 0
    assert sum(day["Fail"] for day in metrics) > 0  # seed 7 fails some, as a real send does


def test_metrics_count_pending_before_settling(pai: PaiEmulator) -> None:
    schedule_id = _create(pai, ExecuteTime="", RepeatCycleUnit=0)["Id"]
    pai.advance(1)
    (today,) = _metrics(pai, ScheduleId=schedule_id, StartDate="20241130", EndDate="20241130")
    assert today["Pending"] == today["Total"] > 0


def test_failed_check_and_failed_send(pai: PaiEmulator) -> None:
    check_fails = _create(pai, GroupId="fail-check-group", ExecuteTime="")["Id"]
    send_fails = _create(pai, GroupId="fail-send-group", ExecuteTime="", RepeatCycleUnit=0)["Id"]
    pai.advance(60)
    assert _get(pai, check_fails)["Status"] == 2
    assert _messages(pai, ScheduleId=check_fails)["TotalCount"] == 0
    assert _get(pai, send_fails)["Status"] == 5
    assert {m["Status"] for m in _messages(pai, ScheduleId=send_fails)["Messages"]} == {2}


@pytest.mark.parametrize(
    ("path", "action", "query", "field"),
    [
        ("/api/v2/messages", "ListMessages", {"Datetime": "2024-12-01"}, "Datetime"),
        ("/api/v2/messages", "ListMessages", {"Datetime": "20241301"}, "Datetime"),
        ("/api/v2/messages", "ListMessages", {"Status": "x"}, "Status"),
        ("/api/v2/messages/metrics", "ListMessageMetrics", {"EndDate": "20241201"}, "StartDate"),
        (
            "/api/v2/messages/metrics",
            "ListMessageMetrics",
            {"StartDate": "20241202", "EndDate": "20241201"},
            "EndDate",
        ),
    ],
)
def test_bad_message_queries_name_the_field(
    pai: PaiEmulator, path: str, action: str, query: dict[str, str], field: str
) -> None:
    body = pai.roa("GET", path, action, query=query).json()
    assert body["ErrorCode"] == 400
    assert body["ErrorMessage"].startswith(f"{field}:")


# --- the gateway in front of it ---------------------------------------------------------------------


def _gateway_error(answer: requests.Response) -> tuple[int, str]:
    body = answer.json()
    assert set(body) == {"Code", "Message", "RequestId"}
    return answer.status_code, body["Code"]


def test_wrong_secret_is_signature_does_not_match(pai: PaiEmulator) -> None:
    answer = pai.roa("GET", "/api/v2/schedules", "ListSchedules", secret="wrong")
    assert _gateway_error(answer) == (400, "SignatureDoesNotMatch")


def test_unknown_access_key_is_404(pai: PaiEmulator) -> None:
    answer = pai.roa("GET", "/api/v2/schedules", "ListSchedules", access_key_id="nobody")
    assert _gateway_error(answer) == (404, "InvalidAccessKeyId.NotFound")


def test_a_replayed_request_is_refused(pai: PaiEmulator) -> None:
    nonce = uuid.uuid4().hex
    first = pai.roa("GET", "/api/v2/schedules", "ListSchedules", nonce=nonce)
    assert first.status_code == 200
    again = pai.roa("GET", "/api/v2/schedules", "ListSchedules", nonce=nonce)
    assert _gateway_error(again) == (400, "SignatureNonceUsed")


def test_freshness_follows_the_real_clock_not_the_emulated_one(pai: PaiEmulator) -> None:
    pai.advance(365 * DAY)
    assert pai.roa("GET", "/api/v2/schedules", "ListSchedules").status_code == 200
    stale = datetime.now(UTC) - timedelta(minutes=16)
    answer = pai.roa("GET", "/api/v2/schedules", "ListSchedules", now=stale)
    assert _gateway_error(answer) == (400, "InvalidTimeStamp.Expired")


def test_unsigned_request_is_refused(pai: PaiEmulator) -> None:
    answer = requests.get(f"{pai.url}/api/v2/schedules", timeout=10)
    assert _gateway_error(answer) == (400, "MissingAccessKeyId")


def test_a_tampered_body_is_refused_and_creates_nothing(pai: PaiEmulator) -> None:
    body = json.dumps(PLAN).encode()
    tampered = body.replace(b"group-1", b"group-2")
    answer = pai.roa("POST", "/api/v2/schedules", "CreateSchedule", body=body, sent_body=tampered)
    assert _gateway_error(answer) == (400, "SignatureDoesNotMatch")
    assert pai.backend.state()["schedules"] == 0


def test_action_must_match_the_route(pai: PaiEmulator) -> None:
    answer = pai.roa("GET", "/api/v2/schedules", "DeleteSchedule")
    assert _gateway_error(answer) == (404, "InvalidAction.NotFound")


def test_version_must_be_2022_01_12(pai: PaiEmulator) -> None:
    answer = pai.roa("GET", "/api/v2/schedules", "ListSchedules", version="2021-01-01")
    assert _gateway_error(answer) == (400, "InvalidVersion")


def test_nonces_are_remembered_fifteen_minutes_from_first_use() -> None:
    now = [0.0]
    window = NonceWindow(now=lambda: now[0])
    assert window.seen("n") is False
    now[0] = 800.0
    assert window.seen("n") is True  # a replay is refused and does not extend the window
    now[0] = 900.0
    assert window.seen("n") is True
    now[0] = 900.5
    assert window.seen("other") is False
    assert window.seen("n") is False
