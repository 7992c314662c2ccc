"""The PAI repetition model: when a User Engagement plan sends, and how often it repeats.

Owns the reading of ExecuteTime, RepeatCycle, RepeatCycleUnit, RepeatTimes and EndTime as a run
of UTC+8 instants (:func:`pai_occurrences`) and the one reading of RepeatTimes
(:func:`pai_repeat_count`). Times are read and converted by
:mod:`~airflow_provider_engage.timing.formats` (:data:`~airflow_provider_engage.timing.formats.PAI_TZ`,
:func:`~airflow_provider_engage.timing.formats.format_pai_time`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice

import pendulum
from pendulum import DateTime

from airflow_provider_engage.timing.formats import (
    PAI_TZ,
    InvalidTimeError,
    epoch_seconds,
    instant_in,
    is_api_date_text,
    parse_api_date,
    to_utc,
)

PAI_NEVER, PAI_HOUR, PAI_DAY, PAI_WEEK, PAI_MONTH = range(5)
PAI_REPEAT_FOREVER = -1

_PAI_FIXED_STEPS = {
    PAI_NEVER: dt.timedelta(0),
    PAI_HOUR: dt.timedelta(hours=1),
    PAI_DAY: dt.timedelta(days=1),
    PAI_WEEK: dt.timedelta(weeks=1),
}


def pai_repeat_count(repeat_cycle_unit: int | None, repeat_times: int | None) -> int | None:
    """How many sendings follow the first one; ``None`` means no end.

    The documented reading, kept here alone: RepeatTimes -1 (the default) repeats without end, 0
    sends once, N sends the first time and then N repeats (N + 1 sendings). RepeatCycleUnit 0
    (the default) never repeats, whatever RepeatTimes says.
    """
    if repeat_cycle_unit in (None, PAI_NEVER):
        return 0
    return None if repeat_times in (None, PAI_REPEAT_FOREVER) else repeat_times


def pai_occurrences(
    execute_time: str | dt.datetime | None,
    repeat_cycle: int | None,
    repeat_cycle_unit: int | None,
    repeat_times: int | None,
    end_time: str | dt.datetime | dt.date | int | None = None,
    *,
    after: dt.datetime | str | None = None,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> Iterator[DateTime]:
    """The UTC+8 instants a PAI plan sends at, in order.

    Empty ExecuteTime means ``now`` (default: the real clock). Step ``k`` is the first instant
    plus ``k * RepeatCycle`` units, counted from the first instant, so month steps clamp to a
    short month's last day the way pendulum's ``add(months=)`` does and return to the 31st
    afterwards. EndTime, when given, bounds every reading of RepeatTimes (a bare date includes
    its whole day). Missing unit and times take the documented defaults, 0 and -1.
    """
    first = _pai_first(execute_time, now)
    unit = PAI_NEVER if repeat_cycle_unit is None else repeat_cycle_unit
    if type(unit) is not int or unit not in range(PAI_NEVER, PAI_MONTH + 1):
        raise InvalidTimeError(
            "RepeatCycleUnit", f"must be 0 (never), 1 hour, 2 day, 3 week or 4 month, got {unit!r}"
        )
    times = PAI_REPEAT_FOREVER if repeat_times is None else repeat_times
    if type(times) is not int or times < PAI_REPEAT_FOREVER:
        raise InvalidTimeError("RepeatTimes", f"must be -1 (no end), 0 (no repeat) or a count, got {times!r}")
    cycle = 0
    if unit != PAI_NEVER:
        if type(repeat_cycle) is not int or repeat_cycle < 1:
            raise InvalidTimeError(
                "RepeatCycle", f"must be a whole number of units of 1 or more, got {repeat_cycle!r}"
            )
        cycle = repeat_cycle
    last = None if end_time is None else _pai_end(end_time)
    after_utc = None if after is None else to_utc(after, field="after")
    if limit is not None and limit < 0:
        raise InvalidTimeError("limit", f"must be zero or more, got {limit}")
    steps = _pai_instants(
        first, unit, cycle, repeats=pai_repeat_count(unit, times), last=last, after=after_utc
    )
    return islice(steps, limit)


def _pai_first(execute_time: str | dt.datetime | None, now: dt.datetime | None) -> DateTime:
    if execute_time is None or execute_time == "":
        if now is None:
            return pendulum.now("UTC").in_timezone(PAI_TZ)
        return instant_in(now, PAI_TZ, field="now")
    return instant_in(execute_time, PAI_TZ, field="ExecuteTime")


def _pai_end(end_time: str | dt.datetime | dt.date | int) -> DateTime:
    """The last instant a plan may send at: a date means through its whole day (UTC+8)."""
    if isinstance(end_time, int) and not isinstance(end_time, bool):
        try:
            return pendulum.from_timestamp(epoch_seconds(end_time)).in_timezone(PAI_TZ)
        except (OverflowError, OSError, ValueError) as err:
            raise InvalidTimeError("EndTime", f"epoch {end_time} is out of range") from err
    if is_api_date_text(end_time):
        end_time = parse_api_date(end_time, field="EndTime")
    if isinstance(end_time, dt.date) and not isinstance(end_time, dt.datetime):
        return pendulum.datetime(end_time.year, end_time.month, end_time.day, tz=PAI_TZ).end_of("day")
    return instant_in(end_time, PAI_TZ, field="EndTime")


def _pai_instants(
    first: DateTime,
    unit: int,
    cycle: int,
    *,
    repeats: int | None,
    last: DateTime | None,
    after: DateTime | None,
) -> Iterator[DateTime]:
    step = _first_step_after(first, unit, cycle, after)
    while repeats is None or step <= repeats:
        try:
            instant = _pai_step(first, unit, step * cycle)
        except (OverflowError, ValueError):  # the calendar ends with 9999
            return
        if last is not None and instant > last:
            return
        if after is None or instant > after:
            yield instant
        step += 1


def _pai_step(first: DateTime, unit: int, units: int) -> DateTime:
    if unit == PAI_MONTH:
        return first.add(months=units)
    # UTC+8 has no daylight saving, so hours, days and weeks are fixed lengths.
    return first + _PAI_FIXED_STEPS[unit] * units


def _first_step_after(first: DateTime, unit: int, cycle: int, after: DateTime | None) -> int:
    """A step index at or before the first instant after ``after``, so long plans skip ahead."""
    if after is None or after <= first or unit == PAI_NEVER:
        return 0
    if unit == PAI_MONTH:
        # Step k lands in the k * cycle-th month after the first, and after's UTC month is never
        # later than its UTC+8 month, so every step before this one is at or before after.
        months = (after.year - first.year) * 12 + after.month - first.month
        return max(0, months // cycle)
    step_seconds = int(_PAI_FIXED_STEPS[unit].total_seconds()) * cycle
    return int(after.timestamp() - first.timestamp()) // step_seconds
