"""PaiMessageMetricsOperator against the emulator over HTTP (roa): every page, the rows, the files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow.providers.common.compat.sdk import DAG, AirflowException, AirflowFailException

from airflow_provider_engage import timing
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.operators.pai import PaiMessageMetricsOperator
from airflow_provider_engage.stats_rows import MESSAGE_METRICS_COLUMNS
from tests.helpers import TaskInstanceStandIn, connection, service_requests

METRICS_ROUTE = "GET /api/v2/messages/metrics"
UTC8 = timing.PAI_TZ


@pytest.fixture
def sent_five_days(roa: EmulatorControl) -> dict[str, Any]:
    """A daily plan that has sent on five days (UTC+8), its messages settled."""
    hook = PaiEngagementHook()
    first = pendulum.now(UTC8).add(days=1).replace(hour=9, minute=0, second=0, microsecond=0)
    plan = hook.create_schedule(
        group_id="churned-30d",
        name="Churn_recall",
        execute_time=first.format("YYYY-MM-DD HH:mm:ss"),
        repeat_cycle=1,
        repeat_cycle_unit=2,
        repeat_times=4,
        template_code="SMS_RECALL",
        sign_name="MyApp",
    )
    roa.advance(6 * 86400)
    days = [first.add(days=n).date() for n in range(5)]
    truth = hook.list_message_metrics(plan["Id"], days[0], days[-1], page_size=100)["Metrics"]
    return {"id": plan["Id"], "days": days, "truth": truth, "before": service_requests(roa)}


def op(**kwargs: Any) -> PaiMessageMetricsOperator:
    return PaiMessageMetricsOperator(task_id="metrics", **kwargs)


def metrics_requests(control: EmulatorControl, before: dict[str, dict[str, int]]) -> int:
    return sum(service_requests(control).get(METRICS_ROUTE, {}).values()) - sum(
        before.get(METRICS_ROUTE, {}).values()
    )


def test_every_page_is_read_into_a_row_per_day(sent_five_days: dict[str, Any], roa: EmulatorControl) -> None:
    days = sent_five_days["days"]

    rows = op(
        schedule_id=sent_five_days["id"], start_date=days[0], end_date=days[-1].isoformat(), page_size=2
    ).execute({"ti": TaskInstanceStandIn()})

    assert metrics_requests(roa, sent_five_days["before"]) == 3  # 5 days, 2 a page
    assert [row["date"] for row in rows] == [day.isoformat() for day in days]
    truth = {item["Date"]: item for item in sent_five_days["truth"]}
    for row in rows:
        given = truth[row["date"].replace("-", "")]
        assert row["schedule_id"] == sent_five_days["id"]
        assert (row["total"], row["success"], row["fail"], row["pending"], row["rate"]) == (
            given["Total"],
            given["Success"],
            given["Fail"],
            given["Pending"],
            given["Rate"],
        )
        assert row["total"] >= 3
        assert row["pending"] == 0


def test_csv_and_jsonl_destinations_hold_the_rows_and_the_uri_goes_to_xcom(
    sent_five_days: dict[str, Any], tmp_path: Path
) -> None:
    days, ti = sent_five_days["days"], TaskInstanceStandIn()
    common = {"schedule_id": sent_five_days["id"], "start_date": days[0], "end_date": days[1]}

    rows = op(**common, destination=f"file://{tmp_path}/m.csv", format="csv").execute({"ti": ti})
    op(**common, destination=f"file://{tmp_path}/m.jsonl").execute({"ti": TaskInstanceStandIn()})

    with (tmp_path / "m.csv").open(newline="") as written:
        read = list(csv.reader(written))
    assert read[0] == list(MESSAGE_METRICS_COLUMNS)
    assert read[1:] == [[str(row[name]) for name in MESSAGE_METRICS_COLUMNS] for row in rows]
    assert [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()] == rows
    assert ti.xcom["destination"] == f"file://{tmp_path}/m.csv"
    assert len(rows) == 2


def test_days_with_no_messages_give_no_rows(sent_five_days: dict[str, Any]) -> None:
    before = sent_five_days["days"][0] - dt.timedelta(days=3)

    rows = op(schedule_id=sent_five_days["id"], start_date=before, end_date=before).execute(
        {"ti": TaskInstanceStandIn()}
    )

    assert rows == []


def test_days_as_yyyymmdd_are_taken_too(sent_five_days: dict[str, Any]) -> None:
    day = sent_five_days["days"][2].strftime("%Y%m%d")

    rows = op(schedule_id=sent_five_days["id"], start_date=day, end_date=day).execute(
        {"ti": TaskInstanceStandIn()}
    )

    assert [row["date"] for row in rows] == [sent_five_days["days"][2].isoformat()]


def test_the_gateway_style_is_refused_before_anything_is_sent(
    emulator: EmulatorControl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT",
        connection(emulator.base_url, "pai_engagement", login=None, password="demo-api-key"),
    )

    with pytest.raises(AirflowFailException, match=r"needs api_style 'roa'.*nothing was sent"):
        op(schedule_id="plan-1", start_date="2030-01-01", end_date="2030-01-02").execute(
            {"ti": TaskInstanceStandIn()}
        )

    assert service_requests(emulator) == {}


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"start_date": "2030-01-01T00:00:00+00:00"}, "start_date: wants a day"),
        ({"end_date": "01/02/2030"}, "end_date: wants a day"),
        ({"end_date": "2030-02-30"}, "end_date: '2030-02-30' is not a real"),
        ({"start_date": "2030-01-03"}, "end_date: must not be before start_date (2030-01-03)"),
        ({"schedule_id": ""}, "schedule_id: is required"),
        # Found by the input fuzz: raised bare from the hook, outside the bad-input rule (retried).
        ({"schedule_id": 5}, "schedule_id: must be"),
        ({"destination": "  "}, "destination: must be a URI"),
    ],
)
def test_bad_input_is_refused_naming_the_field_before_any_request(
    roa: EmulatorControl, kwargs: dict[str, Any], named: str
) -> None:
    given = {"schedule_id": "plan-1", "start_date": "2030-01-01", "end_date": "2030-01-02", **kwargs}

    with pytest.raises(AirflowFailException, match="Invalid input, nothing was sent") as refused:
        op(**given).execute({"ti": TaskInstanceStandIn()})

    assert named in str(refused.value)
    assert service_requests(roa) == {}


@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_a_datetime_is_refused_when_the_dag_is_parsed(name: str) -> None:
    days: dict[str, Any] = {"start_date": "2030-01-01", "end_date": "2030-01-02"}
    days[name] = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    with pytest.raises(ValueError, match=f"{name}: must be a day"):
        op(schedule_id="plan-1", **days)


def test_a_dags_default_start_date_is_not_taken_for_the_first_day() -> None:
    # default_args fill any operator argument of that name: here the report's first day.
    with (
        DAG("metrics", schedule=None, default_args={"start_date": pendulum.datetime(2030, 1, 1)}),
        pytest.raises(ValueError, match="it came from the DAG's default_args"),
    ):
        op(schedule_id="plan-1", end_date="2030-01-02")


@pytest.mark.parametrize("page_size", [0, 101, "10", True, 2.5])
def test_a_page_size_the_service_does_not_take_is_refused_when_the_dag_is_parsed(page_size: int) -> None:
    with pytest.raises(ValueError, match="page_size: must be 1 to 100"):
        op(schedule_id="plan-1", start_date="2030-01-01", end_date="2030-01-02", page_size=page_size)


def test_both_days_are_required() -> None:
    # Airflow 3 raises TypeError, 2.11 AirflowException ("missing keyword argument 'start_date'").
    with pytest.raises((TypeError, AirflowException), match="start_date"):
        op(schedule_id="plan-1", end_date="2030-01-02")  # type: ignore[call-arg]


def test_the_days_are_kept_and_templated_as_first_day_and_last_day() -> None:
    metrics = op(schedule_id="{{ ti.xcom_pull('plan') }}", start_date="{{ ds }}", end_date="{{ ds }}")

    assert set(PaiMessageMetricsOperator.template_fields) == {
        "schedule_id",
        "first_day",
        "last_day",
        "destination",
    }
    assert (metrics.first_day, metrics.last_day) == ("{{ ds }}", "{{ ds }}")
    assert metrics.start_date is None  # the task's own attribute is left alone
