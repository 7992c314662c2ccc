"""The preview command: what a campaign owner sees before creating a schedule.

Expected tables are written out by hand (Shanghai is UTC+8; New York EST UTC-5, EDT UTC-4).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from airflow_provider_engage.timing.cli import main

FIXTURES = Path(__file__).parents[2] / "fixtures"
ENGAGELAB_SEED = json.loads((FIXTURES / "engagelab_schedules.json").read_text(encoding="utf-8"))
SEED_PERIODICAL = ENGAGELAB_SEED["create_periodical_request"]["trigger"]  # daily 12:00, 1 Jan .. 10 Feb 2024
PAI_SEED = json.loads((FIXTURES / "pai_create_schedule.json").read_text(encoding="utf-8"))
NOW = "2023-12-01T00:00:00Z"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["preview", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_site_zone_periodical_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(capsys, "--trigger", json.dumps(SEED_PERIODICAL), "--count", "3", "--now", NOW)
    assert (code, err) == (0, "")
    assert lines == [
        "periodical, every day at 12:00:00, from 2024-01-01 00:00:00 to 2024-02-10 00:00:00 "
        "(zone_type 1: wall clock in Asia/Shanghai)",
        "#  wall clock           site time (Asia/Shanghai)   UTC",
        "1  2024-01-01 12:00:00  2024-01-01 12:00:00 +08:00  2024-01-01 04:00:00Z",
        "2  2024-01-02 12:00:00  2024-01-02 12:00:00 +08:00  2024-01-02 04:00:00Z",
        "3  2024-01-03 12:00:00  2024-01-03 12:00:00 +08:00  2024-01-03 04:00:00Z",
        "(first 3 shown from 2023-12-01 00:00:00 UTC; more follow: raise --count)",
    ]


def test_device_zone_table_shows_first_and_last_arrival(capsys: pytest.CaptureFixture[str]) -> None:
    trigger = {"single": {"time": "2024-01-01 09:00:00", "zone_type": 2}}
    code, lines, _ = run(capsys, "--trigger", json.dumps(trigger), "--now", NOW)
    assert code == 0
    assert lines[0] == (
        "single at 2024-01-01 09:00:00 "
        "(zone_type 2: wall clock on each device, arriving from UTC+14 to UTC-12)"
    )
    assert lines[1].split("  ") == [
        "#",
        "wall clock (each device)",
        "first arrival (UTC+14)",
        "last arrival (UTC-12)",
        "first arrival (Asia/Shanghai)",
        "last arrival (Asia/Shanghai)",
    ]
    # 09:00 at UTC+14 is 19:00Z the day before; at UTC-12 it is 21:00Z the same day.
    assert lines[2].split() == [
        "1",
        "2024-01-01",
        "09:00:00",
        "2023-12-31",
        "19:00:00Z",
        "2024-01-01",
        "21:00:00Z",
        "2024-01-01",
        "03:00:00",
        "+08:00",
        "2024-01-02",
        "05:00:00",
        "+08:00",
    ]
    assert lines[3] == "(all 1 shown from 2023-12-01 00:00:00 UTC)"


def test_site_zone_with_daylight_saving_shows_the_gap_rule(capsys: pytest.CaptureFixture[str]) -> None:
    trigger = {
        "periodical": {
            "start": "2024-03-09 00:00:00",
            "end": "2024-03-11 23:59:59",
            "time": "02:30:00",
            "time_unit": "DAY",
            "zone_type": 1,
        }
    }
    code, lines, _ = run(
        capsys, "--trigger", json.dumps(trigger), "--site-tz", "America/New_York", "--now", NOW
    )
    assert code == 0
    assert [line.split()[1:] for line in lines[2:5]] == [
        ["2024-03-09", "02:30:00", "2024-03-09", "02:30:00", "-05:00", "2024-03-09", "07:30:00Z"],
        ["2024-03-10", "02:30:00", "2024-03-10", "03:30:00", "-04:00", "2024-03-10", "07:30:00Z"],
        ["2024-03-11", "02:30:00", "2024-03-11", "02:30:00", "-04:00", "2024-03-11", "06:30:00Z"],
    ]


def test_week_points_are_described_in_capitals(capsys: pytest.CaptureFixture[str]) -> None:
    trigger = {
        "periodical": {
            "start": "2024-01-01 00:00:00",
            "end": "2024-01-31 00:00:00",
            "time": "08:00:00",
            "time_unit": "week",
            "point": ["mon", "Fri"],
            "zone_type": 1,
        }
    }
    code, lines, _ = run(capsys, "--trigger", json.dumps(trigger), "--count", "2", "--now", NOW)
    assert code == 0
    assert lines[0].startswith("periodical, every week on MON, FRI at 08:00:00, ")
    # 1 January 2024 is a Monday, 5 January the Friday after.
    assert [line.split()[1] for line in lines[2:4]] == ["2024-01-01", "2024-01-05"]


def test_a_whole_schedule_body_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    body = ENGAGELAB_SEED["create_periodical_request"]
    code, lines, _ = run(capsys, "--trigger", json.dumps(body), "--count", "1", "--now", NOW)
    assert code == 0
    assert lines[2].startswith("1  2024-01-01 12:00:00")


def test_from_now_keeps_what_fires_now_and_skips_what_fired(capsys: pytest.CaptureFixture[str]) -> None:
    # 10 January 12:00 Shanghai is 04:00Z.
    args = ("--trigger", json.dumps(SEED_PERIODICAL), "--count", "1", "--now")
    code, lines, _ = run(capsys, *args, "2024-01-10T04:00:00Z")
    assert (code, lines[2].split()[:3]) == (0, ["1", "2024-01-10", "12:00:00"])
    code, lines, _ = run(capsys, *args, "2024-01-10T04:00:01Z")
    assert (code, lines[2].split()[:3]) == (0, ["1", "2024-01-11", "12:00:00"])


def test_from_start_lists_from_the_first_occurrence(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--trigger", json.dumps(SEED_PERIODICAL), "--count", "50", "--now", "2024-01-10T04:00:00Z")
    code, lines, _ = run(capsys, *args, "--from-start")
    assert code == 0
    assert lines[2].split()[:3] == ["1", "2024-01-01", "12:00:00"]
    assert lines[-2].split()[:3] == ["40", "2024-02-09", "12:00:00"]
    assert lines[-1] == "(all 40 shown)"


def test_nothing_left_to_fire(capsys: pytest.CaptureFixture[str]) -> None:
    # The last firing (9 February 04:00Z) has passed but end (16:00Z) has not.
    code, lines, _ = run(capsys, "--trigger", json.dumps(SEED_PERIODICAL), "--now", "2024-02-09T05:00:00Z")
    assert code == 0
    assert lines[1:] == [
        "#  wall clock  site time (Asia/Shanghai)  UTC",
        "(no occurrences from 2024-02-09 05:00:00 UTC)",
    ]


def test_default_now_is_the_real_clock(capsys: pytest.CaptureFixture[str]) -> None:
    with time_machine.travel(dt.datetime(2024, 1, 10, 4, 0, 1, tzinfo=dt.UTC), tick=False):
        code, lines, _ = run(capsys, "--trigger", json.dumps(SEED_PERIODICAL), "--count", "1")
    assert code == 0
    assert lines[2].startswith("1  2024-01-11 12:00:00")
    assert lines[3] == "(first 1 shown from 2024-01-10 04:00:01 UTC; more follow: raise --count)"


def test_pai_plan_table(capsys: pytest.CaptureFixture[str]) -> None:
    plan = PAI_SEED["requests"][3]  # the seed's monthly subscription campaign, {"host": ..., "body": {...}}
    code, lines, _ = run(capsys, "--pai", json.dumps(plan), "--count", "20", "--now", "2024-11-01T00:00:00Z")
    assert code == 0
    assert lines[0] == "PAI plan (UTC+8): first at 2024-12-01 10:00:00, every 1 month, then 12 more times"
    assert lines[1] == "#   UTC+8 (PAI)                 UTC"
    assert lines[2] == "1   2024-12-01 10:00:00 +08:00  2024-12-01 02:00:00Z"
    assert lines[14] == "13  2025-12-01 10:00:00 +08:00  2025-12-01 02:00:00Z"
    assert lines[15] == "(all 13 shown from 2024-11-01 00:00:00 UTC)"


@pytest.mark.parametrize(
    ("plan", "summary"),
    [
        ({"ExecuteTime": "", "RepeatCycleUnit": 0}, "PAI plan (UTC+8): first at now, once"),
        (
            {"ExecuteTime": "2024-12-01 09:00:00", "RepeatCycle": 1, "RepeatCycleUnit": 2, "RepeatTimes": -1},
            "PAI plan (UTC+8): first at 2024-12-01 09:00:00, every 1 day, without end",
        ),
        (
            {"ExecuteTime": "2024-12-01 09:00:00", "RepeatCycle": 6, "RepeatCycleUnit": 1, "RepeatTimes": 1},
            "PAI plan (UTC+8): first at 2024-12-01 09:00:00, every 6 hours, then 1 more time",
        ),
        (
            {
                "ExecuteTime": "2024-12-01 09:00:00",
                "RepeatCycle": 2,
                "RepeatCycleUnit": 3,
                "EndTime": "2025-01-01",
            },
            "PAI plan (UTC+8): first at 2024-12-01 09:00:00, every 2 weeks, without end, until 2025-01-01",
        ),
    ],
)
def test_pai_plan_summary(capsys: pytest.CaptureFixture[str], plan: dict[str, object], summary: str) -> None:
    code, lines, _ = run(capsys, "--pai", json.dumps(plan), "--now", NOW)
    assert code == 0
    assert lines[0] == summary


def test_pai_empty_execute_time_starts_now(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "--pai", '{"ExecuteTime": ""}', "--now", NOW)
    assert code == 0
    assert lines[2] == "1  2023-12-01 08:00:00 +08:00  2023-12-01 00:00:00Z"


def test_pai_plan_that_ended_before_now(capsys: pytest.CaptureFixture[str]) -> None:
    plan = {
        "ExecuteTime": "2023-01-01 09:00:00",
        "RepeatCycle": 1,
        "RepeatCycleUnit": 2,
        "EndTime": "2023-01-05",
    }
    code, lines, _ = run(capsys, "--pai", json.dumps(plan), "--now", NOW)
    assert code == 0
    assert lines[-1] == "(no occurrences from 2023-12-01 00:00:00 UTC)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--trigger", "{not json"), "error: --trigger: is not valid JSON"),
        (("--trigger", "[1, 2]"), "error: --trigger: must be a JSON object, got list"),
        (
            ("--trigger", '{"single": {"time": "2014-2-15 13:16:59", "zone_type": 1}}'),
            "error: trigger.single.time: expected 'yyyy-MM-dd HH:mm:ss'",
        ),
        (
            ("--trigger", '{"single": {"time": "2023-11-30 08:00:00", "zone_type": 1}}'),
            "error: trigger.single.time: ",
        ),
        (
            ("--trigger", json.dumps(SEED_PERIODICAL), "--site-tz", "Mars/Olympus"),
            "error: site_tz: unknown time zone",
        ),
        (
            ("--pai", '{"ExecuteTime": "2024-12-01 09:00:00", "RepeatCycleUnit": 9}'),
            "error: RepeatCycleUnit: ",
        ),
        (("--pai", "{}", "--now", "2024-01-01T00:00:00"), "error: --now: "),
    ],
)
def test_refusals_exit_2_with_the_field_on_stderr(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    if "--now" not in args:
        args = (*args, "--now", NOW)
    code, lines, err = run(capsys, *args)
    assert code == 2
    assert lines == []
    assert err.startswith(message)


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("preview",),
        ("preview", "--trigger", "{}", "--pai", "{}"),
        ("preview", "--pai", "{}", "--count", "0"),
    ],
)
def test_bad_command_lines_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    assert exited.value.code == 2
    assert "usage: python -m airflow_provider_engage.timing" in capsys.readouterr().err


def test_python_dash_m_runs_the_preview() -> None:
    argv = ["preview", "--trigger", json.dumps(SEED_PERIODICAL), "--count", "1", "--now", NOW]
    # A process of its own: `python -m` as a user types it (in this process, pytest's assertion
    # rewriting of the plugin's package would stand between runpy and the module).
    done = subprocess.run(
        [sys.executable, "-m", "airflow_provider_engage.timing", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "1  2024-01-01 12:00:00" in done.stdout
