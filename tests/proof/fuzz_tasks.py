"""Operator and sensor arguments with their verdicts, from the hook-level cases of ``fuzz_engagelab``.

A DAG author says when a schedule fires in one of three ways: the API's ``trigger`` dict,
``send_at`` (a single push, in any form a DAG has: the API's string, an aware datetime, ISO-8601
with an offset) or ``start``/``end``/``time``/``time_unit``/``point``. Each form is drawn here
with the trigger the service must then hold, and broken once; a refusal names the argument the
author wrote (``send_at``, ``point[1]``), never the API's path, unless the author wrote that path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from tests.proof import fuzz_engagelab as el
from tests.proof.fuzz_cases import Case, bad_moments, broken, mixed

ZONES = [ZoneInfo(name) for name in ("UTC", "Asia/Shanghai", "America/New_York", "Pacific/Kiritimati")]
OFFSET = "an offset, converted to the site's wall clock"
PERIODICAL_ARGS = ("start", "end", "time", "time_unit", "point", "zone_type")
ZONE_TYPE_BREAKINGS = [(rule, bad) for rule, bad in [("0", 0), ("3", 3), ("a string", "1"), ("a bool", True)]]


@dataclasses.dataclass(frozen=True)
class Spec:
    """Operator arguments (``args``) and the trigger the service must hold once they are sent."""

    args: dict[str, Any]
    trigger: dict[str, Any]


def _with_trigger_of(body: dict[str, Any]) -> Spec:
    trigger = body["trigger"]
    return Spec({"name": body["name"], "push": body["push"], "trigger": trigger}, trigger)


@st.composite
def _send_at_spec(draw: st.DrawFn) -> Spec:
    """``send_at`` in a DAG's forms: zone_type 1 times are instants (converted to the site's
    zone), zone_type 2 times are wall clocks (an aware value keeps the wall clock it shows)."""
    body = draw(el.schedule_bodies("single"))
    single = body["trigger"]["single"]
    wall = dt.datetime.strptime(single["time"], "%Y-%m-%d %H:%M:%S")
    zone = draw(st.sampled_from(ZONES))
    if single["zone_type"] == 1:
        aware = wall.replace(tzinfo=el.SITE_TZ).astimezone(zone)
    else:
        aware = wall.replace(tzinfo=zone)
    send_at = draw(st.sampled_from([single["time"], aware, aware.isoformat()]))
    args = {"name": body["name"], "push": body["push"], "send_at": send_at}
    if single["zone_type"] == 2 or draw(st.booleans()):
        args["zone_type"] = single["zone_type"]
    return Spec(args, body["trigger"])


def _periodical_args(periodical: dict[str, Any]) -> dict[str, Any]:
    return {key: periodical[key] for key in PERIODICAL_ARGS if key in periodical}


@st.composite
def _periodical_spec(draw: st.DrawFn) -> Spec:
    body = draw(el.schedule_bodies("periodical"))
    periodical = body["trigger"]["periodical"]
    held = {"periodical": {**periodical, "point": list(periodical.get("point") or [])}}
    return Spec({"name": body["name"], "push": body["push"], **_periodical_args(periodical)}, held)


specs = st.one_of(el.schedule_bodies().map(_with_trigger_of), _send_at_spec(), _periodical_spec())
"""Valid create-operator arguments, each with the trigger it makes."""


def spec_breakings(spec: Spec) -> list[Case]:
    """The arguments broken once: name, push, and the way of saying when (as the author wrote it)."""
    args = spec.args
    cases = [broken(args, ["name"], bad, "name", rule) for rule, bad in el.name_breakings(args["name"])]
    cases += el.within(args, "push", el.push_breakings(args["push"]))
    if "trigger" in args:
        return cases + [
            _as_spec(case, args["trigger"])
            for case in el.within(args, "trigger", _trigger_dict_breakings(args["trigger"]))
        ]
    cases.append(Case({"name": args["name"], "push": args["push"]}, "trigger", "no way of saying when"))
    cases.append(Case({**args, "trigger": spec.trigger}, "trigger", "two ways of saying when"))
    cases += [
        broken(args, ["zone_type"], bad, "zone_type", f"zone_type {rule}")
        for rule, bad in ZONE_TYPE_BREAKINGS
    ]
    if "send_at" in args:
        return cases + _send_at_breakings(args, spec.trigger)
    return cases + _periodical_breakings(args, spec.trigger)


def _trigger_dict_breakings(trigger: dict[str, Any]) -> list[Case]:
    """The hook's trigger cases, but a zone_type left out (or None) is the operator's ``zone_type``
    argument's (1 by default): that makes a valid trigger."""
    kind = next(iter(trigger))

    def as_operator_takes_it(case: Case) -> Case:
        body = case.value.get(kind) if isinstance(case.value, dict) and len(case.value) == 1 else None
        unzoned = isinstance(body, dict) and body.get("zone_type") is None
        if case.refused == f"trigger.{kind}.zone_type" and unzoned:
            return Case(case.value, rule="zone_type from the zone_type argument")
        if case.rule == "with an offset":  # +08:00, the site's: the same wall clock (zone_type 2 keeps it)
            return Case(case.value, rule=OFFSET)
        return case

    return [as_operator_takes_it(case) for case in el.trigger_breakings(trigger)]


def _as_spec(case: Case, unbroken: dict[str, Any]) -> Case:
    """A valid case made by breaking, with the trigger its arguments make (``unbroken``'s times)."""
    if not case.valid:
        return case
    if case.rule == OFFSET:
        return Case(Spec(case.value, unbroken), rule=case.rule)
    trigger = case.value["trigger"]
    kind = next(iter(trigger))
    return Case(Spec(case.value, {kind: {**trigger[kind], "zone_type": 1}}), rule=case.rule)


def _send_at_breakings(args: dict[str, Any], trigger: dict[str, Any]) -> list[Case]:
    wall = trigger["single"]["time"]
    cases = [broken(args, ["send_at"], bad, "send_at", rule) for rule, bad in bad_moments(wall)]
    return cases + [
        dataclasses.replace(case, value={**args, "send_at": case.value["single"]["time"]}, refused="send_at")
        for case in el.trigger_breakings(trigger)
        if case.rule in ("in the past", "over a year ahead")
    ]


def _periodical_breakings(args: dict[str, Any], trigger: dict[str, Any]) -> list[Case]:
    """The hook's breakings of the periodical's own keys, as arguments: ``trigger.periodical.X``
    is refused as ``X``, a periodical that never fires as all of its arguments."""
    cases = []
    for case in el.trigger_breakings(trigger):
        whole = case.value if isinstance(case.value, dict) else {}
        body = whole.get("periodical")
        if set(whole) != {"periodical"} or not isinstance(body, dict) or "offset" in case.rule:
            continue  # a trigger that is no periodical object is not made by these arguments
        field = (case.refused or "").removeprefix("trigger.periodical").removeprefix(".")
        if field == "zone_type" and "zone_type" not in body:
            continue  # the zone_type argument's default, 1, makes it valid
        rest = {key: value for key, value in args.items() if key not in PERIODICAL_ARGS}
        cases.append(
            dataclasses.replace(
                case,
                value={**rest, **_periodical_args(body)},
                refused=field or "start/end/time/time_unit/point",
            )
        )
    return cases


create_cases = mixed(specs, spec_breakings)
"""A create operator's cases: ``Case.value`` is a ``Spec`` when valid, its arguments when broken."""
