"""The services' rules, checked before sending: each error names the field and the vendor's code."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_engage import validation
from airflow_provider_engage.input_errors import InvalidFieldError

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCHEDULES = json.loads((FIXTURES / "engagelab_schedules.json").read_text(encoding="utf-8"))
PAI_SEED = json.loads((FIXTURES / "pai_create_schedule.json").read_text(encoding="utf-8"))
SINGLE = SCHEDULES["create_single_request"]
TODAY = date(2023, 11, 15)


def _rejects(check: Callable[[], None], field: str, code: int | None) -> InvalidFieldError:
    with pytest.raises(InvalidFieldError) as caught:
        check()
    assert caught.value.field == field
    assert caught.value.vendor_code == code
    assert str(caught.value).startswith(f"{field}: ")
    return caught.value


def _schedule(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    body = copy.deepcopy(SINGLE)
    change(body)
    return body


# --- schedules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "example",
    [
        "create_single_request",
        "create_periodical_request",
        "update_ios_request",
        "update_extend_end_request",
    ],
)
def test_every_seed_schedule_example_is_valid(example: str) -> None:
    validation.check_schedule(SCHEDULES[example], creating=True)


def test_a_checked_schedule_passes_for_its_zone_without_a_second_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked = validation.checked_schedule(SINGLE, site_tz="Asia/Shanghai")
    monkeypatch.setattr(validation, "check_schedule", lambda *args, **kwargs: pytest.fail("checked again"))

    assert validation.checked_schedule(checked, site_tz="Asia/Shanghai") is checked


def test_a_checked_schedule_is_checked_again_for_another_site_zone() -> None:
    checked = validation.checked_schedule(SINGLE, site_tz="Asia/Shanghai")

    again = validation.checked_schedule(checked, site_tz="Europe/Berlin")

    assert (again.body, again.site_tz) == (SINGLE, "Europe/Berlin")


def test_checked_schedule_refuses_what_a_create_may_not_send() -> None:
    body = _schedule(lambda s: s.update(enabled=False))
    _rejects(lambda: validation.checked_schedule(body, site_tz="Asia/Shanghai"), "enabled", 28100)


@pytest.mark.parametrize("name", ["Timed Push Example_single", "定时推送示例", "a", "x" * 255, "推" * 85])
def test_names_the_seeds_use_are_accepted(name: str) -> None:
    validation.check_schedule(_schedule(lambda s: s.update(name=name)), creating=True)


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 256, "推" * 86, "bad-name", "tab\there", "new\nline", "emoji🙂", 42, None],
)
def test_bad_names_are_refused(name: object) -> None:
    body = _schedule(lambda s: s.update(name=name))
    _rejects(lambda: validation.check_schedule(body, creating=True), "name", 28100)


def test_enabled_must_be_true_on_create_only() -> None:
    body = _schedule(lambda s: s.update(enabled=False))
    error = _rejects(lambda: validation.check_schedule(body, creating=True), "enabled", 28100)
    assert "must be true when creating" in str(error)
    validation.check_schedule(body, creating=False)


def test_enabled_must_be_a_boolean() -> None:
    body = _schedule(lambda s: s.update(enabled="true"))
    _rejects(lambda: validation.check_schedule(body, creating=False), "enabled", 28100)


@pytest.mark.parametrize("section", ["name", "enabled", "trigger", "push"])
def test_every_section_is_required(section: str) -> None:
    body = _schedule(lambda s: s.pop(section))
    _rejects(lambda: validation.check_schedule(body, creating=False), section, 28100)


def test_a_schedule_must_be_an_object() -> None:
    _rejects(lambda: validation.check_schedule([], creating=True), "schedule", 28100)  # type: ignore[arg-type]


def test_trigger_rules_come_from_timing() -> None:
    body = _schedule(lambda s: s["trigger"]["single"].update(time="2022-11-23 7:20:00"))
    _rejects(lambda: validation.check_schedule(body, creating=True), "trigger.single.time", 28100)


def test_time_rules_relative_to_now_apply_only_with_now() -> None:
    validation.check_schedule(SINGLE, creating=True)  # 2022: shape only
    with pytest.raises(InvalidFieldError) as caught:
        validation.check_schedule(SINGLE, creating=True, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert caught.value.field.startswith("trigger")
    assert caught.value.vendor_code == 28100


# --- what an update may not switch ---------------------------------------------------------------

_SINGLE_SITE = {"single": {"time": "2030-01-01 09:00:00", "zone_type": 1}}
_SINGLE_DEVICE = {"single": {"time": "2030-01-01 09:00:00", "zone_type": 2}}
_PERIODICAL_SITE = {"periodical": {"start": "2030-01-01 00:00:00", "zone_type": 1}}


def test_an_update_may_not_switch_the_trigger_kind() -> None:
    with pytest.raises(InvalidFieldError, match="cannot switch a single schedule to periodical") as caught:
        validation.check_trigger_switch(_SINGLE_SITE, _PERIODICAL_SITE)
    assert (caught.value.field, caught.value.vendor_code) == ("trigger", 28100)


def test_an_update_may_not_switch_the_zone_type() -> None:
    with pytest.raises(InvalidFieldError, match="cannot switch zone_type 1 to 2") as caught:
        validation.check_trigger_switch(_SINGLE_SITE, _SINGLE_DEVICE)
    assert (caught.value.field, caught.value.vendor_code) == ("trigger.single.zone_type", 28100)


@pytest.mark.parametrize(
    "new", [_SINGLE_SITE, {"single": {"time": "2030-02-01 09:00:00"}}, {}], ids=["same", "no zone", "none"]
)
def test_a_change_that_keeps_kind_and_zone_type_passes(new: dict[str, Any]) -> None:
    validation.check_trigger_switch(_SINGLE_SITE, new)


# --- push -----------------------------------------------------------------------------------------

PUSH = SINGLE["push"]


def _push(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    push = copy.deepcopy(PUSH)
    change(push)
    return push


@pytest.mark.parametrize(
    "to",
    [
        "all",
        {"tag": ["vip"]},
        {"tag_and": ["a", "b"]},
        {"tag_not": ["x"]},
        {"alias": ["u1"]},
        {"live_activity_id": "la"},
        {"seg": {"id": "s1"}},
        {"registration_id": ["r"] * 1000},
        {"tag": [f"t{i}" for i in range(20)]},
    ],
)
def test_audiences_accepted(to: object) -> None:
    validation.check_push(_push(lambda p: p.update(to=to)))


@pytest.mark.parametrize(
    ("to", "field"),
    [
        (None, "push.to"),
        ({}, "push.to"),
        ("everyone", "push.to"),
        ({"registration_id": []}, "push.to"),
        ({"unknown": ["x"]}, "push.to"),
        ({"registration_id": "1a0018970ab49abda3e"}, "push.to.registration_id"),
        ({"registration_id": ["ok", ""]}, "push.to.registration_id"),
        ({"registration_id": ["r"] * 1001}, "push.to.registration_id"),
        ({"alias": ["a"] * 1001}, "push.to.alias"),
        ({"tag": [f"t{i}" for i in range(21)]}, "push.to.tag"),
    ],
)
def test_bad_audiences_are_refused(to: object, field: str) -> None:
    push = _push(lambda p: p.update(to=to))
    _rejects(lambda: validation.check_push(push), field, 28100)


def test_a_missing_to_is_refused() -> None:
    push = _push(lambda p: p.pop("to"))
    _rejects(lambda: validation.check_push(push), "push.to", 28100)


@pytest.mark.parametrize("platform", ["all", "android", "ios", "hmos", ["android", "ios"], ["hmos"]])
def test_platforms_accepted(platform: object) -> None:
    validation.check_push(_push(lambda p: p["body"].update(platform=platform)))


@pytest.mark.parametrize("platform", [None, "", [], "windows", ["android", "web"], {"android": True}])
def test_bad_platforms_are_refused(platform: object) -> None:
    push = _push(lambda p: p["body"].update(platform=platform))
    _rejects(lambda: validation.check_push(push), "push.body.platform", 28100)


def test_the_seeds_empty_message_beside_a_notification_counts_as_absent() -> None:
    assert PUSH["body"]["message"] == {}
    validation.check_push(PUSH)


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.update(message={"msg_content": "hi"}),  # two kinds
        lambda b: b.update(notification={}, message={}),  # none
        lambda b: b.update(voip={"x": 1}),
    ],
)
def test_exactly_one_kind_of_content(change: Callable[[dict[str, Any]], object]) -> None:
    push = _push(lambda p: change(p["body"]))
    error = _rejects(lambda: validation.check_push(push), "push.body", 28100)
    assert "exactly one of notification, message, live_activity, voip" in str(error)


def test_content_must_be_an_object() -> None:
    push = _push(lambda p: p["body"].update(notification="hello"))
    _rejects(lambda: validation.check_push(push), "push.body.notification", 28100)


def test_body_is_required() -> None:
    push = _push(lambda p: p.pop("body"))
    _rejects(lambda: validation.check_push(push), "push.body", 28100)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"plan_id": "_hidden"}, "push.body.options.plan_id"),
        ({"plan_id": "p" * 51}, "push.body.options.plan_id"),
        ({"plan_id": ""}, "push.body.options.plan_id"),
        ({"cid": "has space"}, "push.body.options.cid"),
        ({"cid": "c" * 65}, "push.body.options.cid"),
        ({"cid": 7}, "push.body.options.cid"),
        ("fast", "push.body.options"),
    ],
)
def test_bad_options_are_refused_as_28100(options: object, field: str) -> None:
    push = _push(lambda p: p["body"].update(options=options))
    _rejects(lambda: validation.check_push(push), field, 28100)


def test_good_options_pass() -> None:
    validation.check_push(
        _push(lambda p: p["body"].update(options={"plan_id": "push_20231001_001", "cid": "a-b_C9" * 10}))
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(request_id=12345), "push.request_id"),
        (lambda p: p.update(custom_args="x"), "push.custom_args"),
        (lambda p: p.update({"from": 1}), "push.from"),
    ],
)
def test_other_push_fields_have_types(change: Callable[[dict[str, Any]], object], field: str) -> None:
    push = _push(change)
    _rejects(lambda: validation.check_push(push), field, 28100)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["body"]["notification"].update(alert="caf\udce9"), "push.body.notification.alert"),
        (lambda p: p["body"]["options"].update(time_to_live=float("nan")), "push.body.options.time_to_live"),
        (lambda p: p["body"]["options"].update(time_to_live=float("-inf")), "push.body.options.time_to_live"),
        (lambda p: p.update(custom_args={"when": datetime(2030, 1, 1, tzinfo=UTC)}), "push.custom_args.when"),
        (lambda p: p.update(custom_args={"tags": {"a", "b"}}), "push.custom_args.tags"),
        (lambda p: p.update(custom_args={"raw": [b"x"]}), "push.custom_args.raw[0]"),
        (lambda p: p["body"]["notification"].update({7: "seven"}), "push.body.notification.7"),
        (lambda p: p.update(custom_args={"k\ud800": "v"}), "push.custom_args.k\ud800"),
    ],
)
def test_what_no_json_request_can_carry_is_refused_by_its_path(
    change: Callable[[dict[str, Any]], object], field: str
) -> None:
    # Found by the input fuzz (tests/proof): these crashed the encoder, were sent as NaN (which
    # the emulator stored and then could not answer), or were silently turned into strings.
    push = _push(change)
    _rejects(lambda: validation.check_push(push), field, 28100)


def test_any_unicode_text_and_finite_number_is_json() -> None:
    push = _push(
        lambda p: p["body"]["notification"].update(alert="\x00 😀 名字 \u200b", badge=1.5, sound=None)
    )
    validation.check_push(push)


def test_push_field_prefix_is_the_callers() -> None:
    push = _push(lambda p: p["body"].update(platform="web"))
    _rejects(lambda: validation.check_push(push, field="schedule.push"), "schedule.push.body.platform", 28100)


# --- push plans -----------------------------------------------------------------------------------


@pytest.mark.parametrize("plan_id", ["push_20231001_001", "A", "a_", "x" * 50, "9lives"])
def test_plan_ids_accepted(plan_id: str) -> None:
    validation.check_plan_id(plan_id)


@pytest.mark.parametrize(
    ("plan_id", "code"),
    [
        ("", 27303),
        (None, 27303),
        ("x" * 51, 27304),
        ("_leading", 27300),
        ("has-hyphen", 27300),
        ("has space", 27300),
        ("中文", 27300),
        (12, 21015),
    ],
)
def test_bad_plan_ids_carry_the_vendor_code(plan_id: object, code: int) -> None:
    _rejects(lambda: validation.check_plan_id(plan_id), "plan_id", code)


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_]{0,49}", fullmatch=True))
def test_every_well_formed_plan_id_is_accepted(plan_id: str) -> None:
    validation.check_plan_id(plan_id)


def test_plan_description() -> None:
    validation.check_plan_description(PLANS_DESCRIPTION)
    _rejects(lambda: validation.check_plan_description(""), "plan_description", 27301)
    _rejects(lambda: validation.check_plan_description("two\nlines"), "plan_description", 27301)
    _rejects(lambda: validation.check_plan_description(None), "plan_description", 21015)
    _rejects(lambda: validation.check_plan_description("caf\udce9"), "plan_description", 27301)


@pytest.mark.parametrize("plan_ids", [5, None, {"p1": 1}])
def test_plan_ids_that_are_no_list_are_refused_not_crashed_on(plan_ids: object) -> None:
    _rejects(lambda: validation.plan_msg_query(plan_ids, "2023-11-01", "2023-11-02"), "plan_ids", None)  # type: ignore[arg-type]


def test_plan_ids_may_be_any_iterable_of_ids() -> None:
    assert validation.plan_msg_query(iter(["a", "b"]), "2023-11-01", "2023-11-02")[0] == ["a", "b"]


PLANS_DESCRIPTION = "Push plan for the Double 11 promotion event, covering all users"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, 20), "page_index"),
        ((1, 0), "page_size"),
        ((1, 101), "page_size"),
        ((True, 20), "page_index"),
        (("1", 20), "page_index"),
        ((1, 20, 2), "send_source"),
        ((1, 20, None, 5), "search_description"),
        ((1, 20, None, "caf\udce9"), "search_description"),
    ],
)
def test_plan_list_query_rules(args: tuple[Any, ...], field: str) -> None:
    _rejects(lambda: validation.check_plan_list_query(*args), field, 1003)


def test_plan_list_query_limits_pass() -> None:
    validation.check_plan_list_query(1, 100, 0, "Double 11")
    validation.check_plan_list_query(3, 1, 1)


def test_the_seeds_plan_msg_query_passes_on_its_date() -> None:
    validation.check_plan_msg_query(
        ["push_20231101", "push_20231102"], "2023-11-01", "2023-11-15", today=TODAY
    )


@pytest.mark.parametrize(
    ("plan_ids", "start", "end", "field", "code"),
    [
        ([], "2023-11-01", "2023-11-15", "plan_ids", 23002),
        ("push_20231101", "2023-11-01", "2023-11-15", "plan_ids", 23002),
        ([f"p{i}" for i in range(101)], "2023-11-01", "2023-11-15", "plan_ids", 23002),
        (["ok", "_bad"], "2023-11-01", "2023-11-15", "plan_ids[1]", 23002),
        (["p"], "2023-11-1", "2023-11-15", "start_date", 21003),
        (["p"], "2023-11-01", "15/11/2023", "end_date", 21003),
        (["p"], "2023-02-30", "2023-03-01", "start_date", 21003),
        (["p"], "2023-10-15", "2023-10-20", "start_date", 21003),  # 31 days ago
        (["p"], "2023-11-16", "2023-11-16", "start_date", 21003),  # tomorrow
        (["p"], "2023-11-10", "2023-11-09", "end_date", 21003),
        (["p"], "2023-10-16", "2023-11-17", "end_date", 21044),
    ],
)
def test_plan_msg_query_rules(plan_ids: Any, start: str, end: str, field: str, code: int) -> None:
    _rejects(lambda: validation.check_plan_msg_query(plan_ids, start, end, today=TODAY), field, code)


def test_plan_msg_query_edges_pass() -> None:
    validation.check_plan_msg_query(["p"], "2023-10-16", "2023-11-16", today=TODAY)  # 30 days back, 31 span
    validation.check_plan_msg_query(["p"] * 100, "2023-11-15", "2023-11-15", today=TODAY)


# --- PAI ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "example", PAI_SEED["requests"], ids=[r["body"]["Name"] for r in PAI_SEED["requests"]]
)
def test_every_pai_seed_example_is_valid(example: dict[str, Any]) -> None:
    validation.check_pai_schedule(example["body"])


def _pai(**changes: Any) -> dict[str, Any]:
    body = dict(PAI_SEED["requests"][1]["body"])
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"GroupId": None}, "GroupId"),
        ({"GroupId": " "}, "GroupId"),
        ({"Name": None}, "Name"),
        ({"Name": "A"}, "Name"),
        ({"Name": "x" * 31}, "Name"),
        ({"Name": "has space"}, "Name"),
        ({"Name": "emoji🙂x"}, "Name"),
        ({"ExecuteTime": "2024-12-01 9:00:00"}, "ExecuteTime"),
        ({"ExecuteTime": "2024-12-01T09:00:00+08:00"}, "ExecuteTime"),
        ({"ExecuteTime": 1733014800}, "ExecuteTime"),
        ({"EndTime": "2024-13-01"}, "EndTime"),
        ({"EndTime": "31/12/2024"}, "EndTime"),
        ({"RepeatCycle": -1}, "RepeatCycle"),
        ({"RepeatCycle": 1.5}, "RepeatCycle"),
        ({"RepeatCycleUnit": 5}, "RepeatCycleUnit"),
        ({"RepeatCycleUnit": True}, "RepeatCycleUnit"),
        ({"RepeatCycleUnit": 2, "RepeatCycle": 0}, "RepeatCycle"),
        ({"RepeatCycleUnit": 2, "RepeatCycle": None}, "RepeatCycle"),  # a repeating unit needs a cycle
        ({"RepeatTimes": -2}, "RepeatTimes"),
        ({"RepeatTimes": "3"}, "RepeatTimes"),
        ({"PaymentType": "Prepaid"}, "PaymentType"),
        ({"SignName": 5}, "SignName"),
        ({"SignName": "caf\udce9"}, "SignName"),
        ({"GroupId": "g\udce9"}, "GroupId"),
        ({"EndTime": 253402300800000}, "EndTime"),  # past 9999-12-31 (emulator: crashed on it)
        ({"EndTime": -5}, "EndTime"),
        ({"Unknown": "x"}, "Unknown"),
    ],
)
def test_pai_rules_name_the_api_field_with_code_400(changes: dict[str, Any], field: str) -> None:
    body = _pai(**changes)
    _rejects(lambda: validation.check_pai_schedule(body), field, 400)


def test_pai_errors_use_the_callers_names_when_given() -> None:
    body = _pai(RepeatCycleUnit=9)
    _rejects(
        lambda: validation.check_pai_schedule(body, names={"RepeatCycleUnit": "repeat_cycle_unit"}),
        "repeat_cycle_unit",
        400,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"ExecuteTime": ""},  # now
        {"ExecuteTime": None},
        {"EndTime": "2025-01-01"},
        {"EndTime": "2025-01-01 00:00:00"},
        {"EndTime": 1735660800000},  # one SDK types it as an integer
        {"Name": "增长计划_2024"},
        {"Name": "ab"},
        {"RepeatTimes": 0},
        {"RepeatTimes": 12},
        {"PaymentType": "MixPay"},
        {"PaymentType": ""},  # seed 000: empty means pay-as-you-go
        {"AISendStartDate": "2024-12-01", "AISendEndDate": "2024-12-07"},
    ],
)
def test_pai_values_accepted(changes: dict[str, Any]) -> None:
    validation.check_pai_schedule(_pai(**changes))
