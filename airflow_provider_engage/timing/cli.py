"""``python -m airflow_provider_engage.timing preview``: a schedule's next occurrences as a table.

A campaign owner runs it before creating a schedule to see exactly when it will fire. Owns the
command line and the table only: every rule comes from :mod:`airflow_provider_engage.timing`,
and like it this never imports Airflow. ``timing/__main__.py`` runs :func:`main`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import pendulum
from pendulum import DateTime

from airflow_provider_engage import timing

_PAI_UNIT_NAMES = {1: "hour", 2: "day", 3: "week", 4: "month"}
_TIME_FORMAT = "YYYY-MM-DD HH:mm:ss"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line: 0 when the table is printed, 2 when the input would be refused."""
    args = _parser().parse_args(argv)
    try:
        now = pendulum.now("UTC") if args.now is None else timing.to_utc(args.now, field="--now")
        # "From now" keeps what fires at this very second (an empty PAI ExecuteTime, say).
        after = None if args.from_start else now - dt.timedelta(microseconds=1)
        if args.trigger is not None:
            trigger = _json_object(args.trigger, "--trigger")
            lines = _preview_trigger(trigger, args.site_tz, now=now, after=after, count=args.count)
        else:
            lines = _preview_pai(_json_object(args.pai, "--pai"), now=now, after=after, count=args.count)
    except timing.InvalidTimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_engage.timing", description="Check when a schedule fires."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="print the next occurrences of a trigger or a PAI plan")
    source = preview.add_mutually_exclusive_group(required=True)
    source.add_argument("--trigger", help="EngageLab trigger JSON (or a whole schedule body holding one)")
    source.add_argument(
        "--pai", help="PAI plan JSON with ExecuteTime, RepeatCycle, RepeatCycleUnit, RepeatTimes, EndTime"
    )
    preview.add_argument(
        "--site-tz", default=timing.SITE_TZ_DEFAULT, help="zone_type 1 time zone (default %(default)s)"
    )
    preview.add_argument("--count", type=_count, default=10, help="occurrences to show (default %(default)s)")
    preview.add_argument("--now", help="ISO-8601 instant with an offset to take as now (default: the clock)")
    preview.add_argument(
        "--from-start", action="store_true", help="list from the first occurrence, not from now"
    )
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _json_object(text: str, option: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise timing.InvalidTimeError(option, f"is not valid JSON ({err})") from err
    if not isinstance(value, dict):
        raise timing.InvalidTimeError(option, f"must be a JSON object, got {type(value).__name__}")
    return value


def _preview_trigger(
    given: Mapping[str, Any], site_tz: str, *, now: DateTime, after: DateTime | None, count: int
) -> list[str]:
    trigger = given.get("trigger", given)  # a whole schedule body works as well as its trigger
    timing.validate_trigger(trigger, site_tz=site_tz, now=now)
    zone = timing.resolve_zone(site_tz)
    found = list(timing.occurrences(trigger, site_tz=zone, after=after, limit=count + 1))
    kind = "single" if "single" in trigger else "periodical"
    body = trigger[kind]
    if body["zone_type"] == timing.ZONE_TYPE_SITE:
        headers = ["#", "wall clock", f"site time ({site_tz})", "UTC"]
        rows = [[occ.wall_time, occ.earliest.in_timezone(zone), occ.earliest] for occ in found[:count]]
    else:
        headers = ["#", "wall clock (each device)", "first arrival (UTC+14)", "last arrival (UTC-12)"]
        headers += [f"first arrival ({site_tz})", f"last arrival ({site_tz})"]
        rows = [
            [
                occ.wall_time,
                occ.earliest,
                occ.latest,
                occ.earliest.in_timezone(zone),
                occ.latest.in_timezone(zone),
            ]
            for occ in found[:count]
        ]
    summary = _describe_trigger(kind, body, site_tz)
    return [summary, *_table(headers, rows), _footer(len(found), count, after)]


def _preview_pai(plan: Mapping[str, Any], *, now: DateTime, after: DateTime | None, count: int) -> list[str]:
    plan = plan.get("body", plan)  # the seed's request wraps the fields in "body"
    instants = timing.pai_occurrences(
        plan.get("ExecuteTime"),
        plan.get("RepeatCycle"),
        plan.get("RepeatCycleUnit"),
        plan.get("RepeatTimes"),
        plan.get("EndTime"),
        after=after,
        limit=count + 1,
        now=now,
    )
    found = list(instants)
    rows = [[instant, instant.in_timezone("UTC")] for instant in found[:count]]
    summary = _describe_pai(plan)
    return [summary, *_table(["#", "UTC+8 (PAI)", "UTC"], rows), _footer(len(found), count, after)]


def _describe_trigger(kind: str, body: Mapping[str, Any], site_tz: str) -> str:
    zone = (
        f"zone_type 1: wall clock in {site_tz}"
        if body["zone_type"] == timing.ZONE_TYPE_SITE
        else "zone_type 2: wall clock on each device, arriving from UTC+14 to UTC-12"
    )
    if kind == "single":
        return f"single at {body['time']} ({zone})"
    unit = body["time_unit"].lower()
    points = "" if unit == "day" else " on " + ", ".join(str(point).upper() for point in body["point"])
    return (
        f"periodical, every {unit}{points} at {body['time']}, from {body['start']} to {body['end']} ({zone})"
    )


def _describe_pai(plan: Mapping[str, Any]) -> str:
    first = plan.get("ExecuteTime") or "now"
    repeats = timing.pai_repeat_count(plan.get("RepeatCycleUnit"), plan.get("RepeatTimes"))
    if repeats == 0:
        how = "once"
    else:
        cycle, unit = plan["RepeatCycle"], _PAI_UNIT_NAMES[plan["RepeatCycleUnit"]]
        how = f"every {cycle} {unit}{'s' if cycle != 1 else ''}, "
        how += "without end" if repeats is None else f"then {repeats} more time{'s' if repeats != 1 else ''}"
    end = f", until {plan['EndTime']}" if plan.get("EndTime") is not None else ""
    return f"PAI plan (UTC+8): first at {first}, {how}{end}"


def _table(headers: list[str], rows: list[list[DateTime]]) -> list[str]:
    cells = [headers, *([str(number), *map(_shown, row)] for number, row in enumerate(rows, start=1))]
    widths = [max(len(line[column]) for line in cells) for column in range(len(headers))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    ]


def _shown(moment: DateTime) -> str:
    """Wall clocks bare, UTC instants with Z, other instants with their offset."""
    text = moment.format(_TIME_FORMAT)
    if moment.tzinfo is None:
        return text
    offset = moment.format("Z")
    return f"{text}Z" if offset == "+00:00" and moment.timezone_name == "UTC" else f"{text} {offset}"


def _footer(found: int, count: int, after: DateTime | None) -> str:
    since = "" if after is None else f" from {after.add(microseconds=1).format(_TIME_FORMAT)} UTC"
    if found == 0:
        return f"(no occurrences{since})"
    if found > count:
        return f"(first {count} shown{since}; more follow: raise --count)"
    return f"(all {found} shown{since})"
