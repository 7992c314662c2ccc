"""Hand-checked cases for airflow_provider_engage.timing.engagelab: triggers, occurrences, checks.

Every expected value below was worked out by hand from a calendar and the zones' offsets
(Asia/Shanghai UTC+8 all year; America/New_York EST UTC-5, EDT UTC-4 from 2024-03-10 02:00
to 2024-11-03 02:00), never copied from running the code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pendulum
import pytest

from airflow_provider_engage import timing
from airflow_provider_engage.timing import InvalidTimeError, Occurrence

FIXTURES = Path(__file__).parents[2] / "fixtures"
ENGAGELAB_SEED = json.loads((FIXTURES / "engagelab_schedules.json").read_text(encoding="utf-8"))
SEED_SINGLE = ENGAGELAB_SEED["create_single_request"]["trigger"]  # 2022-11-23 19:20:00, zone_type 1
SEED_PERIODICAL = ENGAGELAB_SEED["create_periodical_request"]["trigger"]  # daily 12:00, 1 Jan .. 10 Feb 2024


def utc(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz="UTC")


def wall(*parts: int) -> pendulum.DateTime:
    return pendulum.naive(*parts)


def periodical(
    start: str, end: str, unit: str, point: Any, *, time: str = "12:00:00", zone_type: int = 1
) -> dict[str, Any]:
    return {
        "periodical": {
            "start": start,
            "end": end,
            "time": time,
            "time_unit": unit,
            "point": point,
            "zone_type": zone_type,
        }
    }


def walls(trigger: dict[str, Any], **kwargs: Any) -> list[pendulum.DateTime]:
    return [occurrence.wall_time for occurrence in timing.occurrences(trigger, **kwargs)]


# --- constants ------------------------------------------------------------------------------------


def test_zone_constants_are_the_fixed_offsets_the_services_use() -> None:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert timing.EARLIEST_ZONE.utcoffset(moment) == dt.timedelta(hours=14)
    assert timing.LATEST_ZONE.utcoffset(moment) == dt.timedelta(hours=-12)
    assert timing.SITE_TZ_DEFAULT == "Asia/Shanghai"


# --- daily occurrences across daylight-saving changes in a site zone ------------------------------


def test_daily_occurrences_across_spring_forward_in_a_site_zone() -> None:
    trigger = periodical("2024-03-09 00:00:00", "2024-03-11 23:59:59", "day", None, time="02:30:00")
    found = list(timing.occurrences(trigger, site_tz="America/New_York"))
    assert [o.wall_time for o in found] == [
        wall(2024, 3, 9, 2, 30),
        wall(2024, 3, 10, 2, 30),
        wall(2024, 3, 11, 2, 30),
    ]
    assert [o.earliest for o in found] == [
        utc(2024, 3, 9, 7, 30),
        utc(2024, 3, 10, 7, 30),
        utc(2024, 3, 11, 6, 30),
    ]


def test_daily_occurrences_across_fall_back_in_a_site_zone() -> None:
    trigger = periodical("2024-11-02 00:00:00", "2024-11-04 23:59:59", "day", [], time="01:30:00")
    found = list(timing.occurrences(trigger, site_tz="America/New_York"))
    assert [o.earliest for o in found] == [
        utc(2024, 11, 2, 5, 30),
        utc(2024, 11, 3, 5, 30),
        utc(2024, 11, 4, 6, 30),
    ]
    assert all(o.earliest == o.latest for o in found)


# --- occurrences: single --------------------------------------------------------------------------


def test_seed_single_in_the_site_zone_is_one_instant() -> None:
    assert list(timing.occurrences(SEED_SINGLE)) == [
        Occurrence(wall(2022, 11, 23, 19, 20), utc(2022, 11, 23, 11, 20), utc(2022, 11, 23, 11, 20))
    ]


def test_single_follows_the_site_zone_given() -> None:
    [occurrence] = timing.occurrences(SEED_SINGLE, site_tz="America/New_York")
    assert occurrence.earliest == utc(2022, 11, 24, 0, 20)  # 19:20 EST


def test_device_zone_single_arrives_from_utc_plus_14_to_utc_minus_12() -> None:
    trigger = {"single": {"time": "2025-01-01 00:00:00", "zone_type": 2}}
    expected = [Occurrence(wall(2025, 1, 1), utc(2024, 12, 31, 10), utc(2025, 1, 1, 12))]
    assert list(timing.occurrences(trigger)) == expected
    # The wall clock is the same on every device: the site's zone plays no part.
    assert list(timing.occurrences(trigger, site_tz="America/New_York")) == expected


def test_occurrence_wall_time_is_naive_and_instants_are_utc() -> None:
    [occurrence] = timing.occurrences(SEED_SINGLE)
    assert occurrence.wall_time.tzinfo is None
    assert occurrence.earliest.timezone_name == "UTC"
    assert occurrence.latest.timezone_name == "UTC"


def test_occurrence_as_json_is_the_api_wall_clock_and_utc_instants() -> None:
    site = {"single": {"time": "2024-03-05 09:00:00", "zone_type": 1}}
    device = {"single": {"time": "2024-03-05 09:00:00", "zone_type": 2}}

    [at_site] = timing.occurrences(site, site_tz="Asia/Shanghai")
    [on_devices] = timing.occurrences(device)

    assert at_site.as_json() == {
        "wall_time": "2024-03-05 09:00:00",
        "earliest": "2024-03-05T01:00:00+00:00",
        "latest": "2024-03-05T01:00:00+00:00",
    }
    assert on_devices.as_json() == {
        "wall_time": "2024-03-05 09:00:00",
        "earliest": "2024-03-04T19:00:00+00:00",  # 09:00 at UTC+14
        "latest": "2024-03-05T21:00:00+00:00",  # 09:00 at UTC-12
    }


# --- occurrences: periodical ----------------------------------------------------------------------


def test_seed_periodical_fires_daily_from_start_until_end() -> None:
    found = list(timing.occurrences(SEED_PERIODICAL))
    # 31 days of January and 1..9 February; 10 February 12:00 is after end (00:00).
    assert len(found) == 40
    assert found[0] == Occurrence(wall(2024, 1, 1, 12), utc(2024, 1, 1, 4), utc(2024, 1, 1, 4))
    assert found[-1].wall_time == wall(2024, 2, 9, 12)


def test_start_and_end_are_inclusive_to_the_second() -> None:
    trigger = periodical("2024-01-01 12:00:00", "2024-01-03 12:00:00", "day", [])
    assert walls(trigger) == [wall(2024, 1, 1, 12), wall(2024, 1, 2, 12), wall(2024, 1, 3, 12)]
    trigger = periodical("2024-01-01 12:00:01", "2024-01-03 11:59:59", "day", [])
    assert walls(trigger) == [wall(2024, 1, 2, 12)]


def test_week_fires_on_the_listed_days_in_any_case_ignoring_duplicates() -> None:
    # 1 January 2024 is a Monday.
    trigger = periodical("2024-01-01 00:00:00", "2024-01-14 23:59:59", "WEEK", ["mon", "WED", "Mon"])
    assert walls(trigger) == [
        wall(2024, 1, 1, 12),
        wall(2024, 1, 3, 12),
        wall(2024, 1, 8, 12),
        wall(2024, 1, 10, 12),
    ]


def test_week_crosses_the_year_boundary() -> None:
    # 1 January 2025 is a Wednesday, so the Sundays are 29 December and 5 January.
    trigger = periodical("2024-12-25 00:00:00", "2025-01-10 00:00:00", "week", ["SUN"], time="08:00:00")
    assert walls(trigger) == [wall(2024, 12, 29, 8), wall(2025, 1, 5, 8)]


def test_month_31_fires_only_in_months_that_have_one() -> None:
    trigger = periodical("2024-01-01 00:00:00", "2024-12-31 23:59:59", "month", ["31"])
    assert [w.month for w in walls(trigger)] == [1, 3, 5, 7, 8, 10, 12]


def test_month_30_never_fires_in_february() -> None:
    trigger = periodical("2024-01-01 00:00:00", "2024-03-31 00:00:00", "month", ["30"])
    assert walls(trigger) == [wall(2024, 1, 30, 12), wall(2024, 3, 30, 12)]


def test_month_29_fires_in_february_only_in_a_leap_year() -> None:
    leap = periodical("2024-02-01 00:00:00", "2024-03-01 00:00:00", "month", ["29"])
    assert walls(leap) == [wall(2024, 2, 29, 12)]
    common = periodical("2023-02-01 00:00:00", "2023-03-01 00:00:00", "month", ["29"])
    assert walls(common) == []


def test_month_points_in_order_across_the_year_boundary() -> None:
    trigger = periodical("2024-11-15 00:00:00", "2025-02-15 00:00:00", "month", ["15", "01"], time="00:00:00")
    assert walls(trigger) == [
        wall(2024, 11, 15),
        wall(2024, 12, 1),
        wall(2024, 12, 15),
        wall(2025, 1, 1),
        wall(2025, 1, 15),
        wall(2025, 2, 1),
        wall(2025, 2, 15),
    ]


def test_device_zone_periodical_windows_span_26_hours() -> None:
    trigger = periodical("2024-01-01 00:00:00", "2024-01-02 23:59:59", "day", [], zone_type=2)
    assert list(timing.occurrences(trigger, site_tz="Europe/London")) == [
        Occurrence(wall(2024, 1, 1, 12), utc(2023, 12, 31, 22), utc(2024, 1, 2, 0)),
        Occurrence(wall(2024, 1, 2, 12), utc(2024, 1, 1, 22), utc(2024, 1, 3, 0)),
    ]


def test_after_skips_occurrences_whose_latest_is_not_after_it() -> None:
    # 10 January 12:00 in Shanghai is 04:00Z.
    assert walls(SEED_PERIODICAL, after=utc(2024, 1, 10, 4))[0] == wall(2024, 1, 11, 12)
    assert walls(SEED_PERIODICAL, after=utc(2024, 1, 10, 3, 59, 59))[0] == wall(2024, 1, 10, 12)
    assert walls(SEED_PERIODICAL, after="2024-01-10T12:00:00+08:00")[0] == wall(2024, 1, 11, 12)
    assert walls(SEED_PERIODICAL, after=utc(2024, 2, 9, 4)) == []


def test_after_keeps_a_device_zone_occurrence_still_arriving() -> None:
    trigger = {"single": {"time": "2025-01-01 00:00:00", "zone_type": 2}}
    # Already arrived at UTC+14 (10:00Z the day before) but not yet at UTC-12 (12:00Z).
    assert walls(trigger, after=utc(2025, 1, 1, 11, 59, 59)) == [wall(2025, 1, 1)]
    assert walls(trigger, after=utc(2025, 1, 1, 12)) == []


def test_after_long_into_a_schedule_still_finds_the_next_occurrence() -> None:
    trigger = periodical("2024-01-01 00:00:00", "2024-12-31 23:59:59", "month", ["31"], zone_type=2)
    # 31 October 12:00 reaches UTC-12 at 1 November 00:00Z.
    assert walls(trigger, after=utc(2024, 10, 31, 23, 59, 59)) == [
        wall(2024, 10, 31, 12),
        wall(2024, 12, 31, 12),
    ]
    assert walls(trigger, after=utc(2024, 11, 1)) == [wall(2024, 12, 31, 12)]


def test_limit_bounds_the_count() -> None:
    assert walls(SEED_PERIODICAL, limit=3) == [
        wall(2024, 1, 1, 12),
        wall(2024, 1, 2, 12),
        wall(2024, 1, 3, 12),
    ]
    assert walls(SEED_PERIODICAL, limit=0) == []
    assert len(walls(SEED_PERIODICAL, limit=100)) == 40


def test_occurrences_refuses_a_negative_limit() -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.occurrences(SEED_PERIODICAL, limit=-1)
    assert caught.value.field == "limit"


def test_occurrences_refuses_a_naive_after() -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.occurrences(SEED_PERIODICAL, after=dt.datetime(2024, 1, 1))
    assert caught.value.field == "after"


def test_occurrences_checks_the_trigger_before_iteration() -> None:
    # No next() call: the error comes from the call itself.
    with pytest.raises(InvalidTimeError) as caught:
        timing.occurrences({"single": {"time": "2014-2-15 13:16:59", "zone_type": 1}})
    assert caught.value.field == "trigger.single.time"
    assert caught.value.vendor_code is None


def test_occurrences_accepts_an_offset_as_site_zone() -> None:
    assert list(timing.occurrences(SEED_SINGLE, site_tz="+08:00")) == list(timing.occurrences(SEED_SINGLE))


def test_occurrence_whose_instant_leaves_the_calendar_is_refused() -> None:
    trigger = {"single": {"time": "0001-01-01 00:00:00", "zone_type": 2}}
    with pytest.raises(InvalidTimeError) as caught:
        list(timing.occurrences(trigger))
    assert caught.value.field == "trigger.single"


def test_periodical_ending_with_the_calendar_does_not_overflow() -> None:
    trigger = periodical("9999-12-30 00:00:00", "9999-12-31 23:59:59", "day", [], time="23:00:00")
    assert walls(trigger, site_tz="UTC") == [wall(9999, 12, 30, 23), wall(9999, 12, 31, 23)]


# --- validate_trigger -----------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", [SEED_SINGLE, SEED_PERIODICAL])
def test_seed_triggers_are_valid(trigger: dict[str, Any]) -> None:
    assert timing.validate_trigger(trigger) is None


def _refusal(trigger: Any, **kwargs: Any) -> InvalidTimeError:
    with pytest.raises(InvalidTimeError) as caught:
        timing.validate_trigger(trigger, **kwargs)
    assert caught.value.vendor_code == 28100
    return caught.value


def _with(kind: str, **changes: Any) -> dict[str, Any]:
    base = SEED_SINGLE if kind == "single" else SEED_PERIODICAL
    body = {**base[kind], **changes}
    return {kind: {key: value for key, value in body.items() if value is not _ABSENT}}


_ABSENT = object()


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ([], "trigger"),
        ({}, "trigger"),
        ({"single": SEED_SINGLE["single"], "periodical": SEED_PERIODICAL["periodical"]}, "trigger"),
        ({"single": "2024-01-01 00:00:00"}, "trigger.single"),
        (_with("single", zone_type=0), "trigger.single.zone_type"),
        (_with("single", zone_type=3), "trigger.single.zone_type"),
        (_with("single", zone_type=True), "trigger.single.zone_type"),
        (_with("single", zone_type="1"), "trigger.single.zone_type"),
        (_with("single", zone_type=_ABSENT), "trigger.single.zone_type"),
        (_with("single", time=_ABSENT), "trigger.single.time"),
        (_with("single", time="2022-11-23 19:20"), "trigger.single.time"),
        (_with("periodical", zone_type=None), "trigger.periodical.zone_type"),
        (_with("periodical", time_unit="year"), "trigger.periodical.time_unit"),
        (_with("periodical", time_unit=1), "trigger.periodical.time_unit"),
        (_with("periodical", time_unit=_ABSENT), "trigger.periodical.time_unit"),
        (_with("periodical", start="2024-01-01"), "trigger.periodical.start"),
        (_with("periodical", end="2024-02-30 00:00:00"), "trigger.periodical.end"),
        (_with("periodical", time="12:00"), "trigger.periodical.time"),
        (_with("periodical", time="24:00:00"), "trigger.periodical.time"),
        (_with("periodical", point=["MON"]), "trigger.periodical.point"),
        (_with("periodical", point=""), "trigger.periodical.point"),
        (_with("periodical", time_unit="week", point=[]), "trigger.periodical.point"),
        (_with("periodical", time_unit="week", point=None), "trigger.periodical.point"),
        (_with("periodical", time_unit="week", point="MON"), "trigger.periodical.point"),
        (_with("periodical", time_unit="week", point=["MON", "MONDAY"]), "trigger.periodical.point[1]"),
        (_with("periodical", time_unit="week", point=["MON", "TUE", 3]), "trigger.periodical.point[2]"),
        (_with("periodical", time_unit="month", point=["1"]), "trigger.periodical.point[0]"),
        (_with("periodical", time_unit="month", point=["01", "32"]), "trigger.periodical.point[1]"),
        (_with("periodical", time_unit="month", point=["00"]), "trigger.periodical.point[0]"),
        (_with("periodical", time_unit="month", point=[15]), "trigger.periodical.point[0]"),
        (_with("periodical", time_unit="month", point=["MON"]), "trigger.periodical.point[0]"),
    ],
)
def test_validate_trigger_refuses_bad_shapes_naming_the_field(trigger: Any, field: str) -> None:
    assert _refusal(trigger).field == field


def test_validate_trigger_accepts_the_shapes_the_service_takes() -> None:
    timing.validate_trigger(_with("periodical", point=_ABSENT))
    timing.validate_trigger(_with("periodical", point=None, time_unit="DAY"))
    timing.validate_trigger(_with("periodical", time_unit="Week", point=("sun", "SAT")))
    timing.validate_trigger(_with("periodical", time_unit="month", point=["01", "31"]))


def test_validate_trigger_prefixes_fields_with_the_callers_path() -> None:
    err = _refusal(_with("single", time="2022-11-23"), field="body.trigger")
    assert err.field == "body.trigger.single.time"
    assert str(err).startswith("body.trigger.single.time: expected 'yyyy-MM-dd HH:mm:ss'")


@pytest.mark.parametrize("end", ["2024-01-01 00:00:00", "2023-12-31 23:59:59"])
def test_validate_trigger_refuses_end_not_after_start(end: str) -> None:
    err = _refusal(_with("periodical", end=end))
    assert err.field == "trigger.periodical.end"
    assert "after start" in err.message


def test_validate_trigger_allows_a_span_of_exactly_one_year() -> None:
    timing.validate_trigger(_with("periodical", start="2024-01-01 00:00:00", end="2025-01-01 00:00:00"))
    err = _refusal(_with("periodical", start="2024-01-01 00:00:00", end="2025-01-01 00:00:01"))
    assert err.field == "trigger.periodical.end"
    assert "one year" in err.message


def test_one_year_from_29_february_ends_on_28_february() -> None:
    timing.validate_trigger(_with("periodical", start="2024-02-29 00:00:00", end="2025-02-28 00:00:00"))
    assert _refusal(_with("periodical", start="2024-02-29 00:00:00", end="2025-03-01 00:00:00")).field == (
        "trigger.periodical.end"
    )


def test_one_year_span_check_works_in_the_calendars_last_year() -> None:
    timing.validate_trigger(
        _with("periodical", start="9999-06-01 00:00:00", end="9999-12-31 23:59:59"), site_tz="UTC"
    )


@pytest.mark.parametrize(
    ("unit", "point", "start", "end"),
    [
        ("month", ["31"], "2024-04-01 00:00:00", "2024-04-30 23:59:59"),
        ("month", ["30"], "2024-02-01 00:00:00", "2024-02-29 23:59:59"),
        ("week", ["SAT", "SUN"], "2024-01-01 00:00:00", "2024-01-05 23:59:59"),  # Monday to Friday
        ("day", [], "2024-01-01 12:00:01", "2024-01-02 11:59:59"),
    ],
)
def test_validate_trigger_refuses_a_periodical_that_never_fires(
    unit: str, point: list[str], start: str, end: str
) -> None:
    err = _refusal(_with("periodical", time_unit=unit, point=point, start=start, end=end))
    assert err.field == "trigger.periodical"
    assert "never fires" in err.message


def test_single_time_is_checked_against_now_only_when_now_is_given() -> None:
    past = {"single": {"time": "2022-11-23 19:20:00", "zone_type": 1}}
    timing.validate_trigger(past)
    err = _refusal(past, now=utc(2022, 11, 23, 11, 20, 1))
    assert err.field == "trigger.single.time"
    assert "in the past" in err.message
    timing.validate_trigger(past, now=utc(2022, 11, 23, 11, 20))  # exactly now still fires


def test_a_past_time_says_which_zone_each_clock_is_in() -> None:
    past = {"single": {"time": "2022-11-23 19:20:00", "zone_type": 1}}

    err = _refusal(past, now=utc(2022, 11, 23, 11, 30))

    assert err.message == (
        "2022-11-23 19:20:00 (wall clock in Asia/Shanghai) is in the past: it is 2022-11-23 19:30:00 "
        "there (2022-11-23 11:30:00 UTC)"
    )


def test_a_past_device_time_says_when_the_last_devices_reached_it() -> None:
    past = {"single": {"time": "2025-01-01 00:00:00", "zone_type": 2}}

    err = _refusal(past, now=utc(2025, 1, 2))

    assert err.message == (
        "2025-01-01 00:00:00 (each device's own wall clock) is in the past everywhere: its last "
        "arrival (UTC-12) was 2025-01-01 12:00:00 UTC, now is 2025-01-02 00:00:00 UTC"
    )


def test_single_time_at_most_one_year_ahead() -> None:
    trigger = {"single": {"time": "2025-11-23 19:20:00", "zone_type": 1}}  # 11:20Z
    timing.validate_trigger(trigger, now=utc(2024, 11, 23, 11, 20))
    err = _refusal(trigger, now=utc(2024, 11, 23, 11, 19, 59))
    assert err.field == "trigger.single.time"
    assert "one year ahead" in err.message


def test_device_zone_single_counts_as_past_only_when_every_device_has_passed_it() -> None:
    trigger = {
        "single": {"time": "2025-01-01 00:00:00", "zone_type": 2}
    }  # 2024-12-31 10:00Z .. 2025-01-01 12:00Z
    timing.validate_trigger(trigger, now=utc(2025, 1, 1, 12))
    assert _refusal(trigger, now=utc(2025, 1, 1, 12, 0, 1)).field == "trigger.single.time"


def test_device_zone_single_more_than_a_year_ahead_counts_from_its_first_arrival() -> None:
    trigger = {"single": {"time": "2025-01-01 00:00:00", "zone_type": 2}}
    timing.validate_trigger(trigger, now=utc(2023, 12, 31, 10))
    assert _refusal(trigger, now=utc(2023, 12, 31, 9, 59, 59)).field == "trigger.single.time"


def test_single_checked_at_the_calendars_end() -> None:
    trigger = {"single": {"time": "9999-12-31 00:00:00", "zone_type": 1}}
    timing.validate_trigger(trigger, site_tz="UTC", now=utc(9999, 6, 1))


def test_periodical_end_must_not_be_in_the_past_when_now_is_given() -> None:
    # End 2024-02-10 00:00 Shanghai is 2024-02-09 16:00Z.
    err = _refusal(SEED_PERIODICAL, now=utc(2024, 2, 9, 16, 0, 1))
    assert err.field == "trigger.periodical.end"
    assert "in the past" in err.message


def test_periodical_must_have_a_firing_still_to_come_when_now_is_given() -> None:
    # Found by the input fuzz: accepted, then expired from its creation (the service says 28100,
    # "expired"). The last firing, 9 February 12:00 Shanghai, is 04:00Z; its end is 16:00Z.
    timing.validate_trigger(SEED_PERIODICAL, now=utc(2024, 2, 9, 3, 59, 59))
    err = _refusal(SEED_PERIODICAL, now=utc(2024, 2, 9, 4))
    assert err.field == "trigger.periodical.end"
    assert "no firing to come" in err.message
    assert err.vendor_code == 28100


def test_validate_trigger_refuses_a_naive_now() -> None:
    assert _refusal(SEED_SINGLE, now=dt.datetime(2022, 1, 1)).field == "now"


def test_validate_trigger_refuses_an_unknown_site_zone() -> None:
    assert _refusal(SEED_SINGLE, site_tz="Nowhere/Town").field == "site_tz"


def test_schedule_is_expired_when_no_occurrence_remains_after_now() -> None:
    # The last occurrence is 9 February 12:00 Shanghai = 04:00Z.
    assert timing.schedule_is_expired(SEED_PERIODICAL, now=utc(2024, 2, 9, 4)) is True
    assert timing.schedule_is_expired(SEED_PERIODICAL, now=utc(2024, 2, 9, 3, 59, 59)) is False
    device = {"single": {"time": "2025-01-01 00:00:00", "zone_type": 2}}
    assert timing.schedule_is_expired(device, now=utc(2025, 1, 1, 11)) is False
    assert timing.schedule_is_expired(device, now=utc(2025, 1, 1, 12)) is True
