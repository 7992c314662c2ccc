"""Hostile answers campaign: whatever a server answers, the hooks give a correct result or a clear
provider error, never a crash, and stay within bounded memory.

A hostile server (:mod:`tests.proof.hostile`) answers every call of the sync and async hooks of
both vendors (EngageLab; PAI gateway and roa) with malformed JSON, HTML error pages (200 and
5xx, one quoting the request's headers), empty bodies, bodies of the wrong shape or with wrong
types inside, truncated bodies (a ``Content-Length`` larger than the body, a chunked body cut
off), bytes that are not HTTP, correct answers with fields no API version has, and a
100,000-record msg-id list (1,000,000 in the full form) whose peak memory tracemalloc measures.
A provider error (``EngageLabApiError``, ``PaiEngagementApiError``) must name the call and what
was wrong and carry no secret; anything else escaping (``JSONDecodeError``, ``KeyError``,
``TypeError``) is a crash and fails the test.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from airflow_provider_engage.hooks.engagelab import EngageLabAsyncHook, EngageLabHook, MsgIdRecord
from airflow_provider_engage.hooks.pai import PaiEngagementAsyncHook, PaiEngagementHook
from airflow_provider_engage.service_errors import (
    EngageLabApiError,
    EngageServiceError,
    PaiEngagementApiError,
)
from tests.helpers import connection
from tests.proof.conftest import TIMEOUT, RecordFigures
from tests.proof.hostile import Answer, HostileServer

pytestmark = pytest.mark.timeout(TIMEOUT)

APP_KEY, MASTER_SECRET = "hostile-app-key", "hostile-master-secret"
API_KEY, AK_ID, AK_SECRET = "sk-hostile-api-key", "hostile-ak-id", "hostile-ak-secret"
SECRETS = (
    MASTER_SECRET,
    base64.b64encode(f"{APP_KEY}:{MASTER_SECRET}".encode()).decode(),
    API_KEY,
    AK_SECRET,
)
SCHEDULE = {
    "name": "Hostile",
    "enabled": True,
    "trigger": {"single": {"time": "2030-01-01 09:00:00", "zone_type": 1}},
    "push": {"to": "all", "body": {"platform": "all", "notification": {"alert": "hi"}}},
}
BOUND_OVER_BODY = 8
"""The peak memory a huge answer may take, in multiples of its size (measured: see the figures)."""
FAST = {"max_retries": 1, "retry_min_wait": 0.001, "retry_max_wait": 0.002, "timeout": 5}


def on_async(hook: Any, method: str, *args: Any) -> Any:
    """``await hook.method(*args)`` in an event loop of its own, the session closed after."""

    async def call() -> Any:
        try:
            return await getattr(hook, method)(*args)
        finally:
            await hook.close()

    return asyncio.run(call())


def envelope(data: Any) -> bytes:
    """PAI's answer around ``data``, with fields no version of the API has."""
    answer = {"Data": data, "ErrorCode": 0, "ErrorMessage": "OK", "RequestId": "r-1", "Future": {"a": [1]}}
    return json.dumps(answer).encode()


def msg_id(number: int) -> str:
    """One entry of the msg-id list as the service sends it since 2024: a JSON-encoded string."""
    return json.dumps(
        {"msg_id": str(number), "error": {"code": 0, "message": ""}, "needRetry": False, "ts": 1707278411611}
    )


ONE_RECORD = [MsgIdRecord("1088009", fired_at=datetime(2024, 2, 7, 4, 0, 11, 611000, tzinfo=UTC))]
SCHEDULE_ANSWER = {"schedule_id": "s-1", "name": "Hostile", "trigger": SCHEDULE["trigger"], "later": {"x": 1}}
MSG_IDS_ANSWER = {
    "count": 1,
    "MsgIds": [msg_id(1088009)[:-1] + ', "channel": "fcm"}'],
    "next_cursor": None,
}


@dataclass(frozen=True)
class Call:
    """One hook method as a DAG's task or a trigger calls it, the error class it owes, and a
    correct answer to it with fields the provider does not know (``good``) and its result."""

    name: str
    run: Callable[[], Any]
    error: type[EngageServiceError]
    good: bytes
    result: Any


def engagelab_calls() -> list[Call]:
    hook = EngageLabHook()
    schedules = {"schedules": [SCHEDULE_ANSWER], "total_count": 1, "total_pages": 1, "page": 1, "more": "yes"}
    plans = {"push_plan_info": [{"plan_id": "plan_1", "plan_description": "a plan", "tag": 3}], "total": 1}
    stats = {"1": {"targets": 1, "new_metric": 5}, "2": {"targets": 2}}
    cases: dict[str, tuple[Callable[[], Any], Any, Any]] = {
        "create_schedule": (lambda: hook.create_schedule(SCHEDULE), SCHEDULE_ANSWER, SCHEDULE_ANSWER),
        "get_schedule": (lambda: hook.get_schedule("s-1"), [SCHEDULE_ANSWER], SCHEDULE_ANSWER),
        "iter_schedules": (lambda: list(hook.iter_schedules()), schedules, [SCHEDULE_ANSWER]),
        "update_schedule": (lambda: hook.update_schedule("s-1", SCHEDULE), SCHEDULE_ANSWER, SCHEDULE_ANSWER),
        "delete_schedule": (lambda: hook.delete_schedule("s-1"), {"deleted": True}, None),
        "get_schedule_msg_ids": (lambda: hook.get_schedule_msg_ids("s-1"), MSG_IDS_ANSWER, ONE_RECORD),
        "upsert_push_plan": (
            lambda: hook.upsert_push_plan("plan_1", "a plan"),
            {"plan_id": "plan_1", "v": 2},
            {"plan_id": "plan_1", "v": 2},
        ),
        "iter_push_plans": (lambda: list(hook.iter_push_plans()), plans, plans["push_plan_info"]),
        "get_plan_msg_ids": (
            lambda: hook.get_plan_msg_ids(["plan_1"], "2030-01-01", "2030-01-02"),
            {"plan_1": {"msg_ids": ["7", 8], "channels": ["fcm"]}},
            {"plan_1": ["7", "8"]},
        ),
        "get_message_stats": (lambda: hook.get_message_stats(["1", "2"]), stats, stats),
        "async get_schedule": (
            lambda: on_async(EngageLabAsyncHook(), "get_schedule", "s-1"),
            SCHEDULE_ANSWER,
            SCHEDULE_ANSWER,
        ),
        "async get_schedule_msg_ids": (
            lambda: on_async(EngageLabAsyncHook(), "get_schedule_msg_ids", "s-1"),
            MSG_IDS_ANSWER,
            ONE_RECORD,
        ),
        "async get_plan_msg_ids": (
            lambda: on_async(
                EngageLabAsyncHook(), "get_plan_msg_ids", ["plan_1"], "2030-01-01", "2030-01-02"
            ),
            {"plan_1": {"msg_ids": []}, "plan_2": ["9"]},
            {"plan_1": [], "plan_2": ["9"]},
        ),
    }
    return [
        Call(f"EngageLab {name}", run, EngageLabApiError, json.dumps(good).encode(), result)
        for name, (run, good, result) in cases.items()
    ]


def pai_calls() -> list[Call]:
    gateway = PaiEngagementHook("pai_gateway")
    roa = PaiEngagementHook("pai_roa")
    plan = {"Id": "1", "Name": "Hostile_sms", "Status": 0, "Channel": "sms", "Later": [1]}
    schedules = {"Schedules": [plan], "TotalCount": 1, "PageNumber": 1, "PageSize": 100, "Cursor": "c"}
    message = {"Id": "m-1", "ScheduleId": "1", "Status": 1, "Carrier": "x"}
    messages = {"Messages": [message], "TotalCount": 1, "PageSize": 100}
    metrics = {"Metrics": [{"Date": "20300101", "Total": 1, "Bounced": 0}], "TotalCount": 1, "Unit": "day"}
    cases: dict[str, tuple[Callable[[], Any], Any, Any]] = {
        "gateway create_schedule": (
            lambda: gateway.create_schedule(group_id="g", name="Hostile_sms"),
            plan,
            plan,
        ),
        "roa create_schedule": (lambda: roa.create_schedule(group_id="g", name="Hostile_sms"), plan, plan),
        "roa get_schedule": (lambda: roa.get_schedule("1"), plan, plan),
        "roa iter_schedules": (lambda: list(roa.iter_schedules()), schedules, [plan]),
        "roa delete_schedule": (lambda: roa.delete_schedule("1"), {"Deleted": True}, None),
        "roa iter_messages": (lambda: list(roa.iter_messages("1", "2030-01-01")), messages, [message]),
        "roa list_message_metrics": (
            lambda: roa.list_message_metrics("1", "2030-01-01", "2030-01-02"),
            metrics,
            metrics,
        ),
        "async get_schedule": (
            lambda: on_async(PaiEngagementAsyncHook("pai_roa"), "get_schedule", "1"),
            plan,
            plan,
        ),
        "async list_messages": (
            lambda: on_async(PaiEngagementAsyncHook("pai_roa"), "list_messages", "1", "2030-01-01"),
            messages,
            messages,
        ),
        "async list_message_metrics": (
            lambda: on_async(
                PaiEngagementAsyncHook("pai_roa"), "list_message_metrics", "1", "2030-01-01", "2030-01-02"
            ),
            metrics,
            metrics,
        ),
    }
    return [
        Call(f"PAI {name}", run, PaiEngagementApiError, envelope(good), result)
        for name, (run, good, result) in cases.items()
    ]


HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
NESTED = b"[" * 100_000 + b"]" * 100_000

# Answers no call can read as a result: each must end as the vendor's error, saying what was wrong.
UNREADABLE = {
    "malformed JSON": Answer(body=b'{"schedule_id": "s-1", "Data": {"Id": '),
    "HTML page, 200": Answer(body=HTML, content_type="text/html"),
    "HTML page, 502": Answer(status=502, body=HTML, content_type="text/html"),
    "HTML page, 500, quoting the request's headers": Answer(
        status=500, body=HTML, content_type="text/html", echo_headers=True
    ),
    "empty body, 503": Answer(status=503),
    "JSON array of arrays": Answer(body=b"[[1, 2], [3]]"),
    "JSON string": Answer(body=b'"ok"'),
    "JSON number": Answer(body=b"42"),
    "JSON nested 100,000 deep": Answer(body=NESTED),
    "error that is not an object, 400": Answer(status=400, body=b'{"error": "bad", "Code": [1]}'),
    "JSON content type, HTML body": Answer(body=HTML),
    "not UTF-8": Answer(body=b"\xff\xfe\xfa{\x00"),
    "truncated (Content-Length larger than the body)": Answer(body=b'{"schedule_id": "s-1"}', cut="short"),
    "chunked body cut off": Answer(body=b'{"schedule_id": "s-1", "MsgIds": []}', cut="chunk"),
    "not HTTP at all": Answer(body=b"SSH-2.0-OpenSSH_9.6\r\n", cut="raw"),
}

# Wrong types inside a JSON object: refused where the provider reads the field (a create's id, a
# page's list, the msg-id lists, a plan's ids); the calls that hand the service's object on as it
# is (a schedule, a plan, statistics) pass it on unchanged, and a delete reads nothing.
WRONG_TYPES = {
    "schedule_id": ["s-1"],
    "schedules": "s-1",
    "push_plan_info": {"plan_id": "p"},
    "MsgIds": "1088009",
    "plan_1": {"msg_ids": "7"},
    "1": None,
    "2": 5,
    "Data": {"Id": {"n": 1}, "Schedules": [1], "Messages": "m", "Metrics": {}},
}
PASSED_ON = {
    "EngageLab get_schedule": WRONG_TYPES,
    "EngageLab update_schedule": WRONG_TYPES,
    "EngageLab delete_schedule": None,
    "EngageLab upsert_push_plan": WRONG_TYPES,
    "EngageLab get_message_stats": WRONG_TYPES,
    "EngageLab async get_schedule": WRONG_TYPES,
    "PAI roa get_schedule": WRONG_TYPES["Data"],
    "PAI roa delete_schedule": None,
    "PAI async get_schedule": WRONG_TYPES["Data"],
}

# A successful answer that says nothing: what EngageLab sends for a write (research: an empty body
# or ``success``) and what its msg-id and statistics reads give for nothing yet, and no more.
NOTHING = {
    "empty body, 200": Answer(),
    "JSON null": Answer(body=b"null"),
    "success as text": Answer(body=b"success", content_type="text/plain"),
}
NOTHING_RESULTS = {
    "EngageLab update_schedule": {},
    "EngageLab delete_schedule": None,
    "EngageLab get_schedule_msg_ids": [],
    "EngageLab upsert_push_plan": {},
    "EngageLab get_plan_msg_ids": {},
    "EngageLab get_message_stats": {},
    "EngageLab async get_schedule_msg_ids": [],
    "EngageLab async get_plan_msg_ids": {},
}


def run(call: Call) -> tuple[Any, EngageServiceError | None]:
    """The call's result, or the provider error it raised; anything else escapes (a crash)."""
    try:
        return call.run(), None
    except EngageServiceError as err:
        return None, err


def assert_clear(call: Call, kind: str, error: EngageServiceError) -> None:
    """The vendor's own error: one short sentence naming the call and what was wrong, no secret."""
    message = str(error)
    assert isinstance(error, call.error), (kind, call.name, message)
    assert f"{error.operation} failed: " in message, (kind, call.name, message)
    assert len(message) < 1000, (kind, call.name, len(message))
    assert not [secret for secret in SECRETS if secret in message], (kind, call.name, message)


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    with HostileServer() as server:
        url = server.url
        monkeypatch.setenv(
            "AIRFLOW_CONN_ENGAGELAB_DEFAULT", connection(url, login=APP_KEY, password=MASTER_SECRET, **FAST)
        )
        monkeypatch.setenv(
            "AIRFLOW_CONN_PAI_GATEWAY",
            connection(url, "pai_engagement", login=None, password=API_KEY, **FAST),
        )
        monkeypatch.setenv(
            "AIRFLOW_CONN_PAI_ROA",
            connection(url, "pai_engagement", login=AK_ID, password=AK_SECRET, api_style="roa", **FAST),
        )
        yield server


def test_unreadable_answers_give_the_vendors_error_saying_what_was_wrong(
    hostile: HostileServer, proof_figures: RecordFigures
) -> None:
    calls = engagelab_calls() + pai_calls()
    accepted, errors = [], {}
    for kind, answer in UNREADABLE.items():
        hostile.answer = answer
        for call in calls:
            result, error = run(call)
            if error is None:
                accepted.append(f"{call.name} accepted {kind}: {result!r}"[:300])
            else:
                errors[(kind, call.name)] = error
    proof_figures(
        "hostile_unreadable",
        {
            "answers": len(UNREADABLE),
            "calls": len(calls),
            "pairs": len(UNREADABLE) * len(calls),
            "provider_errors": len(errors),
            "accepted_as_results": len(accepted),
            "requests": hostile.requests,
        },
    )
    assert accepted == []
    for (kind, name), error in errors.items():
        assert_clear(next(call for call in calls if call.name == name), kind, error)


def test_answers_that_say_nothing_are_nothing_where_the_service_sends_them_else_an_error(
    hostile: HostileServer,
) -> None:
    calls = engagelab_calls() + pai_calls()
    for kind, answer in NOTHING.items():
        hostile.answer = answer
        for call in calls:
            result, error = run(call)
            if call.name in NOTHING_RESULTS:
                assert error is None, (kind, call.name, str(error))
                assert result == NOTHING_RESULTS[call.name], (kind, call.name)
            else:
                assert error is not None, (kind, call.name, result)
                assert_clear(call, kind, error)


def test_unknown_fields_are_passed_over_and_the_result_is_correct(hostile: HostileServer) -> None:
    for call in engagelab_calls() + pai_calls():
        hostile.answer = Answer(body=call.good)
        result, error = run(call)
        assert error is None, (call.name, str(error))
        assert result == call.result, call.name


@pytest.mark.parametrize("hook", ["sync", "async"])
def test_a_huge_msg_id_list_is_read_whole_in_bounded_memory(
    hostile: HostileServer, hook: str, proof_size: Callable[[int, int], int], proof_figures: RecordFigures
) -> None:
    count = proof_size(100_000, 1_000_000)
    body = b'{"count": %d, "MsgIds": [%s]}' % (
        count,
        b",".join(json.dumps(msg_id(n)).encode() for n in range(count)),
    )
    hostile.answer = Answer(body=body)
    tracemalloc.start()
    started = time.monotonic()
    try:
        if hook == "sync":
            records = EngageLabHook().get_schedule_msg_ids("s-1")
        else:
            records = on_async(EngageLabAsyncHook(), "get_schedule_msg_ids", "s-1")
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    proof_figures(
        f"hostile_msg_ids_{hook}",
        {
            "records": count,
            "body_bytes": len(body),
            "peak_traced_bytes": peak,
            "peak_per_record_bytes": round(peak / count),
            "peak_over_body": round(peak / len(body), 2),
            "seconds": round(seconds, 2),
        },
    )
    assert len(records) == count
    assert [r.msg_id for r in records[:3]] == ["0", "1", "2"]
    assert records[-1].msg_id == str(count - 1)
    assert all(r.ok and r.fired_at is not None for r in records)
    # The body held as bytes and as text, the parsed list and the records: a few times the body,
    # never a copy per record or per retry.
    assert peak < BOUND_OVER_BODY * len(body), (peak, len(body))


def test_wrong_types_inside_are_refused_where_read_and_passed_on_unchanged_elsewhere(
    hostile: HostileServer,
) -> None:
    hostile.answer = Answer(body=json.dumps(WRONG_TYPES).encode())
    for call in engagelab_calls() + pai_calls():
        result, error = run(call)
        if call.name in PASSED_ON:
            assert error is None, (call.name, str(error))
            assert result == PASSED_ON[call.name], call.name
        else:
            assert error is not None, (call.name, result)
            assert_clear(call, "wrong types inside", error)
