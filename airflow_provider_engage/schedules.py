"""EngageLab schedule bodies built from what a DAG author has, before anything is sent.

The operators turn convenience arguments (``send_at``, ``start``/``end``/``time``...) and times
in any accepted form into the API's trigger dict, stamp every create with an idempotency key so
a retried task can find what an earlier try created, and merge partial updates into the complete
body the API's PUT demands. Pure (timing and the shared error only), so it is tested without
Airflow or HTTP.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from airflow_provider_engage import timing, validation
from airflow_provider_engage.input_errors import InvalidFieldError

IDEMPOTENCY_MARKER = "airflow_idempotency_key"
"""The ``custom_args`` key that carries the idempotency key when the user set ``request_id``."""

KEY_PREFIX = "af-"
SCHEDULE_PARTS = ("name", "enabled", "trigger", "push")
UPDATE_MODES = ("merge", "replace")

_PERIODICAL_ARGS = ("start", "end", "time", "time_unit")


def task_idempotency_key(dag_id: str, task_id: str, run: str, map_index: int | None = -1) -> str:
    """A stable key for one task of one run (and one mapped index): the same on every retry.

    ``run`` names the run: its logical date (ISO-8601, UTC) when it has one, else its run id.
    """
    return _digest(f"{dag_id}\x1f{task_id}\x1f{run}\x1f{-1 if map_index is None else map_index}")


def item_idempotency_keys(base_key: str, items: list[Mapping[str, Any]]) -> list[str]:
    """One key per bulk item, from its content rather than its position.

    An upstream task that returns the same items in another order on a retry must still map each
    item to the schedule an earlier try created for it; identical items are told apart by how
    many identical ones came before them.
    """
    seen: dict[str, int] = {}
    keys = []
    for item in items:
        content = json.dumps(item, sort_keys=True, default=str, ensure_ascii=False)
        count = seen.get(content, 0)
        seen[content] = count + 1
        keys.append(_digest(f"{base_key}\x1f{content}\x1f{count}"))
    return keys


def _digest(text: str) -> str:
    return KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


def stamp_idempotency_key(body: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A copy of ``body`` carrying ``key`` where the service keeps it and echoes it back.

    ``push.request_id`` is the natural place; when the author set their own request id, the key
    goes into ``push.custom_args`` instead so their id is left as it is. Only what changes is
    copied (the body, its push and custom_args); ``body`` itself is left as it was.
    """
    stamped = dict(body)
    push = stamped.get("push")
    if not isinstance(push, dict):
        return stamped
    push = stamped["push"] = dict(push)
    if push.get("request_id") in (None, "", key):
        push["request_id"] = key
    else:
        custom_args = push.get("custom_args", {})
        if isinstance(custom_args, dict):
            push["custom_args"] = {**custom_args, IDEMPOTENCY_MARKER: key}
    return stamped


def stamped(schedule: validation.CheckedSchedule, key: str) -> validation.CheckedSchedule:
    """A checked create body carrying ``key`` (:func:`stamp_idempotency_key`), still checked: the
    key is a string where the service takes one, and nothing else changes."""
    if not isinstance(key, str) or not key:
        raise InvalidFieldError("idempotency_key", f"must be a non-empty string, got {key!r}")
    return validation.CheckedSchedule(stamp_idempotency_key(schedule.body, key), schedule.site_tz)


def idempotency_keys_of(schedule: Mapping[str, Any]) -> set[str]:
    """Where an earlier try may have stamped its key: ``custom_args`` marker and ``request_id``.

    Both are returned, whatever their form, so a key the DAG author chose matches as well as a
    derived one; the caller looks for its own key among them.
    """
    push = schedule.get("push")
    if not isinstance(push, Mapping):
        return set()
    custom_args = push.get("custom_args")
    candidates = [push.get("request_id")]
    if isinstance(custom_args, Mapping):
        candidates.append(custom_args.get(IDEMPOTENCY_MARKER))
    return {candidate for candidate in candidates if isinstance(candidate, str) and candidate}


def build_trigger(
    *,
    trigger: Mapping[str, Any] | None = None,
    send_at: dt.datetime | str | None = None,
    start: dt.datetime | str | None = None,
    end: dt.datetime | str | None = None,
    time: dt.time | str | None = None,
    time_unit: str | None = None,
    point: list[str] | None = None,
    zone_type: int = timing.ZONE_TYPE_SITE,
    site_tz: str = timing.SITE_TZ_DEFAULT,
) -> dict[str, Any]:
    """The API trigger dict from exactly one way of saying when.

    Times in zone_type 1 are converted to the site's wall clock; zone_type 2 times are device
    wall clocks, so an aware value keeps the wall clock it shows (see ``timing.format_wall_clock``).
    """
    periodical_given = [
        name for name, value in zip(_PERIODICAL_ARGS, (start, end, time, time_unit), strict=True) if value
    ]
    ways = [name for name, given in (("trigger", trigger), ("send_at", send_at)) if given is not None]
    if periodical_given or point:
        ways.append("start/end/time/time_unit")
    if len(ways) != 1:
        found = ", ".join(ways) if ways else "none of them"
        raise InvalidFieldError(
            "trigger", f"give exactly one of trigger, send_at or start/end/time/time_unit; got {found}"
        )
    if trigger is not None:
        return normalise_trigger(trigger, zone_type=zone_type, site_tz=site_tz)
    if send_at is not None:
        return normalise_trigger({"single": {"time": send_at}}, zone_type=zone_type, site_tz=site_tz)
    missing = [name for name in _PERIODICAL_ARGS if name not in periodical_given]
    if missing:
        raise InvalidFieldError(
            missing[0], "is required for a periodical schedule (with start, end, time, time_unit)"
        )
    periodical = {
        "start": start,
        "end": end,
        "time": time,
        "time_unit": time_unit,
        "point": list(point or []),
    }
    return normalise_trigger({"periodical": periodical}, zone_type=zone_type, site_tz=site_tz)


def field_as_written(field: str, spec: Mapping[str, Any]) -> str:
    """The argument a DAG author wrote, for a field the trigger rules name by the API's path.

    ``spec`` holds the create operator's arguments (or one bulk item). ``send_at`` and
    ``start``/``end``/``time``/``time_unit``/``point`` become a trigger dict before they are
    checked, so ``trigger.single.time`` is ``send_at`` and ``trigger.periodical.point[1]`` is
    ``point[1]``; a ``zone_type`` the trigger got from the argument of that name is ``zone_type``.
    A trigger dict the author wrote keeps its own paths.
    """
    kind, _, rest = field.removeprefix("trigger.").partition(".")
    if not field.startswith("trigger.") or kind not in timing.TRIGGER_KINDS:
        return field
    key = rest.partition("[")[0]
    trigger = spec.get("trigger")
    if trigger is not None:
        body = trigger.get(kind) if isinstance(trigger, Mapping) else None
        filled = key == "zone_type" and isinstance(body, Mapping) and body.get("zone_type") is None
        return "zone_type" if filled else field
    if key == "zone_type":
        return "zone_type"
    if kind == "single":
        return "send_at" if key in ("", "time") else field
    if key in (*_PERIODICAL_ARGS, "point"):
        return rest
    return "start/end/time/time_unit/point" if not rest else field


@contextmanager
def fields_as_written(spec: Mapping[str, Any]) -> Iterator[None]:
    """Re-raise a refusal of the trigger under the argument the author wrote (:func:`field_as_written`)."""
    try:
        yield
    except InvalidFieldError as err:
        field = field_as_written(err.field, spec)
        if field == err.field:
            raise
        raise type(err)(field, err.message, vendor_code=err.vendor_code) from err


def normalise_trigger(
    trigger: Mapping[str, Any], *, zone_type: int | None = None, site_tz: str = timing.SITE_TZ_DEFAULT
) -> dict[str, Any]:
    """A copy of an API trigger dict with every time in the API's form.

    ``zone_type`` fills in a trigger that lacks one; the trigger's own value wins otherwise.
    Anything that is not a time is left for :func:`timing.validate_trigger` to judge.
    """
    if not isinstance(trigger, Mapping):
        raise InvalidFieldError("trigger", f"must be an object, got {type(trigger).__name__}")
    if len(trigger) > 1 and timing.trigger_kind(trigger) is None:
        # Both kinds: say so, rather than that one kind's body does not read as the other's.
        raise InvalidFieldError("trigger", "must hold exactly one of 'single' and 'periodical'")
    result = copy.deepcopy(dict(trigger))
    for kind, body in result.items():
        if kind not in timing.TRIGGER_KINDS or not isinstance(body, dict):
            continue
        if body.get("zone_type") is None and zone_type is not None:
            body["zone_type"] = zone_type
        path = f"trigger.{kind}"
        keys = ("time",) if kind == "single" else ("start", "end")
        for key in keys:
            if body.get(key) is not None:
                body[key] = _api_datetime(body[key], body.get("zone_type"), site_tz, f"{path}.{key}")
        if kind == "periodical" and isinstance(body.get("time"), dt.time):
            body["time"] = body["time"].strftime("%H:%M:%S")
    return result


def _api_datetime(value: Any, zone_type: object, site_tz: str, field: str) -> str:
    if zone_type == timing.ZONE_TYPE_DEVICE:
        return timing.format_wall_clock(value, field=field)
    return timing.format_api_datetime(value, site_tz, field=field)


def deep_merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied: objects merge key by key, ``None`` removes a key,
    anything else (lists included) replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def check_update(changes: Mapping[str, Any], *, mode: str) -> None:
    """Refuse, before the current schedule is even read, an update that cannot be right.

    Whatever the current schedule holds: the mode, which parts are given, the new name, the
    type of ``enabled``, the shape of ``push`` (in replace mode all of it) and ``trigger`` and the
    form of every time in it.
    What depends on the current schedule (switching kinds, the merged whole) is checked later.
    """
    if mode not in UPDATE_MODES:
        raise InvalidFieldError("mode", f"must be 'merge' or 'replace', got {mode!r}")
    given = [part for part in SCHEDULE_PARTS if changes.get(part) is not None]
    if not given:
        raise InvalidFieldError(
            "name", "nothing to update: give at least one of name, enabled, trigger, push"
        )
    missing = [part for part in SCHEDULE_PARTS if part not in given]
    if mode == "replace" and missing:
        raise InvalidFieldError(
            missing[0],
            f"mode='replace' sends a complete schedule, so name, enabled, trigger and push are all "
            f"required; missing: {', '.join(missing)}",
        )
    if "name" in given:
        validation.check_schedule_name(changes["name"])
    if "enabled" in given and not isinstance(changes["enabled"], bool):
        raise InvalidFieldError("enabled", f"must be true or false, got {changes['enabled']!r}")
    if "push" in given and not isinstance(changes["push"], Mapping):
        raise InvalidFieldError("push", f"must be an object, got {type(changes['push']).__name__}")
    if mode == "replace":
        validation.check_push(changes["push"])  # sent as it is: nothing of the current's is merged in
    if "trigger" in given:
        _check_trigger_forms(changes["trigger"])


def _check_trigger_forms(trigger: object) -> None:
    """The shape of a (partial) trigger, its zone_type and the form of each time in it."""
    if not isinstance(trigger, Mapping):
        raise InvalidFieldError("trigger", f"must be an object, got {type(trigger).__name__}")
    kind = timing.trigger_kind(trigger)
    if kind is None:
        raise InvalidFieldError("trigger", "must hold exactly one of 'single' and 'periodical'")
    body = trigger[kind]
    if not isinstance(body, Mapping):
        raise InvalidFieldError(f"trigger.{kind}", f"must be an object, got {type(body).__name__}")
    zone_type = body.get("zone_type")  # None: the current schedule's is kept
    valid_zone = type(zone_type) is int and zone_type in (timing.ZONE_TYPE_SITE, timing.ZONE_TYPE_DEVICE)
    if zone_type is not None and not valid_zone:
        raise InvalidFieldError(
            f"trigger.{kind}.zone_type", f"must be 1 (site zone) or 2 (device zone), got {zone_type!r}"
        )
    for key in ("time",) if kind == "single" else ("start", "end"):
        if body.get(key) is not None:
            # The device form accepts exactly what the site form does; it converts nothing.
            timing.format_wall_clock(body[key], field=f"trigger.{kind}.{key}")
    if kind == "periodical" and isinstance(body.get("time"), str):
        timing.parse_api_time(body["time"], field="trigger.periodical.time")


def updated_schedule(
    current: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    mode: str,
    site_tz: str = timing.SITE_TZ_DEFAULT,
) -> dict[str, Any]:
    """The complete body to PUT: ``changes`` merged into (or replacing) ``current``.

    Refuses what the service forbids, naming the field: switching single <-> periodical or
    zone_type 1 <-> 2. In ``replace`` mode every part must be given.
    """
    check_update(changes, mode=mode)
    body = {part: copy.deepcopy(current.get(part)) for part in SCHEDULE_PARTS}
    current_trigger = body["trigger"] if isinstance(body["trigger"], Mapping) else {}
    zone_type = validation.trigger_zone_type(current_trigger)
    for part in SCHEDULE_PARTS:
        value = changes.get(part)
        if value is None:
            continue
        if part == "trigger":
            value = normalise_trigger(
                value, zone_type=zone_type if isinstance(zone_type, int) else None, site_tz=site_tz
            )
            validation.check_trigger_switch(current_trigger, value)
        existing = body[part]
        if mode == "merge" and isinstance(value, Mapping) and isinstance(existing, Mapping):
            merged = deep_merge(existing, value)
            if part == "push" and value.get("to") is not None:
                # An audience is one choice, not keys to combine: merging {"tag": [...]} into
                # {"registration_id": [...]} would reach people the author did not name.
                merged["to"] = copy.deepcopy(value["to"])
            body[part] = merged
        else:
            body[part] = copy.deepcopy(value)
    return body


def occurrences_for_xcom(
    trigger: Mapping[str, Any], *, site_tz: str, after: dt.datetime, limit: int
) -> list[dict[str, str]]:
    """The next occurrences as plain JSON (wall clock as the API writes it, instants as UTC ISO)."""
    occurrences = timing.occurrences(trigger, site_tz=site_tz, after=after, limit=limit)
    return [occurrence.as_json() for occurrence in occurrences]
