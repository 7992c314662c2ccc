"""Bad input fuzz, hooks: every method's input, valid and invalid, against the emulator over HTTP.

Each test draws inputs whose verdict is known from the seeds (see ``fuzz_engagelab``,
``fuzz_pai``) and holds each call to the property in ``fuzz_harness``: valid inputs are accepted
and read back as given, invalid ones are refused with ``InvalidFieldError`` naming the broken
field before a single request leaves. The sync and async hooks share their checks; the async
ones are fuzzed through the same cases. Figures: ``fuzz_inputs_hooks``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook, EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook, PaiEngagementHook
from tests.proof import fuzz_engagelab as el
from tests.proof import fuzz_pai as pai
from tests.proof.fuzz_cases import BAD_IDS, Case, mixed, schedule_ids
from tests.proof.fuzz_harness import PAI_GATEWAY_CONN, Fuzzing, as_json, examples

CAMPAIGN = "fuzz_inputs_hooks"
ids = mixed(schedule_ids, lambda _: [Case(bad, "schedule_id", rule) for rule, bad in BAD_IDS])


def ensure_plan() -> None:
    EngageLabHook().upsert_push_plan(el.FUZZ_PLAN, "Fuzz campaign plan")


def run_async(hook_class: type, method: str, *args: Any, **kwargs: Any) -> Any:
    """One call of an async hook in a loop of its own, the hook closed after."""

    async def call() -> Any:
        hook = hook_class()
        try:
            return await getattr(hook, method)(*args, **kwargs)
        finally:
            await hook.close()

    return asyncio.run(call())


# --- EngageLab ------------------------------------------------------------------------------------


def test_create_schedule(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    ensure_plan()
    hook = EngageLabHook()

    @examples(proof_size(120, 2000))
    @given(case=mixed(el.schedule_bodies(), el.schedule_breakings(creating=True)))
    def create(case: Case) -> None:
        created = fuzz.attempt(
            "EngageLabHook.create_schedule", case, lambda: hook.create_schedule(case.value)
        )
        if created is not None:
            stored = hook.get_schedule(created["schedule_id"])
            assert {key: stored[key] for key in case.value} == as_json(case.value)
            hook.delete_schedule(created["schedule_id"])

    create()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabHook.create_schedule")


@st.composite
def updates(draw: st.DrawFn) -> tuple[dict[str, Any], Case]:
    """A schedule to update and an update of the same kind and zone_type (or one that switches)."""
    kind, zone = draw(st.sampled_from(("single", "periodical"))), draw(st.sampled_from([1, 2]))
    current = draw(el.schedule_bodies(kind, zone))

    def breakings(body: dict[str, Any]) -> list[Case]:
        return el.schedule_breakings(creating=False)(body) + el.switch_breakings(body)

    return current, draw(mixed(el.schedule_bodies(kind, zone), breakings))


def test_update_schedule(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    ensure_plan()
    hook = EngageLabHook()

    @examples(proof_size(60, 1000))
    @given(drawn=updates())
    def update(drawn: tuple[dict[str, Any], Case]) -> None:
        current, case = drawn
        schedule_id = hook.create_schedule(current)["schedule_id"]
        done = fuzz.attempt(
            "EngageLabHook.update_schedule", case, lambda: hook.update_schedule(schedule_id, case.value)
        )
        if done is not None:
            stored = hook.get_schedule(schedule_id)
            assert {key: stored[key] for key in case.value} == as_json(case.value)
        hook.delete_schedule(schedule_id)

    update()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabHook.update_schedule")


def test_schedule_ids(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    """Any non-blank id is sent (path-encoded) and answered; the service holds none of these."""
    hook = EngageLabHook()
    methods = ("get_schedule", "get_schedule_msg_ids", "delete_schedule")

    @examples(proof_size(60, 1000))
    @given(case=ids, method=st.sampled_from(methods))
    def address(case: Case, method: str) -> None:
        surface = f"EngageLabHook.{method}"
        fuzz.attempt(surface, case, lambda: getattr(hook, method)(case.value), missing_ok=True)

    address()
    fuzz.record(proof_figures, CAMPAIGN, *(f"EngageLabHook.{method}" for method in methods))


def test_list_schedules(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    hook = EngageLabHook()

    @examples(proof_size(30, 300))
    @given(case=mixed(el.list_schedules_args, el.list_schedules_breakings))
    def page(case: Case) -> None:
        answer = fuzz.attempt("EngageLabHook.list_schedules", case, lambda: hook.list_schedules(**case.value))
        if answer is not None:
            assert answer["page"] == case.value["page"]

    page()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabHook.list_schedules")


def test_upsert_push_plan(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    hook = EngageLabHook()

    @examples(proof_size(60, 1000))
    @given(case=el.plan_upserts)
    def upsert(case: Case) -> None:
        fuzz.control.reset()  # the app holds at most 1000 plans
        done = fuzz.attempt(
            "EngageLabHook.upsert_push_plan", case, lambda: hook.upsert_push_plan(**case.value)
        )
        if done is not None:
            assert el.plan_description(hook, case.value["plan_id"]) == case.value["plan_description"]

    upsert()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabHook.upsert_push_plan")


def test_list_push_plans(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    hook = EngageLabHook()

    @examples(proof_size(40, 500))
    @given(case=mixed(el.list_plans_args, el.list_plans_breakings))
    def page(case: Case) -> None:
        answer = fuzz.attempt(
            "EngageLabHook.list_push_plans", case, lambda: hook.list_push_plans(**case.value)
        )
        if answer is not None:
            assert isinstance(answer["push_plan_info"], list)

    page()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabHook.list_push_plans")


def test_plan_msg_ids(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    hook = EngageLabHook()

    @examples(proof_size(60, 1000))
    @given(case=mixed(el.plan_msg_args(), el.plan_msg_breakings), sync=st.booleans())
    def query(case: Case, sync: bool) -> None:
        if sync:
            answer = fuzz.attempt(
                "EngageLabHook.get_plan_msg_ids", case, lambda: hook.get_plan_msg_ids(**case.value)
            )
        else:
            answer = fuzz.attempt(
                "EngageLabAsyncHook.get_plan_msg_ids",
                case,
                lambda: run_async(EngageLabAsyncHook, "get_plan_msg_ids", **case.value),
            )
        if answer is not None:
            plan_ids = case.value["plan_ids"]
            assert set(answer) == set(plan_ids.split(",") if isinstance(plan_ids, str) else plan_ids)

    query()
    fuzz.record(
        proof_figures, CAMPAIGN, "EngageLabHook.get_plan_msg_ids", "EngageLabAsyncHook.get_plan_msg_ids"
    )


def test_async_schedule_reads(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    methods = ("get_schedule", "get_schedule_msg_ids")

    @examples(proof_size(30, 500))
    @given(case=ids, method=st.sampled_from(methods))
    def address(case: Case, method: str) -> None:
        surface = f"EngageLabAsyncHook.{method}"
        call = lambda: run_async(EngageLabAsyncHook, method, case.value)  # noqa: E731
        fuzz.attempt(surface, case, call, missing_ok=True)

    address()
    fuzz.record(proof_figures, CAMPAIGN, *(f"EngageLabAsyncHook.{method}" for method in methods))


def test_message_stats(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    hook = EngageLabHook()

    @examples(proof_size(40, 500))
    @given(case=mixed(el.message_stats_args(), el.message_stats_breakings))
    def stats(case: Case) -> None:
        answer = fuzz.attempt(
            "EngageLabHook.get_message_stats", case, lambda: hook.get_message_stats(**case.value)
        )
        if answer is not None:
            assert answer == {}  # none of these ids has fired

    stats()
    fuzz.record(proof_figures, CAMPAIGN, "EngageLabHook.get_message_stats")


# --- PAI ------------------------------------------------------------------------------------------


def test_pai_create_schedule(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    roa, gateway = PaiEngagementHook(), PaiEngagementHook(PAI_GATEWAY_CONN)

    @examples(proof_size(120, 2000))
    @given(case=mixed(pai.create_fields(), pai.create_breakings), style=st.sampled_from(["roa", "gateway"]))
    def create(case: Case, style: str) -> None:
        hook = roa if style == "roa" else gateway
        data = fuzz.attempt(
            f"PaiEngagementHook.create_schedule ({style})", case, lambda: hook.create_schedule(**case.value)
        )
        if data is None:
            return
        stored = roa.get_schedule(data["Id"]) if style == "roa" else data
        expected = pai.expected_api_fields(case.value)
        if expected.get("ExecuteTime") == "":
            del expected["ExecuteTime"]  # "" means now: the service fills it in
        assert {key: stored[key] for key in expected} == as_json(expected)
        if style == "roa":
            roa.delete_schedule(data["Id"])

    create()
    styles = ("PaiEngagementHook.create_schedule (roa)", "PaiEngagementHook.create_schedule (gateway)")
    fuzz.record(proof_figures, CAMPAIGN, *styles)


def test_pai_schedule_ids(fuzz: Fuzzing, proof_size, proof_figures) -> None:
    hook = PaiEngagementHook()
    methods = ("get_schedule", "delete_schedule")

    @examples(proof_size(40, 500))
    @given(case=ids, method=st.sampled_from(methods), sync=st.booleans())
    def address(case: Case, method: str, sync: bool) -> None:
        if sync or method == "delete_schedule":
            surface, call = f"PaiEngagementHook.{method}", lambda: getattr(hook, method)(case.value)
        else:
            surface = "PaiEngagementAsyncHook.get_schedule"
            call = lambda: run_async(PaiEngagementAsyncHook, method, case.value)  # noqa: E731
        fuzz.attempt(surface, case, call, missing_ok=True)

    address()
    surfaces = (
        "PaiEngagementHook.get_schedule",
        "PaiEngagementHook.delete_schedule",
        "PaiEngagementAsyncHook.get_schedule",
    )
    fuzz.record(proof_figures, CAMPAIGN, *surfaces)


PAI_READS = {
    "list_schedules": mixed(pai.list_schedules_args, pai.list_schedules_breakings),
    "list_messages": mixed(pai.list_messages_args, pai.list_messages_breakings),
    "list_message_metrics": mixed(pai.metrics_args(), pai.metrics_breakings),
}


@pytest.mark.parametrize("method", sorted(PAI_READS))
def test_pai_reads(fuzz: Fuzzing, proof_size, proof_figures, method: str) -> None:
    """ListSchedules, ListMessages and ListMessageMetrics (the last two async too), signed with ACS3."""
    hook = PaiEngagementHook()
    has_async = method != "list_schedules"

    @examples(proof_size(40, 600))
    @given(case=PAI_READS[method], sync=st.booleans())
    def read(case: Case, sync: bool) -> None:
        if sync or not has_async:
            surface, call = f"PaiEngagementHook.{method}", lambda: getattr(hook, method)(**case.value)
        else:
            surface = f"PaiEngagementAsyncHook.{method}"
            call = lambda: run_async(PaiEngagementAsyncHook, method, **case.value)  # noqa: E731
        answer = fuzz.attempt(surface, case, call)
        if answer is not None:
            assert "TotalCount" in answer

    read()
    surfaces = [f"PaiEngagementHook.{method}", *([f"PaiEngagementAsyncHook.{method}"] if has_async else [])]
    fuzz.record(proof_figures, CAMPAIGN, *surfaces)
