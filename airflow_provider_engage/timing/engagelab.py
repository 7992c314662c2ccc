"""The EngageLab trigger model: single and periodical triggers, their checks and occurrences.

Owns what a trigger dict means: its shape (:func:`trigger_kind`, :func:`validate_trigger`, with
EngageLab's code 28100), when it fires (:func:`occurrences`, :class:`Occurrence`) and whether it
is over (:func:`schedule_is_expired`). Times are read and converted by
:mod:`~airflow_provider_engage.timing.formats`.

- zone_type 1 wall clocks are in the site's zone (:data:`SITE_TZ_DEFAULT` unless the connection
  names one); zone_type 2 wall clocks are each device's own, so one occurrence arrives from
  UTC+14 (``earliest``) to UTC-12 (``latest``).
- A periodical fires on the days its unit and points select, at ``time``, within [start, end].
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple

import pendulum
from pendulum import DateTime, FixedTimezone

from airflow_provider_engage.timing.formats import (
    InvalidTimeError,
    Zone,
    ZoneLike,
    instant_of,
    parse_api_time,
    parse_wall_clock,
    resolve_zone,
    to_utc,
    wall_text,
)

SITE_TZ_DEFAULT = "Asia/Shanghai"
EARLIEST_ZONE = FixedTimezone(14 * 3600)
LATEST_ZONE = FixedTimezone(-12 * 3600)

SCHEDULE_INVALID_CODE = 28100
"""What EngageLab answers for an invalid trigger; :func:`validate_trigger` errors carry it."""

ZONE_TYPE_SITE = 1
ZONE_TYPE_DEVICE = 2
TRIGGER_KINDS = ("single", "periodical")
TIME_UNITS = ("day", "week", "month")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # index == date.weekday()

_MONTH_DAY_TEXT = re.compile(r"[0-9]{2}")


class Occurrence(NamedTuple):
    """One firing: the wall clock the API means and the UTC instants it spans.

    zone_type 1 occurrences are one instant (``earliest == latest``); zone_type 2 ones arrive
    from ``earliest`` (the wall clock at UTC+14) to ``latest`` (at UTC-12).
    """

    wall_time: DateTime
    earliest: DateTime
    latest: DateTime

    def as_json(self) -> dict[str, str]:
        """Plain JSON (XCom, trigger events): the wall clock in the API's form, instants in UTC."""
        return {
            "wall_time": wall_text(self.wall_time),
            "earliest": self.earliest.in_timezone("UTC").isoformat(),
            "latest": self.latest.in_timezone("UTC").isoformat(),
        }


@dataclass(frozen=True)
class _Single:
    path: str
    wall: DateTime
    zone_type: int


@dataclass(frozen=True)
class _Periodical:
    path: str
    start: DateTime
    end: DateTime
    time: dt.time
    unit: str
    points: frozenset[int]  # weekday indices for week, day numbers for month, empty for day
    zone_type: int

    def fires_on(self, day: dt.date) -> bool:
        if self.unit == "day":
            return True
        if self.unit == "week":
            return day.weekday() in self.points
        return day.day in self.points  # a day number the month lacks never comes up


def occurrences(
    trigger: Mapping[str, Any],
    *,
    site_tz: ZoneLike = SITE_TZ_DEFAULT,
    after: dt.datetime | str | None = None,
    limit: int | None = None,
) -> Iterator[Occurrence]:
    """The occurrences of an EngageLab trigger dict, in order.

    A periodical fires on every day its unit and points select, at ``time``, while the wall
    clock lies within [start, end]; dates a month lacks never fire. ``after`` skips
    occurrences whose ``latest`` is not after it; ``limit`` bounds the count. The trigger's shape
    and formats are checked before the first occurrence is asked for.
    """
    schedule = _read_trigger(trigger, "trigger")
    zone = resolve_zone(site_tz)
    after_utc = None if after is None else to_utc(after, field="after")
    if limit is not None and limit < 0:
        raise InvalidTimeError("limit", f"must be zero or more, got {limit}")
    found = _occurrences_of(schedule, zone, after_utc)
    return islice(found, limit)


def schedule_is_expired(
    trigger: Mapping[str, Any], *, site_tz: ZoneLike = SITE_TZ_DEFAULT, now: dt.datetime
) -> bool:
    """True when no occurrence of ``trigger`` still has its ``latest`` after ``now``."""
    return next(occurrences(trigger, site_tz=site_tz, after=now, limit=1), None) is None


def validate_trigger(
    trigger: Mapping[str, Any],
    *,
    site_tz: ZoneLike = SITE_TZ_DEFAULT,
    now: dt.datetime | None = None,
    field: str = "trigger",
) -> None:
    """Refuse, as EngageLab would (code 28100), a trigger the service does not take.

    Shape and formats always; a periodical's start < end, span of at most one year and at
    least one firing in [start, end] always. With ``now`` (the service's clock): a single must
    not be wholly in the past nor begin more than a year ahead, a periodical must not have ended
    and must have a firing still to come (else it would be expired from its creation).
    """
    try:
        _check_trigger(trigger, resolve_zone(site_tz), now, field)
    except InvalidTimeError as err:
        raise InvalidTimeError(err.field, err.message, vendor_code=SCHEDULE_INVALID_CODE) from err


def _check_trigger(trigger: object, zone: Zone, now: dt.datetime | None, field: str) -> None:
    schedule = _read_trigger(trigger, field)
    now_utc = None if now is None else to_utc(now, field="now")
    if isinstance(schedule, _Single):
        if now_utc is not None:
            _check_single_against_now(schedule, zone, now_utc)
        return
    path, start, end = schedule.path, schedule.start, schedule.end
    if end <= start:
        raise InvalidTimeError(f"{path}.end", f"must be after start ({start}), got {end}")
    if end > _a_year_after(start):
        raise InvalidTimeError(f"{path}.end", f"must be at most one year after start ({start}), got {end}")
    if next(_wall_clocks(schedule, None), None) is None:
        raise InvalidTimeError(
            path, f"never fires between start ({start}) and end ({end}) with these time_unit and point values"
        )
    if now_utc is not None:
        window = _window(end, schedule.zone_type, zone, path)
        if window.latest < now_utc:
            raise InvalidTimeError(f"{path}.end", _in_the_past(window, schedule.zone_type, zone, now_utc))
        if next(_occurrences_of(schedule, zone, now_utc), None) is None:
            # Created, it would be expired at once: the service answers 28100 "expired".
            raise InvalidTimeError(
                f"{path}.end",
                f"leaves no firing to come: every firing between start ({start}) and end ({end}) has "
                f"passed (now is {_utc_text(now_utc)} UTC)",
            )


def _check_single_against_now(single: _Single, zone: Zone, now_utc: DateTime) -> None:
    window = _window(single.wall, single.zone_type, zone, single.path)
    if window.latest < now_utc:
        raise InvalidTimeError(f"{single.path}.time", _in_the_past(window, single.zone_type, zone, now_utc))
    if window.earliest > _a_year_after(now_utc):
        raise InvalidTimeError(
            f"{single.path}.time",
            f"{_labelled(window, single.zone_type, zone)} is more than one year ahead: its first arrival "
            f"is {_utc_text(window.earliest)} UTC, now is {_utc_text(now_utc)} UTC",
        )


def _labelled(window: Occurrence, zone_type: int, zone: Zone) -> str:
    """A wall clock with the zone it is read in, so it is never set beside a UTC time unlabelled."""
    where = (
        "each device's own wall clock" if zone_type == ZONE_TYPE_DEVICE else f"wall clock in {_name(zone)}"
    )
    return f"{wall_text(window.wall_time)} ({where})"


def _in_the_past(window: Occurrence, zone_type: int, zone: Zone, now_utc: DateTime) -> str:
    if zone_type == ZONE_TYPE_DEVICE:
        return (
            f"{_labelled(window, zone_type, zone)} is in the past everywhere: its last arrival (UTC-12) "
            f"was {_utc_text(window.latest)} UTC, now is {_utc_text(now_utc)} UTC"
        )
    local_now = wall_text(now_utc.in_timezone(zone))
    return (
        f"{_labelled(window, zone_type, zone)} is in the past: it is {local_now} there "
        f"({_utc_text(now_utc)} UTC)"
    )


def _name(zone: Zone) -> str:
    return str(getattr(zone, "name", zone))


def _utc_text(instant: DateTime) -> str:
    return wall_text(instant.in_timezone("UTC"))


def _a_year_after(moment: DateTime) -> DateTime:
    """One year later (29 February -> 28 February), or the calendar's last second past 9999."""
    try:
        return moment.add(years=1)
    except ValueError:
        return moment.replace(month=12, day=31, hour=23, minute=59, second=59)


def trigger_kind(trigger: Mapping[str, Any]) -> str | None:
    """``"single"`` or ``"periodical"``, whichever the trigger holds; ``None`` unless exactly one."""
    kinds = [kind for kind in TRIGGER_KINDS if kind in trigger]
    return kinds[0] if len(kinds) == 1 else None


def _read_trigger(trigger: object, field: str) -> _Single | _Periodical:
    """The trigger's shape and formats checked, as a value the rules can use."""
    if not isinstance(trigger, Mapping):
        raise InvalidTimeError(field, f"must be an object, got {type(trigger).__name__}")
    kind = trigger_kind(trigger)
    if kind is None:
        raise InvalidTimeError(field, "must hold exactly one of 'single' and 'periodical'")
    path = f"{field}.{kind}"
    body = trigger[kind]
    if not isinstance(body, Mapping):
        raise InvalidTimeError(path, f"must be an object, got {type(body).__name__}")
    zone_type = _required(body, "zone_type", path)
    if type(zone_type) is not int or zone_type not in (ZONE_TYPE_SITE, ZONE_TYPE_DEVICE):
        raise InvalidTimeError(
            f"{path}.zone_type", f"must be 1 (site zone) or 2 (device zone), got {zone_type!r}"
        )
    if kind == "single":
        return _Single(path, parse_wall_clock(_required(body, "time", path), field=f"{path}.time"), zone_type)
    unit = _required(body, "time_unit", path)
    if not isinstance(unit, str) or unit.lower() not in TIME_UNITS:
        raise InvalidTimeError(f"{path}.time_unit", f"must be day, week or month (any case), got {unit!r}")
    return _Periodical(
        path=path,
        start=parse_wall_clock(_required(body, "start", path), field=f"{path}.start"),
        end=parse_wall_clock(_required(body, "end", path), field=f"{path}.end"),
        time=parse_api_time(_required(body, "time", path), field=f"{path}.time"),
        unit=unit.lower(),
        points=_read_points(body.get("point"), unit.lower(), f"{path}.point"),
        zone_type=zone_type,
    )


def _required(body: Mapping[str, Any], key: str, path: str) -> Any:
    if body.get(key) is None:
        raise InvalidTimeError(f"{path}.{key}", "is required")
    return body[key]


def _read_points(points: object, unit: str, field: str) -> frozenset[int]:
    if unit == "day":
        if points is None or points == []:
            return frozenset()
        raise InvalidTimeError(field, f"must be empty or absent for time_unit day, got {points!r}")
    if not isinstance(points, list | tuple) or not points:
        raise InvalidTimeError(field, f"must be a non-empty list for time_unit {unit}, got {points!r}")
    return frozenset(_read_point(point, unit, f"{field}[{index}]") for index, point in enumerate(points))


def _read_point(point: object, unit: str, field: str) -> int:
    if unit == "week":
        if isinstance(point, str) and point.upper() in WEEKDAYS:
            return WEEKDAYS.index(point.upper())
        raise InvalidTimeError(field, f"must be one of {', '.join(WEEKDAYS)} (any case), got {point!r}")
    if isinstance(point, str) and _MONTH_DAY_TEXT.fullmatch(point) and 1 <= int(point) <= 31:
        return int(point)
    raise InvalidTimeError(field, f"must be a day of the month '01'..'31', got {point!r}")


def _occurrences_of(
    schedule: _Single | _Periodical, zone: Zone, after: DateTime | None
) -> Iterator[Occurrence]:
    for wall in _wall_clocks(schedule, after):
        occurrence = _window(wall, schedule.zone_type, zone, schedule.path)
        if after is None or occurrence.latest > after:
            yield occurrence


def _wall_clocks(schedule: _Single | _Periodical, after: DateTime | None) -> Iterator[DateTime]:
    """The wall clocks a trigger fires at, in order; days wholly before ``after`` are not visited."""
    if isinstance(schedule, _Single):
        yield schedule.wall
        return
    first_day = schedule.start.toordinal()
    if after is not None:
        # Every zone lies within UTC-12..UTC+14, so a wall clock whose window ends after `after`
        # falls no earlier than the day before after's UTC date; one more day spares DST doubts.
        first_day = max(first_day, after.toordinal() - 2)
    time = schedule.time
    for ordinal in range(first_day, schedule.end.toordinal() + 1):
        day = dt.date.fromordinal(ordinal)
        if schedule.fires_on(day):
            wall = pendulum.naive(day.year, day.month, day.day, time.hour, time.minute, time.second)
            if schedule.start <= wall <= schedule.end:
                yield wall


def _window(wall: DateTime, zone_type: int, zone: Zone, field: str) -> Occurrence:
    """When a wall clock arrives: once in the site zone (type 1), or from UTC+14 to UTC-12 (type 2)."""
    if zone_type == ZONE_TYPE_SITE:
        instant = instant_of(wall, zone, field=field)
        return Occurrence(wall, instant, instant)
    return Occurrence(
        wall, instant_of(wall, EARLIEST_ZONE, field=field), instant_of(wall, LATEST_ZONE, field=field)
    )
