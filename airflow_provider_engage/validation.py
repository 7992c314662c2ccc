"""Every rule about what the services accept, checked before anything is sent.

The hooks call these functions so that bad input fails with a message naming the field and
nothing is half-sent; the emulator calls the same functions to answer as the real service would,
which is why each error carries the vendor's own code (``vendor_code``). Pure: no Airflow,
aiohttp or FastAPI; time rules live in :mod:`airflow_provider_engage.timing`.

Where a seed's prose and its own examples disagree, the examples win (they are what users copy):

* EngageLab schedule names are documented as "Chinese characters, letters, numbers, and
  underscores", yet every example name in the scheduled-task seeds has spaces
  (``"Timed Push Example_single"``), so a space is accepted too.
* PAI schedule names are documented as "letters, numbers, Chinese characters, and underscores",
  yet the seed's first example is ``"Growth-2021-0101"``, so a hyphen is accepted too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NoReturn, TypeGuard

from airflow_provider_engage import pai_spec, timing
from airflow_provider_engage.engagelab_spec import (
    PLAN_BAD_TYPE,
    PLAN_DESCRIPTION_ILLEGAL,
    PLAN_ID_EMPTY,
    PLAN_ID_ILLEGAL,
    PLAN_ID_MAX_CHARS,
    PLAN_ID_TOO_LONG,
    PLAN_IDS_PER_QUERY_MAX,
    PLAN_MSG_DATE_INVALID,
    PLAN_MSG_IDS_INVALID,
    PLAN_MSG_LOOKBACK_DAYS,
    PLAN_MSG_SPAN_MAX_DAYS,
    PLAN_MSG_SPAN_TOO_LONG,
    PLAN_PAGE_SIZE_MAX,
    PLAN_QUERY_INVALID,
    SCHEDULE_INVALID,
    SCHEDULE_NAME_MAX_BYTES,
    split_ids,
)
from airflow_provider_engage.input_errors import InvalidFieldError

__all__ = [
    "CheckedSchedule",
    "check_json",
    "check_pai_schedule",
    "check_plan_description",
    "check_plan_id",
    "check_plan_list_query",
    "check_plan_msg_query",
    "check_push",
    "check_schedule",
    "check_schedule_name",
    "check_text",
    "checked_schedule",
]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SCHEDULE_NAME = re.compile(f"[A-Za-z0-9_ {_CJK}]+")
_PAI_NAME = re.compile(f"[A-Za-z0-9_\\-{_CJK}]+")
_PLAN_ID = re.compile("[A-Za-z0-9][A-Za-z0-9_]*")
_CID = re.compile("[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile("[\x00-\x1f\x7f]")

PAI_NAME_CHARS = (2, 30)

# Audience keys of ``push.to`` whose value is a list, with the most entries one push may name.
_LIST_AUDIENCES = {
    "registration_id": 1000,
    "alias": 1000,
    "tag": 20,
    "tag_and": 20,
    "tag_not": 20,
}
_OTHER_AUDIENCES = ("live_activity_id", "seg")
PLATFORMS = ("android", "ios", "hmos")
PUSH_KINDS = ("notification", "message", "live_activity", "voip")

_Fail = Callable[[str, str], NoReturn]


def _fail(field: str, message: str, code: int | None) -> NoReturn:
    raise InvalidFieldError(field, message, vendor_code=code)


def _recoded(err: InvalidFieldError, code: int, field: str | None = None) -> InvalidFieldError:
    """The same complaint under another vendor code (timing answers with 28100 by default)."""
    return InvalidFieldError(field or err.field, err.message, vendor_code=code)


def _is_int(value: object) -> TypeGuard[int]:
    # bool is an int subclass; ``True`` as a page number is a mistake, not a 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _require_mapping(value: object, field: str, code: int | None) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(field, f"must be an object, got {type(value).__name__}", code)
    return value


def _is_blank(value: object) -> bool:
    """Absent for the services: None, "" and an empty object or list (the seeds send ``{}``)."""
    return value is None or (isinstance(value, str | Mapping | list | tuple) and len(value) == 0)


# --- what any request can carry -----------------------------------------------------------------


def check_text(value: object, field: str, code: int | None = None) -> None:
    """A string of Unicode text: a lone surrogate (``"\\udce9"``) cannot be sent as UTF-8."""
    if not isinstance(value, str):
        _fail(field, f"must be a string, got {type(value).__name__}", code)
    problem = _text_problem(value)
    if problem is not None:
        _fail(field, problem, code)


def check_json(value: object, field: str, code: int | None = None) -> None:
    """What a JSON body can carry (RFC 8259): text, finite numbers, true/false/null, lists, and
    objects with string keys; anything else is refused by its path, not turned into something."""
    problem = _json_problem(value)
    if problem is not None:
        _fail(field + problem[0], problem[1], code)


def _text_problem(value: str) -> str | None:
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        return f"is not Unicode text: a lone surrogate at position {err.start}"
    return None


def _json_problem(value: object) -> tuple[str, str] | None:
    """Where (the path below the value) and why ``value`` cannot be sent as JSON; None if it can.

    The path is written only for a refusal: every body the hooks send is checked, so the walk
    over a valid one stays cheap."""
    if isinstance(value, str):
        text = _text_problem(value)
        return None if text is None else ("", text)
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                return f".{key}", f"object keys must be strings, got {type(key).__name__} {key!r}"
            text = _text_problem(key)
            below = ("", text) if text is not None else _json_problem(item)
            if below is not None:
                return f".{key}{below[0]}", below[1]
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            below = _json_problem(item)
            if below is not None:
                return f"[{index}]{below[0]}", below[1]
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "", f"must be a finite number (JSON has no {value!r}), got {value!r}"
    if value is not None and not isinstance(value, bool | int | float):
        return "", f"cannot be sent as JSON: {type(value).__name__}"
    return None


# --- EngageLab scheduled tasks -------------------------------------------------------------------


def check_schedule(
    body: Mapping[str, Any],
    *,
    creating: bool,
    site_tz: str = timing.SITE_TZ_DEFAULT,
    now: datetime | None = None,
) -> None:
    """Check a whole schedule (create or PUT replace: both need every section).

    ``name`` accepts spaces besides the documented Chinese characters, letters, digits and
    underscores, because the seeds' own examples use them (see the module docstring). ``now``
    turns on the rules relative to the current time (not in the past, within a year); without it
    only the shape and formats are checked.
    """
    body = _require_mapping(body, "schedule", SCHEDULE_INVALID)
    for key in ("name", "enabled", "trigger", "push"):
        if key not in body or body[key] is None:
            _fail(key, "is required (a schedule is always sent whole)", SCHEDULE_INVALID)
    check_schedule_name(body["name"])
    enabled = body["enabled"]
    if not isinstance(enabled, bool):
        _fail("enabled", f"must be true or false, got {enabled!r}", SCHEDULE_INVALID)
    if creating and not enabled:
        _fail("enabled", "must be true when creating a schedule", SCHEDULE_INVALID)
    timing.validate_trigger(body["trigger"], site_tz=site_tz, now=now, field="trigger")
    check_push(body["push"])


@dataclass(frozen=True)
class CheckedSchedule:
    """A create body that passed :func:`check_schedule` for the site zone ``site_tz``.

    Made by :func:`checked_schedule` (or by stamping an idempotency key into one, which keeps it
    valid); ``EngageLabHook.create_schedule`` sends it without checking it again, so a create
    built and checked before the first request is checked once. Its holder does not change
    ``body`` after.
    """

    body: Mapping[str, Any]
    site_tz: str


def checked_schedule(body: Mapping[str, Any] | CheckedSchedule, *, site_tz: str) -> CheckedSchedule:
    """``body`` checked as a create (:func:`check_schedule`); one already checked for ``site_tz``
    passes as it is."""
    if isinstance(body, CheckedSchedule):
        if body.site_tz == site_tz:
            return body
        body = body.body
    check_schedule(body, creating=True, site_tz=site_tz)
    return CheckedSchedule(body, site_tz)


def trigger_zone_type(trigger: Mapping[str, Any]) -> object:
    """The zone_type of the one kind the trigger holds, as given; ``None`` when it holds none."""
    kind = timing.trigger_kind(trigger)
    body = trigger.get(kind) if kind else None
    return body.get("zone_type") if isinstance(body, Mapping) else None


def check_trigger_switch(current: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """An update keeps the schedule's trigger kind (single or periodical) and its zone_type.

    The service refuses a switch of either (28100); the way to one is delete and create. Only a
    kind or zone_type present on both sides is compared: a partial change keeps the current one.
    """
    old_kind, new_kind = timing.trigger_kind(current), timing.trigger_kind(new)
    if old_kind and new_kind and old_kind != new_kind:
        _fail(
            "trigger",
            f"cannot switch a {old_kind} schedule to {new_kind}: the service forbids it; "
            f"delete the schedule and create a new one",
            SCHEDULE_INVALID,
        )
    old_zone, new_zone = trigger_zone_type(current), trigger_zone_type(new)
    if old_zone is not None and new_zone is not None and old_zone != new_zone:
        _fail(
            f"trigger.{new_kind}.zone_type",
            f"cannot switch zone_type {old_zone} to {new_zone}: the service forbids it; "
            f"delete the schedule and create a new one",
            SCHEDULE_INVALID,
        )


def check_schedule_name(name: object) -> None:
    """A schedule name alone (an update may change just the name)."""
    if not isinstance(name, str) or not name.strip():
        _fail("name", "must be a non-empty string", SCHEDULE_INVALID)
    size = len(name.encode("utf-8"))
    if size > SCHEDULE_NAME_MAX_BYTES:
        _fail(
            "name", f"must be at most {SCHEDULE_NAME_MAX_BYTES} bytes in UTF-8, got {size}", SCHEDULE_INVALID
        )
    if not _SCHEDULE_NAME.fullmatch(name):
        _fail(
            "name",
            f"may hold only Chinese characters, letters, digits, underscores and spaces: {name!r}",
            SCHEDULE_INVALID,
        )


def check_push(push: Mapping[str, Any], *, field: str = "push") -> None:
    """Check the push a schedule sends: audience, platform, exactly one kind of content."""
    push = _require_mapping(push, field, SCHEDULE_INVALID)
    _check_audience(push.get("to"), f"{field}.to")
    body = _require_mapping(push.get("body"), f"{field}.body", SCHEDULE_INVALID)
    _check_platform(body.get("platform"), f"{field}.body.platform")
    _check_content(body, f"{field}.body")
    if body.get("options") is not None:
        _check_options(body["options"], f"{field}.body.options")
    for key in ("from", "request_id"):
        if push.get(key) is not None and not isinstance(push[key], str):
            _fail(f"{field}.{key}", "must be a string", SCHEDULE_INVALID)
    if push.get("custom_args") is not None:
        _require_mapping(push["custom_args"], f"{field}.custom_args", SCHEDULE_INVALID)
    check_json(push, field, SCHEDULE_INVALID)


def _check_audience(to: object, field: str) -> None:
    if to == "all":
        return
    if _is_blank(to):
        _fail(field, 'is required: "all" or an object naming the audience', SCHEDULE_INVALID)
    to = _require_mapping(to, field, SCHEDULE_INVALID)
    named = False
    for key, limit in _LIST_AUDIENCES.items():
        value = to.get(key)
        if _is_blank(value):
            continue
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
            _fail(f"{field}.{key}", "must be a list of non-empty strings", SCHEDULE_INVALID)
        if len(value) > limit:
            _fail(f"{field}.{key}", f"may name at most {limit} entries, got {len(value)}", SCHEDULE_INVALID)
        named = True
    named = named or any(not _is_blank(to.get(key)) for key in _OTHER_AUDIENCES)
    if not named:
        known = ", ".join([*_LIST_AUDIENCES, *_OTHER_AUDIENCES])
        _fail(field, f"must name an audience with at least one of: {known}", SCHEDULE_INVALID)


def _check_platform(platform: object, field: str) -> None:
    if platform == "all":
        return
    values = [platform] if isinstance(platform, str) else platform
    if not isinstance(values, list | tuple) or not values:
        _fail(field, f'is required: "all" or a list of {", ".join(PLATFORMS)}', SCHEDULE_INVALID)
    unknown = [v for v in values if v not in PLATFORMS]
    if unknown:
        _fail(field, f"unknown platform {unknown[0]!r}; expected {', '.join(PLATFORMS)}", SCHEDULE_INVALID)


def _check_content(body: Mapping[str, Any], field: str) -> None:
    present = [kind for kind in PUSH_KINDS if not _is_blank(body.get(kind))]
    if len(present) != 1:
        found = ", ".join(present) or "none"
        _fail(field, f"must carry exactly one of {', '.join(PUSH_KINDS)} (found: {found})", SCHEDULE_INVALID)
    _require_mapping(body[present[0]], f"{field}.{present[0]}", SCHEDULE_INVALID)


def _check_options(options: object, field: str) -> None:
    options = _require_mapping(options, field, SCHEDULE_INVALID)
    if "plan_id" in options:
        problem = _plan_id_problem(options["plan_id"])
        if problem:
            _fail(f"{field}.plan_id", problem[0], SCHEDULE_INVALID)
    if "cid" in options:
        cid = options["cid"]
        if not isinstance(cid, str) or not _CID.fullmatch(cid):
            _fail(f"{field}.cid", "must be 1 to 64 letters, digits, '_' or '-'", SCHEDULE_INVALID)


# --- EngageLab push plans ------------------------------------------------------------------------


def _plan_id_problem(plan_id: object) -> tuple[str, int] | None:
    if plan_id is None or plan_id == "":
        return "must not be empty", PLAN_ID_EMPTY
    if not isinstance(plan_id, str):
        return f"must be a string, got {type(plan_id).__name__}", PLAN_BAD_TYPE
    if len(plan_id) > PLAN_ID_MAX_CHARS:
        return f"must be at most {PLAN_ID_MAX_CHARS} characters, got {len(plan_id)}", PLAN_ID_TOO_LONG
    if not _PLAN_ID.fullmatch(plan_id):
        return (
            f"may hold only letters, digits and underscores and must not start with '_': {plan_id!r}",
            PLAN_ID_ILLEGAL,
        )
    return None


def check_plan_id(plan_id: object, *, field: str = "plan_id") -> None:
    """A push plan id: letters, digits, underscores, not starting with ``_``, at most 50."""
    problem = _plan_id_problem(plan_id)
    if problem:
        _fail(field, *problem)


def check_plan_description(description: object, *, field: str = "plan_description") -> None:
    """The seed sets no length limit; it must be text worth showing (non-empty, one line)."""
    if not isinstance(description, str):
        _fail(field, f"must be a string, got {type(description).__name__}", PLAN_BAD_TYPE)
    if not description.strip():
        _fail(field, "must not be empty", PLAN_DESCRIPTION_ILLEGAL)
    if _CONTROL.search(description):
        _fail(field, "must not hold control characters (tabs, new lines)", PLAN_DESCRIPTION_ILLEGAL)
    check_text(description, field, PLAN_DESCRIPTION_ILLEGAL)


def check_plan_list_query(
    page_index: object,
    page_size: object,
    send_source: object = None,
    search_description: object = None,
) -> None:
    """Paging of ``GET /v4/push_plan/list``: page_index >= 1, page_size 1..100, source 0 or 1."""
    if not _is_int(page_index) or page_index < 1:
        _fail("page_index", f"must be an integer >= 1, got {page_index!r}", PLAN_QUERY_INVALID)
    if not _is_int(page_size) or not 1 <= page_size <= PLAN_PAGE_SIZE_MAX:
        _fail(
            "page_size",
            f"must be an integer from 1 to {PLAN_PAGE_SIZE_MAX}, got {page_size!r}",
            PLAN_QUERY_INVALID,
        )
    if send_source is not None and (not _is_int(send_source) or send_source not in (0, 1)):
        _fail("send_source", f"must be 0 (API) or 1 (web console), got {send_source!r}", PLAN_QUERY_INVALID)
    if search_description is not None:
        check_text(search_description, "search_description", PLAN_QUERY_INVALID)


def check_plan_msg_query(
    plan_ids: Sequence[str],
    start_date: str | None,
    end_date: str | None,
    *,
    today: date | None = None,
) -> None:
    """``GET /v4/status/plan/msg/``: up to 100 plan ids, dates in order and at most 31 days apart.

    "Start within the last 30 days" depends on the service's today, so it is checked only when
    ``today`` is given (the emulator gives its own); the hooks leave it to the service, whose
    clock may differ from this machine's, as the emulator's does.
    """
    if isinstance(plan_ids, str) or not isinstance(plan_ids, Sequence):
        _fail("plan_ids", "must be a list of plan ids", PLAN_MSG_IDS_INVALID)
    if not plan_ids:
        _fail("plan_ids", "must name at least one plan", PLAN_MSG_IDS_INVALID)
    if len(plan_ids) > PLAN_IDS_PER_QUERY_MAX:
        _fail(
            "plan_ids",
            f"may name at most {PLAN_IDS_PER_QUERY_MAX} plans, got {len(plan_ids)}",
            PLAN_MSG_IDS_INVALID,
        )
    for index, plan_id in enumerate(plan_ids):
        problem = _plan_id_problem(plan_id)
        if problem:
            _fail(f"plan_ids[{index}]", problem[0], PLAN_MSG_IDS_INVALID)
    for value, name in ((start_date, "start_date"), (end_date, "end_date")):
        if value is None or value == "":
            _fail(name, "is required ('yyyy-MM-dd')", PLAN_MSG_IDS_INVALID)
    start = _api_date(start_date, "start_date")
    end = _api_date(end_date, "end_date")
    earliest = today - timedelta(days=PLAN_MSG_LOOKBACK_DAYS) if today else None
    if today is not None and earliest is not None and not earliest <= start <= today:
        _fail(
            "start_date",
            f"must be within the last {PLAN_MSG_LOOKBACK_DAYS} days ({earliest} to {today}), got {start}",
            PLAN_MSG_DATE_INVALID,
        )
    if end < start:
        _fail("end_date", f"must not be before start_date ({start}), got {end}", PLAN_MSG_DATE_INVALID)
    if (end - start).days > PLAN_MSG_SPAN_MAX_DAYS:
        _fail(
            "end_date",
            f"must be at most {PLAN_MSG_SPAN_MAX_DAYS} days after start_date, got {(end - start).days}",
            PLAN_MSG_SPAN_TOO_LONG,
        )


def plan_msg_query(
    plan_ids: str | Sequence[str], start_date: str | date, end_date: str | date
) -> tuple[list[str], str, str]:
    """A push-plan msg-ids query as the API takes it (ids listed, dates ``yyyy-MM-dd``), checked.

    ``plan_ids`` may be one comma-separated string; the dates ``date`` objects (a datetime is
    refused: which day it means depends on a zone).
    """
    if isinstance(plan_ids, str):
        ids = split_ids(plan_ids)
    elif isinstance(plan_ids, Iterable) and not isinstance(plan_ids, Mapping):
        ids = list(plan_ids)
    else:
        raise InvalidFieldError(
            "plan_ids", f"must be a list of plan ids or one comma-separated string, got {plan_ids!r}"
        )
    start, end = _date_text(start_date, "start_date"), _date_text(end_date, "end_date")
    check_plan_msg_query(ids, start, end)
    return ids, start, end


def _date_text(value: object, field: str) -> Any:
    if isinstance(value, datetime):
        raise InvalidFieldError(field, "give a date or 'yyyy-MM-dd', not a datetime")
    return value.isoformat() if isinstance(value, date) else value


def _api_date(text: object, field: str) -> date:
    if not isinstance(text, str):
        _fail(field, f"must be a string 'yyyy-MM-dd', got {type(text).__name__}", PLAN_MSG_DATE_INVALID)
    try:
        parsed: date = timing.parse_api_date(text, field=field)
        return parsed
    except InvalidFieldError as err:
        raise _recoded(err, PLAN_MSG_DATE_INVALID) from err


# --- PAI User Engagement -------------------------------------------------------------------------


def check_pai_schedule(fields: Mapping[str, Any], *, names: Mapping[str, str] | None = None) -> None:
    """Check CreateSchedule fields keyed by the API's PascalCase names.

    Field names as in :mod:`~airflow_provider_engage.pai_spec`.

    ``names`` maps an API name to the name the caller used (the hook passes its snake_case
    keywords) so the error names what the user typed. Times are strict ``yyyy-MM-dd HH:mm:ss``
    in UTC+8; an empty ExecuteTime means "now" and an empty PaymentType pay-as-you-go.
    """
    names = names or {}

    def fail(key: str, message: str) -> NoReturn:
        _fail(names.get(key, key), message, pai_spec.BAD_REQUEST)

    fields = _require_mapping(fields, "body", pai_spec.BAD_REQUEST)
    for key in fields:
        if key not in pai_spec.KEYWORDS:
            known = ", ".join(names.get(api, api) for api in pai_spec.KEYWORDS)
            fail(key, f"is not a CreateSchedule field; known: {known}")
    for keyword in pai_spec.REQUIRED_KEYWORDS:
        key = pai_spec.API_NAMES[keyword]
        if not isinstance(fields.get(key), str) or not fields[key].strip():
            fail(key, "is required and must be a non-empty string")
    name = fields["Name"]
    low, high = PAI_NAME_CHARS
    if not low <= len(name) <= high:
        fail("Name", f"must be {low} to {high} characters, got {len(name)}")
    if not _PAI_NAME.fullmatch(name):
        fail("Name", f"may hold only letters, digits, Chinese characters, '_' and '-': {name!r}")
    for keyword in (*pai_spec.REQUIRED_KEYWORDS, *pai_spec.TEXT_KEYWORDS):
        key = pai_spec.API_NAMES[keyword]
        if fields.get(key) is not None:
            try:
                check_text(fields[key], key)
            except InvalidFieldError as err:
                fail(key, err.message)
    _check_pai_times(fields, fail)
    _check_pai_repetition(fields, fail)
    payment = fields.get("PaymentType")
    if payment not in (None, "", *pai_spec.PAYMENT_TYPES):
        allowed = ", ".join(pai_spec.PAYMENT_TYPES)
        fail("PaymentType", f"must be one of {allowed} or empty (pay-as-you-go), got {payment!r}")


def _check_pai_times(fields: Mapping[str, Any], fail: _Fail) -> None:
    for keyword in pai_spec.TIME_KEYWORDS:
        key = pai_spec.API_NAMES[keyword]
        value = fields.get(key)
        if value is None or value == "":
            continue
        if key == "EndTime" and _is_int(value):
            try:  # one official SDK types EndTime as an integer: an epoch, sent untouched
                timing.epoch_instant(value, field=key)
            except InvalidFieldError as err:
                fail(key, err.message)
            continue
        if not isinstance(value, str):
            fail(key, f"must be a string 'yyyy-MM-dd HH:mm:ss' (UTC+8), got {type(value).__name__}")
        try:
            if key == "EndTime" and len(value) == len("yyyy-MM-dd"):
                timing.parse_api_date(value, field=key)
            else:
                timing.parse_api_datetime(value, timing.PAI_TZ, field=key)
        except InvalidFieldError as err:
            fail(key, err.message)


def _check_pai_repetition(fields: Mapping[str, Any], fail: _Fail) -> None:
    cycle = fields.get("RepeatCycle")
    if cycle is not None and (not _is_int(cycle) or cycle < 0):
        fail("RepeatCycle", f"must be an integer >= 0, got {cycle!r}")
    unit = fields.get("RepeatCycleUnit")
    if unit is not None and (not _is_int(unit) or unit not in set(pai_spec.RepeatCycleUnit)):
        fail("RepeatCycleUnit", f"must be 0 (never), 1 (hour), 2 (day), 3 (week) or 4 (month), got {unit!r}")
    if unit and not cycle:
        fail("RepeatCycle", "must be given, at least 1, when RepeatCycleUnit repeats (0 would never advance)")
    times = fields.get("RepeatTimes")
    if times is not None and (not _is_int(times) or times < pai_spec.REPEAT_FOREVER):
        fail("RepeatTimes", f"must be -1 (no end), 0 (no repetition) or a count N > 0, got {times!r}")
