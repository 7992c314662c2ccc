"""Hand-checked cases for airflow_provider_engage.timing.pai: when a PAI plan sends.

Every expected value below was worked out by hand from a calendar (PAI plans are UTC+8, which
has no daylight saving), never copied from running the code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pendulum
import pytest
import time_machine

from airflow_provider_engage import timing
from airflow_provider_engage.timing import InvalidTimeError

FIXTURES = Path(__file__).parents[2] / "fixtures"
PAI_SEED = json.loads((FIXTURES / "pai_create_schedule.json").read_text(encoding="utf-8"))


def utc(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz="UTC")


def pai(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz=timing.PAI_TZ)


# --- PAI plans ------------------------------------------------------------------------------------


def test_pai_repeat_count_is_the_seeds_reading() -> None:
    assert timing.pai_repeat_count(timing.PAI_DAY, -1) is None
    assert timing.pai_repeat_count(timing.PAI_DAY, 0) == 0
    assert timing.pai_repeat_count(timing.PAI_DAY, 12) == 12
    assert timing.pai_repeat_count(timing.PAI_NEVER, -1) == 0
    assert timing.pai_repeat_count(timing.PAI_NEVER, 5) == 0
    # The seed's defaults: RepeatCycleUnit 0, RepeatTimes -1.
    assert timing.pai_repeat_count(None, 5) == 0
    assert timing.pai_repeat_count(timing.PAI_WEEK, None) is None


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, [pai(2020, 1, 1, 12)]),  # RepeatCycleUnit 0: never repeats, whatever RepeatTimes (-1) says
        (1, [pai(2024, 12, 1, 9), pai(2024, 12, 2, 9), pai(2024, 12, 3, 9)]),  # daily, no end (first 3)
        (2, [utc(2024, 5, 1, 12, 30)]),  # empty ExecuteTime: now, once
        (
            3,
            [pai(2024, 12, 1, 10), pai(2025, 1, 1, 10), pai(2025, 2, 1, 10)],
        ),  # monthly, 12 repeats (first 3)
    ],
)
def test_pai_seed_examples(index: int, expected: list[pendulum.DateTime]) -> None:
    body = PAI_SEED["requests"][index]["body"]
    fields = (body["ExecuteTime"], body["RepeatCycle"], body["RepeatCycleUnit"], body["RepeatTimes"])
    instants = list(timing.pai_occurrences(*fields, limit=3, now=utc(2024, 5, 1, 12, 30)))
    assert instants == expected
    assert all(instant.utcoffset() == dt.timedelta(hours=8) for instant in instants)


def test_pai_seed_monthly_plan_sends_the_first_time_and_twelve_repeats() -> None:
    body = PAI_SEED["requests"][3]["body"]
    instants = list(timing.pai_occurrences(body["ExecuteTime"], 1, 4, body["RepeatTimes"]))
    assert len(instants) == 13
    assert instants[-1] == pai(2025, 12, 1, 10)


def test_pai_seed_response_plan_ends_on_its_end_date() -> None:
    data = PAI_SEED["response"]["Data"]  # ExecuteTime 2020-01-01 12:00:00, EndTime 2020-01-01
    fields = (data["ExecuteTime"], data["RepeatCycle"], data["RepeatCycleUnit"], data["RepeatTimes"])
    assert list(timing.pai_occurrences(*fields, data["EndTime"])) == [pai(2020, 1, 1, 12)]


def test_pai_missing_unit_and_times_take_the_seeds_defaults() -> None:
    assert list(timing.pai_occurrences("2024-12-01 10:00:00", None, None, None)) == [pai(2024, 12, 1, 10)]


@pytest.mark.parametrize(
    ("cycle", "unit", "times", "expected"),
    [
        (1, 2, 0, [pai(2024, 1, 1, 9)]),
        (1, 2, 2, [pai(2024, 1, 1, 9), pai(2024, 1, 2, 9), pai(2024, 1, 3, 9)]),
        (6, 1, 3, [pai(2024, 1, 1, 9), pai(2024, 1, 1, 15), pai(2024, 1, 1, 21), pai(2024, 1, 2, 3)]),
        (2, 3, 2, [pai(2024, 1, 1, 9), pai(2024, 1, 15, 9), pai(2024, 1, 29, 9)]),
        (3, 4, 2, [pai(2024, 1, 1, 9), pai(2024, 4, 1, 9), pai(2024, 7, 1, 9)]),
    ],
)
def test_pai_steps_count_cycles_of_the_unit(cycle: int, unit: int, times: int, expected: list[Any]) -> None:
    assert list(timing.pai_occurrences("2024-01-01 09:00:00", cycle, unit, times)) == expected


def test_pai_month_steps_clamp_to_the_last_day_and_return_to_the_31st() -> None:
    instants = list(timing.pai_occurrences("2024-01-31 10:00:00", 1, 4, 3))
    assert instants == [
        pai(2024, 1, 31, 10),
        pai(2024, 2, 29, 10),
        pai(2024, 3, 31, 10),
        pai(2024, 4, 30, 10),
    ]
    assert list(timing.pai_occurrences("2023-01-31 10:00:00", 1, 4, 1))[1] == pai(2023, 2, 28, 10)
    assert list(timing.pai_occurrences("2023-12-31 10:00:00", 2, 4, 3))[1:] == [
        pai(2024, 2, 29, 10),
        pai(2024, 4, 30, 10),
        pai(2024, 6, 30, 10),
    ]


@pytest.mark.parametrize(
    ("end_time", "count"),
    [
        ("2024-12-03", 3),  # a date includes its whole day
        (dt.date(2024, 12, 3), 3),
        ("2024-12-02 09:00:00", 2),  # inclusive
        ("2024-12-02 08:59:59", 1),
        (dt.datetime(2024, 12, 2, 1, tzinfo=dt.UTC), 2),  # 09:00 UTC+8
        ("2024-12-02T01:00:00Z", 2),
        (1733097600, 1),  # epoch seconds of 2024-12-02 00:00Z = 08:00 UTC+8
        (1733101200, 2),  # 2024-12-02 01:00Z = 09:00 UTC+8
        (1733097600000, 1),  # the same in epoch milliseconds
        (1733101200000, 2),
        ("2024-11-30", 0),
    ],
)
def test_pai_end_time_bounds_an_endless_plan(end_time: Any, count: int) -> None:
    instants = list(timing.pai_occurrences("2024-12-01 09:00:00", 1, 2, -1, end_time))
    assert instants == [pai(2024, 12, day, 9) for day in range(1, count + 1)]


def test_pai_end_time_also_bounds_a_counted_plan() -> None:
    assert len(list(timing.pai_occurrences("2024-12-01 09:00:00", 1, 2, 10, "2024-12-03"))) == 3


def test_pai_empty_end_time_is_no_end() -> None:
    # Found by the input fuzz: the service takes EndTime "" (validation lets it through), and the
    # PAI operator, computing the next sendings after its create, crashed on it.
    endless = timing.pai_occurrences("2024-12-01 09:00:00", 1, 2, -1, "", limit=40)
    assert list(endless) == list(timing.pai_occurrences("2024-12-01 09:00:00", 1, 2, -1, limit=40))


def test_pai_empty_execute_time_means_now() -> None:
    now = utc(2024, 5, 1, 12, 30)
    [instant] = timing.pai_occurrences("", 0, 0, 0, now=now)
    assert instant == now
    assert instant.utcoffset() == dt.timedelta(hours=8)
    assert list(timing.pai_occurrences(None, 1, 1, 1, now=now)) == [now, utc(2024, 5, 1, 13, 30)]


def test_pai_empty_execute_time_defaults_to_the_real_clock() -> None:
    with time_machine.travel(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC), tick=False):
        assert list(timing.pai_occurrences("", 0, 0, 0)) == [pai(2024, 5, 1, 20)]


def test_pai_execute_time_may_be_an_aware_datetime() -> None:
    assert list(timing.pai_occurrences(utc(2024, 1, 1), 0, 0, 0)) == [pai(2024, 1, 1, 8)]


def test_pai_after_skips_instants_not_after_it() -> None:
    hourly = timing.pai_occurrences("2024-01-01 00:00:00", 1, 1, -1, after=pai(2024, 3, 1, 5), limit=2)
    assert list(hourly) == [pai(2024, 3, 1, 6), pai(2024, 3, 1, 7)]
    monthly = timing.pai_occurrences("2024-01-31 10:00:00", 1, 4, -1, after=pai(2024, 4, 30, 10), limit=2)
    assert list(monthly) == [pai(2024, 5, 31, 10), pai(2024, 6, 30, 10)]
    mid_month = timing.pai_occurrences("2024-01-31 10:00:00", 1, 4, -1, after=pai(2024, 4, 15), limit=2)
    assert list(mid_month) == [pai(2024, 4, 30, 10), pai(2024, 5, 31, 10)]
    once = timing.pai_occurrences("2024-01-01 00:00:00", 0, 0, -1, after=pai(2024, 1, 1, 0))
    assert list(once) == []
    counted = timing.pai_occurrences("2024-01-01 00:00:00", 1, 2, 3, after="2024-01-03T00:00:00+08:00")
    assert list(counted) == [pai(2024, 1, 4)]


def test_pai_after_early_in_a_month_plan_keeps_the_next_step() -> None:
    # The first step is 31 January 23:00Z; after (23:30Z) is still January in UTC, February in UTC+8.
    plan = timing.pai_occurrences("2024-02-01 07:00:00", 1, 4, -1, after=utc(2024, 1, 31, 23, 30), limit=1)
    assert list(plan) == [pai(2024, 3, 1, 7)]


def test_pai_plan_stops_at_the_end_of_the_calendar() -> None:
    assert list(timing.pai_occurrences("9999-06-01 00:00:00", 12, 4, -1)) == [pai(9999, 6, 1)]
    assert list(timing.pai_occurrences("9999-12-31 10:00:00", 1, 2, -1)) == [pai(9999, 12, 31, 10)]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2024-01-01 09:00:00", 1, 5, -1), "RepeatCycleUnit"),
        (("2024-01-01 09:00:00", 1, True, -1), "RepeatCycleUnit"),
        (("2024-01-01 09:00:00", 1, "2", -1), "RepeatCycleUnit"),
        (("2024-01-01 09:00:00", 1, 2, -2), "RepeatTimes"),
        (("2024-01-01 09:00:00", 1, 2, "3"), "RepeatTimes"),
        (("2024-01-01 09:00:00", 0, 2, -1), "RepeatCycle"),
        (("2024-01-01 09:00:00", None, 2, -1), "RepeatCycle"),
        (("2024-01-01 09:00:00", False, 2, -1), "RepeatCycle"),
        (("2024-1-1 09:00:00", 1, 2, -1), "ExecuteTime"),
        ((dt.datetime(2024, 1, 1, 9), 1, 2, -1), "ExecuteTime"),
        (("2024-01-01 09:00:00", 1, 2, -1, "2024-02-30"), "EndTime"),
        (("2024-01-01 09:00:00", 1, 2, -1, True), "EndTime"),
        (("2024-01-01 09:00:00", 1, 2, -1, 10**30), "EndTime"),
        (("2024-01-01 09:00:00", 1, 2, -1, dt.datetime(2024, 2, 1)), "EndTime"),
        (("2024-01-01 09:00:00", 1, 2, -1, "next week"), "EndTime"),
    ],
)
def test_pai_occurrences_refuses_bad_fields(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.pai_occurrences(*args)
    assert caught.value.field == field


def test_pai_occurrences_refuses_bad_after_limit_and_now() -> None:
    with pytest.raises(InvalidTimeError, match=r"^after: "):
        timing.pai_occurrences("2024-01-01 09:00:00", 1, 2, -1, after=dt.datetime(2024, 1, 1))
    with pytest.raises(InvalidTimeError, match=r"^limit: "):
        timing.pai_occurrences("2024-01-01 09:00:00", 1, 2, -1, limit=-1)
    with pytest.raises(InvalidTimeError, match=r"^now: "):
        timing.pai_occurrences("", 1, 2, -1, now=dt.datetime(2024, 1, 1))
