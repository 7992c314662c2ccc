"""PaiEngagementHook: the seed's gateway examples replayed, and the signed ROA API, over loopback."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pendulum
import pytest
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from pytest_httpserver import HTTPServer
from werkzeug import Request

from airflow_provider_engage import acs3
from airflow_provider_engage.emulator import Credentials, running_emulator
from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook, PaiEngagementHook
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import PaiEngagementApiError, PaiEngagementNotFoundError

from .conftest import ConnFactory, EitherHook, Said

FIXTURES = Path(__file__).parents[2] / "fixtures"
SEED = json.loads((FIXTURES / "pai_create_schedule.json").read_text(encoding="utf-8"))
API_KEY = "sk-pai-api-key-0123456789"
AK_ID, AK_SECRET, STS_TOKEN = "LTAI-test-id", "ak-secret-do-not-leak-42", "sts-token-value-77"
FAST_RETRIES = {"max_retries": 3, "retry_min_wait": 0.01, "retry_max_wait": 5}
GATEWAY_PATH = "/api/PaiPlugin/2022-01-12/CreateSchedule"
SNAKE = {
    "GroupId": "group_id",
    "Name": "name",
    "ExecuteTime": "execute_time",
    "EndTime": "end_time",
    "RepeatCycle": "repeat_cycle",
    "RepeatCycleUnit": "repeat_cycle_unit",
    "RepeatTimes": "repeat_times",
    "SignName": "sign_name",
    "SignatureId": "signature_id",
    "TemplateCode": "template_code",
    "TemplateId": "template_id",
    "AISendStartDate": "ai_send_start_date",
    "AISendEndDate": "ai_send_end_date",
    "PaymentType": "payment_type",
}


def _keywords(body: dict[str, Any]) -> dict[str, Any]:
    return {SNAKE[name]: value for name, value in body.items()}


def _envelope(data: Any, request_id: str = "req-1") -> dict[str, Any]:
    return {"Data": data, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": request_id}


def _url(httpserver: HTTPServer) -> str:
    return httpserver.url_for("/").rstrip("/")


@pytest.fixture
def gateway(httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float]) -> PaiEngagementHook:
    conn_id = make_conn(
        "pai_gateway", "pai_engagement", host=_url(httpserver), password=API_KEY, **FAST_RETRIES
    )
    return PaiEngagementHook(pai_engagement_conn_id=conn_id)


@pytest.fixture
def roa(httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float]) -> PaiEngagementHook:
    conn_id = make_conn(
        "pai_roa",
        "pai_engagement",
        host=_url(httpserver),
        login=AK_ID,
        password=AK_SECRET,
        api_style="roa",
        **FAST_RETRIES,
    )
    return PaiEngagementHook(conn_id)


@pytest.fixture(params=["sync", "async"])
def roa_either(request: pytest.FixtureRequest, roa: PaiEngagementHook) -> EitherHook:
    """The roa hook, sync or async on the same connection: the reads triggers need, specified once."""
    return EitherHook(request.param, roa, lambda: PaiEngagementAsyncHook(roa.conn_id))


@pytest.fixture(params=["sync", "async"])
def gateway_either(request: pytest.FixtureRequest, gateway: PaiEngagementHook) -> EitherHook:
    return EitherHook(request.param, gateway, lambda: PaiEngagementAsyncHook(gateway.conn_id))


def _only_request(httpserver: HTTPServer) -> Request:
    assert len(httpserver.log) == 1, [r.url for r, _ in httpserver.log]
    return httpserver.log[0][0]


# --- gateway style: the seed's contract ----------------------------------------------------------


@pytest.mark.parametrize("example", SEED["requests"], ids=[r["body"]["Name"] for r in SEED["requests"]])
def test_gateway_replays_every_seed_example(
    gateway: PaiEngagementHook, httpserver: HTTPServer, example: dict[str, Any]
) -> None:
    httpserver.expect_oneshot_request(GATEWAY_PATH, method="POST").respond_with_json(SEED["response"])

    data = gateway.create_schedule(**_keywords(example["body"]))

    assert data == SEED["response"]["Data"]
    request = _only_request(httpserver)
    assert (request.method, request.path, request.query_string) == ("POST", GATEWAY_PATH, b"")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("airflow-provider-engage/")
    assert json.loads(request.get_data()) == {"body": example["body"]}


@pytest.mark.parametrize(
    ("region", "host"),
    [
        (None, "https://api.aliyun.com"),
        ("cn", "https://api.aliyun.com"),
        ("intl", "https://api.alibabacloud.com"),
    ],
)
def test_gateway_region_picks_the_seed_host(make_conn: ConnFactory, region: str | None, host: str) -> None:
    extra = {"region": region} if region else {}
    hook = PaiEngagementHook(make_conn("pai_region", "pai_engagement", password=API_KEY, **extra))

    assert hook.api_style == "gateway"
    assert hook.base_url == host
    assert {r["host"] for r in SEED["requests"]} == {"https://api.aliyun.com", "https://api.alibabacloud.com"}


def test_gateway_sends_only_the_fields_given(gateway: PaiEngagementHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(GATEWAY_PATH).respond_with_json(_envelope({"Id": "s1", "Status": 0}))

    assert gateway.create_schedule(group_id="group-abcde", name="UrgentAlert") == {"Id": "s1", "Status": 0}

    assert json.loads(_only_request(httpserver).get_data()) == {
        "body": {"GroupId": "group-abcde", "Name": "UrgentAlert"}
    }


def test_an_aware_datetime_is_sent_as_utc_plus_8(gateway: PaiEngagementHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(GATEWAY_PATH).respond_with_json(_envelope({"Id": "s1"}))

    gateway.create_schedule(
        group_id="g", name="DailyReminder", execute_time=datetime(2024, 12, 1, 1, 0, tzinfo=UTC)
    )

    assert json.loads(_only_request(httpserver).get_data())["body"]["ExecuteTime"] == "2024-12-01 09:00:00"


def test_the_api_key_falls_back_to_dashscope_env(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-from-the-environment")
    hook = PaiEngagementHook(make_conn("pai_env", "pai_engagement", host=_url(httpserver)))
    httpserver.expect_oneshot_request(GATEWAY_PATH).respond_with_json(_envelope({"Id": "s1"}))

    hook.create_schedule(group_id="g", name="UrgentAlert")

    assert _only_request(httpserver).headers["Authorization"] == "Bearer sk-from-the-environment"


def test_no_key_anywhere_fails_before_sending(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY", raising=False)
    hook = PaiEngagementHook(make_conn("pai_nokey", "pai_engagement", host=_url(httpserver)))

    with pytest.raises(PaiEngagementApiError, match="DASHSCOPE_API_KEY"):
        hook.create_schedule(group_id="g", name="UrgentAlert")

    assert httpserver.log == []


@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.get_schedule("s1"),
        lambda h: h.list_schedules(),
        lambda h: h.delete_schedule("s1"),
        lambda h: h.list_messages("s1", "2024-12-01"),
        lambda h: h.list_message_metrics("s1", "2024-12-01", "2024-12-02"),
    ],
)
def test_reads_need_the_roa_style(gateway: PaiEngagementHook, httpserver: HTTPServer, call: Any) -> None:
    with pytest.raises(PaiEngagementApiError, match="needs api_style 'roa'"):
        call(gateway)

    assert httpserver.log == []


@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.get_schedule("s1"),
        lambda h: h.list_messages("s1", "2024-12-01"),
        lambda h: h.list_message_metrics("s1", "2024-12-01", "2024-12-02"),
    ],
    ids=["get", "messages", "metrics"],
)
def test_both_hooks_refuse_a_read_the_gateway_lacks_before_sending(
    gateway_either: EitherHook, httpserver: HTTPServer, call: Any
) -> None:
    with pytest.raises(PaiEngagementApiError, match="needs api_style 'roa'") as caught:
        call(gateway_either)

    assert not caught.value.transient  # no retry could change it
    assert httpserver.log == []


# --- errors: the envelope, the gateway's own shape ------------------------------------------------


@pytest.mark.parametrize("status", [200, 400])
def test_a_non_zero_error_code_is_an_error_even_on_http_200(
    gateway: PaiEngagementHook, httpserver: HTTPServer, sleeps: list[float], status: int
) -> None:
    httpserver.expect_request(GATEWAY_PATH).respond_with_json(
        {"Data": None, "ErrorCode": 400, "ErrorMessage": "Name: too short", "RequestId": "rid-400"},
        status=status,
    )

    with pytest.raises(PaiEngagementApiError) as caught:
        gateway.create_schedule(group_id="g", name="UrgentAlert")

    error = caught.value
    assert (error.error_code, error.status_code, error.request_id) == (400, status, "rid-400")
    assert error.vendor_message == "Name: too short"
    assert "code 400 (invalid request format or missing required parameters)" in str(error)
    assert "[request id rid-400]" in str(error)
    assert len(httpserver.log) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (200, {"Data": None, "ErrorCode": 404, "ErrorMessage": "Id: no schedule 's1'", "RequestId": "r"}),
        (404, {"Code": "InvalidSchedule.NotFound", "Message": "no such schedule", "RequestId": "r"}),
    ],
)
def test_an_unknown_schedule_is_its_own_error(
    roa_either: EitherHook, httpserver: HTTPServer, status: int, answer: dict[str, Any]
) -> None:
    httpserver.expect_request("/api/v2/schedules/s1").respond_with_json(answer, status=status)

    with pytest.raises(PaiEngagementNotFoundError) as caught:
        roa_either.get_schedule("s1")

    assert isinstance(caught.value, PaiEngagementApiError)
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("code", ["InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch"])
def test_a_refused_access_key_is_no_missing_plan_and_says_what_to_check(
    roa_either: EitherHook, httpserver: HTTPServer, sleeps: list[float], code: str
) -> None:
    # The gateway answers an unknown AccessKey with HTTP 404 (and its StringToSign on a bad secret).
    answer = {"Code": code, "Message": "Specified ... server StringToSign is [GET ...]", "RequestId": "r"}
    httpserver.expect_request("/api/v2/schedules/s1").respond_with_json(answer, status=404)

    with pytest.raises(PaiEngagementApiError) as caught:
        roa_either.get_schedule("s1")

    assert not isinstance(caught.value, PaiEngagementNotFoundError)  # a delete must not pass as done
    assert "Check the AccessKey ID (login) and AccessKey secret (password) of connection 'pai_roa'" in str(
        caught.value
    )
    assert not caught.value.transient
    assert len(httpserver.log) == 1


def test_a_refused_key_is_403_and_not_retried(
    gateway: PaiEngagementHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_request(GATEWAY_PATH).respond_with_json(
        {"Code": "InvalidApiKey", "Message": "Invalid API key", "RequestId": "rid-403"}, status=403
    )

    with pytest.raises(PaiEngagementApiError) as caught:
        gateway.create_schedule(group_id="g", name="UrgentAlert")

    assert (caught.value.status_code, caught.value.error_code) == (403, "InvalidApiKey")
    assert caught.value.request_id == "rid-403"
    assert len(httpserver.log) == 1


def test_throttling_is_retried_after_x_acs_retry_after(
    gateway: PaiEngagementHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request(GATEWAY_PATH).respond_with_json(
        {
            "Code": "Throttling.User",
            "Message": "Request was denied due to user flow control.",
            "RequestId": "r",
        },
        status=400,
        headers={"x-acs-retry-after": "1500"},
    )
    httpserver.expect_ordered_request(GATEWAY_PATH).respond_with_json(SEED["response"])

    assert (
        gateway.create_schedule(**_keywords(SEED["requests"][0]["body"]))["Id"]
        == SEED["response"]["Data"]["Id"]
    )
    assert len(httpserver.log) == 2
    assert sleeps == [1.5]


def test_429_in_the_envelope_is_retried(
    gateway: PaiEngagementHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request(GATEWAY_PATH).respond_with_json(
        {"Data": None, "ErrorCode": 429, "ErrorMessage": "Too many requests", "RequestId": "r"}
    )
    httpserver.expect_ordered_request(GATEWAY_PATH).respond_with_json(_envelope({"Id": "s1"}))

    assert gateway.create_schedule(group_id="g", name="UrgentAlert") == {"Id": "s1"}
    assert len(sleeps) == 1


def test_a_500_on_create_is_not_retried_and_says_it_may_exist(
    gateway: PaiEngagementHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_request(GATEWAY_PATH).respond_with_json(
        {"Data": None, "ErrorCode": 500, "ErrorMessage": "Internal error", "RequestId": "rid-500"}, status=500
    )

    with pytest.raises(PaiEngagementApiError) as caught:
        gateway.create_schedule(group_id="g", name="UrgentAlert")

    assert caught.value.may_have_taken_effect
    assert "may have taken effect" in str(caught.value)
    assert len(httpserver.log) == 1
    assert sleeps == []


def test_a_500_on_a_roa_read_is_retried(
    roa_either: EitherHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/v2/schedules/s1").respond_with_json(
        {"Code": "InternalError", "Message": "oops", "RequestId": "r"}, status=500
    )
    httpserver.expect_ordered_request("/api/v2/schedules/s1").respond_with_json(
        _envelope({"Id": "s1", "Status": 4})
    )

    assert roa_either.get_schedule("s1") == {"Id": "s1", "Status": 4}
    assert len(sleeps) == 1


# --- roa style: the real, signed API -------------------------------------------------------------


def _check_signature(request: Request, *, method: str, path: str, query: dict[str, str]) -> None:
    """The gateway's check (``verify_request``) and the official SDK's signer both agree."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["x-acs-version"] == "2022-01-12"
    access_key_id = acs3.verify_request(
        method=method,
        path=path,
        query=query,
        headers=headers,
        body=request.get_data(),
        secret_for={AK_ID: AK_SECRET}.get,
        now=datetime.now(UTC),
        nonce_seen=lambda nonce: False,
    )
    assert access_key_id == AK_ID
    signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    official = TeaUtils.get_authorization(
        SimpleNamespace(method=method, pathname=path, query=query, headers={n: headers[n] for n in signed}),
        "ACS3-HMAC-SHA256",
        headers["x-acs-content-sha256"],
        AK_ID,
        AK_SECRET,
    )
    assert headers["authorization"] == official


def test_roa_create_sends_the_body_unwrapped_and_signed(
    roa: PaiEngagementHook, httpserver: HTTPServer
) -> None:
    body = SEED["requests"][1]["body"]
    httpserver.expect_oneshot_request("/api/v2/schedules", method="POST").respond_with_json(SEED["response"])

    assert roa.create_schedule(**_keywords(body)) == SEED["response"]["Data"]

    request = _only_request(httpserver)
    assert json.loads(request.get_data()) == body
    assert request.headers["x-acs-action"] == "CreateSchedule"
    assert request.headers["Content-Type"] == "application/json"
    _check_signature(request, method="POST", path="/api/v2/schedules", query={})


READS = {
    "get": (lambda h: h.get_schedule("s 1"), "GET", "/api/v2/schedules/s%201", {}, "GetSchedule"),
    "delete": (lambda h: h.delete_schedule("s1"), "DELETE", "/api/v2/schedules/s1", {}, "DeleteSchedule"),
    "list": (
        lambda h: h.list_schedules(name="DailyReminder", status=4, page_number=2, page_size=50),
        "GET",
        "/api/v2/schedules",
        {"PageNumber": "2", "PageSize": "50", "Name": "DailyReminder", "Status": "4"},
        "ListSchedules",
    ),
    "messages": (
        lambda h: h.list_messages("s1", date(2024, 12, 1), status=2),
        "GET",
        "/api/v2/messages",
        {"ScheduleId": "s1", "Datetime": "20241201", "Status": "2", "PageNumber": "1", "PageSize": "10"},
        "ListMessages",
    ),
    "metrics": (
        lambda h: h.list_message_metrics("s1", "2024-12-01", "20241207"),
        "GET",
        "/api/v2/messages/metrics",
        {
            "StartDate": "20241201",
            "EndDate": "20241207",
            "ScheduleId": "s1",
            "PageNumber": "1",
            "PageSize": "10",
        },
        "ListMessageMetrics",
    ),
}


@pytest.mark.parametrize("case", READS.values(), ids=READS.keys())
def test_roa_reads_use_the_sdk_paths_and_queries(
    roa: PaiEngagementHook, httpserver: HTTPServer, case: tuple[Any, str, str, dict[str, str], str]
) -> None:
    call, method, path, query, action = case
    data = {"Id": "s1"} if action != "DeleteSchedule" else "s1"
    httpserver.expect_oneshot_request(path.replace("%20", " "), method=method).respond_with_json(
        _envelope(data)
    )

    result = call(roa)

    request = _only_request(httpserver)
    assert request.method == method
    assert request.environ["REQUEST_URI"].split("?")[0] == path
    assert request.args.to_dict() == query
    assert request.headers["x-acs-action"] == action
    assert "Content-Type" not in request.headers
    assert request.get_data() == b""
    _check_signature(request, method=method, path=path, query=query)
    assert result == (None if action == "DeleteSchedule" else {"Id": "s1"})


@pytest.mark.parametrize("name", ["get", "messages", "metrics"])
def test_both_hooks_sign_the_reads_a_trigger_waits_with(
    roa_either: EitherHook, httpserver: HTTPServer, name: str
) -> None:
    call, method, path, query, action = READS[name]
    httpserver.expect_oneshot_request(path.replace("%20", " "), method=method).respond_with_json(
        _envelope({"Id": "s1"})
    )

    assert call(roa_either) == {"Id": "s1"}

    request = _only_request(httpserver)
    assert request.environ["REQUEST_URI"].split("?")[0] == path
    assert request.args.to_dict() == query
    assert request.headers["x-acs-action"] == action
    assert request.get_data() == b""
    _check_signature(request, method=method, path=path, query=query)


def test_roa_signs_with_the_sts_token(httpserver: HTTPServer, make_conn: ConnFactory) -> None:
    hook = PaiEngagementHook(
        make_conn(
            "pai_sts",
            "pai_engagement",
            host=_url(httpserver),
            login=AK_ID,
            password=AK_SECRET,
            api_style="roa",
            security_token=STS_TOKEN,
        )
    )
    httpserver.expect_oneshot_request("/api/v2/schedules").respond_with_json(_envelope({"Schedules": []}))

    hook.list_schedules()

    request = _only_request(httpserver)
    assert request.headers["x-acs-security-token"] == STS_TOKEN
    assert "x-acs-security-token" in request.headers["Authorization"]
    _check_signature(
        request, method="GET", path="/api/v2/schedules", query={"PageNumber": "1", "PageSize": "10"}
    )


def test_roa_host_defaults_to_the_real_endpoint(make_conn: ConnFactory) -> None:
    hook = PaiEngagementHook(make_conn("pai_roa_host", "pai_engagement", api_style="roa", region="intl"))
    assert hook.base_url == "https://paiplugin.aliyuncs.com"


def test_roa_without_an_access_key_fails_before_sending(
    httpserver: HTTPServer, make_conn: ConnFactory
) -> None:
    hook = PaiEngagementHook(
        make_conn("pai_roa_nokey", "pai_engagement", host=_url(httpserver), api_style="roa")
    )

    with pytest.raises(PaiEngagementApiError, match="AccessKey ID as login"):
        hook.get_schedule("s1")

    assert httpserver.log == []


def test_unknown_api_style_is_refused(make_conn: ConnFactory) -> None:
    hook = PaiEngagementHook(make_conn("pai_style", "pai_engagement", api_style="rpc"))
    with pytest.raises(InvalidFieldError) as caught:
        _ = hook.api_style
    assert caught.value.field == "api_style"


# --- input checks name the keyword the user typed --------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "A"}, "name"),
        ({"name": "x" * 31}, "name"),
        ({"name": "Growth 2021"}, "name"),
        ({"repeat_cycle_unit": 5}, "repeat_cycle_unit"),
        ({"repeat_times": -2}, "repeat_times"),
        ({"payment_type": "Free"}, "payment_type"),
        ({"execute_time": "2024-12-1 09:00:00"}, "execute_time"),
        ({"execute_time": "2024-12-01T09:00:00"}, "execute_time"),
        ({"end_time": "2024/12/31"}, "end_time"),
        ({"execute_time": datetime(2024, 12, 1, 9)}, "execute_time"),  # naive: which zone?
        ({"group_id": ""}, "group_id"),
    ],
)
def test_bad_fields_fail_before_sending(
    gateway: PaiEngagementHook, httpserver: HTTPServer, kwargs: dict[str, Any], field: str
) -> None:
    arguments: dict[str, Any] = {"group_id": "g", "name": "UrgentAlert", **kwargs}

    with pytest.raises(InvalidFieldError) as caught:
        gateway.create_schedule(**arguments)

    assert caught.value.field == field
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda h: h.create_schedule(group_id="g\udce9", name="Plan_1"), "group_id"),
        (lambda h: h.create_schedule(group_id="g", name="Plan_1", end_time=253402300800000), "end_time"),
        (lambda h: h.list_schedules(name=5), "name"),
        (lambda h: h.list_schedules(name="caf\udce9"), "name"),
        (lambda h: h.list_messages(schedule_id=5), "schedule_id"),
        (lambda h: h.list_messages(message_id=["m1"]), "message_id"),
        (lambda h: h.list_message_metrics(7, "2024-12-01", "2024-12-02"), "schedule_id"),
        (lambda h: h.get_schedule(".."), "schedule_id"),
    ],
)
def test_input_the_fuzz_found_crashing_or_sent_is_refused_before_sending(
    roa: PaiEngagementHook, httpserver: HTTPServer, call: Any, field: str
) -> None:
    # Before: TypeError from the URL encoder, UnicodeEncodeError, or a request the service refused.
    with pytest.raises(InvalidFieldError) as caught:
        call(roa)

    assert caught.value.field == field
    assert httpserver.log == []


def test_good_edge_values_are_sent(gateway: PaiEngagementHook, httpserver: HTTPServer) -> None:
    httpserver.expect_request(GATEWAY_PATH).respond_with_json(_envelope({"Id": "s1"}))
    plus_8 = timezone(timedelta(hours=8))

    gateway.create_schedule(
        group_id="g",
        name="计划_ab",
        execute_time=datetime(2024, 12, 1, 9, tzinfo=plus_8),
        end_time="2024-12-31",
        repeat_cycle=1,
        repeat_cycle_unit=3,
        repeat_times=0,
        payment_type="MixPay",
    )

    assert json.loads(_only_request(httpserver).get_data())["body"] == {
        "GroupId": "g",
        "Name": "计划_ab",
        "ExecuteTime": "2024-12-01 09:00:00",
        "EndTime": "2024-12-31",
        "RepeatCycle": 1,
        "RepeatCycleUnit": 3,
        "RepeatTimes": 0,
        "PaymentType": "MixPay",
    }


@pytest.mark.parametrize(
    ("kwargs", "sent"),
    [
        ({"execute_time": "2024-06-30T16:30:00+00:00"}, {"ExecuteTime": "2024-07-01 00:30:00"}),
        ({"execute_time": "2024-12-01T01:00:00Z"}, {"ExecuteTime": "2024-12-01 09:00:00"}),
        ({"execute_time": "2024-12-01 09:00:00"}, {"ExecuteTime": "2024-12-01 09:00:00"}),
        ({"execute_time": ""}, {"ExecuteTime": ""}),
        (
            {"execute_time": pendulum.datetime(2024, 12, 1, 9, tz="Europe/Berlin")},
            {"ExecuteTime": "2024-12-01 16:00:00"},
        ),
        ({"end_time": date(2024, 12, 31)}, {"EndTime": "2024-12-31"}),
        ({"end_time": "2024-12-31"}, {"EndTime": "2024-12-31"}),
        ({"end_time": 1735660800}, {"EndTime": 1735660800}),
        ({"end_time": "1735660800"}, {"EndTime": 1735660800}),  # a template renders an epoch as text
        ({"end_time": "1735660800000"}, {"EndTime": 1735660800000}),
        ({"end_time": "2024-12-31T15:59:59+00:00"}, {"EndTime": "2024-12-31 23:59:59"}),
    ],
)
def test_every_time_form_a_dag_author_has_is_sent_as_pai_takes_it(
    gateway: PaiEngagementHook, httpserver: HTTPServer, kwargs: dict[str, Any], sent: dict[str, Any]
) -> None:
    httpserver.expect_oneshot_request(GATEWAY_PATH).respond_with_json(_envelope({"Id": "s1"}))

    gateway.create_schedule(group_id="g", name="DailyReminder", **kwargs)

    assert json.loads(_only_request(httpserver).get_data())["body"] == {
        "GroupId": "g",
        "Name": "DailyReminder",
        **sent,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"execute_time": "2024-12-01"},  # a bare date is an EndTime form only
        {"execute_time": 1735660800},  # so is an epoch
        {"execute_time": date(2024, 12, 1)},
        {"end_time": "2024-12-31T00:00:00"},  # no offset: which zone?
        {"end_time": datetime(2024, 12, 31)},
        {"end_time": "2024-02-30"},
        {"end_time": -1},
        {"end_time": True},
        {"end_time": 1.5},
    ],
)
def test_time_forms_pai_does_not_take_are_refused_naming_the_keyword(
    gateway: PaiEngagementHook, httpserver: HTTPServer, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        gateway.create_schedule(group_id="g", name="DailyReminder", **kwargs)

    assert caught.value.field == next(iter(kwargs))
    assert httpserver.log == []


def test_metrics_dates_are_checked(roa: PaiEngagementHook, httpserver: HTTPServer) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        roa.list_message_metrics("s1", "2024-12-07", "2024-12-01")
    assert caught.value.field == "end_date"
    with pytest.raises(InvalidFieldError) as caught:
        roa.list_messages("s1", "2024-13-01")
    assert caught.value.field == "datetime"
    assert httpserver.log == []


# --- test_connection and secrets -------------------------------------------------------------------


def test_roa_test_connection_lists_one_schedule(roa: PaiEngagementHook, httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/api/v2/schedules").respond_with_json(
        _envelope({"Schedules": [], "TotalCount": 3, "PageNumber": 1, "PageSize": 1})
    )

    ok, message = roa.test_connection()

    assert ok
    assert "3 schedules" in message
    assert _only_request(httpserver).args.to_dict() == {"PageNumber": "1", "PageSize": "1"}


def test_roa_test_connection_reports_the_gateway_message(
    roa: PaiEngagementHook, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/api/v2/schedules").respond_with_json(
        {"Code": "SignatureDoesNotMatch", "Message": "The signature does not match", "RequestId": "r"},
        status=400,
    )

    ok, message = roa.test_connection()

    assert not ok
    assert "SignatureDoesNotMatch" in message
    assert "The signature does not match" in message


def test_gateway_test_connection_says_it_could_not_verify(
    gateway: PaiEngagementHook, httpserver: HTTPServer
) -> None:
    ok, message = gateway.test_connection()

    assert ok
    assert "could not be verified" in message
    assert httpserver.log == []


def test_gateway_test_connection_without_a_key_fails(
    make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY", raising=False)

    ok, message = PaiEngagementHook(make_conn("pai_tc", "pai_engagement")).test_connection()

    assert not ok
    assert "API key" in message


def test_secrets_never_reach_logs_or_errors(
    httpserver: HTTPServer,
    make_conn: ConnFactory,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    sleeps: list[float],
) -> None:
    hook = PaiEngagementHook(
        make_conn(
            "pai_secrets",
            "pai_engagement",
            host=_url(httpserver),
            login=AK_ID,
            password=AK_SECRET,
            api_style="roa",
            security_token=STS_TOKEN,
            **FAST_RETRIES,
        )
    )
    httpserver.expect_request("/api/v2/schedules/s1").respond_with_json(
        {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": "r"}, status=503
    )
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PaiEngagementApiError) as caught:
        hook.get_schedule("s1")

    output = capfd.readouterr()
    logs = caplog.text + output.out + output.err
    assert "GET /api/v2/schedules/s1: HTTP 503" in logs
    for text in (logs, str(caught.value), repr(caught.value.__dict__)):
        for secret in (AK_SECRET, STS_TOKEN):
            assert secret not in text
    assert len(httpserver.log) == 4


def test_secrets_are_registered_for_masking(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_engage.hooks import pai, transport

    masked: list[str] = []
    monkeypatch.setattr(transport, "mask_secret", masked.append)
    monkeypatch.setattr(pai, "mask_secret", masked.append)
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-env-key-masked")
    roa_hook = PaiEngagementHook(
        make_conn("pai_mask", "pai_engagement", login=AK_ID, password=AK_SECRET, security_token=STS_TOKEN)
    )
    env_hook = PaiEngagementHook(make_conn("pai_mask_env", "pai_engagement"))

    _ = roa_hook.connection
    _ = env_hook.api_key

    assert {AK_SECRET, STS_TOKEN, "sk-env-key-masked"} <= set(masked)


@pytest.mark.parametrize(
    ("field", "connection"),
    [
        ("password", {"password": API_KEY + "\n"}),
        ("password", {"password": API_KEY + "\t"}),
        ("password", {"login": AK_ID, "password": AK_SECRET + "\n", "api_style": "roa"}),
        ("login", {"login": AK_ID + " ", "password": AK_SECRET, "api_style": "roa"}),
        (
            "security_token",
            {"login": AK_ID, "password": AK_SECRET, "api_style": "roa", "security_token": STS_TOKEN + "\r"},
        ),
    ],
)
def test_a_credential_ending_in_a_newline_is_refused_and_never_quoted(
    httpserver: HTTPServer,
    make_conn: ConnFactory,
    everything_said: Said,
    field: str,
    connection: dict[str, Any],
) -> None:
    hook = PaiEngagementHook(make_conn("pai_newline", "pai_engagement", host=_url(httpserver), **connection))

    with pytest.raises(InvalidFieldError) as caught:
        hook.create_schedule(group_id="g", name="UrgentAlert")

    assert caught.value.field == field
    assert "connection 'pai_newline'" in str(caught.value)
    said = everything_said(caught.value)
    for secret in (API_KEY, AK_SECRET, STS_TOKEN):
        assert secret not in said
    assert httpserver.log == []


def test_a_dashscope_key_ending_in_a_newline_is_refused_and_never_quoted(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch, everything_said: Said
) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", API_KEY + "\n")
    hook = PaiEngagementHook(make_conn("pai_env_newline", "pai_engagement", host=_url(httpserver)))

    with pytest.raises(InvalidFieldError) as caught:
        hook.create_schedule(group_id="g", name="UrgentAlert")

    assert caught.value.field == "DASHSCOPE_API_KEY"
    assert "the environment" in str(caught.value)
    assert API_KEY not in everything_said(caught.value)
    assert httpserver.log == []


def test_a_header_the_http_library_refuses_is_reported_by_its_type_only(
    gateway: PaiEngagementHook, httpserver: HTTPServer, everything_said: Said
) -> None:
    # Had a bad key got past the connection's check, requests would refuse the header and
    # quote it, escaped ('Bearer sk-...\\n') where Airflow's masker cannot see it.
    gateway.__dict__["api_key"] = API_KEY + "\n"

    with pytest.raises(PaiEngagementApiError) as caught:
        gateway.create_schedule(group_id="g", name="UrgentAlert")

    assert "InvalidHeader" in str(caught.value)
    assert not caught.value.may_have_taken_effect  # refused before sending
    assert API_KEY not in everything_said(caught.value)
    assert httpserver.log == []


# --- iter_schedules: every page, for the operator's re-attach --------------------------------------


def test_iter_schedules_pages_through_the_emulator(make_conn: ConnFactory) -> None:
    credentials = Credentials()
    with running_emulator(pai_qps=0, seed=5) as url:
        hook = PaiEngagementHook(
            make_conn(
                "pai_emulated",
                "pai_engagement",
                host=url,
                login=credentials.pai_ak_id,
                password=credentials.pai_ak_secret,
                api_style="roa",
            )
        )
        names = [f"Spring_{index:03}" for index in range(103)] + ["Spring", "Summer_1", "Autumn_Spring"]
        created = {
            hook.create_schedule(group_id="g", name=name, execute_time="2099-01-01 09:00:00")["Id"]: name
            for name in names
        }
        pages: list[tuple[int, int]] = []
        list_schedules = hook.list_schedules

        def spy(name: str | None, status: int | None, page_number: int, page_size: int) -> dict[str, Any]:
            pages.append((page_number, page_size))
            return list_schedules(name, status, page_number, page_size)

        hook.list_schedules = spy  # type: ignore[method-assign]

        found = list(hook.iter_schedules(name="Spring"))

        assert pages == [(1, 100), (2, 100)]  # the emulator's largest page, then the short last one
        assert sorted(s["Name"] for s in found) == sorted(n for n in names if "Spring" in n)
        assert len({s["Id"] for s in found}) == len(found) == 105
        assert {s["Id"] for s in found} <= set(created)
        exact = [s for s in hook.iter_schedules(name="Spring", page_size=7) if s["Name"] == "Spring"]
        assert len(exact) == 1
        assert sum(1 for _ in hook.iter_schedules(name="Summer")) == 1


def test_iter_schedules_stops_once_total_count_is_seen(
    roa: PaiEngagementHook, httpserver: HTTPServer
) -> None:
    for number, ids in ((1, ["a", "b"]), (2, ["c", "d"])):
        httpserver.expect_ordered_request(
            "/api/v2/schedules", query_string=f"PageNumber={number}&PageSize=2"
        ).respond_with_json(
            _envelope(
                {
                    "Schedules": [{"Id": i} for i in ids],
                    "TotalCount": 4,
                    "PageNumber": number,
                    "PageSize": 2,
                }
            )
        )

    assert [s["Id"] for s in roa.iter_schedules(page_size=2)] == ["a", "b", "c", "d"]
    assert len(httpserver.log) == 2  # no third request for an empty page


def test_iter_schedules_follows_a_smaller_page_size_the_service_answers(
    roa: PaiEngagementHook, httpserver: HTTPServer
) -> None:
    # Asked for 100, the service gives 50 a page and says so: a page of 50 is not the last.
    first, second = [{"Id": f"a{i}"} for i in range(50)], [{"Id": f"b{i}"} for i in range(3)]
    for number, page in ((1, first), (2, second)):
        httpserver.expect_ordered_request(
            "/api/v2/schedules", query_string=f"PageNumber={number}&PageSize=100&Name=Growth"
        ).respond_with_json(
            _envelope({"Schedules": page, "TotalCount": 53, "PageNumber": number, "PageSize": 50})
        )

    assert list(roa.iter_schedules(name="Growth")) == first + second


def test_iter_schedules_needs_the_roa_style(gateway: PaiEngagementHook, httpserver: HTTPServer) -> None:
    with pytest.raises(PaiEngagementApiError, match="needs api_style 'roa'"):
        list(gateway.iter_schedules(name="Growth"))

    assert httpserver.log == []


def test_iter_messages_pages_through_one_send_day_of_the_emulator(make_conn: ConnFactory) -> None:
    from airflow_provider_engage.emulator.client import EmulatorControl

    credentials = Credentials()
    start = datetime(2030, 3, 1, tzinfo=UTC)
    with running_emulator(pai_qps=0, seed=11, start_time=start, frozen=True) as url:
        hook = PaiEngagementHook(
            make_conn(
                "pai_messages",
                "pai_engagement",
                host=url,
                login=credentials.pai_ak_id,
                password=credentials.pai_ak_secret,
                api_style="roa",
            )
        )
        plan = hook.create_schedule(
            group_id="g",
            name="PagedMessages",
            execute_time="2030-03-01 10:00:00",
            repeat_cycle=1,
            repeat_cycle_unit=2,
            repeat_times=1,
        )
        EmulatorControl(url).advance(3 * 86400)

        first_day = list(hook.iter_messages(plan["Id"], "2030-03-01", page_size=2))
        second_day = list(hook.iter_messages(plan["Id"], date(2030, 3, 2), page_size=2))
        whole = hook.list_messages(plan["Id"], "2030-03-01", page_size=100)

    assert [message["Id"] for message in first_day] == [message["Id"] for message in whole["Messages"]]
    assert len(first_day) == whole["TotalCount"] >= 3  # more than one page of two
    assert {message["ScheduleId"] for message in first_day + second_day} == {plan["Id"]}
    assert not {message["Id"] for message in first_day} & {message["Id"] for message in second_day}
    assert {message["Status"] for message in first_day} <= {1, 2}  # settled: success or failed
