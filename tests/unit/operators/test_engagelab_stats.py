"""EngageLabMessageStatsOperator against the emulator over HTTP: what it reads, returns and writes."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, ObjectStoragePath

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.operators.engagelab import EngageLabMessageStatsOperator
from airflow_provider_engage.ratelimit import RateLimiter
from airflow_provider_engage.stats_rows import MESSAGE_STATS_COLUMNS
from tests.helpers import TaskInstanceStandIn, service_requests

STATS_ROUTE = "GET /v4/status/detail"
SITE = "Asia/Shanghai"


def push(to: Any, plan_id: str | None = None) -> dict[str, Any]:
    options = {"plan_id": plan_id} if plan_id else {}
    return {
        "from": "push",
        "to": to,
        "body": {"platform": "all", "notification": {"alert": "Hi"}, "options": options},
    }


def schedule(
    hook: EngageLabHook, name: str, trigger: dict[str, Any], to: Any, plan_id: str | None = None
) -> str:
    body = {"name": name, "enabled": True, "trigger": trigger, "push": push(to, plan_id)}
    return str(hook.create_schedule(body)["schedule_id"])


def in_an_hour() -> str:
    return pendulum.now(SITE).add(hours=1).format("YYYY-MM-DD HH:mm:ss")


@pytest.fixture
def fired(engagelab_conn: EmulatorControl) -> dict[str, Any]:
    """Two fired schedules (one tagged with a push plan), one firing that reached nobody."""
    hook = EngageLabHook()
    hook.upsert_push_plan("spring", "spring sale")
    single = {"single": {"time": in_an_hour(), "zone_type": 1}}
    tagged = schedule(hook, "Tagged", single, {"tag": ["vip"]}, plan_id="spring")
    plain = schedule(hook, "Plain", single, {"registration_id": ["device-1", "device-2"]})
    nobody = schedule(hook, "Nobody", single, {"registration_id": ["gone-device"]})
    engagelab_conn.advance(2 * 3600)
    records = {
        sid: [{**r.to_dict(), "schedule_id": sid} for r in hook.get_schedule_msg_ids(sid)]
        for sid in (tagged, plain, nobody)
    }
    return {
        "hook": hook,
        "tagged": tagged,
        "plain": plain,
        "nobody": nobody,
        "records": records,
        "before": service_requests(engagelab_conn),  # what setting up cost
    }


def stats_requests(control: EmulatorControl, before: dict[str, dict[str, int]]) -> int:
    now = service_requests(control).get(STATS_ROUTE, {})
    return sum(now.values()) - sum(before.get(STATS_ROUTE, {}).values())


def op(**kwargs: Any) -> EngageLabMessageStatsOperator:
    return EngageLabMessageStatsOperator(task_id="stats", **kwargs)


def test_sensor_records_give_a_row_per_message_and_channel_with_the_services_counts(
    fired: dict[str, Any], engagelab_conn: EmulatorControl
) -> None:
    records = fired["records"][fired["tagged"]] + fired["records"][fired["plain"]]

    rows = op(msg_ids=records).execute({"ti": TaskInstanceStandIn()})

    assert stats_requests(engagelab_conn, fired["before"]) == 1  # two messages, one call
    truth = fired["hook"].get_message_stats([r["msg_id"] for r in records])
    assert [row["msg_id"] for row in rows] == [r["msg_id"] for r in records]
    for row, record in zip(rows, records, strict=True):
        assert row["schedule_id"] == record["schedule_id"]
        assert row["fired_at"] == record["fired_at"]
        assert (row["kind"], row["platform"], row["channel"]) == ("notification", None, None)
        assert {name: row[name] for name in ("targets", "sent", "delivered", "impressions", "clicks")} == {
            name: truth[row["msg_id"]]["sub"]["notification"][name]
            for name in ("targets", "sent", "delivered", "impressions", "clicks")
        }


def test_records_that_reached_nobody_are_left_out_and_nothing_is_asked_for_them(
    fired: dict[str, Any], engagelab_conn: EmulatorControl, caplog: pytest.LogCaptureFixture, capsys: Any
) -> None:
    nobody = fired["records"][fired["nobody"]]
    assert [r["error_code"] for r in nobody] == [1011]

    with caplog.at_level(logging.INFO):
        rows = op(msg_ids=nobody).execute({"ti": TaskInstanceStandIn()})

    assert rows == []
    assert stats_requests(engagelab_conn, fired["before"]) == 0
    logged = caplog.text + capsys.readouterr().out  # Airflow 3 logs through structlog to stdout
    assert "1 records given reached nobody and have no statistics" in logged


def test_the_plan_sensors_answer_gives_rows_carrying_the_plan(fired: dict[str, Any]) -> None:
    by_plan = fired["hook"].get_plan_msg_ids(
        ["spring"], pendulum.today(SITE).date(), pendulum.today(SITE).add(days=1).date()
    )
    assert len(by_plan["spring"]) == 1

    rows = op(msg_ids=by_plan).execute({"ti": TaskInstanceStandIn()})

    assert [(row["msg_id"], row["plan_id"], row["schedule_id"]) for row in rows] == [
        (by_plan["spring"][0], "spring", None)
    ]


def test_jsonl_destination_holds_the_rows_returned_and_the_uri_goes_to_xcom(
    fired: dict[str, Any], tmp_path: Path
) -> None:
    ti = TaskInstanceStandIn()
    uri = f"file://{tmp_path}/engage/stats.jsonl"

    rows = op(msg_ids=fired["records"][fired["tagged"]], destination=uri).execute({"ti": ti})

    lines = (tmp_path / "engage/stats.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == rows
    assert list(json.loads(lines[0])) == list(MESSAGE_STATS_COLUMNS)
    assert ti.xcom["destination"] == uri


def test_csv_destination_holds_a_header_and_the_same_rows(fired: dict[str, Any], tmp_path: Path) -> None:
    records = fired["records"][fired["plain"]] + fired["records"][fired["tagged"]]

    rows = op(msg_ids=records, destination=f"file://{tmp_path}/stats.csv", format="csv").execute(
        {"ti": TaskInstanceStandIn()}
    )

    with (tmp_path / "stats.csv").open(newline="") as written:
        read = list(csv.DictReader(written))
    assert list(read[0]) == list(MESSAGE_STATS_COLUMNS)
    assert [dict(row) for row in read] == [
        {name: "" if value is None else str(value) for name, value in row.items()} for row in rows
    ]


def test_an_object_storage_path_destination_is_written(fired: dict[str, Any], tmp_path: Path) -> None:
    path = ObjectStoragePath(f"file://{tmp_path}/out.jsonl")

    op(msg_ids=fired["records"][fired["plain"]], destination=path).execute({"ti": TaskInstanceStandIn()})

    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 1


def test_a_rendered_xcom_string_is_read_like_the_records_themselves(fired: dict[str, Any]) -> None:
    records = fired["records"][fired["plain"]]

    rows = op(msg_ids=str(records)).execute({"ti": TaskInstanceStandIn()})

    assert [(row["msg_id"], row["schedule_id"]) for row in rows] == [(records[0]["msg_id"], fired["plain"])]


def test_ids_are_asked_for_100_a_call_under_the_client_side_rate_limit(
    engagelab_conn: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = EngageLabHook()
    # A daily zone_type 2 push arrives in 14 bands: 18 days make 252 messages.
    start = pendulum.now(SITE).add(hours=1)
    daily = {
        "periodical": {
            "start": start.format("YYYY-MM-DD HH:mm:ss"),
            "end": start.add(days=18).format("YYYY-MM-DD HH:mm:ss"),
            "time": "09:00:00",
            "time_unit": "day",
            "zone_type": 2,
        }
    }
    schedule_id = schedule(hook, "Daily", daily, "all")
    engagelab_conn.advance(20 * 86400)
    records = [{**r.to_dict(), "schedule_id": schedule_id} for r in hook.get_schedule_msg_ids(schedule_id)]
    assert len(records) > 200
    before = service_requests(engagelab_conn)
    limiters: list[RateLimiter] = []
    acquire = RateLimiter.acquire

    def counted(self: RateLimiter) -> float:
        limiters.append(self)
        return acquire(self)

    monkeypatch.setattr(RateLimiter, "acquire", counted)

    rows = op(msg_ids=records, requests_per_second=300).execute({"ti": TaskInstanceStandIn()})

    calls = -(-len(records) // 100)
    assert stats_requests(engagelab_conn, before) == calls
    assert len(limiters) == calls
    assert {limiter.rate for limiter in limiters} == {300}
    assert sorted(row["msg_id"] for row in rows) == sorted(r["msg_id"] for r in records)


def test_ids_the_service_has_no_statistics_for_are_logged_not_invented(
    fired: dict[str, Any], caplog: pytest.LogCaptureFixture, capsys: Any
) -> None:
    known = fired["records"][fired["plain"]][0]["msg_id"]

    with caplog.at_level(logging.WARNING):
        rows = op(msg_ids=[known, "999999999"]).execute({"ti": TaskInstanceStandIn()})

    assert [row["msg_id"] for row in rows] == [known]
    logged = caplog.text + capsys.readouterr().out
    assert "No statistics for 1 messages (the service keeps them about 30 days): 999999999" in logged


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"msg_ids": None}, "msg_ids: is required"),
        ({"msg_ids": ["1", ""]}, "msg_ids[1]: must be a message id"),
        ({"msg_ids": [{"msg_id": "1,2", "ok": True}]}, "msg_ids[0].msg_id: must be a message id"),
        ({"msg_ids": {"spring": "1"}}, "msg_ids.spring: must be a list of message ids"),
        ({"msg_ids": ["1"], "destination": ""}, "destination: must be a URI"),
        ({"msg_ids": ["1"], "destination": "nosuchstore://b/k"}, "destination: cannot be written to"),
    ],
)
def test_bad_input_is_refused_naming_the_field_before_any_request(
    engagelab_conn: EmulatorControl, kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(AirflowFailException, match="Invalid input, nothing was sent") as refused:
        op(**kwargs).execute({"ti": TaskInstanceStandIn()})

    assert named in str(refused.value)
    assert service_requests(engagelab_conn) == {}


def test_an_unknown_format_or_rate_is_refused_when_the_dag_is_parsed() -> None:
    with pytest.raises(ValueError, match="format must be one of jsonl, csv, got 'xlsx'"):
        op(msg_ids=[], format="xlsx")
    with pytest.raises(ValueError, match="requests_per_second must be positive"):
        op(msg_ids=[], requests_per_second=0)


def test_msg_ids_and_destination_are_templated() -> None:
    assert set(EngageLabMessageStatsOperator.template_fields) == {"msg_ids", "destination"}
