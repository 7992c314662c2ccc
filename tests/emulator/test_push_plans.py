"""EngageLab push plans through HTTP: upsert, list, msg ids by plan, and message statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from engagelab_harness import PLAN_SEEDS, Api, error_of, periodical, single

from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.engagelab import EngageLabBackend, EngageLabError


def _upsert(api: Api, plan_id: Any, description: Any = "a plan") -> Any:
    return api.post("/v4/push_plan", {"plan_id": plan_id, "plan_description": description})


def _list(api: Api, **query: Any) -> Any:
    return api.get("/v4/push_plan/list", params={"page_index": 1, "page_size": 20, **query})


# --- upsert --------------------------------------------------------------------------------------


def test_upsert_creates_then_updates_the_description(api: Api) -> None:
    request = PLAN_SEEDS["upsert_request"]
    response = api.post("/v4/push_plan", request)
    assert response.status_code == 200
    assert response.json() == PLAN_SEEDS["upsert_response"]
    assert _upsert(api, request["plan_id"], "changed").json() == PLAN_SEEDS["upsert_response"]
    (info,) = _list(api).json()["push_plan_info"]
    assert info["push_id"] == request["plan_id"]
    assert info["plan_description"] == "changed"


@pytest.mark.parametrize(
    ("plan_id", "description", "code"),
    [
        ("", "a plan", 27303),
        (None, "a plan", 27303),
        ("_starts_with_underscore", "a plan", 27300),
        ("has-hyphen", "a plan", 27300),
        ("x" * 51, "a plan", 27304),
        (12, "a plan", 21015),
        ("plan_ok", "", 27301),
        ("plan_ok", "two\nlines", 27301),
        ("plan_ok", 5, 21015),
    ],
)
def test_upsert_refuses_bad_input_with_the_seed_codes(
    api: Api, plan_id: Any, description: Any, code: int
) -> None:
    status, answered, message = error_of(_upsert(api, plan_id, description))
    assert (status, answered) == (400, code)
    assert message.startswith(("plan_id", "plan_description"))


def test_upsert_body_that_is_not_json_is_21015(api: Api) -> None:
    assert error_of(api.call("POST", "/v4/push_plan", data=b"plan_id=x"))[:2] == (400, 21015)


def test_the_plan_cap_answers_27302() -> None:
    backend = EngageLabBackend(Clock(), max_plans=2)
    backend.upsert_plan("one", "first")
    backend.upsert_plan("two", "second")
    backend.upsert_plan("two", "second, updated")  # an update is not a new plan
    with pytest.raises(EngageLabError) as caught:
        backend.upsert_plan("three", "third")
    assert caught.value.code == 27302


# --- list ----------------------------------------------------------------------------------------


def test_list_pages_in_creation_order(api: Api) -> None:
    for index in range(25):
        _upsert(api, f"plan_{index:02}", f"plan number {index}")
    first = api.get("/v4/push_plan/list", params={"page_index": 1, "page_size": 10}).json()
    third = api.get("/v4/push_plan/list", params={"page_index": 3, "page_size": 10}).json()
    beyond = api.get("/v4/push_plan/list", params={"page_index": 4, "page_size": 10}).json()
    assert first["total"] == third["total"] == 25
    assert [p["push_id"] for p in first["push_plan_info"]] == [f"plan_{i:02}" for i in range(10)]
    assert [p["push_id"] for p in third["push_plan_info"]] == [f"plan_{i:02}" for i in range(20, 25)]
    assert beyond["push_plan_info"] == []


def test_list_items_have_the_seed_shape(api: Api) -> None:
    _upsert(api, "push_20231111", "Double 11全站Push Plan")
    (info,) = _list(api).json()["push_plan_info"]
    assert set(info) == set(PLAN_SEEDS["list_response"]["push_plan_info"][0])
    assert info["count"] == 0
    assert info["create_time"] == "2025-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("search", "found"),
    [("double 11", ["push_20231111"]), ("20231", ["push_20231111", "spring_20231"]), ("nothing", [])],
)
def test_search_matches_id_or_description_case_insensitively(api: Api, search: str, found: list[str]) -> None:
    _upsert(api, "push_20231111", "Double 11全站Push Plan")
    _upsert(api, "spring_20231", "Spring festival")
    answer = _list(api, search_description=search).json()
    assert [p["push_id"] for p in answer["push_plan_info"]] == found
    assert answer["total"] == len(found)


def test_send_source_filters_api_from_console_plans(api: Api) -> None:
    _upsert(api, "from_api")
    assert _list(api, send_source=0).json()["total"] == 1
    assert _list(api, send_source=1).json()["total"] == 0


@pytest.mark.parametrize(
    "query",
    [
        {"page_index": 0},
        {"page_size": 0},
        {"page_size": 101},
        {"page_index": "one"},
        {"send_source": 2},
    ],
)
def test_bad_list_queries_are_1003(api: Api, query: dict[str, Any]) -> None:
    status, code, message = error_of(_list(api, **query))
    assert (status, code) == (400, 1003)
    assert message.startswith(next(iter(query)))


def test_page_size_100_is_allowed(api: Api) -> None:
    assert _list(api, page_size=100).status_code == 200


# --- msg ids by plan -----------------------------------------------------------------------------


def _plan_msg(api: Api, plan_ids: str, start: str, end: str) -> Any:
    return api.get(
        "/v4/status/plan/msg/", params={"plan_ids": plan_ids, "start_date": start, "end_date": end}
    )


def test_a_schedules_plan_id_links_its_messages_to_the_plan(api: Api, emulator: EmulatorControl) -> None:
    _upsert(api, "spring_sale")
    _upsert(api, "other_plan")
    schedule_id = api.create(periodical(end="2025-01-10 00:00:00", plan_id="spring_sale"))
    api.create(single("2025-01-01 12:00:00"))  # no plan
    emulator.advance(3 * 86400)
    sent = [r["msg_id"] for r in api.msg_id_records(schedule_id)]
    answer = _plan_msg(api, "spring_sale,other_plan", "2025-01-01", "2025-01-04").json()
    assert answer == {"spring_sale": {"msg_ids": sent}, "other_plan": {"msg_ids": []}}
    (info,) = _list(api, search_description="spring").json()["push_plan_info"]
    assert info["count"] == 3
    assert info["last_used_time"] == "2025-01-03T04:00:00Z"


def test_plan_msg_dates_are_site_zone_days(api: Api, emulator: EmulatorControl) -> None:
    _upsert(api, "late_night")
    # 2025-01-02 07:30 in Shanghai is 2025-01-01 23:30 UTC: the site's 2 January.
    api.create(single("2025-01-02 07:30:00", plan_id="late_night"))
    emulator.advance(2 * 86400)
    on_first = _plan_msg(api, "late_night", "2025-01-01", "2025-01-01").json()
    on_second = _plan_msg(api, "late_night", "2025-01-02", "2025-01-02").json()
    assert on_first == {"late_night": {"msg_ids": []}}
    assert len(on_second["late_night"]["msg_ids"]) == 1


@pytest.mark.parametrize(
    ("plan_ids", "start", "end", "code"),
    [
        ("", "2025-01-01", "2025-01-02", 23002),
        (",".join(f"p{i}" for i in range(101)), "2025-01-01", "2025-01-02", 23002),
        ("bad-id", "2025-01-01", "2025-01-02", 23002),
        ("p1", "2025-1-01", "2025-01-02", 21003),
        ("p1", "2025-01-01", "", 23002),  # missing date: seed 001 answers 23002
        ("p1", "2024-11-30", "2024-12-02", 21003),  # more than 30 days before today
        ("p1", "2025-01-02", "2025-01-03", 21003),  # after today
        ("p1", "2024-12-31", "2024-12-30", 21003),  # end before start
        ("p1", "2024-12-05", "2025-01-06", 21044),  # 32 days
    ],
)
def test_bad_plan_msg_queries_get_the_seed_codes(
    api: Api, plan_ids: str, start: str, end: str, code: int
) -> None:
    status, answered, _ = error_of(_plan_msg(api, plan_ids, start, end))
    assert (status, answered) == (400, code)


def test_a_31_day_span_within_the_last_30_days_is_allowed(api: Api) -> None:
    assert _plan_msg(api, "p1", "2024-12-02", "2025-01-01").status_code == 200


# --- statistics ----------------------------------------------------------------------------------


def test_message_stats_are_a_plausible_funnel_and_stable(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(periodical(end="2025-01-10 00:00:00", to="all"))
    emulator.advance(3 * 86400)
    ids = [r["msg_id"] for r in api.msg_id_records(schedule_id)]
    first = api.get("/v4/status/detail", params={"message_ids": ",".join(ids)}).json()
    again = api.get("/v4/status/detail", params={"message_ids": ",".join(ids)}).json()
    assert first == again
    assert set(first) == set(ids)
    for stats in first.values():
        funnel = [stats[key] for key in ("targets", "sent", "delivered", "impressions", "clicks")]
        assert funnel == sorted(funnel, reverse=True)
        assert funnel[0] > 0
        assert funnel[-1] > 0
        assert stats["sub"]["notification"]["targets"] == stats["targets"]


def test_unknown_and_month_old_messages_have_no_stats(api: Api, emulator: EmulatorControl) -> None:
    schedule_id = api.create(single("2025-01-01 12:00:00"))
    emulator.advance(86400)
    (record,) = api.msg_id_records(schedule_id)
    assert api.get("/v4/status/detail", params={"message_ids": "999"}).json() == {}
    emulator.set_clock(datetime(2025, 2, 5, tzinfo=UTC))
    assert api.get("/v4/status/detail", params={"message_ids": record["msg_id"]}).json() == {}


@pytest.mark.parametrize("ids", ["", ",".join(str(i) for i in range(101))])
def test_stats_need_1_to_100_ids(api: Api, ids: str) -> None:
    status, code, message = error_of(api.get("/v4/status/detail", params={"message_ids": ids}))
    assert (status, code) == (400, 1003)
    assert "message_ids" in message
