"""Strict API formats and zones: every time string the services take, read and written here.

Owns the parse and format of ``yyyy-MM-dd HH:mm:ss``, ``HH:mm:ss``, ``yyyy-MM-dd`` and
``yyyyMMdd``, epochs, zones (IANA names, ``+HH:MM`` offsets, PAI's UTC+8), the conversion of
what a DAG author has into an instant, and :class:`InvalidTimeError`. The trigger and PAI models
(:mod:`~airflow_provider_engage.timing.engagelab`, :mod:`~airflow_provider_engage.timing.pai`)
read and write times only through this module: :func:`parse_wall_clock`, :func:`instant_of`,
:func:`instant_in`, :func:`wall_text` and :func:`is_api_date_text` are here for them.

- API strings are zero-padded, 24-hour ``yyyy-MM-dd HH:mm:ss`` (``HH:mm:ss``, ``yyyy-MM-dd``);
  anything else is refused, never guessed. Naive datetimes are refused for the same reason.
- A wall clock becomes an instant by PEP 495 ``fold=0``: a wall time that a daylight-saving gap
  skips moves forward by the gap's length (02:30 -> 03:30), and a wall time that an overlap
  repeats means its first, earlier instant.
- PAI plans are in UTC+8; :func:`format_pai_time` is the one conversion of ExecuteTime/EndTime.
- An integer epoch of 10**11 or more is milliseconds, below it seconds (:func:`epoch_seconds`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeGuard, TypeVar

import pendulum
from pendulum import DateTime, FixedTimezone, Timezone

from airflow_provider_engage.input_errors import InvalidFieldError

Zone = Timezone | FixedTimezone
ZoneLike = str | Timezone | FixedTimezone

PAI_TZ = FixedTimezone(8 * 3600)

API_DATETIME_FORM = "yyyy-MM-dd HH:mm:ss"
API_TIME_FORM = "HH:mm:ss"
API_DATE_FORM = "yyyy-MM-dd"
COMPACT_DATE_FORM = "yyyyMMdd"

EPOCH_MILLIS_FROM = 10**11
"""Epoch numbers (PAI EndTime, EngageLab ``ts``) this large or larger are milliseconds, smaller
ones seconds.

``10**11`` seconds is the year 5138 and ``10**11`` milliseconds is March 1973, so no date a plan
or a push can carry falls on the wrong side.
"""

_DATETIME_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_TIME_TEXT = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_COMPACT_DATE_TEXT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_OFFSET_TEXT = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")
_EPOCH_TEXT = re.compile(r"[0-9]+")

_DAY_FORMS = f"a date, {API_DATE_FORM} or {COMPACT_DATE_FORM}"

_T = TypeVar("_T")


class InvalidTimeError(InvalidFieldError):
    """A time, zone or trigger the services would refuse; ``field`` is a dotted path."""


# --- formats --------------------------------------------------------------------------------------


def parse_api_datetime(text: str, tz: ZoneLike, *, field: str = "time") -> DateTime:
    """The aware instant, in ``tz``, that a strict ``yyyy-MM-dd HH:mm:ss`` wall clock means there."""
    zone = resolve_zone(tz, field="tz")
    return instant_of(parse_wall_clock(text, field=field), zone, field=field).in_timezone(zone)


def parse_wall_clock(text: object, *, field: str) -> DateTime:
    """The naive wall clock a strict ``yyyy-MM-dd HH:mm:ss`` names."""
    return _strict(pendulum.naive, text, _DATETIME_TEXT, API_DATETIME_FORM, field)


def parse_api_time(text: str, *, field: str = "time") -> dt.time:
    """A strict ``HH:mm:ss`` (a periodical trigger's ``time``)."""
    return _strict(dt.time, text, _TIME_TEXT, API_TIME_FORM, field)


def parse_api_date(text: str, *, field: str = "date") -> dt.date:
    """A strict ``yyyy-MM-dd`` (push-plan message queries, PAI EndTime)."""
    return _strict(dt.date, text, _DATE_TEXT, API_DATE_FORM, field)


def parse_compact_date(text: str, *, field: str = "date") -> dt.date:
    """A strict ``yyyyMMdd`` (the PAI ROA message queries' dates)."""
    return _strict(dt.date, text, _COMPACT_DATE_TEXT, COMPACT_DATE_FORM, field)


def parse_day(value: object, *, field: str = "date") -> dt.date:
    """A calendar day as a report range takes it: a ``date``, ``yyyy-MM-dd`` or ``yyyyMMdd``.

    A ``datetime``, or a string with a time of day (what ``{{ data_interval_start }}`` renders),
    is refused rather than cut to its date: which day an instant falls on depends on a zone the
    caller did not name.
    """
    if isinstance(value, dt.datetime):
        raise InvalidTimeError(field, f"wants a day ({_DAY_FORMS}), got the datetime {value.isoformat()}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        return parse_api_date(value, field=field)
    if isinstance(value, str) and _COMPACT_DATE_TEXT.fullmatch(value):
        return parse_compact_date(value, field=field)
    raise InvalidTimeError(field, f"wants a day ({_DAY_FORMS}), got {value!r}")


def is_api_date_text(value: object) -> TypeGuard[str]:
    """True for a string shaped ``yyyy-MM-dd`` (its calendar is :func:`parse_api_date`'s to check)."""
    return isinstance(value, str) and _DATE_TEXT.fullmatch(value) is not None


def format_api_datetime(value: dt.datetime | str, tz: ZoneLike, *, field: str = "time") -> str:
    """``yyyy-MM-dd HH:mm:ss`` in ``tz`` for what a DAG author has.

    Aware datetimes and ISO-8601 strings with an offset are converted to ``tz`` (sub-second
    digits dropped: the APIs count whole seconds); an API string passes through unchanged once
    its calendar is checked; naive datetimes are refused.
    """
    zone = resolve_zone(tz, field="tz")
    if _is_api_datetime_text(value):
        parse_wall_clock(value, field=field)
        return value
    return _api_text(_to_utc(value, field), zone, field)


def format_wall_clock(value: dt.datetime | str, *, field: str = "time") -> str:
    """``yyyy-MM-dd HH:mm:ss`` as the value's own clock shows it, converted to no zone.

    For EngageLab zone_type 2, whose times are each device's wall clock: an aware datetime or an
    ISO-8601 string with an offset gives the wall clock it shows (09:00+05:30 -> 09:00:00); an
    API string passes through once its calendar is checked; naive values are refused, as ever.
    """
    if _is_api_datetime_text(value):
        parse_wall_clock(value, field=field)
        return value
    return wall_text(_aware(value, field))


def format_api_date(value: dt.date | dt.datetime | str, tz: ZoneLike, *, field: str = "date") -> str:
    """``yyyy-MM-dd`` for a date, an aware datetime (taken in ``tz``) or an API/ISO string."""
    zone = resolve_zone(tz, field="tz")
    if is_api_date_text(value):
        return parse_api_date(value, field=field).isoformat()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return instant_in(value, zone, field=field).date().isoformat()


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
    if is_api_date_text(value):
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


def _api_text(instant: DateTime, zone: Zone, field: str) -> str:
    with _within_calendar(field):
        return wall_text(instant.in_timezone(zone))


def wall_text(local: dt.datetime) -> str:
    """The ``yyyy-MM-dd HH:mm:ss`` a datetime's own fields show, whatever its zone."""
    return (
        f"{local.year:04}-{local.month:02}-{local.day:02} {local.hour:02}:{local.minute:02}:{local.second:02}"
    )


def instant_in(value: object, zone: Zone, *, field: str) -> DateTime:
    """What a DAG author has (an API string meaning ``zone``, or an aware value) as a DateTime in ``zone``."""
    if _is_api_datetime_text(value):
        return instant_of(parse_wall_clock(value, field=field), zone, field=field).in_timezone(zone)
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


def instant_of(wall: dt.datetime, zone: Zone, *, field: str) -> DateTime:
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
