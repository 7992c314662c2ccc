"""Every rule about time the provider keeps: API formats, zones, occurrences and trigger checks.

Operators and hooks turn what a DAG author has into the APIs' strings here, the preview command
says here when a schedule will fire, and the emulator fires schedules by the same rules, so they
never disagree. Pure and quick to import: pendulum and the shared error, no Airflow.

The rules (``docs/timing.md`` tells users the same):

- API strings are zero-padded, 24-hour ``yyyy-MM-dd HH:mm:ss`` (``HH:mm:ss``, ``yyyy-MM-dd``);
  anything else is refused, never guessed. Naive datetimes are refused for the same reason.
- A wall clock becomes an instant by PEP 495 ``fold=0``: a wall time that a daylight-saving gap
  skips moves forward by the gap's length (02:30 -> 03:30), and a wall time that an overlap
  repeats means its first, earlier instant.
- EngageLab zone_type 1 wall clocks are in the site's zone; zone_type 2 wall clocks are each
  device's own, so one occurrence arrives from UTC+14 (``earliest``) to UTC-12 (``latest``).
- PAI plans are in UTC+8; :func:`format_pai_time` is the one conversion of ExecuteTime/EndTime
  and :func:`pai_repeat_count` the one reading of RepeatTimes.
- An integer epoch of 10**11 or more is milliseconds, below it seconds (:func:`epoch_seconds`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, NamedTuple, TypeGuard, TypeVar

import pendulum
from pendulum import DateTime, FixedTimezone, Timezone

from airflow_provider_engage.input_errors import InvalidFieldError

Zone = Timezone | FixedTimezone
ZoneLike = str | Timezone | FixedTimezone

SITE_TZ_DEFAULT = "Asia/Shanghai"
PAI_TZ = FixedTimezone(8 * 3600)
EARLIEST_ZONE = FixedTimezone(14 * 3600)
LATEST_ZONE = FixedTimezone(-12 * 3600)

SCHEDULE_INVALID_CODE = 28100
"""What EngageLab answers for an invalid trigger; :func:`validate_trigger` errors carry it."""

API_DATETIME_FORM = "yyyy-MM-dd HH:mm:ss"
API_TIME_FORM = "HH:mm:ss"
API_DATE_FORM = "yyyy-MM-dd"
COMPACT_DATE_FORM = "yyyyMMdd"

ZONE_TYPE_SITE = 1
ZONE_TYPE_DEVICE = 2
TRIGGER_KINDS = ("single", "periodical")
TIME_UNITS = ("day", "week", "month")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # index == date.weekday()

PAI_NEVER, PAI_HOUR, PAI_DAY, PAI_WEEK, PAI_MONTH = range(5)
PAI_REPEAT_FOREVER = -1
EPOCH_MILLIS_FROM = 10**11
"""Epoch numbers (PAI EndTime, EngageLab ``ts``) this large or larger are milliseconds, smaller
ones seconds.

10**11 seconds is the year 5138 and 10**11 milliseconds is March 1973, so no date a plan or a
push can carry falls on the wrong side.
"""

_DATETIME_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_TIME_TEXT = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_COMPACT_DATE_TEXT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_OFFSET_TEXT = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")
_EPOCH_TEXT = re.compile(r"[0-9]+")
_MONTH_DAY_TEXT = re.compile(r"[0-9]{2}")
_PAI_FIXED_STEPS = {
    PAI_NEVER: dt.timedelta(0),
    PAI_HOUR: dt.timedelta(hours=1),
    PAI_DAY: dt.timedelta(days=1),
    PAI_WEEK: dt.timedelta(weeks=1),
}

_T = TypeVar("_T")


class InvalidTimeError(InvalidFieldError):
    """A time, zone or trigger the services would refuse; ``field`` is a dotted path."""


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
            "wall_time": _wall_text(self.wall_time),
            "earliest": self.earliest.in_timezone("UTC").isoformat(),
            "latest": self.latest.in_timezone("UTC").isoformat(),
        }


# --- formats --------------------------------------------------------------------------------------


def parse_api_datetime(text: str, tz: ZoneLike, *, field: str = "time") -> DateTime:
    """The aware instant, in ``tz``, that a strict ``yyyy-MM-dd HH:mm:ss`` wall clock means there."""
    zone = resolve_zone(tz, field="tz")
    return _instant_of(_wall_clock(text, field), zone, field).in_timezone(zone)


def parse_api_time(text: str, *, field: str = "time") -> dt.time:
    """A strict ``HH:mm:ss`` (a periodical trigger's ``time``)."""
    return _strict(dt.time, text, _TIME_TEXT, API_TIME_FORM, field)


def parse_api_date(text: str, *, field: str = "date") -> dt.date:
    """A strict ``yyyy-MM-dd`` (push-plan message queries, PAI EndTime)."""
    return _strict(dt.date, text, _DATE_TEXT, API_DATE_FORM, field)


def parse_compact_date(text: str, *, field: str = "date") -> dt.date:
    """A strict ``yyyyMMdd`` (the PAI ROA message queries' dates)."""
    return _strict(dt.date, text, _COMPACT_DATE_TEXT, COMPACT_DATE_FORM, field)


def format_api_datetime(value: dt.datetime | str, tz: ZoneLike, *, field: str = "time") -> str:
    """``yyyy-MM-dd HH:mm:ss`` in ``tz`` for what a DAG author has.

    Aware datetimes and ISO-8601 strings with an offset are converted to ``tz`` (sub-second
    digits dropped: the APIs count whole seconds); an API string passes through unchanged once
    its calendar is checked; naive datetimes are refused.
    """
    zone = resolve_zone(tz, field="tz")
    if _is_api_datetime_text(value):
        _wall_clock(value, field)
        return value
    return _api_text(_to_utc(value, field), zone, field)


def format_wall_clock(value: dt.datetime | str, *, field: str = "time") -> str:
    """``yyyy-MM-dd HH:mm:ss`` as the value's own clock shows it, converted to no zone.

    For EngageLab zone_type 2, whose times are each device's wall clock: an aware datetime or an
    ISO-8601 string with an offset gives the wall clock it shows (09:00+05:30 -> 09:00:00); an
    API string passes through once its calendar is checked; naive values are refused, as ever.
    """
    if _is_api_datetime_text(value):
        _wall_clock(value, field)
        return value
    return _wall_text(_aware(value, field))


def format_api_date(value: dt.date | dt.datetime | str, tz: ZoneLike, *, field: str = "date") -> str:
    """``yyyy-MM-dd`` for a date, an aware datetime (taken in ``tz``) or an API/ISO string."""
    zone = resolve_zone(tz, field="tz")
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return parse_api_date(value, field=field).isoformat()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return _instant_in(value, zone, field).date().isoformat()


def format_compact_date(value: dt.date | dt.datetime | str, tz: ZoneLike, *, field: str = "date") -> str:
    """``yyyyMMdd`` for what :func:`format_api_date` takes, or a ``yyyyMMdd`` string (checked)."""
    if isinstance(value, str) and _COMPACT_DATE_TEXT.fullmatch(value):
        value = parse_compact_date(value, field=field)
    return format_api_date(value, tz, field=field).replace("-", "")


def epoch_seconds(number: float) -> float:
    """Seconds since the epoch for a number that is seconds or milliseconds (:data:`EPOCH_MILLIS_FROM`)."""
    return number / 1000 if abs(number) >= EPOCH_MILLIS_FROM else number


def format_pai_time(value: str | int | dt.date | dt.datetime | None, *, field: str) -> str | int | None:
    """What PAI's ExecuteTime and EndTime take, for what a DAG author has.

    - None stays None (not sent) and ``""`` stays ``""`` (ExecuteTime: send now);
    - an int, or a string of ASCII digits (what a template renders for an epoch), becomes an int
      epoch (seconds, or milliseconds from :data:`EPOCH_MILLIS_FROM`; only EndTime takes one);
    - a ``date`` or a strict ``yyyy-MM-dd`` string becomes ``yyyy-MM-dd`` (EndTime: through that
      day);
    - an aware datetime, an ISO-8601 string with an offset or an API ``yyyy-MM-dd HH:mm:ss``
      string (meaning UTC+8) becomes the API's ``yyyy-MM-dd HH:mm:ss`` in UTC+8.

    Naive datetimes, ISO strings without an offset and anything else raise
    :class:`InvalidTimeError` naming ``field``. Which field takes which form is the
    validation's to say.
    """
    if value is None or value == "":
        return None if value is None else ""
    if isinstance(value, bool):
        raise InvalidTimeError(field, f"expected a time, a date or an epoch, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise InvalidTimeError(field, f"an epoch must not be negative, got {value}")
        return value
    if isinstance(value, str) and _EPOCH_TEXT.fullmatch(value):
        return int(value)
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return parse_api_date(value, field=field).isoformat()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return format_api_datetime(value, PAI_TZ, field=field)


def to_utc(value: dt.datetime | str, *, field: str = "time") -> DateTime:
    """An aware datetime or an ISO-8601 string with an offset, as a UTC DateTime; naive refused."""
    return _to_utc(value, field)


def _to_utc(value: object, field: str) -> DateTime:
    return _as_utc(_aware(value, field), field)


def _aware(value: object, field: str) -> dt.datetime:
    """An aware datetime as given, or read from an ISO-8601 string with an offset; naive refused."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as err:
            raise InvalidTimeError(
                field,
                f"expected {API_DATETIME_FORM!r} or an ISO-8601 date-time with a UTC offset, got {value!r}",
            ) from err
    if not isinstance(value, dt.datetime):
        raise InvalidTimeError(field, f"expected a datetime or a string, got {type(value).__name__}")
    if value.utcoffset() is None:
        raise InvalidTimeError(
            field,
            f"{value.isoformat()} has no UTC offset; give an aware datetime or an offset such as "
            f"+08:00 or Z (the provider never guesses a zone)",
        )
    return value


def _is_api_datetime_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _DATETIME_TEXT.fullmatch(value) is not None


def _strict(make: Callable[..., _T], text: object, pattern: re.Pattern[str], form: str, field: str) -> _T:
    """``make(*numbers)`` for text in exactly ``form``; the shape and the calendar both checked."""
    match = pattern.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidTimeError(field, f"expected {form!r} (zero-padded, 24-hour), got {text!r}")
    try:
        return make(*(int(part) for part in match.groups()))
    except ValueError as err:  # 30 February, hour 24, minute 60 ...
        raise InvalidTimeError(field, f"{text!r} is not a real {form!r} ({err})") from err


def _wall_clock(text: object, field: str) -> DateTime:
    """The naive wall clock a strict ``yyyy-MM-dd HH:mm:ss`` names."""
    return _strict(pendulum.naive, text, _DATETIME_TEXT, API_DATETIME_FORM, field)


def _api_text(instant: DateTime, zone: Zone, field: str) -> str:
    with _within_calendar(field):
        return _wall_text(instant.in_timezone(zone))


def _wall_text(local: dt.datetime) -> str:
    return (
        f"{local.year:04}-{local.month:02}-{local.day:02} {local.hour:02}:{local.minute:02}:{local.second:02}"
    )


def _instant_in(value: object, zone: Zone, field: str) -> DateTime:
    """What a DAG author has (an API string meaning ``zone``, or an aware value) as a DateTime in ``zone``."""
    if _is_api_datetime_text(value):
        return _instant_of(_wall_clock(value, field), zone, field).in_timezone(zone)
    instant = _to_utc(value, field)
    with _within_calendar(field):
        return instant.in_timezone(zone)


# --- zones ----------------------------------------------------------------------------------------


def resolve_zone(tz: ZoneLike, *, field: str = "site_tz") -> Zone:
    """A pendulum zone from an IANA name or a fixed offset ``+HH:MM`` (a connection's site_timezone)."""
    if isinstance(tz, Timezone | FixedTimezone):
        return tz
    offset = _OFFSET_TEXT.fullmatch(tz) if isinstance(tz, str) else None
    if offset is not None:
        sign, hours, minutes = offset.groups()
        seconds = (int(hours) * 3600 + int(minutes) * 60) * (-1 if sign == "-" else 1)
        return FixedTimezone(seconds)
    try:
        return _named_zone(tz)
    except (ValueError, OSError) as err:  # unknown names, bad keys, over-long paths
        raise InvalidTimeError(field, f"unknown time zone {tz!r}; use an IANA name or +HH:MM") from err


@lru_cache(maxsize=64)
def _named_zone(name: str) -> Timezone | FixedTimezone:
    # Loading a zone reads its tzdata file; a bulk task resolves the same site zone per item.
    return pendulum.timezone(name)


def _instant_of(wall: dt.datetime, zone: Zone, field: str) -> DateTime:
    """The UTC instant a wall clock means in ``zone``, by PEP 495 ``fold=0``.

    In a spring-forward gap the offset before the change applies, which moves the wall time
    forward by the gap's length; in an autumn overlap the first (earlier) instant is taken.
    """
    local = dt.datetime(
        wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, tzinfo=zone, fold=0
    )
    return _as_utc(local, field)


def _as_utc(moment: dt.datetime, field: str) -> DateTime:
    """An aware datetime as a pendulum DateTime in UTC, whatever its tzinfo (stdlib does the sum)."""
    with _within_calendar(field):
        utc = moment.astimezone(dt.UTC)
    # Built afresh: pendulum.instance() hands a pendulum DateTime back untouched, tzinfo and all.
    return pendulum.datetime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tz=pendulum.UTC
    )


@contextmanager
def _within_calendar(field: str) -> Iterator[None]:
    try:
        yield
    except OverflowError as err:
        raise InvalidTimeError(field, "falls outside the years 1 to 9999 once converted") from err


# --- EngageLab triggers ---------------------------------------------------------------------------


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
    not be wholly in the past nor begin more than a year ahead, a periodical must not have ended.
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
    if now_utc is not None and _window(end, schedule.zone_type, zone, path).latest < now_utc:
        raise InvalidTimeError(f"{path}.end", f"{end} is in the past (now {now_utc} UTC)")


def _check_single_against_now(single: _Single, zone: Zone, now_utc: DateTime) -> None:
    window = _window(single.wall, single.zone_type, zone, single.path)
    if window.latest < now_utc:
        raise InvalidTimeError(f"{single.path}.time", f"{single.wall} is in the past (now {now_utc} UTC)")
    if window.earliest > _a_year_after(now_utc):
        raise InvalidTimeError(
            f"{single.path}.time", f"{single.wall} is more than one year ahead (now {now_utc} UTC)"
        )


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
        return _Single(path, _wall_clock(_required(body, "time", path), f"{path}.time"), zone_type)
    unit = _required(body, "time_unit", path)
    if not isinstance(unit, str) or unit.lower() not in TIME_UNITS:
        raise InvalidTimeError(f"{path}.time_unit", f"must be day, week or month (any case), got {unit!r}")
    return _Periodical(
        path=path,
        start=_wall_clock(_required(body, "start", path), f"{path}.start"),
        end=_wall_clock(_required(body, "end", path), f"{path}.end"),
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
        instant = _instant_of(wall, zone, field)
        return Occurrence(wall, instant, instant)
    return Occurrence(wall, _instant_of(wall, EARLIEST_ZONE, field), _instant_of(wall, LATEST_ZONE, field))


# --- PAI plans ------------------------------------------------------------------------------------


def pai_repeat_count(repeat_cycle_unit: int | None, repeat_times: int | None) -> int | None:
    """How many sendings follow the first one; ``None`` means no end.

    The seed's reading, kept here alone: RepeatTimes -1 (the default) repeats without end, 0
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
    its whole day). Missing unit and times take the seed's defaults, 0 and -1.
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
        return _instant_in(now, PAI_TZ, "now")
    return _instant_in(execute_time, PAI_TZ, "ExecuteTime")


def _pai_end(end_time: str | dt.datetime | dt.date | int) -> DateTime:
    """The last instant a plan may send at: a date means through its whole day (UTC+8)."""
    if isinstance(end_time, int) and not isinstance(end_time, bool):
        try:
            return pendulum.from_timestamp(epoch_seconds(end_time)).in_timezone(PAI_TZ)
        except (OverflowError, OSError, ValueError) as err:
            raise InvalidTimeError("EndTime", f"epoch {end_time} is out of range") from err
    if isinstance(end_time, str) and _DATE_TEXT.fullmatch(end_time):
        end_time = parse_api_date(end_time, field="EndTime")
    if isinstance(end_time, dt.date) and not isinstance(end_time, dt.datetime):
        return pendulum.datetime(end_time.year, end_time.month, end_time.day, tz=PAI_TZ).end_of("day")
    return _instant_in(end_time, PAI_TZ, "EndTime")


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


if __name__ == "__main__":
    from airflow_provider_engage._timing_cli import main

    raise SystemExit(main())
