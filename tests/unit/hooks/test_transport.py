"""The transport, sync and async: the same retries, errors and secrets from both sends, credentials
checked on read, failure texts that never quote a header, the rate limiter on every attempt, one
session however many threads start at once, and the async hook's own: the connection read without
blocking a loop, and the work the hooks of one event loop share.

What both sends share is specified once over ``either`` (sync and async); EngageLabHook stands in
for the sync hooks. Real HTTP throughout: pytest-httpserver, a dropping server, a refused port and
the emulator."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

import aiohttp
import pytest
import requests
from airflow.providers.common.compat.sdk import BaseHook
from pytest_httpserver import HTTPServer

from airflow_provider_engage.emulator import Credentials, running_emulator
from airflow_provider_engage.hooks import transport
from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook, EngageLabHook
from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook, PaiEngagementHook
from airflow_provider_engage.hooks.transport import (
    EngageAsyncHook,
    plain_requests_failure,
    shared,
)
from airflow_provider_engage.ratelimit import RateLimiter
from airflow_provider_engage.service_errors import EngageLabApiError
from tests.helpers import FakeClock

from .conftest import ConnFactory, DroppingServer, EitherHook, Said
from .test_engagelab import APP_KEY, BASIC, FAST_RETRIES, MASTER_SECRET, SCHEDULE_ID, _conn_to

# --- the attempt, and the requests send ----------------------------------------------------------


LIST_ANSWER = {"total_count": 0, "total_pages": 0, "page": 1, "schedules": []}


def _hook(httpserver: HTTPServer, make_conn: ConnFactory) -> EngageLabHook:
    return _conn_to(make_conn, httpserver.url_for("/").rstrip("/"), "engagelab_base")


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
    assert plain_requests_failure(failure) is quotable


# --- the rate limiter ----------------------------------------------------------------------------


def test_the_rate_limiter_is_acquired_before_every_attempt_retries_included(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    events: list[str] = []
    clock = FakeClock(1000.0)

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

    monkeypatch.setattr(transport.requests, "Session", SlowSession)
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


# --- both sends, and the aiohttp send ------------------------------------------------------------


MSG_IDS = f"/v4/schedules/{SCHEDULE_ID}/msg-ids"
ANSWER = {"count": 1, "MsgIds": ['{"msg_id": "1088009", "error": {"code": 0, "message": ""}, "ts": 1}']}


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _either(kind: str, hook: EngageLabHook) -> EitherHook:
    return EitherHook(kind, hook, lambda: EngageLabAsyncHook(hook.conn_id))


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


# --- retries, on both ----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(500, 28200), (502, None), (503, 28203), (504, None)])
def test_server_errors_on_a_read_are_retried_until_the_limit_by_both(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float], kind: str, *, status: int, code: Any
) -> None:
    body = {"error": {"code": code, "message": "busy"}} if code else {}
    httpserver.expect_request(MSG_IDS).respond_with_json(body, status=status)
    either = _either(kind, _conn_to(make_conn, httpserver.url_for("/").rstrip("/")))

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule_msg_ids(SCHEDULE_ID)

    assert len(httpserver.log) == 4  # the first try and max_retries=3 more
    assert len(sleeps) == 3
    assert (caught.value.status_code, caught.value.transient) == (status, True)


def test_a_429_is_retried_after_its_retry_after_by_both(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float], kind: str
) -> None:
    httpserver.expect_ordered_request(MSG_IDS).respond_with_json(
        {"error": {"code": 2002, "message": "slow down"}}, status=429, headers={"Retry-After": "2"}
    )
    httpserver.expect_ordered_request(MSG_IDS).respond_with_json(ANSWER)
    either = _either(kind, _conn_to(make_conn, httpserver.url_for("/").rstrip("/")))

    assert [record.msg_id for record in either.get_schedule_msg_ids(SCHEDULE_ID)] == ["1088009"]
    assert sleeps == [2.0]


def test_a_dropped_connection_on_a_read_is_retried_by_both(
    make_conn: ConnFactory, dropping_server: DroppingServer, sleeps: list[float], kind: str
) -> None:
    either = _either(kind, _conn_to(make_conn, dropping_server.url))

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule(SCHEDULE_ID)

    assert len(dropping_server.requests) == 4
    assert all(r.startswith(f"GET /v4/schedules/{SCHEDULE_ID} ".encode()) for r in dropping_server.requests)
    assert caught.value.status_code is None
    assert caught.value.transient
    assert "no answer from /v4/schedules/" in str(caught.value)


def test_a_refused_connection_is_retried_and_says_where_it_went_by_both(
    make_conn: ConnFactory, refused_url: str, sleeps: list[float], kind: str
) -> None:
    either = _either(kind, _conn_to(make_conn, refused_url))

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule(SCHEDULE_ID)

    assert len(sleeps) == 3
    assert "127.0.0.1" in str(caught.value)
    assert caught.value.__cause__ is not None  # a refused connection quotes nothing secret


def test_a_client_error_is_never_retried_by_both(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float], kind: str
) -> None:
    httpserver.expect_request(MSG_IDS).respond_with_json(
        {"error": {"code": 28101, "message": "no"}}, status=401
    )
    either = _either(kind, _conn_to(make_conn, httpserver.url_for("/").rstrip("/"), "engagelab_auth"))

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule_msg_ids(SCHEDULE_ID)

    assert len(httpserver.log) == 1
    assert sleeps == []
    assert not caught.value.transient
    assert "Check the AppKey (login) and Master Secret (password) of connection 'engagelab_auth'" in str(
        caught.value
    )


# --- secrets, on both ----------------------------------------------------------------------------


def test_secrets_never_reach_logs_or_errors_of_either(
    httpserver: HTTPServer, make_conn: ConnFactory, sleeps: list[float], kind: str, everything_said: Said
) -> None:
    httpserver.expect_ordered_request(MSG_IDS).respond_with_json({"error": {"code": 28200}}, status=500)
    httpserver.expect_ordered_request(MSG_IDS).respond_with_json(
        {"error": {"code": 28101, "message": "auth"}}, status=401
    )
    either = _either(kind, _conn_to(make_conn, httpserver.url_for("/").rstrip("/")))

    with pytest.raises(EngageLabApiError) as caught:
        either.get_schedule_msg_ids(SCHEDULE_ID)

    said = everything_said(caught.value)
    assert MASTER_SECRET not in said
    assert BASIC.split()[1] not in said
    assert f"GET {MSG_IDS}: HTTP 500" in said  # the retry is logged by method, path and status


@pytest.mark.parametrize(
    "failure",
    [
        aiohttp.InvalidURL(f"http://user:{MASTER_SECRET}@[::1"),
        aiohttp.ClientPayloadError(f"broken while reading {MASTER_SECRET}"),
        ValueError(f"Newline in header value 'Basic {MASTER_SECRET}\\n'"),
    ],
    ids=lambda err: type(err).__name__,
)
def test_only_the_type_of_an_aiohttp_failure_that_may_quote_a_header_is_reported(
    httpserver: HTTPServer,
    make_conn: ConnFactory,
    monkeypatch: pytest.MonkeyPatch,
    everything_said: Said,
    sleeps: list[float],
    *,
    failure: BaseException,
) -> None:
    hook = EngageLabAsyncHook(_conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id)

    class FailingSession:
        closed = False

        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise failure

        async def close(self) -> None:
            self.closed = True

    async def fake_session(self: EngageAsyncHook) -> Any:
        return FailingSession()

    monkeypatch.setattr(EngageAsyncHook, "_open_session", fake_session)

    with pytest.raises(EngageLabApiError) as caught:
        _run(hook.get_schedule(SCHEDULE_ID))

    error = caught.value
    assert type(failure).__name__ in str(error)
    assert "withheld" in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__
    assert MASTER_SECRET not in everything_said(error)


@pytest.mark.parametrize(
    ("failure", "quotable"),
    [
        (aiohttp.ServerDisconnectedError(), True),
        (TimeoutError(), True),
        (aiohttp.ClientOSError(104, "reset"), True),
        (aiohttp.InvalidURL("u"), False),
        (aiohttp.ClientPayloadError("p"), False),
        (ValueError("header"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_plain_connection_failures_are_the_only_quotable_aiohttp_ones(
    failure: BaseException, quotable: bool
) -> None:
    assert transport.plain_aiohttp_failure(failure) is quotable


# --- what only the async hook has ----------------------------------------------------------------


def test_the_connection_is_read_without_a_blocking_call_on_the_loop(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request(MSG_IDS).respond_with_json(ANSWER)
    conn_id = _conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id
    blocking_reads: list[str] = []
    original = BaseHook.get_connection.__func__  # type: ignore[attr-defined]

    def watched(cls: Any, conn_id: str) -> Any:
        blocking_reads.append(threading.current_thread().name)
        return original(cls, conn_id)

    monkeypatch.setattr(BaseHook, "get_connection", classmethod(watched))

    async def read() -> tuple[Any, str]:
        hook = EngageLabAsyncHook(conn_id)
        try:
            return await hook.get_schedule_msg_ids(SCHEDULE_ID), threading.current_thread().name
        finally:
            await hook.close()

    records, loop_thread = _run(read())

    assert [record.msg_id for record in records] == ["1088009"]
    # Airflow 3.3 reads it asynchronously; 2.11's compat layer reads it in a worker thread.
    assert loop_thread not in blocking_reads


def test_the_connection_is_the_same_checked_masked_one_as_the_sync_hooks(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync_hook = _conn_to(make_conn, httpserver.url_for("/").rstrip("/"))
    masked: list[str] = []

    async def record(secret: str) -> None:
        masked.append(secret)

    monkeypatch.setattr(transport, "_mask", record)
    hook = EngageLabAsyncHook(sync_hook.conn_id)

    settings = _run(hook.load_connection())

    assert settings == sync_hook.connection
    assert masked == [MASTER_SECRET]
    assert hook.base_url == sync_hook.base_url
    assert _run(hook.load_connection()) is settings  # read once


def test_hooks_of_one_connection_waking_together_share_one_read(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn_id = _conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id
    other_id = _conn_to(make_conn, httpserver.url_for("/").rstrip("/"), conn_id="engagelab_other").conn_id
    reads: list[str] = []
    masked: list[str] = []
    real_read = transport.get_async_connection

    async def counted(conn_id: str, hook: Any = None) -> Any:
        reads.append(conn_id)
        return await real_read(conn_id, hook=hook)

    async def record(secret: str) -> None:
        masked.append(secret)

    monkeypatch.setattr(transport, "get_async_connection", counted)
    monkeypatch.setattr(transport, "_mask", record)

    async def load_all() -> list[Any]:
        hooks = [EngageLabAsyncHook(conn_id) for _ in range(100)] + [EngageLabAsyncHook(other_id)]
        return await asyncio.gather(*(hook.load_connection() for hook in hooks))

    settings = _run(load_all())

    # A triggerer's 1,000 triggers of one campaign, waking in the same second, read it once.
    assert sorted(reads) == sorted([conn_id, other_id])
    assert all(one is settings[0] for one in settings[:100])
    assert settings[100].conn_id == other_id
    assert masked == [MASTER_SECRET, MASTER_SECRET]  # once per read


def test_a_connection_edited_while_triggers_wait_is_read_anew_by_later_looks(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = httpserver.url_for("/").rstrip("/")
    conn_id = _conn_to(make_conn, url).conn_id
    monkeypatch.setattr(transport, "CONNECTION_REUSE_SECONDS", 60.0)

    async def before_and_after_an_edit() -> tuple[str | None, str | None, str | None]:
        first = await EngageLabAsyncHook(conn_id).load_connection()
        make_conn(conn_id, "engagelab", host=url, login=APP_KEY, password="edited-" + MASTER_SECRET)
        soon = await EngageLabAsyncHook(conn_id).load_connection()
        monkeypatch.setattr(transport, "CONNECTION_REUSE_SECONDS", 0.01)  # the reuse is over
        await asyncio.sleep(0.02)
        later = await EngageLabAsyncHook(conn_id).load_connection()
        return first.password, soon.password, later.password

    first, soon, later = _run(before_and_after_an_edit())

    assert (first, soon) == (MASTER_SECRET, MASTER_SECRET)  # within the reuse: the shared read
    assert later == "edited-" + MASTER_SECRET


def test_a_failed_connection_read_is_not_kept_for_later_hooks(
    httpserver: HTTPServer, make_conn: ConnFactory
) -> None:
    conn_id = "engagelab_later"

    async def before_and_after_defining_it() -> tuple[str, str | None]:
        with pytest.raises(Exception, match=conn_id) as missing:
            await EngageLabAsyncHook(conn_id).load_connection()
        _conn_to(make_conn, httpserver.url_for("/").rstrip("/"), conn_id=conn_id)
        return type(missing.value).__name__, (await EngageLabAsyncHook(conn_id).load_connection()).login

    missing, login = _run(before_and_after_defining_it())

    assert missing == "AirflowNotFoundException"
    assert login == APP_KEY


def test_masking_on_the_loop_registers_the_secret_with_airflows_masker() -> None:
    from airflow.providers.common.compat.sdk import redact

    _run(transport._mask("s3cr3t-from-the-loop-1234"))

    assert "s3cr3t-from-the-loop-1234" not in str(redact("token s3cr3t-from-the-loop-1234 here"))


def test_reading_the_connection_synchronously_is_refused(
    make_conn: ConnFactory, httpserver: HTTPServer
) -> None:
    hook = EngageLabAsyncHook(_conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id)

    with pytest.raises(RuntimeError, match="await load_connection"):
        _ = hook.base_url


def test_a_bad_credential_is_refused_unquoted_before_anything_is_sent(
    httpserver: HTTPServer, make_conn: ConnFactory, everything_said: Said
) -> None:
    conn_id = make_conn(
        "engagelab_newline",
        "engagelab",
        host=httpserver.url_for("/"),
        login=APP_KEY,
        password=MASTER_SECRET + "\n",
    )

    with pytest.raises(ValueError, match="password: contains whitespace") as caught:
        _run(EngageLabAsyncHook(conn_id).get_schedule(SCHEDULE_ID))

    assert MASTER_SECRET not in everything_said(caught.value)
    assert httpserver.log == []


def test_one_session_serves_every_call_until_closed(httpserver: HTTPServer, make_conn: ConnFactory) -> None:
    httpserver.expect_request(MSG_IDS).respond_with_json(ANSWER)
    hook = EngageLabAsyncHook(_conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id)

    async def use() -> list[Any]:
        await hook.get_schedule_msg_ids(SCHEDULE_ID)
        first = hook._session
        await asyncio.gather(*(hook.get_schedule_msg_ids(SCHEDULE_ID) for _ in range(5)))
        same = hook._session is first
        await hook.close()
        await hook.close()  # closing twice is harmless
        closed = first is not None and first.closed
        await hook.get_schedule_msg_ids(SCHEDULE_ID)
        reopened = hook._session is not first
        await hook.close()
        return [same, closed, reopened]

    assert _run(use()) == [True, True, True]
    assert len(httpserver.log) == 7


def test_the_rate_limiter_is_reserved_before_every_attempt_and_awaited(
    httpserver: HTTPServer, make_conn: ConnFactory, monkeypatch: pytest.MonkeyPatch, sleeps: list[float]
) -> None:
    events: list[str] = []

    class Recording(RateLimiter):
        def reserve(self) -> float:
            events.append("reserve")
            return super().reserve()

    httpserver.expect_ordered_request(MSG_IDS).respond_with_json({"error": {"code": 28203}}, status=503)
    httpserver.expect_ordered_request(MSG_IDS).respond_with_json(ANSWER)
    conn_id = _conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id
    hook = EngageLabAsyncHook(conn_id, rate_limiter=Recording(1000))
    send = EngageAsyncHook._send

    async def sending(self: EngageAsyncHook, outgoing: Any) -> Any:
        events.append("send")
        return await send(self, outgoing)

    monkeypatch.setattr(EngageAsyncHook, "_send", sending)

    async def read() -> None:
        await hook.get_schedule_msg_ids(SCHEDULE_ID)
        await hook.close()

    _run(read())

    assert events == ["reserve", "send"] * 2
    assert len(sleeps) == 1  # the retry pause; the limiter's waits are its own


def test_waiting_for_the_rate_limit_does_not_block_the_loop(
    httpserver: HTTPServer, make_conn: ConnFactory
) -> None:
    httpserver.expect_request(MSG_IDS).respond_with_json(ANSWER)
    conn_id = _conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id
    hook = EngageLabAsyncHook(conn_id, rate_limiter=RateLimiter(20))
    ticks: list[float] = []

    async def ticker(stop: asyncio.Event) -> None:
        while not stop.is_set():
            ticks.append(asyncio.get_running_loop().time())
            await asyncio.sleep(0.01)

    async def reads() -> float:
        stop = asyncio.Event()
        beat = asyncio.create_task(ticker(stop))
        started = asyncio.get_running_loop().time()
        await asyncio.gather(*(hook.get_schedule_msg_ids(SCHEDULE_ID) for _ in range(6)))
        elapsed = asyncio.get_running_loop().time() - started
        stop.set()
        await beat
        await hook.close()
        return elapsed

    elapsed = _run(reads())

    assert elapsed >= 0.24  # six calls at 20 a second: the last one waited its turn
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert max(gaps) < 0.1  # while they waited the loop kept running


# --- against the emulator, over real HTTP --------------------------------------------------------


def test_the_async_hooks_read_what_the_emulator_fired(
    make_conn: ConnFactory, caplog: pytest.LogCaptureFixture
) -> None:
    from airflow_provider_engage.emulator.client import EmulatorControl

    credentials = Credentials()
    start = "2030-01-01T00:00:00+00:00"
    with running_emulator(start_time=_instant(start), frozen=True, seed=3) as url:
        engagelab = EngageLabHook(
            make_conn(
                "engagelab_emulated",
                "engagelab",
                host=url,
                login=credentials.app_key,
                password=credentials.master_secret,
            )
        )
        pai = PaiEngagementHook(
            make_conn(
                "pai_emulated_async",
                "pai_engagement",
                host=url,
                login=credentials.pai_ak_id,
                password=credentials.pai_ak_secret,
                api_style="roa",
            )
        )
        engagelab.upsert_push_plan("spring_sale", "spring")
        push = {
            "to": "all",
            "body": {
                "platform": "all",
                "notification": {"alert": "hi"},
                "options": {"plan_id": "spring_sale"},
            },
        }
        trigger = {"single": {"time": "2030-01-01 09:00:00", "zone_type": 1}}
        schedule_id = engagelab.create_schedule(
            {"name": "async read", "enabled": True, "trigger": trigger, "push": push}
        )["schedule_id"]
        plan_id = pai.create_schedule(group_id="g1", name="AsyncRead", execute_time="2030-01-01 10:00:00")[
            "Id"
        ]
        EmulatorControl(url).advance(86400)

        async def read() -> tuple[Any, ...]:
            engagelab_async = EngageLabAsyncHook(engagelab.conn_id)
            pai_async = PaiEngagementAsyncHook(pai.conn_id)
            try:
                return (
                    await engagelab_async.get_schedule_msg_ids(schedule_id),
                    await engagelab_async.get_plan_msg_ids(["spring_sale"], "2030-01-01", "2030-01-02"),
                    await pai_async.get_schedule(plan_id),
                    await pai_async.list_messages(plan_id, "2030-01-01"),
                    await pai_async.list_message_metrics(plan_id, "2030-01-01", "2030-01-02"),
                )
            finally:
                await engagelab_async.close()
                await pai_async.close()

        records, by_plan, plan, messages, metrics = _run(read())

    assert [record.ok for record in records] == [True]
    assert by_plan == {"spring_sale": [records[0].msg_id]}
    assert plan["Status"] == 4  # sent
    assert messages["TotalCount"] == len(messages["Messages"]) > 0
    assert metrics["Metrics"][0]["Total"] == messages["TotalCount"]
    assert "Traceback" not in caplog.text


def _instant(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_importing_the_async_hooks_costs_a_dag_no_aiohttp() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook; "
        "from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook; "
        "print('aiohttp' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split()[-1] == "False"


def test_fast_retries_come_from_the_connection(make_conn: ConnFactory, httpserver: HTTPServer) -> None:
    hook = EngageLabAsyncHook(_conn_to(make_conn, httpserver.url_for("/").rstrip("/")).conn_id)
    settings = _run(hook.load_connection())
    assert settings.retry.max_retries == FAST_RETRIES["max_retries"]


# --- what the async hooks of one event loop share -------------------------------------------------


class Counted:
    """A piece of work that counts how often it was made and takes a moment to make."""

    def __init__(self, *, fail_first: int = 0) -> None:
        self.made = 0
        self.fail_first = fail_first

    async def __call__(self) -> int:
        self.made += 1
        number = self.made
        await asyncio.sleep(0.01)
        if number <= self.fail_first:
            raise ConnectionError(f"failure {number}")
        return number


def test_askers_at_the_same_time_share_one_making() -> None:
    work = Counted()

    async def ask_many() -> list[int]:
        return await asyncio.gather(*(shared("key", work, reuse_for=5) for _ in range(200)))

    assert asyncio.run(ask_many()) == [1] * 200
    assert work.made == 1


def test_a_result_is_reused_within_its_time_and_made_anew_after_it() -> None:
    work = Counted()

    async def ask_twice(pause: float, reuse_for: float) -> list[int]:
        first = await shared("key", work, reuse_for=reuse_for)
        await asyncio.sleep(pause)
        return [first, await shared("key", work, reuse_for=reuse_for)]

    assert asyncio.run(ask_twice(0.0, reuse_for=5)) == [1, 1]
    assert asyncio.run(ask_twice(0.05, reuse_for=0.02)) == [2, 3]


def test_different_keys_are_made_apart() -> None:
    work = Counted()

    async def ask() -> set[int]:
        return set(await asyncio.gather(shared("a", work, reuse_for=5), shared("b", work, reuse_for=5)))

    assert asyncio.run(ask()) == {1, 2}


def test_a_failure_reaches_every_asker_meanwhile_and_is_not_kept() -> None:
    work = Counted(fail_first=1)

    async def ask() -> tuple[list[BaseException | int], int]:
        together = await asyncio.gather(
            *(shared("key", work, reuse_for=60) for _ in range(3)), return_exceptions=True
        )
        return together, await shared("key", work, reuse_for=60)

    together, later = asyncio.run(ask())

    assert [str(result) for result in together] == ["failure 1"] * 3
    assert later == 2  # made again, not the kept failure


def test_one_asker_cancelled_does_not_cancel_the_work_for_the_others() -> None:
    work = Counted()

    async def ask() -> int:
        first = asyncio.create_task(shared("key", work, reuse_for=5))
        second = asyncio.create_task(shared("key", work, reuse_for=5))
        await asyncio.sleep(0)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        return await second

    assert asyncio.run(ask()) == 1
    assert work.made == 1


def test_each_event_loop_makes_its_own() -> None:
    work = Counted()

    assert asyncio.run(shared("key", work, reuse_for=float("inf"))) == 1
    assert asyncio.run(shared("key", work, reuse_for=float("inf"))) == 2
