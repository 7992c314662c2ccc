"""Hand-checked cases for airflow_provider_engage.timing: formats, zones, occurrences, checks, PAI plans.

Every expected value below was worked out by hand from a calendar and the zones' offsets
(Asia/Shanghai UTC+8 all year; America/New_York EST UTC-5, EDT UTC-4 from 2024-03-10 02:00
to 2024-11-03 02:00), never copied from running the code.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pendulum
import pytest
import time_machine

from airflow_provider_engage import timing
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.timing import InvalidTimeError, Occurrence

FIXTURES = Path(__file__).parents[1] / "fixtures"
ENGAGELAB_SEED = json.loads((FIXTURES / "engagelab_schedules.json").read_text(encoding="utf-8"))
PAI_SEED = json.loads((FIXTURES / "pai_create_schedule.json").read_text(encoding="utf-8"))
SEED_SINGLE = ENGAGELAB_SEED["create_single_request"]["trigger"]  # 2022-11-23 19:20:00, zone_type 1
SEED_PERIODICAL = ENGAGELAB_SEED["create_periodical_request"]["trigger"]  # daily 12:00, 1 Jan .. 10 Feb 2024


def utc(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz="UTC")


def wall(*parts: int) -> pendulum.DateTime:
    return pendulum.naive(*parts)


def pai(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz=timing.PAI_TZ)


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


# --- constants and the error type -----------------------------------------------------------------


def test_zone_constants_are_the_fixed_offsets_the_services_use() -> None:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert timing.PAI_TZ.utcoffset(moment) == dt.timedelta(hours=8)
    assert timing.EARLIEST_ZONE.utcoffset(moment) == dt.timedelta(hours=14)
    assert timing.LATEST_ZONE.utcoffset(moment) == dt.timedelta(hours=-12)
    assert timing.SITE_TZ_DEFAULT == "Asia/Shanghai"


def test_invalid_time_error_is_the_shared_invalid_field_error() -> None:
    err = InvalidTimeError("trigger.single.time", "bad", vendor_code=28100)
    assert isinstance(err, InvalidFieldError)
    assert isinstance(err, ValueError)
    assert str(err) == "trigger.single.time: bad"
    assert (err.field, err.message, err.vendor_code) == ("trigger.single.time", "bad", 28100)


# --- strict formats -------------------------------------------------------------------------------


def test_parse_api_datetime_gives_the_aware_instant_in_the_zone() -> None:
    parsed = timing.parse_api_datetime("2022-11-23 19:20:00", "Asia/Shanghai")
    assert parsed == utc(2022, 11, 23, 11, 20)
    assert parsed.timezone_name == "Asia/Shanghai"
    assert (parsed.hour, parsed.minute, parsed.second) == (19, 20, 0)


def test_parse_api_datetime_in_pai_zone() -> None:
    assert timing.parse_api_datetime("2020-01-01 12:00:00", timing.PAI_TZ) == utc(2020, 1, 1, 4)


def test_parse_api_datetime_accepts_29_february_of_a_leap_year() -> None:
    assert timing.parse_api_datetime("2024-02-29 23:59:59", "UTC") == utc(2024, 2, 29, 23, 59, 59)


@pytest.mark.parametrize(
    "text",
    [
        "2014-2-15 13:16:59",  # the seed's own counter-examples
        "2014-12-15 13:16",
        "2014-02-15 1:16:59",
        "2014-02-15T13:16:59",
        "2014-02-15  13:16:59",
        " 2014-02-15 13:16:59",
        "2014-02-15 13:16:59 ",
        "2014-02-15 13:16:59\n",
        "2014-02-15 13:16:59.000",
        "2014-02-15 01:16:59 PM",
        "14-02-15 13:16:59",
        "２０１４-02-15 13:16:59",  # full-width digits are digits to Python, not to the API
        "",
    ],
)
def test_parse_api_datetime_refuses_other_shapes_naming_field_and_form(text: str) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.parse_api_datetime(text, "Asia/Shanghai", field="trigger.single.time")
    assert caught.value.field == "trigger.single.time"
    assert "'yyyy-MM-dd HH:mm:ss'" in caught.value.message
    assert str(caught.value).startswith("trigger.single.time: ")


@pytest.mark.parametrize(
    "text",
    [
        "2014-02-15 24:00:00",
        "2014-02-30 10:00:00",
        "2023-02-29 10:00:00",
        "2024-04-31 10:00:00",
        "2014-13-01 10:00:00",
        "2014-00-10 10:00:00",
        "2014-02-00 10:00:00",
        "2014-02-15 13:60:00",
        "2014-02-15 13:16:60",
        "0000-01-01 00:00:00",
    ],
)
def test_parse_api_datetime_refuses_dates_and_times_that_do_not_exist(text: str) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.parse_api_datetime(text, "Asia/Shanghai", field="trigger.periodical.start")
    assert caught.value.field == "trigger.periodical.start"
    assert text in caught.value.message
    assert "'yyyy-MM-dd HH:mm:ss'" in caught.value.message


@pytest.mark.parametrize("value", [None, 20140215131659, b"2014-02-15 13:16:59"])
def test_parse_api_datetime_refuses_non_strings(value: Any) -> None:
    with pytest.raises(InvalidTimeError, match=r"^time: expected"):
        timing.parse_api_datetime(value, "UTC")


def test_parse_api_datetime_refuses_an_unknown_zone() -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.parse_api_datetime("2024-01-01 00:00:00", "Mars/Olympus")
    assert caught.value.field == "tz"
    assert "Mars/Olympus" in caught.value.message


def test_parse_api_datetime_refuses_an_instant_before_the_year_1() -> None:
    # 0001-01-01 00:00 at UTC+8 is 31 December of the year 0 in UTC, which no datetime holds.
    with pytest.raises(InvalidTimeError, match="outside the years 1 to 9999"):
        timing.parse_api_datetime("0001-01-01 00:00:00", timing.PAI_TZ)


@pytest.mark.parametrize(("text", "expected"), [("00:00:00", dt.time(0)), ("23:59:59", dt.time(23, 59, 59))])
def test_parse_api_time_accepts_the_24_hour_clock(text: str, expected: dt.time) -> None:
    assert timing.parse_api_time(text) == expected


@pytest.mark.parametrize(
    "text", ["24:00:00", "7:00:00", "07:00", "07:00:00.5", "12:60:00", "12:00:60", "07:00:00 AM", "", None]
)
def test_parse_api_time_refuses_anything_else(text: Any) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.parse_api_time(text, field="trigger.periodical.time")
    assert caught.value.field == "trigger.periodical.time"
    assert "'HH:mm:ss'" in caught.value.message


def test_parse_api_date_is_strict() -> None:
    assert timing.parse_api_date("2024-02-29") == dt.date(2024, 2, 29)
    for text in ("2023-02-29", "2024-2-1", "2024-02-01 00:00:00", "20240201"):
        with pytest.raises(InvalidTimeError) as caught:
            timing.parse_api_date(text, field="start_date")
        assert caught.value.field == "start_date"
        assert "'yyyy-MM-dd'" in caught.value.message


def test_parse_compact_date_is_strict() -> None:
    assert timing.parse_compact_date("20240229") == dt.date(2024, 2, 29)
    for text in ("20230229", "2024-02-29", "2024021", "２０２４０２２９"):
        with pytest.raises(InvalidTimeError) as caught:
            timing.parse_compact_date(text, field="Datetime")
        assert caught.value.field == "Datetime"
        assert "'yyyyMMdd'" in caught.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20240229", "20240229"),
        ("2024-02-29", "20240229"),
        (dt.date(2024, 12, 31), "20241231"),
        ("2024-01-01T16:00:00Z", "20240102"),  # midnight in UTC+8
    ],
)
def test_format_compact_date(value: Any, expected: str) -> None:
    assert timing.format_compact_date(value, timing.PAI_TZ) == expected


def test_format_compact_date_refuses_a_date_that_does_not_exist() -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.format_compact_date("20230229", timing.PAI_TZ, field="start_date")
    assert caught.value.field == "start_date"


# --- formatting what a DAG author has -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "Asia/Shanghai", "2024-01-01 08:00:00"),
        (pendulum.datetime(2024, 7, 4, 9, 30, tz="America/New_York"), timing.PAI_TZ, "2024-07-04 21:30:00"),
        ("2024-06-30T16:30:00+00:00", "Asia/Shanghai", "2024-07-01 00:30:00"),  # {{ data_interval_end }}
        ("2024-06-30T16:30:00Z", "Asia/Shanghai", "2024-07-01 00:30:00"),
        ("2024-06-30 16:30:00+08:00", "UTC", "2024-06-30 08:30:00"),
        ("2024-12-31T23:00:00-05:00", "Asia/Shanghai", "2025-01-01 12:00:00"),
        (dt.datetime(2024, 1, 1, 12, 0, 0, 999999, tzinfo=dt.UTC), "UTC", "2024-01-01 12:00:00"),
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "+05:30", "2024-01-01 05:30:00"),
        (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "-03:00", "2023-12-31 21:00:00"),
        (dt.datetime(999, 1, 1, tzinfo=dt.UTC), "UTC", "0999-01-01 00:00:00"),
    ],
)
def test_format_api_datetime_converts_aware_values_to_the_zone(value: Any, tz: Any, expected: str) -> None:
    assert timing.format_api_datetime(value, tz) == expected


def test_format_api_datetime_passes_an_api_string_through_unchanged() -> None:
    # Even a wall time that New York skips: the string is what the service will read.
    assert timing.format_api_datetime("2024-03-10 02:30:00", "America/New_York") == "2024-03-10 02:30:00"


def test_format_api_datetime_checks_the_calendar_of_an_api_string() -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.format_api_datetime("2024-02-30 10:00:00", "UTC", field="execute_time")
    assert caught.value.field == "execute_time"


@pytest.mark.parametrize(
    "value", [dt.datetime(2024, 1, 1, 12), "2024-01-01T12:00:00", pendulum.naive(2024, 1, 1)]
)
def test_format_api_datetime_refuses_naive_values(value: Any) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.format_api_datetime(value, "Asia/Shanghai", field="send_at")
    assert caught.value.field == "send_at"
    assert "no UTC offset" in caught.value.message


@pytest.mark.parametrize("value", ["tomorrow", "2024-13-01T00:00:00Z", "2024-1-1 12:00"])
def test_format_api_datetime_refuses_unreadable_strings(value: str) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.format_api_datetime(value, "UTC")
    assert "'yyyy-MM-dd HH:mm:ss' or an ISO-8601 date-time with a UTC offset" in caught.value.message


@pytest.mark.parametrize("value", [dt.date(2024, 1, 1), 1704067200, None])
def test_format_api_datetime_refuses_other_types(value: Any) -> None:
    with pytest.raises(InvalidTimeError, match="expected a datetime or a string"):
        timing.format_api_datetime(value, "UTC")


def test_format_api_datetime_refuses_a_conversion_past_the_year_9999() -> None:
    with pytest.raises(InvalidTimeError, match="outside the years 1 to 9999"):
        timing.format_api_datetime(dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC), timing.PAI_TZ)


@pytest.mark.parametrize(
    "value",
    [
        pendulum.datetime(2024, 1, 1, 9, tz="America/New_York"),
        dt.datetime(2024, 1, 1, 9, 0, 0, 750000, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        "2024-01-01T09:00:00+05:30",
        "2024-01-01T09:00:00Z",
        "2024-01-01 09:00:00",
    ],
)
def test_format_wall_clock_keeps_the_clock_the_value_shows(value: Any) -> None:
    # zone_type 2 times are device wall clocks: nothing is converted.
    assert timing.format_wall_clock(value) == "2024-01-01 09:00:00"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (dt.datetime(2024, 1, 1, 9), "no UTC offset"),
        ("2024-01-01T09:00:00", "no UTC offset"),
        ("2024-02-30 09:00:00", "is not a real 'yyyy-MM-dd HH:mm:ss'"),
        ("9 am", "expected 'yyyy-MM-dd HH:mm:ss' or an ISO-8601 date-time with a UTC offset"),
    ],
)
def test_format_wall_clock_refuses_what_shows_no_clock_or_no_zone(value: Any, message: str) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.format_wall_clock(value, field="trigger.single.time")
    assert caught.value.field == "trigger.single.time"
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 2, 29), "2024-02-29"),
        ("2024-02-29", "2024-02-29"),
        (dt.datetime(2024, 1, 1, 20, tzinfo=dt.UTC), "2024-01-02"),  # 04:00 next day in Shanghai
        ("2024-01-01T15:59:59Z", "2024-01-01"),
        ("2024-01-01T16:00:00Z", "2024-01-02"),
        ("2024-03-05 23:30:00", "2024-03-05"),  # an API string is already Shanghai's wall clock
    ],
)
def test_format_api_date(value: Any, expected: str) -> None:
    assert timing.format_api_date(value, "Asia/Shanghai") == expected


@pytest.mark.parametrize("value", ["2023-02-29", dt.datetime(2024, 1, 1), "01/02/2024"])
def test_format_api_date_refuses(value: Any) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.format_api_date(value, "Asia/Shanghai", field="end_date")
    assert caught.value.field == "end_date"


def test_to_utc_converts_aware_values_and_iso_strings() -> None:
    assert timing.to_utc(pendulum.datetime(2024, 1, 1, 8, tz="Asia/Shanghai")) == utc(2024, 1, 1)
    converted = timing.to_utc("2024-01-01T08:00:00+08:00")
    assert converted == utc(2024, 1, 1)
    assert converted.timezone_name == "UTC"
    assert timing.to_utc(dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-12)))) == utc(
        2024, 1, 1, 12
    )


@pytest.mark.parametrize(
    "value", [dt.datetime(2024, 1, 1), "2024-01-01 12:00:00", "2024-01-01", "noon", 0, dt.date(2024, 1, 1)]
)
def test_to_utc_refuses_what_has_no_offset(value: Any) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.to_utc(value, field="after")
    assert caught.value.field == "after"


def test_to_utc_refuses_an_instant_before_the_year_1() -> None:
    with pytest.raises(InvalidTimeError, match="outside the years"):
        timing.to_utc("0001-01-01T00:00:00+01:00")


# --- PAI ExecuteTime / EndTime: format_pai_time -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (None, None),  # not sent
        ("", ""),  # ExecuteTime: send now
        (1735660800, 1735660800),  # an epoch, for EndTime
        (0, 0),
        ("1735660800", 1735660800),  # what a template renders for an epoch
        ("1735660800000", 1735660800000),
        (dt.date(2024, 12, 31), "2024-12-31"),
        (pendulum.date(2024, 2, 29), "2024-02-29"),
        ("2024-12-31", "2024-12-31"),
        ("2024-12-01 09:00:00", "2024-12-01 09:00:00"),  # already UTC+8
        ("2024-06-30T16:30:00+00:00", "2024-07-01 00:30:00"),  # {{ data_interval_end }}
        ("2024-12-01T01:00:00Z", "2024-12-01 09:00:00"),
        ("2024-12-01T09:00:00.999+08:00", "2024-12-01 09:00:00"),
        (dt.datetime(2024, 12, 1, 1, tzinfo=dt.UTC), "2024-12-01 09:00:00"),
        (pendulum.datetime(2024, 7, 1, 9, tz="Europe/Berlin"), "2024-07-01 15:00:00"),  # CEST
        (pendulum.datetime(2024, 12, 1, 9, tz="Europe/Berlin"), "2024-12-01 16:00:00"),  # CET
    ],
)
def test_format_pai_time_turns_what_a_dag_author_has_into_what_pai_takes(value: Any, sent: Any) -> None:
    result = timing.format_pai_time(value, field="EndTime")
    assert result == sent
    assert type(result) is type(sent)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (dt.datetime(2024, 12, 1, 9), "has no UTC offset"),  # naive: which zone?
        (pendulum.naive(2024, 12, 1, 9), "has no UTC offset"),
        ("2024-12-01T09:00:00", "has no UTC offset"),
        ("2024-12-1 09:00:00", "expected 'yyyy-MM-dd HH:mm:ss'"),
        ("2024-02-30", "is not a real 'yyyy-MM-dd'"),
        ("2024-02-30 09:00:00", "is not a real"),
        ("tomorrow", "expected 'yyyy-MM-dd HH:mm:ss'"),
        (" 1735660800", "expected 'yyyy-MM-dd HH:mm:ss'"),
        ("１７３５６６０８００", "expected 'yyyy-MM-dd HH:mm:ss'"),  # full-width digits are no epoch
        (-1, "must not be negative"),
        (True, "got True"),
        (1.5, "got float"),
        (["2024-12-01"], "got list"),
    ],
)
def test_format_pai_time_refuses_the_rest_naming_the_field(value: Any, message: str) -> None:
    with pytest.raises(InvalidTimeError, match=message) as caught:
        timing.format_pai_time(value, field="end_time")
    assert caught.value.field == "end_time"


@pytest.mark.parametrize(
    ("number", "seconds"),
    [
        (1707278411, 1707278411),
        (1707278411611, 1707278411.611),
        (timing.EPOCH_MILLIS_FROM - 1, timing.EPOCH_MILLIS_FROM - 1),
        (timing.EPOCH_MILLIS_FROM, timing.EPOCH_MILLIS_FROM / 1000),
        (0, 0),
    ],
)
def test_epoch_seconds_reads_seconds_and_milliseconds_by_one_threshold(number: int, seconds: float) -> None:
    assert timing.epoch_seconds(number) == pytest.approx(seconds)


# --- zones ----------------------------------------------------------------------------------------


def test_resolve_zone_reads_names_offsets_and_zone_objects() -> None:
    assert timing.resolve_zone("Asia/Shanghai").name == "Asia/Shanghai"
    january = dt.datetime(2024, 1, 1)
    assert timing.resolve_zone("+08:00").utcoffset(january) == dt.timedelta(hours=8)
    assert timing.resolve_zone("-09:30").utcoffset(january) == dt.timedelta(hours=-9, minutes=-30)
    assert timing.resolve_zone(timing.PAI_TZ) is timing.PAI_TZ


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "/etc/localtime", "x" * 300, "UTC+8"])
def test_resolve_zone_refuses_unknown_names(name: str) -> None:
    with pytest.raises(InvalidTimeError) as caught:
        timing.resolve_zone(name, field="site_timezone")
    assert caught.value.field == "site_timezone"


# --- the DST rule: gap forward by its length, overlap takes the earlier instant -------------------


def test_wall_time_in_a_spring_forward_gap_moves_forward_by_the_gap() -> None:
    # 2024-03-10 02:30 does not exist in New York; 02:30 EST (UTC-5) is 07:30Z = 03:30 EDT.
    parsed = timing.parse_api_datetime("2024-03-10 02:30:00", "America/New_York")
    assert parsed == utc(2024, 3, 10, 7, 30)
    assert (parsed.hour, parsed.minute) == (3, 30)


def test_wall_time_in_an_autumn_overlap_takes_the_earlier_instant() -> None:
    # 2024-11-03 01:30 happens twice in New York: first at EDT (05:30Z), then at EST (06:30Z).
    parsed = timing.parse_api_datetime("2024-11-03 01:30:00", "America/New_York")
    assert parsed.utcoffset() == dt.timedelta(hours=-4)
    # Compared in UTC: PEP 495 makes == across zones False for any wall time inside an overlap.
    assert parsed.in_timezone("UTC") == utc(2024, 11, 3, 5, 30)


def test_the_later_instant_of_an_overlap_formats_to_the_same_wall_clock() -> None:
    later = utc(2024, 11, 3, 6, 30)
    assert timing.format_api_datetime(later, "America/New_York") == "2024-11-03 01:30:00"


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
    timing.validate_trigger(SEED_PERIODICAL, now=utc(2024, 2, 9, 16))
    err = _refusal(SEED_PERIODICAL, now=utc(2024, 2, 9, 16, 0, 1))
    assert err.field == "trigger.periodical.end"
    assert "in the past" in err.message


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


# --- purity ---------------------------------------------------------------------------------------


def test_importing_timing_pulls_in_no_airflow_aiohttp_or_fastapi() -> None:
    code = (
        "import sys\n"
        "import airflow_provider_engage.timing, airflow_provider_engage.timing.cli\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'airflow', 'aiohttp', 'fastapi'})\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
