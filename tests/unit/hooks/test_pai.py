"""PaiEngagementHook: the seed's gateway examples replayed, and the signed ROA API, over loopback."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from pytest_httpserver import HTTPServer
from werkzeug import Request

from airflow_provider_engage.errors import InvalidFieldError
from airflow_provider_engage.exceptions import PaiEngagementApiError, PaiEngagementNotFoundError
from airflow_provider_engage.hooks import _acs3
from airflow_provider_engage.hooks.pai import PaiEngagementHook

from .conftest import ConnFactory

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
    roa: PaiEngagementHook, httpserver: HTTPServer, status: int, answer: dict[str, Any]
) -> None:
    httpserver.expect_request("/api/v2/schedules/s1").respond_with_json(answer, status=status)

    with pytest.raises(PaiEngagementNotFoundError) as caught:
        roa.delete_schedule("s1")

    assert isinstance(caught.value, PaiEngagementApiError)
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
    roa: PaiEngagementHook, httpserver: HTTPServer, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/api/v2/schedules/s1").respond_with_json(
        {"Code": "InternalError", "Message": "oops", "RequestId": "r"}, status=500
    )
    httpserver.expect_ordered_request("/api/v2/schedules/s1").respond_with_json(
        _envelope({"Id": "s1", "Status": 4})
    )

    assert roa.get_schedule("s1") == {"Id": "s1", "Status": 4}
    assert len(sleeps) == 1


# --- roa style: the real, signed API -------------------------------------------------------------


def _check_signature(request: Request, *, method: str, path: str, query: dict[str, str]) -> None:
    """The gateway's check (``verify_request``) and the official SDK's signer both agree."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["x-acs-version"] == "2022-01-12"
    access_key_id = _acs3.verify_request(
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
    from airflow_provider_engage.hooks import _base, pai

    masked: list[str] = []
    monkeypatch.setattr(_base, "mask_secret", masked.append)
    monkeypatch.setattr(pai, "mask_secret", masked.append)
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-env-key-masked")
    roa_hook = PaiEngagementHook(
        make_conn("pai_mask", "pai_engagement", login=AK_ID, password=AK_SECRET, security_token=STS_TOKEN)
    )
    env_hook = PaiEngagementHook(make_conn("pai_mask_env", "pai_engagement"))

    _ = roa_hook.connection
    _ = env_hook.api_key

    assert {AK_SECRET, STS_TOKEN, "sk-env-key-masked"} <= set(masked)
