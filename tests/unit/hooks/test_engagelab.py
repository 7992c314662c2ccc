"""EngageLabHook, specified by the seeds' request and answer examples replayed over loopback HTTP."""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from airflow_provider_engage.engagelab_spec import CODE_MEANINGS
from airflow_provider_engage.hooks import transport
from airflow_provider_engage.hooks.engagelab import (
    EngageLabAsyncHook,
    EngageLabHook,
    MsgIdRecord,
    read_msg_id_records,
    read_plan_msg_ids,
)
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import EngageLabApiError, EngageLabNotFoundError

from .conftest import ConnFactory, DroppingServer, EitherHook

FIXTURES = Path(__file__).parents[2] / "fixtures"
SCHEDULES = json.loads((FIXTURES / "engagelab_schedules.json").read_text(encoding="utf-8"))
PLANS = json.loads((FIXTURES / "engagelab_push_plans.json").read_text(encoding="utf-8"))

APP_KEY, MASTER_SECRET = "app-key-123", "master-secret-s3cr3t-value"
BASIC = "Basic " + base64.b64encode(f"{APP_KEY}:{MASTER_SECRET}".encode()).decode()
SCHEDULE_ID = "a9b85590-6cec-4f91-b277-2d82b0e20ef6"
FAST_RETRIES = {"max_retries": 3, "retry_min_wait": 0.01, "retry_max_wait": 5}


@pytest.fixture
def hook(httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float]) -> EngageLabHook:
    conn_id = make_conn(
        "engagelab_test",
        "engagelab",
        host=httpserver.url_for("/").rstrip("/"),
        login=APP_KEY,
        password=MASTER_SECRET,
        **FAST_RETRIES,
    )
    return EngageLabHook(engagelab_conn_id=conn_id)


@pytest.fixture(params=["sync", "async"])
def either(request: pytest.FixtureRequest, hook: EngageLabHook) -> EitherHook:
    """The sync hook, or the async one on the same connection: read tests specify both."""
    return EitherHook(request.param, hook, lambda: EngageLabAsyncHook(hook.conn_id))


def _only_request(httpserver: HTTPServer) -> Request:
    assert len(httpserver.log) == 1, [r.url for r, _ in httpserver.log]
    return httpserver.log[0][0]


def _assert_common_headers(request: Request, *, with_body: bool) -> None:
    assert request.headers["Authorization"] == BASIC
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("airflow-provider-engage/0.1.0 ")
    if with_body:
        assert request.headers["Content-Type"] == "application/json"
    else:
        assert "Content-Type" not in request.headers
        assert request.get_data() == b""


def _error(code: int, message: str = "error message") -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


# --- the seeds' request examples, replayed --------------------------------------------------------


@pytest.mark.parametrize("example", ["create_single_request", "create_periodical_request"])
def test_create_schedule_replays_the_seed_request(
    hook: EngageLabHook, httpserver: HTTPServer, example: str
) -> None:
    httpserver.expect_oneshot_request("/v4/schedules", method="POST").respond_with_json(
        SCHEDULES["create_response"]
    )

    answer = hook.create_schedule(SCHEDULES[example])

    assert answer == {"schedule_id": SCHEDULE_ID, "name": "Timed Task Name"}
    request = _only_request(httpserver)
    assert request.method == "POST"
    assert request.path == "/v4/schedules"
    assert request.query_string == b""
    _assert_common_headers(request, with_body=True)
    assert json.loads(request.get_data()) == SCHEDULES[example]


def test_list_schedules_sends_the_page_and_returns_the_page(
    hook: EngageLabHook, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/v4/schedules", method="GET").respond_with_json(
        SCHEDULES["list_response"]
    )

    answer = hook.list_schedules(page=4)

    assert answer == SCHEDULES["list_response"]
    request = _only_request(httpserver)
    assert (request.method, request.path, request.query_string) == ("GET", "/v4/schedules", b"page=4")
    _assert_common_headers(request, with_body=False)


def test_get_schedule_returns_the_object(either: EitherHook, httpserver: HTTPServer) -> None:
    schedule_id = SCHEDULES["get_response"]["schedule_id"]
    httpserver.expect_oneshot_request(f"/v4/schedules/{schedule_id}", method="GET").respond_with_json(
        SCHEDULES["get_response"]
    )

    assert either.get_schedule(schedule_id) == SCHEDULES["get_response"]
    _assert_common_headers(_only_request(httpserver), with_body=False)


def test_get_schedule_accepts_the_sdk_one_element_array(either: EitherHook, httpserver: HTTPServer) -> None:
    schedule_id = SCHEDULES["get_response"]["schedule_id"]
    httpserver.expect_oneshot_request(f"/v4/schedules/{schedule_id}").respond_with_json(
        [SCHEDULES["get_response"]]
    )

    assert either.get_schedule(schedule_id) == SCHEDULES["get_response"]


def test_get_schedule_empty_array_is_not_found(either: EitherHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v4/schedules/gone").respond_with_json([])

    with pytest.raises(EngageLabNotFoundError):
        either.get_schedule("gone")


def test_schedule_id_is_encoded_as_one_path_segment(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(re.compile("^/v4/schedules/.*")).respond_with_data("")

    hook.delete_schedule("a/b c")

    assert _only_request(httpserver).environ["REQUEST_URI"] == "/v4/schedules/a%2Fb%20c"


def test_both_hooks_send_an_encoded_id_as_it_was_built(either: EitherHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(re.compile("^/v4/schedules/.*")).respond_with_json({"MsgIds": []})

    either.get_schedule_msg_ids("a/b c,d")

    assert _only_request(httpserver).environ["REQUEST_URI"] == "/v4/schedules/a%2Fb%20c%2Cd/msg-ids"


@pytest.mark.parametrize("example", ["update_ios_request", "update_extend_end_request"])
def test_update_schedule_replays_the_seed_request(
    hook: EngageLabHook, httpserver: HTTPServer, example: str
) -> None:
    httpserver.expect_oneshot_request(f"/v4/schedules/{SCHEDULE_ID}", method="PUT").respond_with_json(
        SCHEDULES["update_response"]
    )

    assert hook.update_schedule(SCHEDULE_ID, SCHEDULES[example]) == SCHEDULES["update_response"]
    request = _only_request(httpserver)
    assert (request.method, request.path) == ("PUT", f"/v4/schedules/{SCHEDULE_ID}")
    _assert_common_headers(request, with_body=True)
    assert json.loads(request.get_data()) == SCHEDULES[example]


@pytest.mark.parametrize("example", ["update_wrong_partial_platform", "update_wrong_partial_end"])
def test_the_seeds_wrong_partial_updates_are_refused_before_sending(
    hook: EngageLabHook, httpserver: HTTPServer, example: str
) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        hook.update_schedule(SCHEDULE_ID, SCHEDULES[example])

    assert caught.value.field == "name"
    assert "sent whole" in str(caught.value)
    assert httpserver.log == []


@pytest.mark.parametrize("body", [b"", b"success"])
def test_delete_schedule_accepts_an_empty_or_success_body(
    hook: EngageLabHook, httpserver: HTTPServer, body: bytes
) -> None:
    httpserver.expect_oneshot_request(f"/v4/schedules/{SCHEDULE_ID}", method="DELETE").respond_with_data(
        body, content_type="application/json"
    )

    assert hook.delete_schedule(SCHEDULE_ID) is None
    request = _only_request(httpserver)
    assert (request.method, request.path) == ("DELETE", f"/v4/schedules/{SCHEDULE_ID}")
    _assert_common_headers(request, with_body=False)


def test_delete_of_a_missing_schedule_is_not_found(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"/v4/schedules/{SCHEDULE_ID}", method="DELETE").respond_with_json(
        SCHEDULES["delete_error_response"], status=404
    )

    with pytest.raises(EngageLabNotFoundError) as caught:
        hook.delete_schedule(SCHEDULE_ID)

    assert (caught.value.status_code, caught.value.vendor_code) == (404, 28404)
    assert caught.value.operation == "delete schedule"


def test_msg_ids_reads_the_seed_answer_into_records(either: EitherHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(f"/v4/schedules/{SCHEDULE_ID}/msg-ids", method="GET").respond_with_json(
        SCHEDULES["msg_ids_response"]
    )

    records = either.get_schedule_msg_ids(SCHEDULE_ID)

    fired = datetime(2024, 2, 7, 4, 0, 11, 611000, tzinfo=UTC)
    assert records == [
        MsgIdRecord("1088009", 0, "", False, fired),
        MsgIdRecord("0", 1011, "Cannot find sending target", False, fired),
    ]
    assert [record.ok for record in records] == [True, False]
    request = _only_request(httpserver)
    assert (request.method, request.path) == ("GET", f"/v4/schedules/{SCHEDULE_ID}/msg-ids")
    _assert_common_headers(request, with_body=False)


@pytest.mark.parametrize(
    "answer",
    [
        {"count": 2, "msgids": ["1088009", "1088010"]},
        {"msg_ids": [{"msg_id": "1088009"}, {"msg_id": 1088010}]},
        {"MsgIds": ["1088009", json.dumps({"msg_id": "1088010", "error": {"code": 0, "message": ""}})]},
    ],
    ids=["legacy-msgids", "msg_ids-objects", "mixed"],
)
def test_msg_ids_tolerates_every_known_shape(
    either: EitherHook, httpserver: HTTPServer, answer: dict[str, Any]
) -> None:
    httpserver.expect_oneshot_request(f"/v4/schedules/{SCHEDULE_ID}/msg-ids").respond_with_json(answer)

    assert [r.msg_id for r in either.get_schedule_msg_ids(SCHEDULE_ID)] == ["1088009", "1088010"]


@pytest.mark.parametrize("body", [b"", b"success", b'{"count": 0}'])
def test_msg_ids_empty_answers_mean_none_yet(either: EitherHook, httpserver: HTTPServer, body: bytes) -> None:
    httpserver.expect_oneshot_request(f"/v4/schedules/{SCHEDULE_ID}/msg-ids").respond_with_data(body)

    assert either.get_schedule_msg_ids(SCHEDULE_ID) == []


def _schedules(prefix: str, count: int) -> list[dict[str, Any]]:
    return [{"schedule_id": f"{prefix}{index}"} for index in range(count)]


def _schedule_pages(httpserver: HTTPServer, pages: list[list[dict[str, Any]]], **claims: int) -> None:
    """Answer ``/v4/schedules?page=N`` with ``pages[N-1]``, claiming ``total_pages``/``total_count``."""
    for number, schedules in enumerate(pages, start=1):
        httpserver.expect_ordered_request("/v4/schedules", query_string=f"page={number}").respond_with_json(
            {**claims, "page": number, "schedules": schedules}
        )


def test_iter_schedules_reads_past_a_total_pages_that_is_too_small(
    hook: EngageLabHook, httpserver: HTTPServer
) -> None:
    # The seed's own example: 1000 schedules, "total_pages": 5, 50 a page. The pages decide.
    first, second, third = _schedules("a", 50), _schedules("b", 50), _schedules("c", 7)
    _schedule_pages(httpserver, [first, second, third], total_pages=1, total_count=1000)

    assert list(hook.iter_schedules()) == first + second + third
    assert [r.query_string for r, _ in httpserver.log] == [b"page=1", b"page=2", b"page=3"]


def test_iter_schedules_stops_at_a_short_page_whatever_total_pages_says(
    hook: EngageLabHook, httpserver: HTTPServer
) -> None:
    only = _schedules("a", 30)
    _schedule_pages(httpserver, [only], total_pages=5, total_count=1000)

    assert list(hook.iter_schedules()) == only
    assert len(httpserver.log) == 1


def test_iter_schedules_stops_on_an_empty_page(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    full = _schedules("a", 50)
    _schedule_pages(httpserver, [full, []], total_pages=9, total_count=9)

    assert list(hook.iter_schedules()) == full
    assert len(httpserver.log) == 2


def test_iter_schedules_gives_each_schedule_once_and_ends_when_pages_repeat(
    hook: EngageLabHook, httpserver: HTTPServer
) -> None:
    # A service that ignores the page number answers the same full page forever.
    full = _schedules("a", 50)
    httpserver.expect_request("/v4/schedules").respond_with_json(
        {"total_pages": 3, "page": 1, "schedules": full}
    )

    assert list(hook.iter_schedules()) == full
    assert len(httpserver.log) == 2


def test_one_session_is_reused_across_calls(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(SCHEDULES["list_response"])

    hook.list_schedules()
    session = hook.get_conn()
    hook.list_schedules()

    assert hook.get_conn() is session
    assert len(httpserver.log) == 2


def test_timeouts_are_always_set(
    hook: EngageLabHook, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(SCHEDULES["list_response"])
    seen: list[Any] = []
    original = hook.session.request

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    monkeypatch.setattr(hook.session, "request", spy)
    hook.list_schedules()

    assert seen == [(10.0, 30.0)]


# --- push plans -----------------------------------------------------------------------------------


def test_upsert_push_plan_replays_the_seed_request(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v4/push_plan", method="POST").respond_with_json(
        PLANS["upsert_response"]
    )

    answer = hook.upsert_push_plan(**PLANS["upsert_request"])

    assert answer == PLANS["upsert_response"]
    request = _only_request(httpserver)
    assert (request.method, request.path) == ("POST", "/v4/push_plan")
    _assert_common_headers(request, with_body=True)
    assert json.loads(request.get_data()) == PLANS["upsert_request"]


def test_list_push_plans_replays_the_seed_query(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v4/push_plan/list", method="GET").respond_with_json(
        PLANS["list_response"]
    )

    answer = hook.list_push_plans(page_index=1, page_size=20, send_source=1, search_description="Double 11")

    assert answer == PLANS["list_response"]
    request = _only_request(httpserver)
    assert request.path == "/v4/push_plan/list"
    assert request.args.to_dict() == PLANS["list_query"]
    assert request.query_string == b"page_index=1&page_size=20&send_source=1&search_description=Double%2011"
    _assert_common_headers(request, with_body=False)


def test_list_push_plans_sends_only_the_filters_given(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v4/push_plan/list").respond_with_json(
        {"push_plan_info": [], "total": 0}
    )

    hook.list_push_plans()

    assert _only_request(httpserver).query_string == b"page_index=1&page_size=20"


def test_iter_push_plans_reads_on_when_total_is_missing(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    plans = [{"push_id": f"p{i}"} for i in range(3)]
    for index, chunk in ((1, plans[:2]), (2, plans[2:])):
        httpserver.expect_ordered_request(
            "/v4/push_plan/list", query_string=f"page_index={index}&page_size=2"
        ).respond_with_json({"push_plan_info": chunk})

    assert list(hook.iter_push_plans(page_size=2)) == plans
    assert len(httpserver.log) == 2


def test_iter_push_plans_follows_pages_until_total(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    plans = [{"push_id": f"p{i}"} for i in range(5)]
    for index, chunk in ((1, plans[:2]), (2, plans[2:4]), (3, plans[4:])):
        httpserver.expect_ordered_request(
            "/v4/push_plan/list", query_string=f"page_index={index}&page_size=2"
        ).respond_with_json({"push_plan_info": chunk, "total": 5})

    assert list(hook.iter_push_plans(page_size=2)) == plans
    assert len(httpserver.log) == 3


@time_machine.travel(datetime(2023, 11, 15, 12, 0, tzinfo=UTC), tick=False)
def test_get_plan_msg_ids_replays_the_seed_query(either: EitherHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v4/status/plan/msg/", method="GET").respond_with_json(
        PLANS["msg_response"]
    )

    answer = either.get_plan_msg_ids(["push_20231101", "push_20231102"], "2023-11-01", "2023-11-15")

    assert answer == {"push_20231101": ["msg_001", "msg_002"], "push_20231102": ["msg_003"]}
    request = _only_request(httpserver)
    assert request.path == "/v4/status/plan/msg/"
    assert (
        request.query_string
        == b"plan_ids=push_20231101,push_20231102&start_date=2023-11-01&end_date=2023-11-15"
    )
    assert request.args.to_dict() == PLANS["msg_query"]
    _assert_common_headers(request, with_body=False)


@time_machine.travel(datetime(2023, 11, 15, 12, 0, tzinfo=UTC), tick=False)
def test_get_plan_msg_ids_accepts_a_comma_string_and_dates(
    either: EitherHook, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/v4/status/plan/msg/").respond_with_json(PLANS["msg_response"])

    either.get_plan_msg_ids("push_20231101, push_20231102", date(2023, 11, 1), date(2023, 11, 15))

    assert _only_request(httpserver).args.to_dict() == PLANS["msg_query"]


@time_machine.travel(datetime(2023, 11, 15, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (("2023-11-10", "2023-11-01"), ("end_date", 21003)),  # end before start
        (("2023-11-1", "2023-11-15"), ("start_date", 21003)),  # not zero-padded
        (("2023-10-16", "2023-11-17"), ("end_date", 21044)),  # 32 days
        (("", "2023-11-17"), ("start_date", 23002)),  # missing: the seed's own code for it
    ],
)
def test_plan_msg_id_date_rules_fail_before_sending(
    either: EitherHook, httpserver: HTTPServer, dates: tuple[str, str], expected: tuple[str, int]
) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        either.get_plan_msg_ids(["push_20231101"], *dates)

    assert (caught.value.field, caught.value.vendor_code) == expected
    assert httpserver.log == []


@time_machine.travel(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), tick=False)
def test_the_30_day_lookback_is_left_to_the_service_whose_clock_may_differ(
    either: EitherHook, httpserver: HTTPServer
) -> None:
    # The seed's own example (November 2023) is sent as it is, years later by this machine's clock.
    httpserver.expect_oneshot_request("/v4/status/plan/msg/").respond_with_json(PLANS["msg_response"])

    either.get_plan_msg_ids(["push_20231101", "push_20231102"], "2023-11-01", "2023-11-15")

    assert _only_request(httpserver).args.to_dict() == PLANS["msg_query"]


def test_get_message_stats_asks_in_chunks_of_100(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    ids = [str(1000 + i) for i in range(150)]

    def answer(request: Request) -> Response:
        asked = request.args["message_ids"].split(",")
        return Response(
            json.dumps({i: {"targets": 1, "sent": 1} for i in asked}), content_type="application/json"
        )

    httpserver.expect_request("/v4/status/detail", method="GET").respond_with_handler(answer)

    stats = hook.get_message_stats(ids)

    assert sorted(stats) == sorted(ids)
    asked = [request.args["message_ids"].split(",") for request, _ in httpserver.log]
    assert [len(chunk) for chunk in asked] == [100, 50]
    assert asked[0] + asked[1] == ids


def test_get_message_stats_reads_one_string_as_comma_separated_ids(
    hook: EngageLabHook, httpserver: HTTPServer
) -> None:
    # It read "1088009" as seven one-digit ids before (a string is iterable); found by the fuzz.
    httpserver.expect_request("/v4/status/detail", method="GET").respond_with_json({})

    hook.get_message_stats("1088009, 1088010")

    (request, _), *_ = httpserver.log
    assert request.args["message_ids"] == "1088009,1088010"


def test_get_message_stats_keys_a_list_answer_by_message_id(
    hook: EngageLabHook, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/v4/status/detail").respond_with_json(
        [{"message_id": "11", "sent": 3}, {"message_id": "12", "sent": 4}]
    )

    assert hook.get_message_stats(["11", "12"]) == {
        "11": {"message_id": "11", "sent": 3},
        "12": {"message_id": "12", "sent": 4},
    }


def test_get_message_stats_of_nothing_sends_nothing(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    assert hook.get_message_stats([]) == {}
    assert httpserver.log == []


# --- every documented error maps to the right exception ------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "not_found"),
    [
        (400, 28100, False),
        (401, 28101, False),
        (404, 28104, True),
        (404, 28105, False),  # no push target: the schedule exists, the push is wrong
        (400, 28400, False),
    ],
)
def test_schedule_errors_map_to_exceptions(
    either: EitherHook, httpserver: HTTPServer, status: int, code: int, not_found: bool
) -> None:
    httpserver.expect_request(f"/v4/schedules/{SCHEDULE_ID}").respond_with_json(
        _error(code, "vendor says no"), status=status
    )

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule(SCHEDULE_ID)

    error = caught.value
    assert isinstance(error, EngageLabNotFoundError) is not_found
    assert (error.status_code, error.vendor_code, error.vendor_message) == (status, code, "vendor says no")
    assert error.operation == "get schedule"
    assert str(error).startswith(f"EngageLab get schedule failed: HTTP {status}, code {code}")
    assert len(httpserver.log) == 1  # 4xx is never retried


def test_error_text_names_the_code_meaning(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(_error(28101, "auth failed"), status=401)

    with pytest.raises(
        EngageLabApiError, match=r"code 28101 \(authentication failed: AppKey and Master Secret"
    ):
        hook.list_schedules()


@pytest.mark.parametrize(
    ("path", "call", "answer"),
    [
        ("/v4/push_plan", lambda h: h.upsert_push_plan("p1", "d"), PLANS["upsert_error_response"]),
        ("/v4/push_plan/list", lambda h: h.list_push_plans(), PLANS["list_error_response"]),
    ],
)
def test_push_plan_errors_carry_the_vendor_code(
    hook: EngageLabHook, httpserver: HTTPServer, path: str, call: Any, answer: dict[str, Any]
) -> None:
    httpserver.expect_request(path).respond_with_json(answer, status=400)

    with pytest.raises(EngageLabApiError) as caught:
        call(hook)

    assert (caught.value.status_code, caught.value.vendor_code) == (400, answer["error"]["code"])
    assert caught.value.vendor_message == answer["error"]["message"]
    assert not isinstance(caught.value, EngageLabNotFoundError)


@time_machine.travel(datetime(2023, 11, 15, 12, 0, tzinfo=UTC), tick=False)
def test_plan_msg_span_error_from_the_service(either: EitherHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v4/status/plan/msg/").respond_with_json(
        PLANS["msg_error_response"], status=400
    )

    with pytest.raises(
        EngageLabApiError, match=r"code 21044 \(start and end dates more than one month apart\)"
    ):
        either.get_plan_msg_ids(["push_20231101"], "2023-11-01", "2023-11-15")


def test_an_error_body_on_http_200_is_still_an_error(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(_error(28100, "bad"), status=200)

    with pytest.raises(EngageLabApiError) as caught:
        hook.list_schedules()

    assert (caught.value.status_code, caught.value.vendor_code) == (200, 28100)


def test_a_non_json_error_page_is_quoted(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_data(
        "<html>Forbidden by proxy</html>", status=403
    )

    with pytest.raises(EngageLabApiError, match="Forbidden by proxy") as caught:
        hook.list_schedules()

    assert (caught.value.status_code, caught.value.vendor_code) == (403, None)


def test_an_unreadable_success_answer_is_an_error(either: EitherHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/v4/schedules/{SCHEDULE_ID}/msg-ids").respond_with_json({"MsgIds": "oops"})

    with pytest.raises(EngageLabApiError, match="unexpected answer"):
        either.get_schedule_msg_ids(SCHEDULE_ID)


# --- retries --------------------------------------------------------------------------------------


def test_429_is_retried_after_retry_after(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(
        _error(429, "slow down"), status=429, headers={"Retry-After": "2"}
    )
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(SCHEDULES["list_response"])

    assert hook.list_schedules() == SCHEDULES["list_response"]
    assert len(httpserver.log) == 2
    assert sleeps == [2.0]


def test_429_honours_x_rate_limit_reset(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/v4/schedules").respond_with_data(
        "", status=429, headers={"X-Rate-Limit-Reset": "1", "X-Rate-Limit-Remaining": "0"}
    )
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(SCHEDULES["list_response"])

    hook.list_schedules()

    assert sleeps == [1.0]


def test_429_on_create_is_retried_because_it_was_not_applied(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/v4/schedules", method="POST").respond_with_data("", status=429)
    httpserver.expect_ordered_request("/v4/schedules", method="POST").respond_with_json(
        SCHEDULES["create_response"]
    )

    assert hook.create_schedule(SCHEDULES["create_single_request"])["schedule_id"] == SCHEDULE_ID
    assert len(httpserver.log) == 2
    assert len(sleeps) == 1
    assert 0.01 <= sleeps[0] <= 5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_on_reads_are_retried_until_the_limit(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float], status: int
) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(_error(28200, "boom"), status=status)

    with pytest.raises(EngageLabApiError) as caught:
        hook.list_schedules()

    assert len(httpserver.log) == 4  # the first try and max_retries=3 more
    assert len(sleeps) == 3
    assert caught.value.status_code == status
    assert not caught.value.may_have_taken_effect


def test_backoff_grows_and_stays_within_the_cap(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float]
) -> None:
    conn_id = make_conn(
        "engagelab_backoff",
        "engagelab",
        host=httpserver.url_for("/").rstrip("/"),
        login=APP_KEY,
        password=MASTER_SECRET,
        max_retries=6,
        retry_min_wait=1,
        retry_max_wait=4,
    )
    httpserver.expect_request("/v4/schedules").respond_with_data("", status=502)

    with pytest.raises(EngageLabApiError):
        EngageLabHook(conn_id).list_schedules()

    ceilings = [1, 2, 4, 4, 4, 4]
    assert len(sleeps) == 6
    assert all(1 <= pause <= ceiling for pause, ceiling in zip(sleeps, ceilings, strict=True))


def test_28203_on_create_is_retried(hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_ordered_request("/v4/schedules", method="POST").respond_with_json(
        _error(28203, "retry later"), status=503
    )
    httpserver.expect_ordered_request("/v4/schedules", method="POST").respond_with_json(
        SCHEDULES["create_response"]
    )

    assert hook.create_schedule(SCHEDULES["create_periodical_request"])["schedule_id"] == SCHEDULE_ID
    assert len(httpserver.log) == 2
    first, second = (json.loads(request.get_data()) for request, _ in httpserver.log)
    assert first == second == SCHEDULES["create_periodical_request"]


@pytest.mark.parametrize(("status", "code"), [(500, 28200), (502, None), (504, None)])
def test_an_ambiguous_server_error_on_create_is_not_retried(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float], status: int, code: int | None
) -> None:
    body = json.dumps(_error(code, "internal")) if code else ""
    httpserver.expect_request("/v4/schedules", method="POST").respond_with_data(body, status=status)

    with pytest.raises(EngageLabApiError) as caught:
        hook.create_schedule(SCHEDULES["create_single_request"])

    assert len(httpserver.log) == 1
    assert sleeps == []
    assert caught.value.may_have_taken_effect
    assert "may have taken effect" in str(caught.value)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_never_retried(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float], status: int
) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(_error(28100, "no"), status=status)

    with pytest.raises(EngageLabApiError):
        hook.list_schedules()

    assert len(httpserver.log) == 1
    assert sleeps == []


def test_a_retry_after_longer_than_the_cap_fails_at_once(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )

    with pytest.raises(EngageLabApiError) as caught:
        hook.list_schedules()

    assert caught.value.status_code == 429
    assert len(httpserver.log) == 1
    assert sleeps == []


def _conn_to(
    make_conn: ConnFactory, url: str, conn_id: str = "engagelab_transport", **extra: Any
) -> EngageLabHook:
    settings = {**FAST_RETRIES, **extra}
    return EngageLabHook(
        make_conn(conn_id, "engagelab", host=url, login=APP_KEY, password=MASTER_SECRET, **settings)
    )


def test_connection_refused_is_retried_even_for_a_create(
    make_conn: ConnFactory, refused_url: str, sleeps: list[float]
) -> None:
    hook = _conn_to(make_conn, refused_url)

    with pytest.raises(EngageLabApiError) as caught:
        hook.create_schedule(SCHEDULES["create_single_request"])

    assert len(sleeps) == 3  # every retry was spent: nothing can have been created
    error = caught.value
    assert error.status_code is None
    assert not error.may_have_taken_effect
    assert "no answer from /v4/schedules" in str(error)
    assert error.__cause__ is not None


def test_a_dropped_connection_on_a_read_is_retried(
    make_conn: ConnFactory, dropping_server: DroppingServer, sleeps: list[float]
) -> None:
    hook = _conn_to(make_conn, dropping_server.url)

    with pytest.raises(EngageLabApiError) as caught:
        hook.get_schedule(SCHEDULE_ID)

    assert len(dropping_server.requests) == 4
    assert all(r.startswith(f"GET /v4/schedules/{SCHEDULE_ID} ".encode()) for r in dropping_server.requests)
    assert caught.value.status_code is None


def test_a_create_dropped_after_sending_is_not_sent_again(
    make_conn: ConnFactory, dropping_server: DroppingServer, sleeps: list[float]
) -> None:
    hook = _conn_to(make_conn, dropping_server.url)

    with pytest.raises(EngageLabApiError) as caught:
        hook.create_schedule(SCHEDULES["create_single_request"])

    assert len(dropping_server.requests) == 1
    assert sleeps == []
    assert caught.value.may_have_taken_effect
    assert "may have taken effect" in str(caught.value)


def test_a_create_that_times_out_is_not_sent_again(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float]
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response(json.dumps(SCHEDULES["create_response"]), content_type="application/json")

    httpserver.expect_request("/v4/schedules", method="POST").respond_with_handler(slow)
    hook = _conn_to(make_conn, httpserver.url_for("/").rstrip("/"), timeout=0.1)

    with pytest.raises(EngageLabApiError) as caught:
        hook.create_schedule(SCHEDULES["create_single_request"])

    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.05)  # the server answers late, to nobody; wait so it is counted here
    assert len(httpserver.log) == 1
    assert caught.value.may_have_taken_effect
    assert caught.value.status_code is None
    assert sleeps == []


def test_an_upsert_is_safe_to_retry_after_a_drop(
    make_conn: ConnFactory, dropping_server: DroppingServer, sleeps: list[float]
) -> None:
    hook = _conn_to(make_conn, dropping_server.url)

    with pytest.raises(EngageLabApiError):
        hook.upsert_push_plan("push_20231001_001", "Double 11")

    assert len(dropping_server.requests) == 4


# --- input checks before any request -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(enabled=False), "enabled"),
        (lambda s: s.update(name="bad-name!"), "name"),
        (lambda s: s["trigger"]["single"].update(time="2022-11-23 19:20"), "trigger.single.time"),
        (lambda s: s["push"].pop("to"), "push.to"),
        (lambda s: s["push"]["body"].pop("platform"), "push.body.platform"),
        # found by the input fuzz: these crashed the JSON encoder, or went out as invalid JSON
        (
            lambda s: s["push"]["body"]["options"].update(time_to_live=float("nan")),
            "push.body.options.time_to_live",
        ),
        (
            lambda s: s["push"]["body"]["notification"].update(alert="caf\udce9"),
            "push.body.notification.alert",
        ),
        (lambda s: s["push"].update(custom_args={"when": date(2030, 1, 1)}), "push.custom_args.when"),
    ],
)
def test_create_input_is_checked_before_sending(
    hook: EngageLabHook, httpserver: HTTPServer, change: Any, field: str
) -> None:
    payload = json.loads(json.dumps(SCHEDULES["create_single_request"]))
    change(payload)

    with pytest.raises(InvalidFieldError) as caught:
        hook.create_schedule(payload)

    assert caught.value.field == field
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.upsert_push_plan("_starts_with_underscore", "d"), "plan_id"),
        (lambda h: h.upsert_push_plan("x" * 51, "d"), "plan_id"),
        (lambda h: h.list_push_plans(page_size=101), "page_size"),
        (lambda h: h.list_push_plans(page_index=0), "page_index"),
        (lambda h: h.list_schedules(page=0), "page"),
        (lambda h: h.get_schedule(""), "schedule_id"),
        (lambda h: h.get_message_stats(["1,2"]), "msg_ids[0]"),
        # found by the input fuzz: crashes (TypeError, UnicodeEncodeError), ids that were no ids,
        # and dot segments that reached another endpoint
        (lambda h: h.get_message_stats(5), "msg_ids"),
        (lambda h: h.get_message_stats(["1", True]), "msg_ids[1]"),
        (lambda h: h.get_message_stats([None]), "msg_ids[0]"),
        (lambda h: h.get_message_stats(["caf\udce9"]), "msg_ids[0]"),
        (lambda h: h.get_message_stats("1,,2"), "msg_ids[1]"),
        (lambda h: h.get_schedule(".."), "schedule_id"),
        (lambda h: h.delete_schedule("."), "schedule_id"),
        (lambda h: h.get_schedule_msg_ids("caf\udce9"), "schedule_id"),
        (lambda h: h.get_plan_msg_ids(5, "2023-11-01", "2023-11-02"), "plan_ids"),
        (lambda h: h.list_push_plans(search_description="caf\udce9"), "search_description"),
    ],
)
def test_other_input_is_checked_before_sending(
    hook: EngageLabHook, httpserver: HTTPServer, call: Any, field: str
) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        call(hook)

    assert caught.value.field == field
    assert httpserver.log == []


# --- the connection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "url"),
    [
        (None, "https://pushapi-sgp.engagelab.com"),
        ("singapore", "https://pushapi-sgp.engagelab.com"),
        ("hongkong", "https://pushapi-hk.engagelab.com"),
        ("virginia", "https://pushapi-usva.engagelab.com"),
        ("frankfurt", "https://pushapi-defra.engagelab.com"),
        ("japan", "https://pushapi-jpn.engagelab.com"),
        ("brazil", "https://pushapi-bra.engagelab.com"),
    ],
)
def test_region_picks_the_base_url(make_conn: ConnFactory, region: str | None, url: str) -> None:
    extra = {"region": region} if region else {}
    assert (
        EngageLabHook(make_conn("engagelab_region", "engagelab", login="k", password="s", **extra)).base_url
        == url
    )


def test_form_prefixed_extras_are_read_too(make_conn: ConnFactory) -> None:
    hook = EngageLabHook(
        make_conn(
            "engagelab_prefixed",
            "engagelab",
            extra__engagelab__region="japan",
            extra__engagelab__site_timezone="Asia/Tokyo",
            extra__engagelab__max_retries="2",
        )
    )
    assert hook.base_url == "https://pushapi-jpn.engagelab.com"
    assert hook.site_timezone == "Asia/Tokyo"
    assert hook.retry_settings.max_retries == 2


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://proxy.example/engagelab/", "https://proxy.example/engagelab"),
        ("pushapi-hk.engagelab.com", "https://pushapi-hk.engagelab.com"),
    ],
)
def test_host_overrides_the_region(make_conn: ConnFactory, host: str, url: str) -> None:
    hook = EngageLabHook(make_conn("engagelab_host", "engagelab", host=host, region="brazil"))
    assert hook.base_url == url


def test_unknown_region_and_zone_are_refused(make_conn: ConnFactory) -> None:
    hook = EngageLabHook(make_conn("engagelab_bad", "engagelab", region="mars", site_timezone="Mars/Olympus"))
    with pytest.raises(InvalidFieldError, match="region"):
        _ = hook.base_url
    with pytest.raises(InvalidFieldError) as caught:
        _ = hook.site_timezone
    assert caught.value.field == "site_timezone"


def test_site_timezone_defaults_to_shanghai(make_conn: ConnFactory) -> None:
    assert EngageLabHook(make_conn("engagelab_zone", "engagelab")).site_timezone == "Asia/Shanghai"


def test_missing_credentials_fail_before_sending(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float]
) -> None:
    hook = EngageLabHook(
        make_conn("engagelab_nocreds", "engagelab", host=httpserver.url_for("/").rstrip("/"))
    )

    with pytest.raises(EngageLabApiError, match="needs the AppKey as login"):
        hook.list_schedules()

    assert httpserver.log == []


def test_test_connection_reads_the_first_page(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v4/schedules", query_string="page=1").respond_with_json(
        {"total_count": 7, "total_pages": 1, "page": 1, "schedules": []}
    )

    ok, message = hook.test_connection()

    assert ok
    assert "7 unexpired schedules" in message
    _assert_common_headers(_only_request(httpserver), with_body=False)


def test_test_connection_reports_the_vendor_message(hook: EngageLabHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(
        _error(28101, "Basic authentication failed"), status=401
    )

    ok, message = hook.test_connection()

    assert not ok
    assert "Basic authentication failed" in message
    assert "28101" in message


# --- secrets ---------------------------------------------------------------------------------------


def test_secrets_never_reach_logs_or_errors(
    hook: EngageLabHook,
    httpserver: HTTPServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    sleeps: list[float],
) -> None:
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(_error(28200, "boom"), status=500)
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(SCHEDULES["list_response"])
    httpserver.expect_ordered_request(f"/v4/schedules/{SCHEDULE_ID}").respond_with_json(
        _error(28101, "auth"), status=401
    )
    caplog.set_level(logging.DEBUG)

    hook.list_schedules()
    with pytest.raises(EngageLabApiError) as caught:
        hook.get_schedule(SCHEDULE_ID)

    token = BASIC.split()[1]
    output = capfd.readouterr()
    logs = caplog.text + output.out + output.err
    for text in (logs, str(caught.value), repr(caught.value), repr(caught.value.__dict__)):
        assert MASTER_SECRET not in text
        assert token not in text
    assert "GET /v4/schedules: HTTP 500" in logs  # the method, path and status of a retry are logged


def test_the_master_secret_is_registered_for_masking(
    hook: EngageLabHook, monkeypatch: pytest.MonkeyPatch
) -> None:
    masked: list[str] = []
    monkeypatch.setattr(transport, "mask_secret", masked.append)

    _ = hook.connection

    assert MASTER_SECRET in masked


def test_a_uri_connection_reaches_the_server(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    port = httpserver.port
    monkeypatch.setenv(
        "AIRFLOW_CONN_ENGAGELAB_URI",
        f"engagelab://{APP_KEY}:{MASTER_SECRET}@http%3A%2F%2F127.0.0.1:{port}?site_timezone=Asia%2FTokyo",
    )
    httpserver.expect_oneshot_request("/v4/schedules").respond_with_json(SCHEDULES["list_response"])
    uri_hook = EngageLabHook("engagelab_uri")

    uri_hook.list_schedules()

    assert uri_hook.base_url == f"http://127.0.0.1:{port}"
    assert uri_hook.site_timezone == "Asia/Tokyo"
    _assert_common_headers(_only_request(httpserver), with_body=False)


def test_a_bare_host_with_a_port_gets_https(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ENGAGELAB_PORT", "engagelab://k:s@push.internal:8443")
    assert EngageLabHook("engagelab_port").base_url == "https://push.internal:8443"


@pytest.mark.parametrize(
    "case", SCHEDULES["error_codes"], ids=[str(case["code"]) for case in SCHEDULES["error_codes"]]
)
def test_every_documented_schedule_code_maps_to_its_exception(
    either: EitherHook, httpserver: HTTPServer, sleeps: list[float], case: dict[str, int]
) -> None:
    code, status = case["code"], case["http"]
    httpserver.expect_request(f"/v4/schedules/{SCHEDULE_ID}").respond_with_json(_error(code), status=status)

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule(SCHEDULE_ID)

    assert (caught.value.status_code, caught.value.vendor_code) == (status, code)
    assert isinstance(caught.value, EngageLabNotFoundError) is (code == 28104)
    assert f"({CODE_MEANINGS[code]})" in str(caught.value)
    retried = code in (28200, 28203)  # the seed's "retry later" and internal errors, on a read
    assert len(httpserver.log) == (4 if retried else 1)
    assert caught.value.transient is retried  # what a task retry could change, and what it cannot


@pytest.mark.parametrize("code", PLANS["error_codes"])
def test_every_documented_push_plan_code_is_named(
    hook: EngageLabHook, httpserver: HTTPServer, sleeps: list[float], code: int
) -> None:
    httpserver.expect_request("/v4/push_plan/list").respond_with_json(_error(code, "vendor text"), status=400)

    with pytest.raises(EngageLabApiError) as caught:
        hook.list_push_plans()

    assert caught.value.vendor_code == code
    assert f"code {code} ({CODE_MEANINGS[code]}): vendor text" in str(caught.value)


def test_importing_the_hook_stays_light() -> None:
    code = (
        "import sys, airflow_provider_engage.hooks.engagelab, airflow_provider_engage.hooks.pai; "
        "print('aiohttp' in sys.modules, 'fastapi' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split()[-2:] == ["False", "False"]


# --- msg-id records, read by every variant of the answer -------------------------------------------

FIRED = datetime(2024, 2, 7, 4, 0, 11, 611000, tzinfo=UTC)
SEED_ANSWER = SCHEDULES["msg_ids_response"]


def test_the_seed_answer() -> None:
    assert read_msg_id_records(SEED_ANSWER) == [
        MsgIdRecord("1088009", 0, "", False, FIRED),
        MsgIdRecord("0", 1011, "Cannot find sending target", False, FIRED),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"msgids": ["1088009"]},
        {"msg_ids": ["1088009"]},
        {"MsgIds": [1088009]},
        {"MsgIds": [{"msg_id": "1088009"}]},
        {"MsgIds": [' {"msgid": "1088009"}']},
        ["1088009"],
    ],
)
def test_every_shape_gives_the_same_record(answer: Any) -> None:
    assert read_msg_id_records(answer) == [MsgIdRecord("1088009")]


@pytest.mark.parametrize("answer", [None, "success", {}, {"count": 0}, {"MsgIds": None}, {"MsgIds": []}])
def test_nothing_yet(answer: Any) -> None:
    assert read_msg_id_records(answer) == []


def test_need_retry_and_seconds_timestamps() -> None:
    (record,) = read_msg_id_records({"MsgIds": [{"msg_id": "7", "need_retry": True, "ts": 1707278411}]})
    assert record.need_retry
    assert record.fired_at == datetime(2024, 2, 7, 4, 0, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ts", "fired_at"),
    [
        (99_999_999_999, datetime.fromtimestamp(99_999_999_999, tz=UTC)),  # seconds: year 5138
        (100_000_000_000, datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),  # milliseconds from here on
    ],
)
def test_ts_is_read_by_the_same_threshold_as_every_epoch(ts: int, fired_at: datetime) -> None:
    from airflow_provider_engage import timing

    (record,) = read_msg_id_records({"MsgIds": [{"msg_id": "7", "ts": ts}]})
    assert record.fired_at == fired_at
    assert record.fired_at.timestamp() == timing.epoch_seconds(ts)


@pytest.mark.parametrize(
    "answer",
    [{"MsgIds": "1088009"}, {"MsgIds": ["{broken"]}, {"MsgIds": [{"error": {}}]}, 42, {"MsgIds": [None]}],
)
def test_unreadable_answers_raise(answer: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011  (json's and ours alike)
        read_msg_id_records(answer)


def test_ok_follows_the_error_code() -> None:
    assert MsgIdRecord("1").ok
    assert not MsgIdRecord("0", error_code=1011).ok


def test_to_dict_is_json_and_round_trips() -> None:
    records = [*read_msg_id_records(SEED_ANSWER), MsgIdRecord("9")]
    as_json = json.loads(json.dumps([record.to_dict() for record in records]))
    assert as_json[1] == {
        "msg_id": "0",
        "ok": False,
        "error_code": 1011,
        "error_message": "Cannot find sending target",
        "need_retry": False,
        "fired_at": "2024-02-07T04:00:11.611000+00:00",
    }
    assert [MsgIdRecord.from_dict(item) for item in as_json] == records


def test_plan_msg_ids() -> None:
    answer = {"push_20231101": {"msg_ids": ["msg_001", "msg_002"]}, "push_20231102": {"msg_ids": ["msg_003"]}}
    assert read_plan_msg_ids(answer) == {
        "push_20231101": ["msg_001", "msg_002"],
        "push_20231102": ["msg_003"],
    }
    assert read_plan_msg_ids({"p": {"msg_ids": None}, "q": [1, 2]}) == {"p": [], "q": ["1", "2"]}
    assert read_plan_msg_ids(None) == {}
    with pytest.raises(ValueError, match="plan 'p'"):
        read_plan_msg_ids({"p": {"msg_ids": "x"}})
