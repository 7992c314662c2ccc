"""Bad input fuzz, operators and sensors: every argument, valid and invalid, against the emulator.

Each operator is built as a DAG file builds it and run with ``execute()``; each sensor is built
and looks once (``poke()``: a wait would only repeat the look). The property is ``fuzz_harness``'s
for tasks: a valid input does what it says (read back from the emulator), an invalid one fails
the task with ``AirflowFailException`` caused by ``InvalidFieldError`` naming the argument (or
raises it as the DAG file is parsed), and nothing is sent. Figures: ``fuzz_inputs_tasks``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementHook
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.operators.engagelab import (
    EngageLabCreateScheduleOperator,
    EngageLabCreateSchedulesOperator,
    EngageLabDeleteScheduleOperator,
    EngageLabMessageStatsOperator,
    EngageLabUpdateScheduleOperator,
    EngageLabUpsertPushPlanOperator,
)
from airflow_provider_engage.operators.pai import (
    PaiCreateScheduleOperator,
    PaiDeleteScheduleOperator,
    PaiMessageMetricsOperator,
)
from airflow_provider_engage.sensors.engagelab import (
    EngageLabPushPlanMessagesSensor,
    EngageLabScheduleFiredSensor,
)
from airflow_provider_engage.sensors.pai import PaiScheduleSensor
from tests.proof import fuzz_engagelab as el
from tests.proof import fuzz_pai as pai
from tests.proof import fuzz_tasks as ft
from tests.proof.fuzz_cases import (
    BAD_IDS,
    Case,
    argument_breakings,
    bad_moments,
    broken,
    mixed,
    put,
    schedule_ids,
)
from tests.proof.fuzz_harness import PAI_GATEWAY_CONN, Fuzzing, as_json, examples

CAMPAIGN = "fuzz_inputs_tasks"
COUNTS = [("zero", 0), ("negative", -1), ("a string", "1"), ("a bool", True), ("a float", 1.5)]
"""Not a whole number of at least one (``min_messages``, ``max_workers``)."""
ids = mixed(schedule_ids, lambda _: [Case(bad, "schedule_id", rule) for rule, bad in BAD_IDS])


def run(operator_class: type, **kwargs: Any) -> Any:
    """Build the task as a DAG file would (a refusal then is raised as it is), then run it as a
    worker does (no DAG run: no XCom); a refusal from ``execute`` must fail the task at once."""
    task = operator_class(task_id="fuzzed", **kwargs)
    try:
        return task.execute({})
    except InvalidFieldError as err:
        raise AssertionError(f"execute raised {err!r} bare: the task would be retried") from err


def look(sensor_class: type, **kwargs: Any) -> bool:
    """Build the sensor, then look once."""
    return bool(sensor_class(task_id="fuzzed", **kwargs).poke({}))


def held_as_given(stored: dict[str, Any], args: dict[str, Any], trigger: dict[str, Any]) -> None:
    assert stored["name"] == args["name"]
    assert stored["trigger"] == as_json(trigger)
    assert {key: stored["push"][key] for key in ("to", "body")} == as_json(
        {key: args["push"][key] for key in ("to", "body")}
    )


# --- EngageLab operators -------------------------------------------------------------------------


def test_create_schedule_operator(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    el_hook = EngageLabHook()
    el_hook.upsert_push_plan(el.FUZZ_PLAN, "Fuzz campaign plan")

    @examples(proof_size(100, 2000))
    @given(case=ft.create_cases)
    def create(case: Case) -> None:
        args = case.value.args if case.valid else case.value
        surface = "EngageLabCreateScheduleOperator"
        schedule_id = fuzz.attempt(
            surface, case, lambda: run(EngageLabCreateScheduleOperator, **args), task=True
        )
        if schedule_id is not None:
            held_as_given(el_hook.get_schedule(schedule_id), args, case.value.trigger)
            el_hook.delete_schedule(schedule_id)

    create()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabCreateScheduleOperator")


@st.composite
def bulk_cases(draw: st.DrawFn) -> Case:
    """One to three items; broken in one item (named ``schedules[i].<argument>``) or as a whole."""
    items = draw(st.lists(ft.specs, min_size=1, max_size=3))
    kwargs = {"schedules": [spec.args for spec in items]}
    if not draw(st.booleans()):
        return Case(items)
    at = draw(st.integers(0, len(items) - 1))
    whole = [
        broken(kwargs, ["schedules"], bad, "schedules", rule)
        for rule, bad in [("a string", "schedules"), ("a dict", {"name": "x"}), ("a number", 5)]
    ]
    whole += [broken(kwargs, ["schedules", at], "item", f"schedules[{at}]", "an item not an object")]
    whole += argument_breakings({"max_workers": COUNTS, "requests_per_second": COUNTS[:4]})(kwargs)
    if len(items) > 1:
        twice = [{**args, "idempotency_key": "fuzz_key"} for args in kwargs["schedules"]]
        whole.append(Case({"schedules": twice}, "schedules[1].idempotency_key", "a key used twice"))
    one = [
        case
        if case.valid
        else Case(put(kwargs, ["schedules", at], case.value), f"schedules[{at}].{case.refused}", case.rule)
        for case in ft.spec_breakings(items[at])
    ]
    chosen = draw(st.sampled_from(whole + one))
    if chosen.valid:
        return Case([*items[:at], chosen.value, *items[at + 1 :]], rule=chosen.rule)
    return chosen


def test_create_schedules_operator(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    el_hook = EngageLabHook()
    el_hook.upsert_push_plan(el.FUZZ_PLAN, "Fuzz campaign plan")

    @examples(proof_size(40, 600))
    @given(case=bulk_cases())
    def create(case: Case) -> None:
        kwargs = {"schedules": [spec.args for spec in case.value]} if case.valid else case.value
        surface = "EngageLabCreateSchedulesOperator"
        created = fuzz.attempt(
            surface, case, lambda: run(EngageLabCreateSchedulesOperator, **kwargs), task=True
        )
        if created is not None:
            assert len(created) == len(case.value)
            for schedule_id, spec in zip(created, case.value, strict=True):
                held_as_given(el_hook.get_schedule(schedule_id), spec.args, spec.trigger)
                el_hook.delete_schedule(schedule_id)

    create()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabCreateSchedulesOperator")


@st.composite
def update_cases(draw: st.DrawFn) -> tuple[dict[str, Any], Case]:
    """A schedule to change and a change: a complete replacement of the same kind and zone_type,
    or (merge) a new name or a pause; broken once, the schedule id or the mode too."""
    kind, zone = draw(st.sampled_from(("single", "periodical"))), draw(st.sampled_from([1, 2]))
    current = draw(el.schedule_bodies(kind, zone))
    replacement = draw(el.schedule_bodies(kind, zone))

    def breakings(args: dict[str, Any]) -> list[Case]:
        if args["mode"] == "merge":
            return [
                broken(args, ["name"], bad, "name", rule) for rule, bad in el.name_breakings(args["name"])
            ]
        body = {key: value for key, value in args.items() if key != "mode"}
        cases = el.schedule_breakings(creating=False)(body) + el.switch_breakings(body)
        # A time with an offset is the hook's refusal but the operators' accepted form (read as that
        # offset's wall clock, stored without it): the create operator's cases cover it.
        return [
            Case({**case.value, "mode": "replace"}, case.refused, case.rule, reads_first=case.reads_first)
            for case in cases
            if case.rule != "with an offset"
        ]

    change = draw(
        st.sampled_from([{"mode": "replace", **replacement}, {"mode": "merge", "name": replacement["name"]}])
    )
    case = draw(mixed(st.just(change), breakings))
    shared = [("mode", bad) for bad in ("patch", "", None, "MERGE")]
    if draw(st.integers(0, 5)) == 0:
        case = draw(
            st.sampled_from([broken(change, ["mode"], bad, "mode", "unknown mode") for _, bad in shared])
        )
    return current, case


def test_update_schedule_operator(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    el_hook = EngageLabHook()
    el_hook.upsert_push_plan(el.FUZZ_PLAN, "Fuzz campaign plan")

    @examples(proof_size(50, 800))
    @given(drawn=update_cases(), bad_id=st.none() | st.sampled_from(BAD_IDS))
    def update(drawn: tuple[dict[str, Any], Case], bad_id: tuple[str, Any] | None) -> None:
        current, case = drawn
        schedule_id = el_hook.create_schedule(current)["schedule_id"]
        target = schedule_id
        if bad_id is not None and case.valid:
            case, target = Case(case.value, "schedule_id", bad_id[0]), bad_id[1]
        surface = "EngageLabUpdateScheduleOperator"
        call = lambda: run(EngageLabUpdateScheduleOperator, schedule_id=target, **case.value)  # noqa: E731
        done = fuzz.attempt(surface, case, call, task=True)
        if done is not None:
            stored = el_hook.get_schedule(schedule_id)
            changed = {key: value for key, value in case.value.items() if key != "mode"}
            assert {key: stored[key] for key in changed} == as_json(changed)
        el_hook.delete_schedule(schedule_id)

    update()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabUpdateScheduleOperator")


DELETES = {
    "EngageLabDeleteScheduleOperator": EngageLabDeleteScheduleOperator,
    "PaiDeleteScheduleOperator": PaiDeleteScheduleOperator,
}


def test_delete_operators(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    """Any non-blank id is sent (path-encoded); none is held, and ``missing_ok`` makes that success."""

    @examples(proof_size(40, 600))
    @given(case=ids, surface=st.sampled_from(sorted(DELETES)))
    def delete(case: Case, surface: str) -> None:
        call = lambda: run(DELETES[surface], schedule_id=case.value)  # noqa: E731
        fuzz.attempt(surface, case, call, task=True, missing_ok=True)

    delete()
    fuzz.record(proof_figures, CAMPAIGN, *sorted(DELETES))


def test_upsert_push_plan_operator(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    el_hook = EngageLabHook()

    @examples(proof_size(40, 600))
    @given(case=el.plan_upserts)
    def upsert(case: Case) -> None:
        fuzz.control.reset()  # the app holds at most 1000 plans
        surface = "EngageLabUpsertPushPlanOperator"
        plan_id = fuzz.attempt(
            surface, case, lambda: run(EngageLabUpsertPushPlanOperator, **case.value), task=True
        )
        if plan_id is not None:
            assert plan_id == case.value["plan_id"]
            assert el.plan_description(el_hook, plan_id) == case.value["plan_description"]

    upsert()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabUpsertPushPlanOperator")


# --- PAI operator ----------------------------------------------------------------------------------


def pai_operator_breakings(fields: dict[str, Any]) -> list[Case]:
    """The hook's cases (a missing or unknown keyword is Python's to refuse), and ``preview_count``."""
    cases = [
        case
        for case in pai.create_breakings(fields)
        if case.refused != "unknown_field" and case.rule != "missing"
    ]
    return cases + argument_breakings({"preview_count": COUNTS[1:4]})(fields)


def test_pai_create_schedule_operator(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    roa = PaiEngagementHook()

    @examples(proof_size(80, 1500))
    @given(case=mixed(pai.create_fields(), pai_operator_breakings), style=st.sampled_from(["roa", "gateway"]))
    def create(case: Case, style: str) -> None:
        fuzz.control.reset()  # else a plan of an earlier example, of the same Name, is re-attached to
        conn = {"pai_engagement_conn_id": PAI_GATEWAY_CONN} if style == "gateway" else {}
        surface = f"PaiCreateScheduleOperator ({style})"
        plan_id = fuzz.attempt(
            surface, case, lambda: run(PaiCreateScheduleOperator, **conn, **case.value), task=True
        )
        if plan_id is not None and style == "roa":
            expected = pai.expected_api_fields(case.value)
            if expected.get("ExecuteTime") == "":
                del expected["ExecuteTime"]  # "" means now: the service fills it in
            stored = roa.get_schedule(plan_id)
            assert {key: stored[key] for key in expected} == as_json(expected)
            roa.delete_schedule(plan_id)

    create()
    fuzz.record(
        proof_figures, CAMPAIGN, "PaiCreateScheduleOperator (roa)", "PaiCreateScheduleOperator (gateway)"
    )


# --- statistics operators ------------------------------------------------------------------------

FORMAT_BREAKINGS = [
    ("unknown", "json"),
    ("other case", "CSV"),
    ("empty", ""),
    ("None", None),
    ("a number", 5),
]
DESTINATION_BREAKINGS = [("empty", ""), ("blank", "  "), ("a number", 5)]


def output_args(destination: str) -> st.SearchStrategy[dict[str, Any]]:
    """Where a statistics task writes (nowhere, or a local file) and in which format."""
    return st.fixed_dictionaries(
        {}, optional={"destination": st.just(destination), "format": st.sampled_from(["jsonl", "csv"])}
    )


OUTPUT_BREAKINGS = {"format": FORMAT_BREAKINGS, "destination": DESTINATION_BREAKINGS}


def test_message_stats_operator(fuzz: Fuzzing, proof_size, proof_figures, tmp_path) -> None:
    """Message ids in a DAG's forms (a list, one comma-separated string); none has fired, so no rows."""
    inputs = st.builds(
        lambda ids, output, rate: {**ids, **output, **rate},
        el.message_stats_args(),
        output_args(f"file://{tmp_path}/stats.jsonl"),
        st.fixed_dictionaries({}, optional={"requests_per_second": st.integers(1, 500)}),
    )
    table = {**OUTPUT_BREAKINGS, "requests_per_second": COUNTS[:4]}

    def breakings(args: dict[str, Any]) -> list[Case]:
        # One id alone (5) is read as that id, as a rendered template of one would be.
        ids = [case for case in el.message_stats_breakings(args) if case.rule != "not a list"]
        return ids + argument_breakings(table)(args)

    @examples(proof_size(30, 500))
    @given(case=mixed(inputs, breakings))
    def stats(case: Case) -> None:
        surface = "EngageLabMessageStatsOperator"
        call = lambda: run(EngageLabMessageStatsOperator, **case.value)  # noqa: E731
        rows = fuzz.attempt(surface, case, call, task=True)
        assert rows in (None, [])

    stats()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabMessageStatsOperator")


@st.composite
def metrics_args(draw: st.DrawFn, destination: str) -> dict[str, Any]:
    """A plan and a range of days in a day's forms (the operator takes no datetime: see its docs)."""
    first = draw(pai.days)
    last = first + dt.timedelta(days=draw(st.integers(0, 60)))
    day = st.sampled_from([lambda d: d, dt.date.isoformat, lambda d: d.strftime("%Y%m%d")])
    args = {
        "schedule_id": draw(schedule_ids),
        "start_date": draw(day)(first),
        "end_date": draw(day)(last),
        **draw(output_args(destination)),
    }
    return {**args, **draw(st.fixed_dictionaries({}, optional={"page_size": st.integers(1, 100)}))}


def metrics_breakings(args: dict[str, Any]) -> list[Case]:
    aware = [("an aware datetime", dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC))]
    table = {
        **OUTPUT_BREAKINGS,
        "schedule_id": [("empty", ""), ("None", None), ("a number", 5), ("a list", ["p"])],
        "start_date": pai.BAD_DAYS + aware,
        "end_date": pai.BAD_DAYS + aware,
        "page_size": [("zero", 0), ("101", 101), ("a string", "10"), ("a bool", True)],
    }
    before = {**args, "start_date": "2031-01-10", "end_date": "2031-01-09"}
    return [*argument_breakings(table)(args), Case(before, "end_date", "end before start")]


def test_pai_message_metrics_operator(fuzz: Fuzzing, proof_size, proof_figures, tmp_path) -> None:
    @examples(proof_size(30, 500))
    @given(case=mixed(metrics_args(f"file://{tmp_path}/metrics.csv"), metrics_breakings))
    def metrics(case: Case) -> None:
        surface = "PaiMessageMetricsOperator"
        call = lambda: run(PaiMessageMetricsOperator, **case.value)  # noqa: E731
        rows = fuzz.attempt(surface, case, call, task=True)
        assert rows in (None, [])  # no plan of these ids has sent

    metrics()
    fuzz.record(proof_figures, CAMPAIGN, "PaiMessageMetricsOperator")


# --- sensors ---------------------------------------------------------------------------------------


@st.composite
def occurrences(draw: st.DrawFn, single: dict[str, Any]) -> Case:
    """``occurrence`` for a single push: ``next``, its wall clock, or an instant before it (aware,
    ISO-8601 with an offset); broken as a time no sensor can read."""
    wall = single["time"]
    before = dt.datetime.strptime(wall, "%Y-%m-%d %H:%M:%S").replace(tzinfo=el.SITE_TZ) - dt.timedelta(
        hours=13
    )
    before = before.astimezone(draw(st.sampled_from(ft.ZONES)))
    valid = [Case(value) for value in ("next", wall, before, before.isoformat())]
    invalid = [Case(bad, "occurrence", rule) for rule, bad in bad_moments(wall)]
    invalid += [Case(bad, "occurrence", "not a time") for bad in (None, 5, {"at": wall})]
    return draw(st.sampled_from(valid) | st.sampled_from(invalid))


def test_schedule_fired_sensor(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    el_hook = EngageLabHook()
    el_hook.upsert_push_plan(el.FUZZ_PLAN, "Fuzz campaign plan")

    @examples(proof_size(40, 600))
    @given(body=el.schedule_bodies("single"), data=st.data())
    def wait(body: dict[str, Any], data: st.DataObject) -> None:
        schedule_id = el_hook.create_schedule(body)["schedule_id"]
        occurrence = data.draw(occurrences(body["trigger"]["single"]))
        args = {"schedule_id": schedule_id, "occurrence": occurrence.value}
        case = Case(args, occurrence.refused, occurrence.rule)
        if case.valid:
            case = data.draw(
                mixed(st.just(args), argument_breakings({"schedule_id": BAD_IDS, "min_messages": COUNTS}))
            )
        fired = fuzz.attempt(
            "EngageLabScheduleFiredSensor",
            case,
            lambda: look(EngageLabScheduleFiredSensor, **case.value),
            task=True,
        )
        assert fired in (None, False)  # nothing fires a day ahead
        el_hook.delete_schedule(schedule_id)

    wait()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabScheduleFiredSensor")


def plan_sensor_breakings(args: dict[str, Any]) -> list[Case]:
    """The hook's cases but the service's (a range it judges by its clock), and ``min_messages``."""
    cases = [case for case in el.plan_msg_breakings(args) if not case.by_service]
    return cases + argument_breakings({"min_messages": COUNTS})(args)


def test_push_plan_messages_sensor(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    # A range still to end: one that ended with no ids fails the wait (rightly, but not as bad input).
    ranges = el.plan_msg_args().filter(lambda args: str(args["end_date"]) >= el.site_now().date().isoformat())

    @examples(proof_size(40, 600))
    @given(case=mixed(ranges, plan_sensor_breakings))
    def wait(case: Case) -> None:
        found = fuzz.attempt(
            "EngageLabPushPlanMessagesSensor",
            case,
            lambda: look(EngageLabPushPlanMessagesSensor, **case.value),
            task=True,
        )
        assert found in (None, False)  # these plans sent nothing

    wait()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabPushPlanMessagesSensor")


def test_pai_schedule_sensor(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    roa = PaiEngagementHook()

    @examples(proof_size(30, 500))
    @given(data=st.data())
    def wait(data: st.DataObject) -> None:
        first = dt.datetime.now(pai.UTC8).replace(microsecond=0) + dt.timedelta(
            days=data.draw(st.integers(1, 300))
        )
        plan = roa.create_schedule(group_id="fuzz_group", name="fuzz_plan", execute_time=pai.utc8_text(first))
        before = (first - dt.timedelta(hours=1)).astimezone(data.draw(st.sampled_from(ft.ZONES)))
        valid = [Case(value) for value in ("next", before, before.isoformat())]
        invalid = [Case(bad, "sending", rule) for rule, bad in bad_moments(pai.utc8_text(first))]
        sending = data.draw(st.sampled_from(valid) | st.sampled_from(invalid))
        args = {"schedule_id": plan["Id"], "sending": sending.value}
        case = Case(args, sending.refused, sending.rule)
        if case.valid:
            case = data.draw(mixed(st.just(args), argument_breakings({"schedule_id": BAD_IDS})))
        sent = fuzz.attempt(
            "PaiScheduleSensor", case, lambda: look(PaiScheduleSensor, **case.value), task=True
        )
        assert sent in (None, False)  # its first sending is a day ahead or more
        roa.delete_schedule(plan["Id"])

    wait()
    fuzz.record(proof_figures, CAMPAIGN, "PaiScheduleSensor")


@pytest.fixture(autouse=True)
def _no_plans_left(fuzz: Fuzzing) -> None:
    """Each test starts from an empty service (a campaign's lookups list what is held)."""
    fuzz.control.reset()
