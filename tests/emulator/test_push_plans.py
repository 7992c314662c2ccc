"""EngageLab push plans through HTTP: upsert, list, msg ids by plan, and message statistics."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from engagelab_harness import PLAN_SEEDS, START_AT, Api, error_of, periodical, single

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.clock import Clock
from airflow_provider_engage.emulator.engagelab.exceptions import EngageLabError
from airflow_provider_engage.emulator.engagelab.models import EngageLabBackend


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


# --- an AppKey without the push-plan permission (21004, 23001) -----------------------------------


def test_without_the_plan_permission_push_plans_answer_21004_and_msg_ids_by_plan_23001() -> None:
    with running_emulator(no_plan_permission=True, start_time=START_AT, frozen=True) as url:
        api = Api(url)
        upsert = _upsert(api, "spring_sale")
        listed = _list(api)
        by_plan = _plan_msg(api, "spring_sale", "2025-01-01", "2025-01-01")
        schedule = api.post("/v4/schedules", single())
    assert error_of(upsert)[:2] == (403, 21004)
    assert error_of(listed)[:2] == (403, 21004)
    assert error_of(by_plan)[:2] == (403, 23001)
    assert schedule.status_code == 200  # scheduled tasks need no push-plan permission


def test_the_backend_refuses_plans_before_it_checks_them() -> None:
    backend = EngageLabBackend(Clock(), plan_permission=False)
    for call in (
        lambda: backend.upsert_plan("", ""),
        lambda: backend.list_plans(0, 0),
        lambda: backend.plan_msg_ids([], None, None),
    ):
        with pytest.raises(EngageLabError) as caught:
            call()
        assert caught.value.code in (21004, 23001)
        assert caught.value.status == 403


# --- the query interfaces' call volume (3010) ----------------------------------------------------


def test_over_the_plan_query_limit_answers_3010_with_429_and_retry_after() -> None:
    with running_emulator(plan_query_qps=2, start_time=START_AT, frozen=True) as url:
        api = Api(url)
        lists = [_list(api) for _ in range(4)]
        by_plan = [_plan_msg(api, "p1", "2025-01-01", "2025-01-01") for _ in range(3)]
        upserts = [_upsert(api, f"plan_{i}") for i in range(4)]
        schedules = [api.get("/v4/schedules") for _ in range(4)]
        time.sleep(1.0)
        recovered = _list(api)
    assert [r.status_code for r in lists] == [200, 200, 429, 429]
    status, code, message = error_of(lists[-1])
    assert (status, code) == (429, 3010)
    assert "/v4/push_plan/list" in message
    assert int(lists[-1].headers["Retry-After"]) >= 1
    # Each query interface has its own allowance; the other endpoints are not limited by it.
    assert [r.status_code for r in by_plan] == [200, 200, 429]
    assert error_of(by_plan[-1])[:2] == (429, 3010)
    assert [r.status_code for r in upserts + schedules] == [200] * 8
    assert recovered.status_code == 200


def test_the_plan_query_limit_is_off_by_default(api: Api) -> None:
    assert all(_list(api).status_code == 200 for _ in range(30))


def test_the_hook_waits_out_a_3010_and_gets_the_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider_engage.hooks.engagelab import EngageLabHook
    from tests.helpers import connection

    with running_emulator(plan_query_qps=1, start_time=START_AT, frozen=True) as url:
        monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_3010", connection(url, retry_max_wait=3))
        Api(url).post("/v4/push_plan", {"plan_id": "kept", "plan_description": "a plan"})
        hook = EngageLabHook("engagelab_3010")
        started = time.monotonic()
        answers = [hook.list_push_plans() for _ in range(2)]
        waited = time.monotonic() - started
        seen = EmulatorControl(url).state()["requests"]["GET /v4/push_plan/list"]
    assert [answer["total"] for answer in answers] == [1, 1]
    assert seen == {"200": 2, "429": 1}
    assert waited >= 0.9  # the Retry-After of the refusal


# --- missing dates (23002) -----------------------------------------------------------------------


@pytest.mark.parametrize("absent", ["start_date", "end_date"])
def test_a_plan_msg_query_without_a_date_is_23002(api: Api, absent: str) -> None:
    query = {"plan_ids": "p1", "start_date": "2025-01-01", "end_date": "2025-01-01"}
    del query[absent]
    status, code, message = error_of(api.get("/v4/status/plan/msg/", params=query))
    assert (status, code) == (400, 23002)
    assert absent in message
