"""Hand-checked cases for airflow_provider_engage.timing.formats: strict formats, zones, PAI times.

Every expected value below was worked out by hand from a calendar and the zones' offsets
(Asia/Shanghai UTC+8 all year; America/New_York EST UTC-5, EDT UTC-4 from 2024-03-10 02:00
to 2024-11-03 02:00), never copied from running the code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest

from airflow_provider_engage import timing
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.timing import InvalidTimeError


def utc(*parts: int) -> pendulum.DateTime:
    return pendulum.datetime(*parts, tz="UTC")


# --- constants and the error type -----------------------------------------------------------------


def test_pai_zone_is_utc_plus_8() -> None:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert timing.PAI_TZ.utcoffset(moment) == dt.timedelta(hours=8)


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("20240229", dt.date(2024, 2, 29)),
    ],
)
def test_parse_day_takes_a_date_and_both_day_forms(value: Any, expected: dt.date) -> None:
    assert timing.parse_day(value, field="start_date") == expected


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2024, 2, 29, tzinfo=dt.UTC),
        pendulum.datetime(2024, 2, 29),
        "2024-02-29T00:00:00+00:00",
        "2024-02-29 00:00:00",
        "2024-2-29",
        "29/02/2024",
        20240229,
        None,
    ],
)
def test_parse_day_refuses_instants_and_other_forms_naming_the_field(value: Any) -> None:
    with pytest.raises(
        InvalidTimeError, match=r"^start_date: wants a day \(a date, yyyy-MM-dd or yyyyMMdd\)"
    ):
        timing.parse_day(value, field="start_date")


def test_parse_day_refuses_a_day_the_calendar_lacks() -> None:
    with pytest.raises(InvalidTimeError, match="is not a real 'yyyyMMdd'"):
        timing.parse_day("20230229", field="end_date")


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
