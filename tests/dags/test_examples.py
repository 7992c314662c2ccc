"""The example DAGs in dags_examples/ import cleanly and run as they are against the emulator.

Each run is the real ``airflow dags test``; what it produced is read back from the emulator
(through the same connections) and from the files its statistics tasks wrote. Where an example
waits for a firing, the emulator's clock stands still shortly before it while the run creates
what it waits for, however long a loaded machine takes over that, and starts running with real
time at the sensor's first look, so the deferrable sensor really waits ``LEAD`` seconds. For
the zone_type 2 example, whose firing arrives over ~26 hours, the test moves the clock past the
window at that first look instead.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pendulum
import pytest
from airflow import __version__ as airflow_version

from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.stats_rows import MESSAGE_METRICS_COLUMNS, MESSAGE_STATS_COLUMNS
from airflow_provider_engage.testing import EngageEmulator
from tests.dags.conftest import EXAMPLES, DagRunner

AIRFLOW_3 = airflow_version.startswith("3.")
EXAMPLE_DAGS = {
    "engage_campaign": "engage_campaign.py",
    "campaign_single_push": "campaign_single_push.py",
    "weekly_newsletter_setup": "weekly_newsletter.py",
    "weekly_newsletter": "weekly_newsletter.py",
    "churn_recall_pai": "churn_recall_pai.py",
    "segment_fanout": "segment_fanout.py",
    "maintenance": "maintenance.py",
}
# Real seconds a sensor waits for its firing, from its first look.
LEAD = 20
MSG_IDS_ROUTE = "GET /v4/schedules/{schedule_id}/msg-ids"
PAI_SCHEDULE_ROUTE = "GET /api/v2/schedules/{Id}"
COUNTS = ("targets", "sent", "delivered", "impressions", "clicks")


def midnight(day: dt.date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz="UTC")


def stats_env(tmp_path: Path) -> dict[str, str]:
    """Where the examples' statistics tasks write (their Variable ``engage_stats_dir``)."""
    return {"AIRFLOW_VAR_ENGAGE_STATS_DIR": f"file://{tmp_path}/stats"}


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def reads(emulator: EngageEmulator, route: str = MSG_IDS_ROUTE) -> int:
    return sum(emulator.state()["requests"].get(route, {}).values())


@contextmanager
def waiting_from_first_look(
    emulator: EngageEmulator,
    firing: pendulum.DateTime,
    route: str = MSG_IDS_ROUTE,
    *,
    held_at: pendulum.DateTime | None = None,
    release_at: pendulum.DateTime | None = None,
) -> Iterator[dict[str, Any]]:
    """The clock stands still (``LEAD`` seconds before ``firing``, or at ``held_at``) until the
    service has answered a first request on ``route``, the sensor's first look, made once the run
    has created what it waits for; then it runs with real time (from ``release_at`` if given)."""
    seen: dict[str, Any] = {}

    def first_look(state: dict[str, Any]) -> bool:
        seen["reads_before"] = sum(state["requests"].get(route, {}).values())
        return bool(seen["reads_before"])

    held = held_at or firing.subtract(seconds=LEAD)
    with emulator.hold_clock(held, until=first_look, release_at=release_at):
        yield seen


def fired_ids(hook: EngageLabHook, schedule_id: str) -> list[str]:
    return [record.msg_id for record in hook.get_schedule_msg_ids(schedule_id) if record.ok]


def assert_counts_are_the_services(rows: list[dict[str, Any]], hook: EngageLabHook) -> None:
    truth = hook.get_message_stats([row["msg_id"] for row in rows])
    for row in rows:
        by_kind = truth[row["msg_id"]]["sub"][row["kind"]]
        assert {name: row[name] for name in COUNTS} == {name: by_kind[name] for name in COUNTS}


# --- every example -------------------------------------------------------------------------------


def test_every_example_dag_imports_without_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    # campaign_report.py defines its DAG (Airflow 3 only) for the schedules this names.
    monkeypatch.setenv("ENGAGE_NEWSLETTER_SCHEDULE_IDS", "1a2b3c")
    expected = {**EXAMPLE_DAGS, **({"campaign_report": "campaign_report.py"} if AIRFLOW_3 else {})}
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3

        bag = DagBag(dag_folder=EXAMPLES)
    except ImportError:
        from airflow.models.dagbag import DagBag  # Airflow 2.11

        bag = DagBag(dag_folder=str(EXAMPLES), include_examples=False)

    assert bag.import_errors == {}
    assert set(bag.dag_ids) == set(expected)
    for dag_id, file in expected.items():
        assert Path(bag.dags[dag_id].fileloc).name == file


@pytest.mark.parametrize("file", sorted(path.name for path in EXAMPLES.glob("*.py")))
def test_every_example_says_what_it_does_and_which_connections_it_needs(file: str) -> None:
    docstring = ast.get_docstring(ast.parse((EXAMPLES / file).read_text())) or ""

    assert len(docstring.split()) > 60
    assert "Connection" in docstring
    assert "engagelab_default" in docstring or "pai_engagement_default" in docstring


# --- engage_campaign (make demo) -------------------------------------------------------------------


def test_engage_campaign_example_schedules_every_push_and_the_sms_plan(
    run_dag: DagRunner, dag_emulator: EngageEmulator, tmp_path: Path
) -> None:
    today = pendulum.now("UTC").date()
    first_push = midnight(today).add(days=1, hours=1)
    # Before tomorrow's 09:00 in Shanghai: the run schedules everything, then its sensor waits
    # for the first push to go out.
    with waiting_from_first_look(dag_emulator, first_push) as seen:
        result = run_dag(
            "engage_campaign", logical_date=today.isoformat(), dags_folder=EXAMPLES, env=stats_env(tmp_path)
        )

    assert seen["reads_before"] == 1
    assert "delivery_statistics" in result["_log"]
    fired = dag_emulator.clock()["now"]
    assert pendulum.parse(fired) >= first_push
    hook = EngageLabHook()
    # The singles have fired (and left the service's list); read what was scheduled as of before.
    dag_emulator.set_clock(first_push.subtract(seconds=LEAD), frozen=True)
    schedules = {schedule["name"]: schedule for schedule in hook.iter_schedules()}
    tomorrow = today.add(days=1).isoformat()
    segments = [name for name in schedules if name.startswith("Reengage_")]
    assert len(segments) == 4
    for name in segments:
        assert schedules[name]["trigger"]["single"] == {"time": f"{tomorrow} 09:00:00", "zone_type": 1}
        assert schedules[name]["push"]["body"]["options"]["plan_id"] == f"reengage_{today.strftime('%Y%m%d')}"
    assert schedules["Evening_reminder"]["trigger"]["single"] == {
        "time": f"{tomorrow} 20:00:00",
        "zone_type": 2,
    }
    digest = schedules["Daily_digest"]["trigger"]["periodical"]
    assert (digest["start"], digest["time"], digest["time_unit"]) == (
        f"{tomorrow} 08:00:00",
        "12:30:00",
        "day",
    )
    assert dag_emulator.state()["pai"]["schedules"] == 1
    # The first segment's push was waited for; its statistics were written for a warehouse load.
    rows = jsonl(tmp_path / f"stats/engage_campaign/{today.isoformat()}.jsonl")
    first = schedules["Reengage_lapsed_7d"]["schedule_id"]
    assert [row["msg_id"] for row in rows] == fired_ids(hook, first)
    assert {row["schedule_id"] for row in rows} == {first}
    assert_counts_are_the_services(rows, hook)


# --- campaign_single_push ----------------------------------------------------------------------------


def test_campaign_single_push_waits_for_its_push_and_writes_its_statistics(
    run_dag: DagRunner, dag_emulator: EngageEmulator, tmp_path: Path
) -> None:
    today = pendulum.now("UTC").date()
    send_at = midnight(today).add(days=1, hours=1)  # 09:00 tomorrow in Shanghai
    with waiting_from_first_look(dag_emulator, send_at) as seen:
        result = run_dag(
            "campaign_single_push",
            logical_date=today.isoformat(),
            dags_folder=EXAMPLES,
            env=stats_env(tmp_path),
        )

    assert seen["reads_before"] == 1
    hook = EngageLabHook()
    reads_during_the_run = reads(dag_emulator)
    dag_emulator.set_clock(send_at.subtract(seconds=LEAD), frozen=True)  # as scheduled, before it fired
    (schedule,) = hook.iter_schedules()
    assert schedule["name"] == "Daily_lapsed_push"
    assert schedule["trigger"]["single"] == {
        "time": f"{today.add(days=1).isoformat()} 09:00:00",
        "zone_type": 1,
    }
    assert schedule["push"]["body"]["options"]["plan_id"] == f"single_push_{today.strftime('%Y%m%d')}"
    records = hook.get_schedule_msg_ids(schedule["schedule_id"])
    assert [record.fired_at for record in records] == [send_at]
    rows = jsonl(tmp_path / f"stats/campaign_single_push/{today.isoformat()}.jsonl")
    assert [row["msg_id"] for row in rows] == [records[0].msg_id]
    assert rows[0]["schedule_id"] == schedule["schedule_id"]
    assert pendulum.parse(rows[0]["fired_at"]) == send_at
    assert list(rows[0]) == list(MESSAGE_STATS_COLUMNS)
    assert_counts_are_the_services(rows, hook)
    assert reads_during_the_run <= 4  # one look before the wait, then a look or two once due
    if AIRFLOW_3:
        assert "Pausing task as DEFERRED" in result["_log"]


# --- weekly_newsletter ---------------------------------------------------------------------------------


def test_weekly_newsletter_is_created_once_and_each_week_its_sending_is_collected(
    run_dag: DagRunner, dag_emulator: EngageEmulator, tmp_path: Path
) -> None:
    today = pendulum.now("Asia/Shanghai").date()
    first = run_dag("weekly_newsletter_setup", dags_folder=EXAMPLES)
    again = run_dag("weekly_newsletter_setup", logical_date=midnight(today).isoformat(), dags_folder=EXAMPLES)

    hook = EngageLabHook()
    (schedule,) = hook.iter_schedules()
    assert f"Created schedule {schedule['schedule_id']}" in first["_log"]
    assert f"Re-attached to schedule {schedule['schedule_id']} (Weekly newsletter)" in again["_log"]
    weekly = schedule["trigger"]["periodical"]
    tomorrow = today.add(days=1)
    assert (weekly["start"], weekly["end"]) == (f"{tomorrow} 00:00:00", f"{tomorrow.add(weeks=26)} 00:00:00")
    assert (weekly["time"], weekly["time_unit"], weekly["point"], weekly["zone_type"]) == (
        "09:00:00",
        "week",
        ["MON"],
        1,
    )
    # The first Monday it sends: 09:00 Shanghai is 01:00 UTC, the same UTC day.
    monday = tomorrow.add(days=(7 - tomorrow.weekday()) % 7)
    sending = midnight(monday).add(hours=1)
    with waiting_from_first_look(dag_emulator, sending) as seen:
        result = run_dag(
            "weekly_newsletter",
            logical_date=monday.isoformat(),
            dags_folder=EXAMPLES,
            env=stats_env(tmp_path),
        )

    assert seen["reads_before"] == 1
    if AIRFLOW_3:
        assert "Pausing task as DEFERRED" in result["_log"]

    with (tmp_path / f"stats/weekly_newsletter/{monday.isoformat()}.csv").open(newline="") as written:
        rows = list(csv.DictReader(written))
    assert list(rows[0]) == list(MESSAGE_STATS_COLUMNS)
    records = hook.get_schedule_msg_ids(schedule["schedule_id"])
    assert [record.fired_at for record in records] == [sending]  # that Monday's sending, the only one yet
    assert [(row["msg_id"], row["schedule_id"]) for row in rows] == [
        (records[0].msg_id, schedule["schedule_id"])
    ]
    assert pendulum.parse(rows[0]["fired_at"]) == sending
    truth = hook.get_message_stats([records[0].msg_id])[records[0].msg_id]["sub"]["notification"]
    assert {name: int(rows[0][name]) for name in COUNTS} == {name: truth[name] for name in COUNTS}


# --- churn_recall_pai ------------------------------------------------------------------------------------


def test_churn_recall_pai_creates_a_daily_plan_waits_for_its_first_sending_and_writes_its_metrics(
    run_dag: DagRunner, dag_emulator: EngageEmulator, tmp_path: Path
) -> None:
    today = pendulum.now("UTC").date()
    first_sending = midnight(today).add(days=1, hours=2)  # 10:00 tomorrow, UTC+8
    with waiting_from_first_look(dag_emulator, first_sending, PAI_SCHEDULE_ROUTE) as seen:
        result = run_dag(
            "churn_recall_pai", logical_date=today.isoformat(), dags_folder=EXAMPLES, env=stats_env(tmp_path)
        )

    assert seen["reads_before"] == 1
    if AIRFLOW_3:
        assert "Pausing task as DEFERRED" in result["_log"]

    hook = PaiEngagementHook()
    (plan,) = hook.iter_schedules()
    tomorrow = today.add(days=1)
    assert (plan["Name"], plan["GroupId"]) == (f"Churn_recall_{today:%Y%m%d}", f"churned_{today:%Y%m%d}")
    assert plan["ExecuteTime"] == f"{tomorrow.isoformat()} 10:00:00"
    assert (plan["RepeatCycle"], plan["RepeatCycleUnit"], plan["RepeatTimes"]) == (1, 2, 2)
    rows = jsonl(tmp_path / f"stats/churn_recall_pai/{today.isoformat()}.jsonl")
    (truth,) = hook.list_message_metrics(plan["Id"], tomorrow, tomorrow)["Metrics"]
    assert rows == [
        {
            "schedule_id": plan["Id"],
            "date": tomorrow.isoformat(),
            "total": truth["Total"],
            "success": truth["Success"],
            "fail": truth["Fail"],
            "pending": 0,  # the sensor waited for the sending to complete
            "rate": truth["Rate"],
        }
    ]
    assert list(rows[0]) == list(MESSAGE_METRICS_COLUMNS)
    assert rows[0]["total"] == rows[0]["success"] + rows[0]["fail"] > 0


# --- segment_fanout ------------------------------------------------------------------------------------


def test_segment_fanout_waits_in_every_zone_for_each_segment_and_writes_all_their_statistics(
    run_dag: DagRunner, dag_emulator: EngageEmulator, tmp_path: Path
) -> None:
    today = pendulum.now("UTC").date()
    wall = midnight(today).add(days=1, hours=9)  # 09:00 tomorrow, each device's own clock
    earliest, latest = wall.subtract(hours=14), wall.add(hours=12)  # UTC+14 first, UTC-12 last
    # Once the first sensor has looked (and deferred: nothing is due yet), the ~26 hours pass
    # while its trigger sleeps: the clock moves past the window, its grace and a margin.
    with waiting_from_first_look(
        dag_emulator,
        earliest,
        held_at=earliest.subtract(minutes=10),
        release_at=latest.add(seconds=600 + 120),
    ) as moved:
        result = run_dag(
            "segment_fanout", logical_date=today.isoformat(), dags_folder=EXAMPLES, env=stats_env(tmp_path)
        )

    reads_during_the_run = reads(dag_emulator)
    assert moved["reads_before"] == 1  # the clock moved while the first sensor waited
    hook = EngageLabHook()
    dag_emulator.set_clock(earliest.subtract(minutes=10), frozen=True)  # as scheduled, before it fired
    schedules = {schedule["name"]: schedule for schedule in hook.iter_schedules()}
    assert sorted(schedules) == ["Global_cart_abandoners", "Global_lapsed_7d", "Global_new_this_week"]
    for schedule in schedules.values():
        assert schedule["trigger"]["single"] == {
            "time": f"{today.add(days=1).isoformat()} 09:00:00",
            "zone_type": 2,
        }
    rows = jsonl(tmp_path / f"stats/segment_fanout/{today.isoformat()}.jsonl")
    by_schedule: dict[str, list[str]] = {}
    for row in rows:
        by_schedule.setdefault(row["schedule_id"], []).append(row["msg_id"])
    # Every zone's arrival of every segment's push: 14 bands from UTC+14 to UTC-12 each.
    assert by_schedule == {s["schedule_id"]: fired_ids(hook, s["schedule_id"]) for s in schedules.values()}
    assert {len(ids) for ids in by_schedule.values()} == {14}
    fired = [pendulum.parse(row["fired_at"]) for row in rows]
    assert (min(fired), max(fired)) == (earliest, latest)
    assert_counts_are_the_services(rows, hook)
    # Three sensors, each one look before deferring or finishing, and the first one's re-read of
    # the clock (every 15 s while it disagrees with this machine's) that noticed the move.
    assert 4 <= reads_during_the_run <= 6
    if AIRFLOW_3:
        assert "Pausing task as DEFERRED" in result["_log"]


# --- maintenance -----------------------------------------------------------------------------------------


def promo(hook: EngageLabHook, name: str, trigger: dict[str, Any]) -> str:
    body = {
        "name": name,
        "enabled": True,
        "trigger": trigger,
        "push": {
            "from": "push",
            "to": {"tag": ["promo"]},
            "body": {"platform": "all", "notification": {"alert": name}},
        },
    }
    return str(hook.create_schedule(body)["schedule_id"])


def test_maintenance_pauses_retitles_and_deletes_what_outlived_the_campaign(
    run_dag: DagRunner, dag_emulator: EngageEmulator
) -> None:
    hook = EngageLabHook()
    today = pendulum.now("Asia/Shanghai").start_of("day")

    def at(days: int, hour: int = 10) -> str:
        return today.add(days=days, hours=hour).format("YYYY-MM-DD HH:mm:ss")

    def daily(start: int, end: int, time_unit: str = "day", **more: Any) -> dict[str, Any]:
        span = {"start": at(start, 0), "end": at(end, 0), "time": "20:00:00", "time_unit": time_unit}
        return {"periodical": {**span, "zone_type": 1, **more}}

    ids = {
        "reminder": promo(hook, "Promo_reminder", daily(1, 20)),
        "digest": promo(hook, "Promo_digest", daily(1, 60, "week", point=["MON"])),
        "teaser": promo(hook, "Promo_teaser", {"single": {"time": at(5), "zone_type": 1}}),
        "late": promo(hook, "Promo_late", {"single": {"time": at(45), "zone_type": 1}}),
        "other": promo(hook, "Other_push", {"single": {"time": at(45), "zone_type": 1}}),
    }
    before = {key: hook.get_schedule(schedule_id) for key, schedule_id in ids.items()}

    run_dag("maintenance", dags_folder=EXAMPLES, conf={"ends_on": today.add(days=30).to_date_string()})

    after = {schedule["schedule_id"]: schedule for schedule in hook.iter_schedules()}
    assert ids["late"] not in after  # its only firing came after the campaign's last day
    reminder = after[ids["reminder"]]
    assert reminder["enabled"] is False
    assert {**reminder, "enabled": True} == {"schedule_id": ids["reminder"], **_body(before["reminder"])}
    digest = after[ids["digest"]]
    assert digest["push"]["body"]["notification"] == {"alert": "Last week of the promotion: 30% off"}
    unchanged = _body(before["digest"])
    unchanged["push"]["body"]["notification"] = digest["push"]["body"]["notification"]
    assert digest == {"schedule_id": ids["digest"], **unchanged}
    for key in ("teaser", "other"):
        assert after[ids[key]] == {"schedule_id": ids[key], **_body(before[key])}


def _body(schedule: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps({key: value for key, value in schedule.items() if key != "schedule_id"}))
