"""Properties of airflow_provider_engage.timing that hold for every input, checked with hypothesis.

Occurrences are ordered, bounded and agree with an independent day-by-day model; ``after`` and
``limit`` only filter and cut; formats round-trip; malformed input only ever raises the
module's own error. Derandomized so that CI sees the same examples on every run.
"""

from __future__ import annotations

import calendar
import datetime as dt
from itertools import islice, pairwise
from typing import Any

import pendulum
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airflow_provider_engage import timing
from airflow_provider_engage.timing import InvalidTimeError

settings.register_profile("timing", max_examples=120, deadline=None, derandomize=True)
settings.load_profile("timing")

SITE_ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # a 30-minute daylight-saving shift
    "America/Sao_Paulo",
    "Pacific/Kiritimati",  # UTC+14
    "Etc/GMT+12",  # UTC-12
    "UTC",
    "+05:30",
]
NO_DST_ZONES = ["Asia/Shanghai", "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "+05:30", "-09:30"]
WEEKDAY_NAMES = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
TWENTY_SIX_HOURS = dt.timedelta(hours=26)

seconds_precise = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0)
)


def instants_near(moments: list[dt.datetime]) -> st.SearchStrategy[dt.datetime]:
    """Instants on, just around, or days away from the given ones: where off-by-one errors live."""
    offsets = st.sampled_from([0, 1, -1]) | st.integers(-3 * 86400, 3 * 86400)
    return st.builds(
        lambda moment, seconds: moment + dt.timedelta(seconds=seconds), st.sampled_from(moments), offsets
    )


def api_text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@st.composite
def periodical_triggers(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(seconds_precise)
    end = start + draw(st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=120)))
    unit = draw(st.sampled_from(["day", "week", "month"]))
    if unit == "day":
        point: Any = draw(st.sampled_from([[], None]))
    elif unit == "week":
        names = st.sampled_from(WEEKDAY_NAMES).flatmap(lambda name: st.sampled_from([name, name.lower()]))
        point = draw(st.lists(names, min_size=1, max_size=9))
    else:
        point = draw(st.lists(st.integers(1, 31).map(lambda day: f"{day:02}"), min_size=1, max_size=6))
    return {
        "periodical": {
            "start": api_text(start),
            "end": api_text(end),
            "time": draw(st.times()).strftime("%H:%M:%S"),
            "time_unit": draw(st.sampled_from([unit, unit.upper(), unit.title()])),
            "point": point,
            "zone_type": draw(st.sampled_from([1, 2])),
        }
    }


def model_walls(body: dict[str, Any]) -> list[dt.datetime]:
    """Day by day, by names and strings rather than indices: an independent reading of the rules."""
    start = dt.datetime.strptime(body["start"], "%Y-%m-%d %H:%M:%S")
    end = dt.datetime.strptime(body["end"], "%Y-%m-%d %H:%M:%S")
    at = dt.datetime.strptime(body["time"], "%H:%M:%S").time()
    unit = body["time_unit"].lower()
    points = {str(point).upper() for point in body["point"] or []}
    found = []
    day = start.date()
    while day <= end.date():
        if unit == "day":
            fires = True
        elif unit == "week":
            fires = calendar.day_abbr[day.weekday()].upper() in points
        else:
            fires = day.strftime("%d") in points
        candidate = dt.datetime.combine(day, at)
        if fires and start <= candidate <= end:
            found.append(candidate)
        day += dt.timedelta(days=1)
    return found


@given(periodical_triggers(), st.sampled_from(SITE_ZONES))
def test_occurrences_are_ordered_bounded_and_match_the_model(trigger: dict[str, Any], site_tz: str) -> None:
    body = trigger["periodical"]
    found = list(timing.occurrences(trigger, site_tz=site_tz))
    assert [occurrence.wall_time for occurrence in found] == model_walls(body)
    for previous, current in pairwise(found):
        assert previous.wall_time < current.wall_time
        assert previous.earliest < current.earliest
        assert previous.latest < current.latest
    for occurrence in found:
        if body["zone_type"] == 1:
            assert occurrence.earliest == occurrence.latest
            assert timing.format_api_datetime(occurrence.earliest, site_tz) == api_text(
                occurrence.wall_time
            ) or (
                # Only a wall time a spring-forward gap skips reads differently, moved forward.
                timing.format_api_datetime(occurrence.earliest, site_tz) > api_text(occurrence.wall_time)
            )
        else:
            assert occurrence.latest - occurrence.earliest == TWENTY_SIX_HOURS
            assert occurrence.earliest.in_timezone(timing.EARLIEST_ZONE).naive() == occurrence.wall_time


@given(periodical_triggers(), st.sampled_from(SITE_ZONES), st.data())
def test_after_and_limit_only_filter_and_cut(
    trigger: dict[str, Any], site_tz: str, data: st.DataObject
) -> None:
    everything = list(timing.occurrences(trigger, site_tz=site_tz))
    start = dt.datetime.strptime(trigger["periodical"]["start"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    moments = [start, *(moment for occurrence in everything for moment in occurrence[1:])]
    after = data.draw(instants_near(moments))
    limit = data.draw(st.none() | st.integers(0, 8))
    expected = [occurrence for occurrence in everything if occurrence.latest > after]
    assert list(timing.occurrences(trigger, site_tz=site_tz, after=after)) == expected
    assert list(timing.occurrences(trigger, site_tz=site_tz, after=after, limit=limit)) == expected[:limit]
    assert timing.schedule_is_expired(trigger, site_tz=site_tz, now=after) is (not expected)


@given(periodical_triggers(), st.sampled_from(SITE_ZONES))
def test_validate_trigger_refuses_exactly_the_triggers_that_never_fire(
    trigger: dict[str, Any], site_tz: str
) -> None:
    body = trigger["periodical"]
    fires = bool(model_walls(body))
    assume(body["start"] < body["end"])  # the order rule is tested by hand
    refusal: InvalidTimeError | None = None
    try:
        timing.validate_trigger(trigger, site_tz=site_tz)
    except InvalidTimeError as err:
        refusal = err
    assert refusal is None if fires else refusal is not None and refusal.field == "trigger.periodical"


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 12, 31), timezones=st.just(dt.UTC)
    ).map(lambda moment: moment.replace(microsecond=0)),
    st.sampled_from(NO_DST_ZONES),
)
def test_parse_of_format_round_trips_in_zones_without_daylight_saving(moment: dt.datetime, tz: str) -> None:
    assert timing.parse_api_datetime(timing.format_api_datetime(moment, tz), tz) == moment


@given(
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 12, 31), timezones=st.just(dt.UTC)
    ).map(lambda moment: moment.replace(microsecond=0)),
    st.sampled_from(SITE_ZONES),
)
def test_parse_of_format_round_trips_except_the_second_pass_of_an_overlap(
    moment: dt.datetime, tz: str
) -> None:
    text = timing.format_api_datetime(moment, tz)
    back = timing.parse_api_datetime(text, tz).in_timezone("UTC")
    # Equal, or the earlier of two instants showing the same wall clock (the overlap rule).
    assert back == moment or (back < moment and timing.format_api_datetime(back, tz) == text)


@given(seconds_precise, st.sampled_from(NO_DST_ZONES))
def test_format_of_parse_gives_the_text_back(local: dt.datetime, tz: str) -> None:
    text = api_text(local)
    assert timing.format_api_datetime(timing.parse_api_datetime(text, tz), tz) == text
    assert timing.format_api_date(timing.parse_api_datetime(text, tz), tz) == text[:10]


# --- malformed input raises the module's error and nothing else ---------------------------------------

near_misses = st.from_regex(r"\A[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}[ T][0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?\Z")
any_text = st.text() | near_misses | st.from_regex(r"\A[0-9+\-:TZ .]{0,30}\Z")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def refuses_only_with_invalid_time_error(call: Any, *args: Any, **kwargs: Any) -> None:
    """Any exception but InvalidTimeError fails the test; a refusal must name its field."""
    refusal: InvalidTimeError | None = None
    try:
        result = call(*args, **kwargs)
        if hasattr(result, "__next__"):
            list(result)
    except InvalidTimeError as err:
        refusal = err
    assert refusal is None or (refusal.field and refusal.message)


@given(any_text, st.sampled_from([*SITE_ZONES, timing.PAI_TZ]))
def test_malformed_strings_raise_only_the_modules_error(text: str, tz: Any) -> None:
    refuses_only_with_invalid_time_error(timing.parse_api_datetime, text, tz)
    refuses_only_with_invalid_time_error(timing.parse_api_time, text)
    refuses_only_with_invalid_time_error(timing.parse_api_date, text)
    refuses_only_with_invalid_time_error(timing.format_api_datetime, text, tz)
    refuses_only_with_invalid_time_error(timing.format_api_date, text, tz)
    refuses_only_with_invalid_time_error(timing.format_wall_clock, text)
    refuses_only_with_invalid_time_error(timing.to_utc, text)
    refuses_only_with_invalid_time_error(timing.resolve_zone, text)


@given(
    periodical_triggers(),
    st.sampled_from(["start", "end", "time", "time_unit", "point", "zone_type"]),
    json_values,
)
def test_triggers_with_a_malformed_field_raise_only_the_modules_error(
    trigger: dict[str, Any], key: str, value: Any
) -> None:
    trigger["periodical"][key] = value
    refuses_only_with_invalid_time_error(timing.validate_trigger, trigger, now=pendulum.datetime(2025, 1, 1))
    refuses_only_with_invalid_time_error(timing.occurrences, trigger, limit=5)


@given(json_values)
def test_arbitrary_json_as_a_trigger_raises_only_the_modules_error(value: Any) -> None:
    for trigger in (value, {"single": value}, {"periodical": value}):
        refuses_only_with_invalid_time_error(timing.validate_trigger, trigger)
        refuses_only_with_invalid_time_error(timing.occurrences, trigger, limit=5)


@given(json_values, json_values, json_values, json_values, json_values | st.integers(-(10**20), 10**20))
def test_arbitrary_pai_fields_raise_only_the_modules_error(
    execute_time: Any, repeat_cycle: Any, repeat_cycle_unit: Any, repeat_times: Any, end_time: Any
) -> None:
    refuses_only_with_invalid_time_error(
        timing.pai_occurrences,
        execute_time,
        repeat_cycle,
        repeat_cycle_unit,
        repeat_times,
        end_time,
        limit=5,
        now=pendulum.datetime(2025, 1, 1),
    )


# --- PAI plans ----------------------------------------------------------------------------------------


@st.composite
def pai_plans(draw: st.DrawFn) -> dict[str, Any]:
    unit = draw(st.integers(0, 4))
    return {
        "execute_time": api_text(draw(seconds_precise)),
        "repeat_cycle": draw(st.integers(1, 5)) if unit else draw(st.sampled_from([0, None])),
        "repeat_cycle_unit": unit,
        "repeat_times": draw(st.integers(-1, 15)),
        "end_time": draw(st.none() | seconds_precise.map(api_text)),
    }


@given(pai_plans())
def test_pai_instants_are_ordered_bounded_and_counted(plan: dict[str, Any]) -> None:
    instants = list(timing.pai_occurrences(**plan, limit=40))
    first = timing.parse_api_datetime(plan["execute_time"], timing.PAI_TZ)
    end = None if plan["end_time"] is None else timing.parse_api_datetime(plan["end_time"], timing.PAI_TZ)
    repeats = timing.pai_repeat_count(plan["repeat_cycle_unit"], plan["repeat_times"])
    assert all(instant.utcoffset() == dt.timedelta(hours=8) for instant in instants)
    assert all(previous < current for previous, current in pairwise(instants))
    if end is None or first <= end:
        assert instants[0] == first
    if end is not None:
        assert all(instant <= end for instant in instants)
    if repeats is not None and end is None:
        assert len(instants) == min(repeats + 1, 40)
    if plan["repeat_cycle_unit"] == timing.PAI_MONTH:
        for instant in instants:
            last_day = calendar.monthrange(instant.year, instant.month)[1]
            assert instant.day == min(first.day, last_day)
            assert instant.time() == first.time()


@given(pai_plans(), st.data())
def test_pai_after_and_limit_only_filter_and_cut(plan: dict[str, Any], data: st.DataObject) -> None:
    steps = list(timing.pai_occurrences(**plan, limit=30))
    first = timing.parse_api_datetime(plan["execute_time"], timing.PAI_TZ)
    after = data.draw(instants_near([first, *steps]))
    limit = data.draw(st.integers(0, 5))
    # Walking every step from the first one is the definition; pai_occurrences skips ahead.
    walked = (instant for instant in timing.pai_occurrences(**plan) if instant > after)
    assert list(timing.pai_occurrences(**plan, after=after, limit=limit)) == list(islice(walked, limit))
