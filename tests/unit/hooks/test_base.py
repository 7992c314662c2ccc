"""The shared transport: credentials checked on read, failure texts that never quote a header,
the rate limiter on every attempt, and one session however many threads start at once.

EngageLabHook stands in for both hooks: what it tests lives in ``hooks/_sync.py``, ``hooks/_base.py``
and ``hooks/_connection.py``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from airflow_provider_engage.hooks import _sync
from airflow_provider_engage.hooks._connection import check_credential
from airflow_provider_engage.hooks._sync import plain_connection_failure
from airflow_provider_engage.hooks.engagelab import EngageLabHook
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.ratelimit import RateLimiter
from airflow_provider_engage.service_errors import EngageLabApiError

from .conftest import ConnFactory, Said
from .test_engagelab import APP_KEY, MASTER_SECRET, _conn_to

LIST_ANSWER = {"total_count": 0, "total_pages": 0, "page": 1, "schedules": []}


def _hook(httpserver: HTTPServer, make_conn: ConnFactory) -> EngageLabHook:
    return _conn_to(make_conn, httpserver.url_for("/").rstrip("/"), "engagelab_base")


# --- credentials are checked when the connection is read -------------------------------------------


@pytest.mark.parametrize(
    ("field", "credentials"),
    [
        ("password", {"login": APP_KEY, "password": MASTER_SECRET + "\n"}),
        ("password", {"login": APP_KEY, "password": " " + MASTER_SECRET}),
        ("password", {"login": APP_KEY, "password": "master\x00secret"}),
        ("password", {"login": APP_KEY, "password": "master\u200bsecret"}),  # zero-width space
        ("login", {"login": APP_KEY + "\r\n", "password": MASTER_SECRET}),
        ("login", {"login": "app key", "password": MASTER_SECRET}),
    ],
)
def test_a_credential_with_whitespace_or_a_control_character_is_refused_unquoted(
    httpserver: HTTPServer,
    make_conn: ConnFactory,
    everything_said: Said,
    field: str,
    credentials: dict[str, str],
) -> None:
    conn_id = make_conn("engagelab_bad", "engagelab", host=httpserver.url_for("/").rstrip("/"), **credentials)
    hook = EngageLabHook(conn_id)

    with pytest.raises(InvalidFieldError) as caught:
        hook.list_schedules()

    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: contains whitespace or a control character")
    assert "connection 'engagelab_bad'" in str(caught.value)
    said = everything_said(caught.value)
    for secret in (MASTER_SECRET, APP_KEY, "app key", "master"):
        assert secret not in said
    assert httpserver.log == []


def test_check_credential_passes_clean_values_and_nothing() -> None:
    assert check_credential("sk-AbC_123.456/+=", "password", source="connection 'c'") == "sk-AbC_123.456/+="
    assert check_credential(None, "password", source="connection 'c'") is None
    assert check_credential("", "password", source="connection 'c'") == ""


# --- what a request failure may say -------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.InvalidHeader(
            "Invalid leading whitespace, reserved character(s), or return character(s) in header "
            f"value: 'Basic {MASTER_SECRET}\\n'"
        ),
        requests.exceptions.InvalidURL(f"Failed to parse: http://user:{MASTER_SECRET}@[::1"),
        requests.exceptions.ChunkedEncodingError(f"broken while sending {MASTER_SECRET}"),
        requests.exceptions.SSLError(f"certificate for {MASTER_SECRET}"),
        requests.exceptions.ProxyError(f"Unable to connect to proxy http://u:{MASTER_SECRET}@proxy"),
    ],
    ids=lambda err: type(err).__name__,
)
@pytest.mark.usefixtures("sleeps")
def test_only_the_type_of_a_failure_that_may_quote_a_header_is_reported(
    httpserver: HTTPServer,
    make_conn: ConnFactory,
    monkeypatch: pytest.MonkeyPatch,
    everything_said: Said,
    failure: requests.RequestException,
) -> None:
    hook = _hook(httpserver, make_conn)

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(hook.session, "request", fail)

    with pytest.raises(EngageLabApiError) as caught:
        hook.get_schedule("s1")

    error = caught.value
    assert type(failure).__name__ in str(error)
    assert error.status_code is None
    assert error.__cause__ is None
    assert error.__suppress_context__
    assert MASTER_SECRET not in everything_said(error)


@pytest.mark.usefixtures("sleeps")
def test_a_refused_connection_still_says_where_it_went(make_conn: ConnFactory, refused_url: str) -> None:
    hook = _conn_to(make_conn, refused_url)

    with pytest.raises(EngageLabApiError) as caught:
        hook.get_schedule("s1")

    assert "ConnectionError: HTTPConnectionPool(host='127.0.0.1'" in str(caught.value)
    assert isinstance(caught.value.__cause__, requests.exceptions.ConnectionError)


@pytest.mark.parametrize(
    ("failure", "quotable"),
    [
        (requests.exceptions.ConnectionError("refused"), True),
        (requests.exceptions.ConnectTimeout("slow"), True),
        (requests.exceptions.ReadTimeout("slow"), True),
        (requests.exceptions.SSLError("tls"), False),
        (requests.exceptions.ProxyError("proxy"), False),
        (requests.exceptions.InvalidHeader("header"), False),
        (requests.exceptions.InvalidURL("url"), False),
        (requests.exceptions.ChunkedEncodingError("body"), False),
    ],
)
def test_plain_connection_failures_are_the_only_quotable_ones(
    failure: requests.RequestException, quotable: bool
) -> None:
    assert plain_connection_failure(failure) is quotable


# --- the rate limiter ----------------------------------------------------------------------------


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_rate_limiter_is_acquired_before_every_attempt_retries_included(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    events: list[str] = []
    clock = _FakeClock()

    class Recording(RateLimiter):
        def acquire(self) -> float:
            events.append("acquire")
            return super().acquire()

    limiter = Recording(10, clock=clock, sleep=clock.sleep)
    hook = _hook(httpserver, make_conn)
    hook.rate_limiter = limiter
    for status in (503, 503):
        httpserver.expect_ordered_request("/v4/schedules").respond_with_json(
            {"error": {"code": 28203, "message": "busy"}}, status=status
        )
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(LIST_ANSWER)
    send = hook.session.request

    def sending(*args: Any, **kwargs: Any) -> Any:
        events.append("send")
        return send(*args, **kwargs)

    monkeypatch.setattr(hook.session, "request", sending)

    assert hook.list_schedules() == LIST_ANSWER

    assert events == ["acquire", "send"] * 3
    assert len(sleeps) == 2  # two retries, each after its own pause
    assert clock.slept == pytest.approx([0.1, 0.1])  # 10 a second: the second and third tries waited


def test_both_hooks_take_a_rate_limiter(make_conn: ConnFactory) -> None:
    from airflow_provider_engage.hooks.pai import PaiEngagementHook

    limiter = RateLimiter(5)

    assert EngageLabHook("engagelab_default", rate_limiter=limiter).rate_limiter is limiter
    assert PaiEngagementHook("pai_engagement_default", rate_limiter=limiter).rate_limiter is limiter
    assert EngageLabHook().rate_limiter is None


# --- the session -----------------------------------------------------------------------------------


def test_threads_starting_at_once_build_one_session(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[requests.Session] = []

    class SlowSession(requests.Session):
        def __init__(self) -> None:
            time.sleep(0.02)  # widen the window in which a second thread could start another
            super().__init__()
            built.append(self)

    monkeypatch.setattr(_sync.requests, "Session", SlowSession)
    hook = _hook(httpserver, make_conn)
    start = threading.Barrier(16)
    got: list[requests.Session] = []

    def first_use() -> None:
        start.wait()
        got.append(hook.session)

    threads = [threading.Thread(target=first_use) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(built) == 1
    assert len(got) == 16
    assert all(session is built[0] for session in got)
    assert hook.get_conn() is built[0]


def test_close_drops_the_session_and_the_next_call_builds_a_new_one(
    httpserver: HTTPServer, make_conn: ConnFactory
) -> None:
    httpserver.expect_request("/v4/schedules").respond_with_json(LIST_ANSWER)
    hook = _hook(httpserver, make_conn)
    first = hook.get_conn()

    hook.close()
    hook.close()  # closing twice is harmless
    hook.list_schedules()

    assert hook.get_conn() is not first
    assert len(httpserver.log) == 1


# --- what the environment says, read once -----------------------------------------------------------


def test_the_environment_s_proxy_for_the_base_url_is_read_once_when_the_session_is_built(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/company.pem")

    session = _hook(httpserver, make_conn).session

    assert session.proxies["http"] == "http://proxy.invalid:3128"
    assert session.verify == "/etc/ssl/certs/company.pem"
    assert session.trust_env is False  # requests does not scan the environment again per request


def test_no_proxy_for_the_base_url_means_no_proxy(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    httpserver.expect_request("/v4/schedules").respond_with_json(LIST_ANSWER)
    hook = _hook(httpserver, make_conn)

    hook.list_schedules()  # straight to the server: proxy.invalid does not resolve

    assert "http" not in hook.session.proxies
    assert len(httpserver.log) == 1


def test_a_netrc_entry_for_the_host_does_not_replace_the_connection_s_credentials(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone-else password not-the-master-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    httpserver.expect_request("/v4/schedules").respond_with_json(LIST_ANSWER)

    _hook(httpserver, make_conn).list_schedules()

    request, _ = httpserver.log[0]
    assert request.authorization is not None
    assert (request.authorization.username, request.authorization.password) == (APP_KEY, MASTER_SECRET)


# --- the first attempt -------------------------------------------------------------------------------


def test_a_failed_first_attempt_is_the_retry_loop_s_first_not_sent_again(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float], capfd: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json({}, status=503)
    httpserver.expect_ordered_request("/v4/schedules").respond_with_json(LIST_ANSWER)
    hook = _hook(httpserver, make_conn)

    assert hook.list_schedules() == LIST_ANSWER

    assert len(httpserver.log) == 2
    assert len(sleeps) == 1
    assert "HTTP 503; retry 1 of 3" in capfd.readouterr().out  # as if the loop had sent it itself
