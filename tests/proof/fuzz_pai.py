"""PAI User Engagement inputs with their verdicts, from seed 000 and research/real-apis.md.

CreateSchedule's fields as the hook's and the operator's keywords (``group_id`` ... ``payment_type``)
and what each becomes on the wire (:func:`expected_api_fields`, computed here with the standard
library: UTC+8 for every time), and the ROA reads' arguments.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

from hypothesis import strategies as st

from tests.proof.fuzz_cases import (
    ANY_TEXT,
    DELETE,
    NOT_JSON,
    NOT_TEXT,
    TEXT,
    Case,
    argument_breakings,
    bad_moments,
    broken,
)

UTC8 = dt.timezone(dt.timedelta(hours=8))
ZONES = [dt.UTC, UTC8, dt.timezone(dt.timedelta(hours=-5)), dt.timezone(dt.timedelta(hours=5, minutes=30))]
KEYWORDS = {
    "group_id": "GroupId",
    "name": "Name",
    "execute_time": "ExecuteTime",
    "end_time": "EndTime",
    "repeat_cycle": "RepeatCycle",
    "repeat_cycle_unit": "RepeatCycleUnit",
    "repeat_times": "RepeatTimes",
    "sign_name": "SignName",
    "signature_id": "SignatureId",
    "template_code": "TemplateCode",
    "template_id": "TemplateId",
    "ai_send_start_date": "AISendStartDate",
    "ai_send_end_date": "AISendEndDate",
    "payment_type": "PaymentType",
}
"""Seed 000's table, as snake_case keywords."""
TEXT_KEYWORDS = (
    "sign_name",
    "signature_id",
    "template_code",
    "template_id",
    "ai_send_start_date",
    "ai_send_end_date",
)
PAYMENT_TYPES = ("PayAsYouGo", "Subscription", "MixPay")
LAST_EPOCH_SECOND = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())

# Seed 000: 2-30 characters, letters, digits, Chinese, underscores (and '-', as its first example).
_NAME_CHARS = st.sampled_from(string.ascii_letters + string.digits + "_-") | st.characters(
    min_codepoint=0x4E00, max_codepoint=0x9FFF
)
names = st.text(_NAME_CHARS, min_size=2, max_size=30)
_moment = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0)
)


@st.composite
def moments(draw: st.DrawFn) -> Any:
    """A time as a DAG has it: the API's UTC+8 string, an aware datetime, or ISO-8601 with an offset."""
    local = draw(_moment)
    zone = draw(st.sampled_from(ZONES))
    form = draw(st.sampled_from(["api", "aware", "iso"]))
    if form == "api":
        return local.strftime("%Y-%m-%d %H:%M:%S")
    aware = local.replace(tzinfo=zone)
    return aware if form == "aware" else aware.isoformat()


@st.composite
def end_times(draw: st.DrawFn) -> Any:
    """EndTime's forms (research: a date, a datetime, or an epoch: seconds, milliseconds from 10**11)."""
    day = draw(_moment).date()
    epoch = draw(st.integers(0, LAST_EPOCH_SECOND * 1000))
    return draw(st.sampled_from([day, day.isoformat(), epoch, str(epoch)]) | moments())


@st.composite
def create_fields(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {"group_id": draw(ANY_TEXT.filter(str.strip)), "name": draw(names)}
    optional = draw(st.sets(st.sampled_from([k for k in KEYWORDS if k not in ("group_id", "name")])))
    unit = draw(st.integers(0, 4))
    values = {
        "execute_time": draw(moments() | st.just("")),
        "end_time": draw(end_times() | st.just("")),
        "repeat_cycle": draw(st.integers(1 if unit else 0, 1000)),
        "repeat_cycle_unit": unit,
        "repeat_times": draw(st.sampled_from([-1, 0]) | st.integers(1, 1000)),
        "payment_type": draw(st.sampled_from([*PAYMENT_TYPES, ""])),
        **{keyword: draw(ANY_TEXT) for keyword in TEXT_KEYWORDS},
    }
    if unit:
        optional |= {"repeat_cycle", "repeat_cycle_unit"}
    fields.update({keyword: values[keyword] for keyword in optional})
    return fields


_GOOD = "2031-01-02 09:30:00"
_NOT_A_TIME = [(rule, bad) for rule, bad in bad_moments(_GOOD) if bad not in ("", 1893456000)]


def create_breakings(fields: dict[str, Any]) -> list[Case]:
    """The fields broken once by each rule of seed 000 (and the JSON every body must be)."""
    text_breakings = [("not a string", bad) for bad in NOT_TEXT if bad is not None] + NOT_JSON[:1]
    table: dict[str, list[tuple[str, Any]]] = {
        "group_id": [
            ("missing", DELETE),
            ("empty", ""),
            ("blank", "   "),
            *[("not a string", bad) for bad in NOT_TEXT if bad is not None],
            NOT_JSON[0],
        ],
        "name": [
            ("missing", DELETE),
            ("one character", "a"),
            ("31 characters", "n" * 31),
            ("31 Chinese characters", "名" * 31),
            *[(f"{char!r} in a name", f"plan{char}x") for char in " !.,/@#\n\t😀"],
            *[("not a string", bad) for bad in NOT_TEXT if bad is not None],
            NOT_JSON[0],
        ],
        "execute_time": [
            *_NOT_A_TIME,
            ("an epoch", 1893456000),
            ("a date", dt.date(2031, 1, 2)),
            ("a date string", "2031-01-02"),
        ],
        "end_time": [
            *_NOT_A_TIME,
            ("a negative epoch", -5),
            ("an epoch past 9999", (LAST_EPOCH_SECOND + 1) * 1000),
            ("30 February", "2031-02-30"),
            ("a bool", True),
        ],
        "repeat_cycle": [("negative", -1), ("a string", "1"), ("a float", 1.5), ("a bool", True)],
        "repeat_cycle_unit": [("5", 5), ("-1", -1), ("a string", "2"), ("a bool", True)],
        "repeat_times": [("-2", -2), ("a string", "3"), ("a float", 2.0), ("a bool", False)],
        "payment_type": [("unknown", "Prepaid"), ("other case", "payasyougo"), ("a number", 1)],
        **dict.fromkeys(TEXT_KEYWORDS, text_breakings),
        "unknown_field": [("not a CreateSchedule field", "x")],
    }
    cases = argument_breakings(table)(fields)
    unit = fields.get("repeat_cycle_unit")
    if unit:
        cases.append(broken(fields, ["repeat_cycle"], 0, "repeat_cycle", "a repeating unit with cycle 0"))
        cases.append(
            broken(fields, ["repeat_cycle"], DELETE, "repeat_cycle", "a repeating unit without a cycle")
        )
    return cases


def utc8_text(value: dt.datetime) -> str:
    return value.astimezone(UTC8).strftime("%Y-%m-%d %H:%M:%S")


def expected_api_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """What the service must hold for valid keywords: API names, every time in UTC+8."""
    times = ("execute_time", "end_time")
    return {
        KEYWORDS[keyword]: _expected_time(value) if keyword in times else value
        for keyword, value in fields.items()
    }


def _expected_time(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc8_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, str) and "T" in value:
        return utc8_text(dt.datetime.fromisoformat(value))
    return value


# --- ROA reads ----------------------------------------------------------------------------------

_PAGING = {
    "page_number": [("zero", 0), ("negative", -3), ("a string", "1"), ("a bool", True), ("a float", 1.0)],
    "page_size": [("zero", 0), ("a string", "10"), ("a bool", True)],
}
_QUERY_TEXT = [("not a string", bad) for bad in (5, 2.5, ["x"], {"a": 1}, True)] + NOT_JSON[:1]
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@st.composite
def day_forms(draw: st.DrawFn, day: dt.date | None = None) -> Any:
    """A day as the message reads take it: a date, ``yyyy-MM-dd``, ``yyyyMMdd`` or an aware datetime."""
    day = day or draw(days)
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=UTC8)
    return draw(st.sampled_from([day, day.isoformat(), day.strftime("%Y%m%d"), noon]))


BAD_DAYS: list[tuple[str, Any]] = [
    ("30 February", "2031-02-30"),
    ("compact 30 February", "20310230"),
    ("unpadded", "2031-1-2"),
    ("words", "yesterday"),
    ("a naive datetime", dt.datetime(2031, 1, 2, 12)),
    ("a number", 20310102),
    ("slashes", "2031/01/02"),
]

list_schedules_args = st.fixed_dictionaries(
    {},
    optional={
        "name": TEXT,
        "status": st.integers(0, 5),
        "page_number": st.integers(1, 50),
        "page_size": st.integers(1, 100),
    },
)
list_schedules_breakings = argument_breakings(
    {"name": _QUERY_TEXT, "status": [("negative", -1), ("a string", "1"), ("a bool", True)], **_PAGING}
)
list_messages_args = st.fixed_dictionaries(
    {},
    optional={
        "schedule_id": TEXT,
        "datetime": day_forms(),
        "status": st.integers(0, 2),
        "message_id": TEXT,
        "page_number": st.integers(1, 50),
        "page_size": st.integers(1, 100),
    },
)
list_messages_breakings = argument_breakings(
    {
        "schedule_id": _QUERY_TEXT,
        "message_id": _QUERY_TEXT,
        "datetime": BAD_DAYS,
        "status": [("negative", -1), ("a string", "0")],
        **_PAGING,
    }
)


@st.composite
def metrics_args(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(days)
    last = first + dt.timedelta(days=draw(st.integers(0, 60)))
    args: dict[str, Any] = {
        "schedule_id": draw(st.none() | TEXT),
        "start_date": draw(day_forms(first)),
        "end_date": draw(day_forms(last)),
    }
    args.update(
        draw(
            st.fixed_dictionaries(
                {}, optional={"page_number": st.integers(1, 9), "page_size": st.integers(1, 100)}
            )
        )
    )
    return args


def metrics_breakings(args: dict[str, Any]) -> list[Case]:
    cases = argument_breakings(
        {"schedule_id": _QUERY_TEXT, "start_date": BAD_DAYS, "end_date": BAD_DAYS, **_PAGING}
    )(args)
    return [
        *cases,
        Case({**args, "start_date": "2031-01-10", "end_date": "2031-01-09"}, "end_date", "end before start"),
    ]
