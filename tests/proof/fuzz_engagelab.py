"""EngageLab inputs with their verdicts, from seeds 001-003 and research/real-apis.md.

Schedules (name, enabled, trigger, push), push plans (ids, descriptions, list paging, msg-id
queries), ids and message-id lists. Times are drawn around the real now (the emulator runs on the
real clock), a day or more away from every limit the clock sets, so a verdict cannot change
between drawing and sending. Whether a periodical fires at all is judged by :func:`fires`, a
day-by-day reading of seed 002, not by the provider's timing module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import string
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tests.proof.fuzz_cases import (
    ANY_TEXT,
    BAD_TIME_TEXTS,
    DELETE,
    NOT_JSON,
    NOT_TEXT,
    TEXT,
    Case,
    argument_breakings,
    bad_datetime_texts,
    broken,
    dotted,
    mixed,
    put,
    real,
)

SITE_TZ = ZoneInfo("Asia/Shanghai")  # the emulator's and the connection's default site zone
DAY = 86400
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
UNITS = ("day", "week", "month")
PLATFORMS = ("android", "ios", "hmos")
KINDS = ("notification", "message", "live_activity", "voip")
FUZZ_PLAN = "fuzz_plan"
"""A push plan the campaigns create first, so pushes may be tagged with it (it must exist)."""


def site_now() -> dt.datetime:
    """Now as the site's wall clock (naive: the API's strings carry no zone)."""
    return dt.datetime.now(SITE_TZ).replace(tzinfo=None, microsecond=0)


def wall(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


# --- names (seed 002: at most 255 bytes; Chinese, letters, digits, underscores; spaces as its examples) ---

_NAME_CHARS = st.sampled_from(string.ascii_letters + string.digits + "_ ") | st.characters(
    min_codepoint=0x4E00, max_codepoint=0x9FFF
)
names = st.one_of(
    st.text(_NAME_CHARS, min_size=1, max_size=40).filter(str.strip),
    st.sampled_from(["中" * 85, "a" * 255, "Timed Push Example_single"]),
)
_NOT_NAME_CHARS = "-!?.,:;/\\@#$%&*()[]{}<>+=~'\"|\t\n\x00😀"


def name_breakings(name: str, field: str = "name") -> list[tuple[str, Any]]:
    """(rule, bad name) pairs; the field they are refused under is the caller's."""
    return [
        ("empty name", ""),
        ("blank name", "   "),
        ("over 255 bytes", "中" * 86),
        ("over 255 bytes", "a" * 256),
        *[(f"{char!r} in a name", name[:10] + char) for char in _NOT_NAME_CHARS],
        *[("name not a string", bad) for bad in NOT_TEXT if bad not in ("", None)],
    ]


# --- triggers (seed 002/003) ---------------------------------------------------------------------


def fires(periodical: dict[str, Any], *, after: dt.datetime | None = None) -> bool:
    """Whether a periodical has a firing in [start, end] (at or after ``after``): seed 002 read
    day by day."""
    start = dt.datetime.strptime(periodical["start"], "%Y-%m-%d %H:%M:%S")
    end = dt.datetime.strptime(periodical["end"], "%Y-%m-%d %H:%M:%S")
    at = dt.time.fromisoformat(periodical["time"])
    unit = periodical["time_unit"].lower()
    points = {str(point).upper() for point in periodical.get("point") or []}
    day = start.date()
    while day <= end.date():
        chosen = unit == "day" or WEEKDAYS[day.weekday()] in points or f"{day.day:02}" in points
        firing = dt.datetime.combine(day, at)
        if chosen and start <= firing <= end and (after is None or firing >= after):
            return True
        day += dt.timedelta(days=1)
    return False


def _any_case(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.upper(), word.title(), word.lower()])


@st.composite
def points(draw: st.DrawFn, unit: str) -> Any:
    if unit == "day":
        return draw(st.sampled_from([[], None, DELETE]))
    if unit == "week":
        return draw(st.lists(st.sampled_from(WEEKDAYS).flatmap(_any_case), min_size=1, max_size=9))
    return draw(st.lists(st.integers(1, 31).map(lambda day: f"{day:02}"), min_size=1, max_size=8))


@st.composite
def single_triggers(draw: st.DrawFn, zone_type: int | None = None) -> dict[str, Any]:
    """A single firing a day to 360 days ahead (seed 002: at most one year)."""
    at = site_now() + dt.timedelta(seconds=draw(st.integers(DAY, 360 * DAY)))
    return {"single": {"time": wall(at), "zone_type": zone_type or draw(st.sampled_from([1, 2]))}}


@st.composite
def periodical_triggers(draw: st.DrawFn, zone_type: int | None = None) -> dict[str, Any]:
    """Started up to 30 days ago or up to 60 ahead, ending 2 days ahead or later, spanning at most
    365 days, with a firing still to come, a day ahead or more (seed 002; one with none left
    would be expired from its creation, 28100)."""
    now = site_now()
    start = now + dt.timedelta(seconds=draw(st.integers(-30 * DAY, 60 * DAY)))
    shortest = max(8 * DAY, int((now - start).total_seconds()) + 2 * DAY)
    end = start + dt.timedelta(seconds=draw(st.integers(shortest, 365 * DAY)))
    unit = draw(st.sampled_from(UNITS))
    body: dict[str, Any] = {
        "start": wall(start),
        "end": wall(end),
        "time": draw(st.times()).strftime("%H:%M:%S"),
        "time_unit": draw(_any_case(unit)),
        "point": draw(points(unit)),
        "zone_type": zone_type or draw(st.sampled_from([1, 2])),
    }
    if body["point"] is DELETE:
        del body["point"]
    if not fires(body, after=now + dt.timedelta(days=1)):
        body["time_unit"], body["point"] = "day", []
    return {"periodical": body}


def triggers(kind: str | None = None, zone_type: int | None = None) -> st.SearchStrategy[dict[str, Any]]:
    single, periodical = single_triggers(zone_type), periodical_triggers(zone_type)
    return {"single": single, "periodical": periodical}.get(kind or "", single | periodical)


def trigger_breakings(trigger: dict[str, Any], prefix: str = "trigger") -> list[Case]:
    """The trigger broken once by each rule of seed 002 (shape, formats, span, firing, clock)."""
    kind = next(iter(trigger))
    body = trigger[kind]
    path = f"{prefix}.{kind}"
    cases = [
        *[Case(bad, prefix, "trigger not an object") for bad in ("soon", [], 5)],
        Case({}, prefix, "neither single nor periodical"),
        Case({**trigger, "periodical" if kind == "single" else "single": body}, prefix, "both kinds"),
        broken(trigger, [kind], "x", path, "kind not an object"),
        *[
            broken(trigger, [kind, "zone_type"], bad, f"{path}.zone_type", "zone_type not 1 or 2")
            for bad in (DELETE, None, 0, 3, "1", True, 1.0)
        ],
    ]
    times = ("time",) if kind == "single" else ("start", "end")
    for key in times:
        cases.append(broken(trigger, [kind, key], DELETE, f"{path}.{key}", f"{key} missing"))
        cases += [
            broken(trigger, [kind, key], bad, f"{path}.{key}", rule)
            for rule, bad in real(bad_datetime_texts(body[key]))
        ]
    if kind == "single":
        return cases + _single_clock_breakings(trigger, path)
    cases += [broken(trigger, [kind, "time"], bad, f"{path}.time", rule) for rule, bad in BAD_TIME_TEXTS]
    cases += [
        broken(trigger, [kind, "time_unit"], bad, f"{path}.time_unit", "time_unit not day, week or month")
        for bad in (DELETE, "hour", "days", "", 5)
    ]
    return cases + _point_breakings(trigger, path) + _span_breakings(trigger, path)


def _single_clock_breakings(trigger: dict[str, Any], path: str) -> list[Case]:
    now = site_now()
    past = wall(now - dt.timedelta(days=3))
    far = wall(now + dt.timedelta(days=370))
    return [
        broken(trigger, ["single", "time"], past, f"{path}.time", "in the past", by_service=True),
        broken(trigger, ["single", "time"], far, f"{path}.time", "over a year ahead", by_service=True),
    ]


def _point_breakings(trigger: dict[str, Any], path: str) -> list[Case]:
    body = trigger["periodical"]
    unit = body["time_unit"].lower()
    field = f"{path}.point"
    if unit == "day":
        return [
            broken(trigger, ["periodical", "point"], bad, field, "points for day")
            for bad in (["MON"], ["01"])
        ]
    listed = list(body["point"])
    wrong = ["XYZ", "MONDAY", "01", 1, None] if unit == "week" else ["1", "32", "00", 1, "MON", "1st"]
    cases = [
        broken(trigger, ["periodical", "point"], bad, field, f"no points for {unit}")
        for bad in ([], None, DELETE)
    ]
    cases.append(broken(trigger, ["periodical", "point"], listed[0], field, "point not a list"))
    for bad in wrong:
        at = len(listed) // 2
        cases.append(
            broken(
                trigger,
                ["periodical", "point"],
                [*listed[:at], bad, *listed[at:]],
                f"{field}[{at}]",
                "bad point",
            )
        )
    return cases


def _span_breakings(trigger: dict[str, Any], path: str) -> list[Case]:
    body = trigger["periodical"]
    start = dt.datetime.strptime(body["start"], "%Y-%m-%d %H:%M:%S")
    now = site_now()
    never = {**body, "end": wall(start + dt.timedelta(hours=1)), "time_unit": "day", "point": []}
    never["time"] = (start - dt.timedelta(minutes=1)).strftime("%H:%M:%S")
    ended = {**body, "start": wall(now - dt.timedelta(days=60)), "end": wall(now - dt.timedelta(days=3))}
    ended.update(time_unit="day", point=[])
    past_day = now - dt.timedelta(days=10)  # a monthly firing 10 days ago is the only one in range
    spent = {
        **ended,
        "end": wall(now + dt.timedelta(days=3)),
        "time_unit": "month",
        "point": [f"{past_day.day:02}"],
    }
    return [
        broken(trigger, ["periodical", "end"], body["start"], f"{path}.end", "end not after start"),
        broken(
            trigger,
            ["periodical", "end"],
            wall(start - dt.timedelta(days=1)),
            f"{path}.end",
            "end before start",
        ),
        broken(
            trigger, ["periodical", "end"], wall(start + dt.timedelta(days=367)), f"{path}.end", "over a year"
        ),
        *([Case({"periodical": never}, path, "never fires")] if not fires(never) else []),
        Case({"periodical": ended}, f"{path}.end", "ended", by_service=True),
        *(
            [Case({"periodical": spent}, f"{path}.end", "no firing left", by_service=True)]
            if fires(spent) and not fires(spent, after=now - dt.timedelta(days=2))
            else []
        ),
    ]


# --- pushes (seed 002/003 and research: to, body.platform, exactly one content kind, options) -----

_AUDIENCE = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=20).filter(
    lambda value: not value.startswith(("missing", "gone"))  # the emulator's "no such device"
)


@st.composite
def audiences(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):
        return "all"
    keys = draw(st.sets(st.sampled_from(["registration_id", "alias", "tag", "tag_and", "seg"]), min_size=1))
    to: dict[str, Any] = {}
    for key in sorted(keys):
        if key == "seg":
            to[key] = draw(_AUDIENCE)
        else:
            limit = 20 if key.startswith("tag") else 1000
            size = draw(st.sampled_from([1, 2, 5, limit]))
            to[key] = [f"{draw(_AUDIENCE)}{index}" for index in range(size)]
    return to


@st.composite
def pushes(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    content: dict[str, Any] = {"alert": draw(ANY_TEXT)}
    if draw(st.booleans()):
        content["extras"] = draw(st.dictionaries(TEXT, TEXT | st.integers(), max_size=3))
    body: dict[str, Any] = {
        "platform": draw(
            st.sampled_from(["all", *PLATFORMS])
            | st.lists(st.sampled_from(PLATFORMS), min_size=1, max_size=3)
        ),
        kind: content,
    }
    for other in draw(st.lists(st.sampled_from([k for k in KINDS if k != kind]), max_size=2)):
        body[other] = {}  # an empty object counts as absent (the seeds send "message": {})
    options: dict[str, Any] = {}
    if draw(st.booleans()):
        options["time_to_live"] = draw(st.integers(0, 864000))
    if draw(st.booleans()):
        options["cid"] = draw(st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=64))
    if draw(st.booleans()):
        options["plan_id"] = FUZZ_PLAN
    if options:
        body["options"] = options
    push: dict[str, Any] = {"to": draw(audiences()), "body": body}
    for key in ("from", "request_id"):
        if draw(st.booleans()):
            push[key] = draw(TEXT)
    if draw(st.booleans()):
        push["custom_args"] = draw(st.dictionaries(TEXT, TEXT, max_size=3))
    return push


def push_breakings(push: dict[str, Any], prefix: str = "push") -> list[Case]:
    kind = next(k for k in KINDS if push["body"].get(k))
    to_key = next(iter(push["to"])) if isinstance(push["to"], dict) else None
    body = push["body"]

    def at(path: list[str | int], bad: Any, rule: str, field: str | None = None) -> Case:
        return broken(push, path, bad, field or dotted(prefix, *path), rule)

    cases = [
        *[Case(bad, prefix, "push not an object") for bad in ("hello", [], 5)],
        *[
            at(["to"], bad, "no audience", dotted(prefix, "to"))
            for bad in (DELETE, None, "", {}, [], "everyone", 5)
        ],
        at(["to"], {"tag": []}, "audience lists all empty", dotted(prefix, "to")),
        at(["to"], {"tag": "vip"}, "audience not a list", dotted(prefix, "to", "tag")),
        at(["to"], {"tag": ["vip", ""]}, "empty audience entry", dotted(prefix, "to", "tag")),
        at(["to"], {"alias": ["a", 5]}, "audience entry not a string", dotted(prefix, "to", "alias")),
        at(["to"], {"tag": [f"t{i}" for i in range(21)]}, "over 20 tags", dotted(prefix, "to", "tag")),
        at(
            ["to"],
            {"registration_id": [f"r{i}" for i in range(1001)]},
            "over 1000 ids",
            dotted(prefix, "to", "registration_id"),
        ),
        *[at(["body"], bad, "body not an object", dotted(prefix, "body")) for bad in (DELETE, None, "x")],
        *[
            at(["body", "platform"], bad, "bad platform", dotted(prefix, "body", "platform"))
            for bad in (DELETE, None, "", [], "windows", ["android", "windows"], 1)
        ],
        at(["body", kind], DELETE, "no content", dotted(prefix, "body")),
        at(["body", kind], {}, "empty content", dotted(prefix, "body")),
        at(
            ["body", next(k for k in KINDS if k != kind)], {"alert": "x"}, "two kinds", dotted(prefix, "body")
        ),
        at(["body", kind], "just text", "content not an object", dotted(prefix, "body", kind)),
        at(["body", "options"], "ttl=60", "options not an object", dotted(prefix, "body", "options")),
        *[
            at(
                ["body", "options"],
                {"plan_id": bad},
                "bad plan_id",
                dotted(prefix, "body", "options", "plan_id"),
            )
            for bad in ("", "_lead", "a-b", "x" * 51, "名字", 5)
        ],
        *[
            at(["body", "options"], {"cid": bad}, "bad cid", dotted(prefix, "body", "options", "cid"))
            for bad in ("", "a b", "x" * 65, "a/b", 5)
        ],
        at(["from"], 5, "from not a string"),
        at(["request_id"], 12345, "request_id not a string"),
        at(["custom_args"], ["a"], "custom_args not an object"),
        *[
            at(["custom_args"], {"when": bad}, rule, dotted(prefix, "custom_args", "when"))
            for rule, bad in NOT_JSON
        ],
        *[at(["body", kind, "alert"], bad, rule) for rule, bad in NOT_JSON[:3]],
        at(
            ["body", kind, "extras"],
            {7: "seven"},
            "a key that is no string",
            dotted(prefix, "body", kind, "extras", "7"),
        ),
    ]
    if to_key and isinstance(push["to"][to_key], list):
        cases.append(at(["to", to_key, 0], "", "empty audience entry", dotted(prefix, "to", to_key)))
    if body.get("options") is not None:
        cases.append(at(["body", "options", "time_to_live"], float("nan"), "NaN is not JSON"))
    return cases


# --- whole schedules --------------------------------------------------------------------------------


def schedule_bodies(
    kind: str | None = None, zone_type: int | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda name, trigger, push: {"name": name, "enabled": True, "trigger": trigger, "push": push},
        names,
        triggers(kind, zone_type),
        pushes(),
    )


def within(value: dict[str, Any], key: str, cases: list[Case]) -> list[Case]:
    """Cases about one part of ``value`` as cases about the whole."""
    return [dataclasses.replace(case, value=put(value, [key], case.value)) for case in cases]


def schedule_breakings(*, creating: bool) -> Callable[[dict[str, Any]], list[Case]]:
    """A whole schedule broken once: in a top-level part, its trigger or its push."""

    def breakings(body: dict[str, Any]) -> list[Case]:
        cases = [broken(body, ["name"], bad, "name", rule) for rule, bad in name_breakings(body["name"])]
        cases += [
            broken(body, [key], DELETE, key, f"{key} missing")
            for key in ("name", "enabled", "trigger", "push")
        ]
        cases += [
            broken(body, ["enabled"], bad, "enabled", "enabled not a bool") for bad in ("true", 1, None)
        ]
        if creating:
            cases.append(broken(body, ["enabled"], False, "enabled", "disabled at creation"))
        return (
            cases
            + within(body, "trigger", trigger_breakings(body["trigger"]))
            + within(body, "push", push_breakings(body["push"]))
        )

    return breakings


def switch_breakings(body: dict[str, Any]) -> list[Case]:
    """Updates the service refuses for what it holds: a kind or zone_type other than the current's."""
    kind = next(iter(body["trigger"]))
    zone = body["trigger"][kind]["zone_type"]
    other = put(body, ["trigger", kind, "zone_type"], 3 - zone)
    return [Case(other, f"trigger.{kind}.zone_type", "zone_type switched", by_service=True, reads_first=True)]


# --- push plans (seed 001) ----------------------------------------------------------------------

plan_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_]{0,49}", fullmatch=True)
PLAN_ID_BREAKINGS: list[tuple[str, Any]] = [
    ("empty", ""),
    ("leading underscore", "_push"),
    ("over 50 characters", "p" * 51),
    ("a hyphen", "push-1"),
    ("a space", "push 1"),
    ("a dot", "push.1"),
    ("a comma", "a,b"),
    ("Chinese", "推送计划"),
    ("a lone surrogate", "p\udce9"),
    *[("not a string", bad) for bad in NOT_TEXT if bad not in ("", None)],
]
# Seed 001: "Chinese, English, numbers, and common punctuation marks".
_DESCRIPTION_CHARS = st.sampled_from(
    string.ascii_letters + string.digits + " .,;:!?'\"()-_/&%+#@，。！？、（）"
) | st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
descriptions = st.one_of(
    st.text(_DESCRIPTION_CHARS, min_size=1, max_size=200).filter(str.strip),
    st.builds(
        lambda piece, times: piece * times,
        st.text(_DESCRIPTION_CHARS, min_size=1).filter(str.strip),
        st.integers(100, 1000),
    ),
)
DESCRIPTION_BREAKINGS: list[tuple[str, Any]] = [
    ("empty", ""),
    ("blank", "  "),
    ("a new line", "line\nbreak"),
    ("a tab", "a\tb"),
    ("a NUL", "a\x00b"),
    ("a lone surrogate", "caf\udce9"),
    *[("not a string", bad) for bad in NOT_TEXT if bad not in ("", None)],
]

plan_upserts = mixed(
    st.fixed_dictionaries({"plan_id": plan_ids, "plan_description": descriptions}),
    argument_breakings({"plan_id": PLAN_ID_BREAKINGS, "plan_description": DESCRIPTION_BREAKINGS}),
)
"""A push plan's upsert arguments, valid or broken once."""


def plan_description(hook: Any, plan_id: str) -> str:
    """The description the service holds for ``plan_id`` (read through the list, as users can)."""
    listed = hook.list_push_plans(page_size=100, search_description=plan_id)["push_plan_info"]
    return str({plan["push_id"]: plan["plan_description"] for plan in listed}[plan_id])


# --- paging and queries (seed 001, 003) -----------------------------------------------------------

PAGE_BREAKINGS: list[tuple[str, Any]] = [
    ("zero", 0),
    ("negative", -1),
    ("a string", "1"),
    ("a bool", True),
    ("a float", 1.5),
    ("None", None),
]
list_schedules_args = st.fixed_dictionaries({"page": st.integers(1, 100)})
list_schedules_breakings = argument_breakings({"page": PAGE_BREAKINGS})
list_plans_args = st.fixed_dictionaries(
    {"page_index": st.integers(1, 50), "page_size": st.integers(1, 100)},
    optional={"send_source": st.sampled_from([None, 0, 1]), "search_description": st.none() | TEXT},
)
list_plans_breakings = argument_breakings(
    {
        "page_index": PAGE_BREAKINGS,
        "page_size": [("zero", 0), ("over 100", 101), ("a string", "20"), ("a bool", True)],
        "send_source": [("2", 2), ("-1", -1), ("a string", "0"), ("a bool", True)],
        "search_description": [("not a string", 5), ("not a string", ["a"]), NOT_JSON[0]],
    }
)


@st.composite
def plan_msg_args(draw: st.DrawFn) -> dict[str, Any]:
    """Up to 100 plans, the start within the service's last 30 days, the end at most 31 days on."""
    today = site_now().date()
    start = today - dt.timedelta(days=draw(st.integers(1, 28)))
    end = start + dt.timedelta(days=draw(st.integers(0, 31)))
    ids = draw(st.lists(plan_ids, min_size=1, max_size=100, unique=True))
    return {
        "plan_ids": draw(st.sampled_from([ids, ",".join(ids)])),
        "start_date": draw(st.sampled_from([start, start.isoformat()])),
        "end_date": draw(st.sampled_from([end, end.isoformat()])),
    }


_BAD_DATES: list[tuple[str, Any]] = [
    ("missing", None),
    ("empty", ""),
    ("a datetime", dt.datetime(2031, 1, 2, tzinfo=dt.UTC)),
    ("unpadded", "2031-1-2"),
    ("30 February", "2031-02-30"),
    ("compact", "20310102"),
    ("with a time", "2031-01-02 00:00:00"),
    ("a number", 20310102),
]


def plan_msg_breakings(args: dict[str, Any]) -> list[Case]:
    listed = args["plan_ids"].split(",") if isinstance(args["plan_ids"], str) else args["plan_ids"]
    at = len(listed) // 2
    cases = argument_breakings({"start_date": _BAD_DATES, "end_date": _BAD_DATES})(args)
    cases += [
        broken(args, ["plan_ids"], bad, "plan_ids", rule)
        for rule, bad in [
            ("none", []),
            ("101 plans", [f"p{i}" for i in range(101)]),
            ("a number", 5),
            ("None", None),
        ]
    ]
    cases += [
        broken(args, ["plan_ids"], [*listed[:at], bad, *listed[at:]], f"plan_ids[{at}]", rule)
        for rule, bad in PLAN_ID_BREAKINGS
    ]
    cases.append(
        broken(args, ["plan_ids"], ",".join([*listed[:at], "", *listed[at:]]), f"plan_ids[{at}]", "empty id")
    )
    start = dt.date.fromisoformat(str(args["start_date"]))
    today = site_now().date()
    return [
        *cases,
        broken(
            args, ["end_date"], (start - dt.timedelta(days=1)).isoformat(), "end_date", "end before start"
        ),
        broken(args, ["end_date"], start + dt.timedelta(days=32), "end_date", "over 31 days"),
        Case(
            {**args, "start_date": today - dt.timedelta(days=40), "end_date": today - dt.timedelta(days=35)},
            "start_date",
            "over 30 days ago",
            by_service=True,
        ),
        Case(
            {**args, "start_date": today + dt.timedelta(days=2), "end_date": today + dt.timedelta(days=3)},
            "start_date",
            "in the future",
            by_service=True,
        ),
    ]


_MSG_ID = (
    st.integers(1, 10**12)
    | st.integers(1, 10**12).map(str)
    | TEXT.filter(lambda t: t.strip() and "," not in t)
)


@st.composite
def message_stats_args(draw: st.DrawFn) -> dict[str, Any]:
    ids = draw(st.lists(_MSG_ID, min_size=1, max_size=250))
    texts = [str(msg_id) for msg_id in ids]
    whole = all(isinstance(msg_id, int) or msg_id.strip() == msg_id for msg_id in ids)
    return {"msg_ids": ",".join(texts) if whole and draw(st.booleans()) else ids}


def message_stats_breakings(args: dict[str, Any]) -> list[Case]:
    listed = list(args["msg_ids"].split(",") if isinstance(args["msg_ids"], str) else args["msg_ids"])
    at = len(listed) // 2
    bads = [("empty", ""), ("blank", "  "), ("a comma", "1,2"), ("a bool", True), ("None", None), NOT_JSON[0]]
    cases = [
        broken(args, ["msg_ids"], [*listed[:at], bad, *listed[at:]], f"msg_ids[{at}]", rule)
        for rule, bad in bads
    ]
    return [*cases, broken(args, ["msg_ids"], 5, "msg_ids", "not a list")]
