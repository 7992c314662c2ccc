"""EngageLab scheduled tasks through HTTP: CRUD, listing, PUT rules, validation codes, limits."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import requests
from engagelab_harness import SEEDS, START_AT, TIMEOUT, Api, error_of, periodical, single

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl

# --- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer demo-app-key",
        "Basic " + base64.b64encode(b"demo-app-key:wrong-secret").decode(),
        "Basic " + base64.b64encode(b"other-app-key:demo-master-secret").decode(),
        "Basic not-base64!",
    ],
)
def test_requests_without_the_apps_basic_credentials_get_28101(
    emulator_url: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(f"{emulator_url}/v4/schedules", headers=headers, timeout=TIMEOUT)
    status, code, message = error_of(response)
    assert (status, code) == (401, 28101)
    assert "AppKey and Master Secret" in message


# --- create, get, delete -------------------------------------------------------------------------


def test_create_answers_a_uuid_and_the_name(api: Api) -> None:
    response = api.post("/v4/schedules", single())
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {"schedule_id", "name"}
    assert uuid.UUID(answer["schedule_id"]).version == 4
    assert answer["name"] == SEEDS["create_single_request"]["name"]


def test_get_answers_the_seed_object_with_what_was_created(api: Api) -> None:
    body = periodical()
    schedule_id = api.create(body)
    response = api.get(f"/v4/schedules/{schedule_id}")
    assert response.status_code == 200
    assert response.json() == {"schedule_id": schedule_id, **body}


def test_get_as_array_flag_answers_the_sdk_style_one_element_array() -> None:
    with running_emulator(get_as_array=True, start_time=START_AT, frozen=True) as url:
        api = Api(url)
        schedule_id = api.create(single())
        answer = api.get(f"/v4/schedules/{schedule_id}").json()
    assert isinstance(answer, list)
    assert len(answer) == 1
    assert answer[0]["schedule_id"] == schedule_id


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_unknown_id_is_28104_with_404(api: Api, method: str) -> None:
    body = single() if method == "PUT" else None
    response = api.call(method, f"/v4/schedules/{uuid.uuid4()}", json=body)
    status, code, _ = error_of(response)
    assert (status, code) == (404, 28104)


def test_unknown_id_msg_ids_is_28104(api: Api) -> None:
    assert error_of(api.get(f"/v4/schedules/{uuid.uuid4()}/msg-ids"))[:2] == (404, 28104)


def test_delete_answers_200_with_an_empty_body_and_the_task_is_gone(api: Api) -> None:
    schedule_id = api.create(single())
    response = api.delete(f"/v4/schedules/{schedule_id}")
    assert response.status_code == 200
    assert response.content == b""
    assert api.get(f"/v4/schedules/{schedule_id}").status_code == 404
    assert api.get("/v4/schedules").json()["total_count"] == 0


def test_a_fired_single_task_is_expired_get_answers_28104_but_msg_ids_stay(
    api: Api, emulator: EmulatorControl
) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00"))
    emulator.advance(6 * 3600)  # 14:00 in Shanghai
    assert error_of(api.get(f"/v4/schedules/{schedule_id}"))[:2] == (404, 28104)
    assert len(api.msg_id_records(schedule_id)) == 1


# --- list ----------------------------------------------------------------------------------------


def test_list_pages_hold_50_in_creation_order_and_a_page_past_the_end_is_empty(api: Api) -> None:
    created = [api.create(_named(i)) for i in range(120)]
    pages = [api.get("/v4/schedules", params={"page": page}).json() for page in (1, 2, 3, 4)]
    assert [p["total_count"] for p in pages] == [120] * 4
    assert [p["total_pages"] for p in pages] == [3] * 4
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    assert [len(p["schedules"]) for p in pages] == [50, 50, 20, 0]
    listed = [s["schedule_id"] for p in pages for s in p["schedules"]]
    assert listed == created
    assert pages[0]["schedules"][0] == {"schedule_id": created[0], **_named(0)}


def test_list_without_page_is_page_one(api: Api) -> None:
    api.create(single())
    answer = api.get("/v4/schedules").json()
    assert answer["page"] == 1
    assert len(answer["schedules"]) == 1


@pytest.mark.parametrize("page", ["0", "-1", "two"])
def test_list_with_a_bad_page_is_28100(api: Api, page: str) -> None:
    status, code, message = error_of(api.get("/v4/schedules", params={"page": page}))
    assert (status, code) == (400, 28100)
    assert "page" in message


def test_list_shows_only_unexpired_tasks(api: Api, emulator: EmulatorControl) -> None:
    early = api.create(single("2025-01-01 09:00:00"))
    later = api.create(single("2025-01-03 09:00:00"))
    emulator.advance(86400)
    listed = [s["schedule_id"] for s in api.get("/v4/schedules").json()["schedules"]]
    assert listed == [later]
    assert early not in listed


# --- update --------------------------------------------------------------------------------------


def test_put_replaces_the_whole_task_and_answers_the_body(api: Api) -> None:
    schedule_id = api.create(periodical(start="2025-01-01 00:00:00", end="2025-01-20 00:00:00"))
    body = periodical(start="2025-01-01 00:00:00", end="2025-02-20 00:00:00")
    body["push"]["body"]["platform"] = "ios"
    response = api.put(f"/v4/schedules/{schedule_id}", body)
    assert response.status_code == 200
    assert response.json() == body
    assert api.get(f"/v4/schedules/{schedule_id}").json() == {"schedule_id": schedule_id, **body}


@pytest.mark.parametrize("partial", ["update_wrong_partial_platform", "update_wrong_partial_end"])
def test_a_partial_put_from_the_seed_is_28100(api: Api, partial: str) -> None:
    schedule_id = api.create(periodical())
    status, code, message = error_of(api.put(f"/v4/schedules/{schedule_id}", SEEDS[partial]))
    assert (status, code) == (400, 28100)
    assert "required" in message


def test_put_may_not_switch_single_to_periodical(api: Api) -> None:
    schedule_id = api.create(single())
    status, code, message = error_of(api.put(f"/v4/schedules/{schedule_id}", periodical()))
    assert (status, code) == (400, 28100)
    assert "single" in message
    assert "periodical" in message


def test_put_may_not_switch_zone_type(api: Api) -> None:
    schedule_id = api.create(single("2025-01-02 12:00:00", zone_type=1))
    status, code, message = error_of(
        api.put(f"/v4/schedules/{schedule_id}", single("2025-01-02 12:00:00", zone_type=2))
    )
    assert (status, code) == (400, 28100)
    assert "zone_type" in message


def test_put_on_an_expired_task_is_refused(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 09:00:00"))
    emulator.advance(2 * 3600)
    status, code, message = error_of(api.put(f"/v4/schedules/{schedule_id}", single("2025-01-05 09:00:00")))
    assert (status, code) == (400, 28100)
    assert "expired" in message


def test_put_reschedules_the_firing(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00"))
    assert api.put(f"/v4/schedules/{schedule_id}", single("2025-01-02 12:00:00")).status_code == 200
    emulator.advance(6 * 3600)
    assert api.msg_id_records(schedule_id) == []
    emulator.advance(86400)
    assert len(api.msg_id_records(schedule_id)) == 1


def test_put_body_that_is_not_json_is_28100(api: Api) -> None:
    schedule_id = api.create(single())
    response = api.call("PUT", f"/v4/schedules/{schedule_id}", data=b"name=task")
    status, code, message = error_of(response)
    assert (status, code) == (400, 28100)
    assert "not json" in message


# --- server-side validation ----------------------------------------------------------------------


def _mutated(path: str, value: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    body = body or single()
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return body


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("enabled", False, "enabled"),
        ("enabled", "yes", "enabled"),
        ("name", "", "name"),
        ("name", "bad/name", "name"),
        ("name", "x" * 256, "name"),
        ("push", _DELETE, "push"),
        ("trigger", _DELETE, "trigger"),
        ("trigger.single.time", "2025-1-2 12:00:00", "trigger.single.time"),
        ("trigger.single.time", "2025-01-02 12:00", "trigger.single.time"),
        ("trigger.single.time", "2025-02-30 12:00:00", "trigger.single.time"),
        ("trigger.single.zone_type", 3, "trigger.single.zone_type"),
        ("push.to", _DELETE, "push.to"),
        ("push.to", {}, "push.to"),
        ("push.to", {"registration_id": [f"device{i}" for i in range(1001)]}, "push.to.registration_id"),
        ("push.to", {"tag": [f"tag{i}" for i in range(21)]}, "push.to.tag"),
        ("push.body.platform", "windows", "push.body.platform"),
        ("push.body.notification", _DELETE, "push.body"),
        ("push.body.options.cid", "has spaces", "push.body.options.cid"),
    ],
)
def test_create_refuses_what_the_seeds_forbid_naming_the_field(
    api: Api, path: str, value: Any, field: str
) -> None:
    status, code, message = error_of(api.post("/v4/schedules", _mutated(path, value)))
    assert (status, code) == (400, 28100)
    assert message.startswith(field)


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ({"single": {"time": "2024-12-31 12:00:00", "zone_type": 1}}, "trigger.single.time"),  # past
        ({"single": {"time": "2026-01-02 12:00:00", "zone_type": 1}}, "trigger.single.time"),  # > 1 year
        (periodical(end="2026-06-01 00:00:00")["trigger"], "trigger.periodical.end"),  # span > 1 year
        (
            periodical(end="2024-12-01 00:00:00", start="2024-11-01 00:00:00")["trigger"],
            "trigger.periodical.end",
        ),
        (periodical(time="25:00:00")["trigger"], "trigger.periodical.time"),
        (periodical(time_unit="hour")["trigger"], "trigger.periodical.time_unit"),
        (periodical(time_unit="week", point=["MOON"])["trigger"], "trigger.periodical.point[0]"),
        (periodical(time_unit="month", point=["32"])["trigger"], "trigger.periodical.point[0]"),
        (periodical(time_unit="day", point=["MON"])["trigger"], "trigger.periodical.point"),
    ],
)
def test_create_refuses_bad_triggers_by_the_emulator_clock(
    api: Api, trigger: dict[str, Any], field: str
) -> None:
    status, code, message = error_of(api.post("/v4/schedules", _mutated("trigger", trigger)))
    assert (status, code) == (400, 28100)
    assert message.startswith(field)


def test_body_that_is_not_json_is_28100(api: Api) -> None:
    status, code, message = error_of(api.call("POST", "/v4/schedules", data=b"{not json"))
    assert (status, code) == (400, 28100)
    assert "not json" in message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_body_with_numbers_json_lacks_is_28100_and_nothing_is_stored(
    api: Api, emulator: EmulatorControl, constant: str
) -> None:
    # Python's json reads NaN; RFC 8259 has none, and a stored NaN could never be answered back.
    text = json.dumps(single()).replace('"time_to_live": 60', f'"time_to_live": {constant}')
    assert constant in text
    status, code, message = error_of(api.call("POST", "/v4/schedules", data=text.encode()))
    assert (status, code) == (400, 28100)
    assert "not json" in message
    assert emulator.state()["engagelab"]["schedules"] == 0
    assert api.get("/v4/schedules").status_code == 200


def test_a_push_plan_that_does_not_exist_is_refused(api: Api) -> None:
    status, code, message = error_of(api.post("/v4/schedules", single(plan_id="no_such_plan")))
    assert (status, code) == (400, 28100)
    assert "plan_id" in message


@pytest.mark.parametrize(
    "to",
    [
        {"registration_id": ["missing-1", "missing-2"]},
        {"alias": ["missing_user"], "tag": ["missing_tag"]},
        {"tag_not": ["vip"]},
    ],
)
def test_no_existing_target_at_create_is_28105(api: Api, to: dict[str, Any]) -> None:
    status, code, message = error_of(api.post("/v4/schedules", single(to=to)))
    assert (status, code) == (404, 28105)
    assert "target" in message


def test_one_existing_target_is_enough(api: Api) -> None:
    assert (
        api.post("/v4/schedules", single(to={"registration_id": ["missing-1", "device-2"]})).status_code
        == 200
    )


# --- the cap -------------------------------------------------------------------------------------


def test_at_most_1000_unexpired_tasks_and_expired_ones_do_not_count() -> None:
    # Its own emulator without a rate limit: 1000 creates in a row must not meet a 429.
    with running_emulator(engagelab_qps=0, start_time=START_AT, frozen=True) as url:
        api, control = Api(url), EmulatorControl(url)
        for index in range(1000):
            time = "2025-01-01 09:00:00" if index < 10 else "2025-06-01 09:00:00"
            assert api.post("/v4/schedules", single(time)).status_code == 200
        status, code, message = error_of(api.post("/v4/schedules", single("2025-06-01 09:00:00")))
        assert (status, code) == (400, 28100)
        assert "1000" in message
        control.advance(2 * 3600)  # the ten 09:00 tasks have fired and expired
        assert api.post("/v4/schedules", single("2025-06-01 09:00:00")).status_code == 200


# --- msg-ids -------------------------------------------------------------------------------------


def test_msg_ids_use_the_current_format(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00"))
    emulator.advance(4 * 3600)
    answer = api.get(f"/v4/schedules/{schedule_id}/msg-ids").json()
    assert set(answer) == {"count", "MsgIds"}
    assert answer["count"] == 1
    assert all(isinstance(item, str) for item in answer["MsgIds"])
    (record,) = api.msg_id_records(schedule_id)
    assert set(record) == {"msg_id", "error", "needRetry", "ts"}
    assert record["msg_id"].isdigit()
    assert record["error"] == {"code": 0, "message": ""}
    assert record["needRetry"] is False
    assert record["ts"] == 1735704000000  # 2025-01-01 12:00:00 +08:00 in ms


def test_targets_gone_by_the_firing_give_error_1011(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00", to={"registration_id": ["gone-device"]}))
    emulator.advance(4 * 3600)
    answer = api.get(f"/v4/schedules/{schedule_id}/msg-ids").json()
    assert answer["count"] == 0
    (record,) = api.msg_id_records(schedule_id)
    assert record["msg_id"] == "0"
    assert record["error"] == {"code": 1011, "message": "Cannot find sending target"}


def test_legacy_flag_serves_msgids_of_plain_ids() -> None:
    with running_emulator(legacy_msgids=True, start_time=START_AT, frozen=True) as url:
        api = Api(url)
        schedule_id = api.create(single("2025-01-01 12:00:00"))
        EmulatorControl(url).advance(4 * 3600)
        answer = api.get(f"/v4/schedules/{schedule_id}/msg-ids").json()
    assert set(answer) == {"count", "msgids"}
    assert answer["count"] == 1
    assert answer["msgids"][0].isdigit()


# --- helpers -------------------------------------------------------------------------------------


def _named(index: int) -> dict[str, Any]:
    body = single("2025-03-01 12:00:00")
    body["name"] = f"task {index}"
    return body
