"""The retry policy, as decisions: what is sent again, and after how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_engage.hooks.retry import (
    Failure,
    RetrySettings,
    Transport,
    header_value,
    server_hint,
    should_retry,
    wait_seconds,
)
from airflow_provider_engage.input_errors import InvalidFieldError

SETTINGS = RetrySettings(max_retries=5, min_wait=0.5, max_wait=30)
NOW = datetime(2024, 2, 7, 4, 0, tzinfo=UTC)

# (description, failure without `creates`) -> (retried on a read, retried on a create)
CASES = [
    ("429", {"status": 429}, True, True),
    ("503", {"status": 503}, True, True),
    ("503/28203", {"status": 503, "vendor_code": 28203}, True, True),
    ("28203 on any status", {"status": 200, "vendor_code": 28203}, True, True),
    ("refused", {"transport": Transport.NOT_SENT}, True, True),
    ("Throttling.User", {"status": 400, "vendor_code": "Throttling.User"}, True, True),
    ("envelope 429", {"status": 200, "vendor_code": 429}, True, True),
    ("500", {"status": 500}, True, False),
    ("500/28200", {"status": 500, "vendor_code": 28200}, True, False),
    ("502", {"status": 502}, True, False),
    ("504", {"status": 504}, True, False),
    ("27000", {"status": 500, "vendor_code": 27000}, True, False),
    ("InternalError", {"status": 500, "vendor_code": "InternalError"}, True, False),
    ("dropped", {"transport": Transport.AMBIGUOUS}, True, False),
    ("TLS", {"transport": Transport.FATAL}, False, False),
    ("400", {"status": 400, "vendor_code": 28100}, False, False),
    ("401", {"status": 401, "vendor_code": 28101}, False, False),
    ("403", {"status": 403}, False, False),
    ("404", {"status": 404, "vendor_code": 28104}, False, False),
    ("21009 cannot be retried", {"status": 500, "vendor_code": 21009}, False, False),
    ("3010 query volume over the limit", {"status": 200, "vendor_code": 3010}, True, True),
    ("3010 with 429", {"status": 429, "vendor_code": 3010}, True, True),
    ("3010 with 400", {"status": 400, "vendor_code": 3010}, True, True),
]


@pytest.mark.parametrize(("name", "fields", "read", "create"), CASES, ids=[case[0] for case in CASES])
def test_what_is_sent_again(name: str, fields: dict[str, object], read: bool, create: bool) -> None:
    assert should_retry(Failure(creates=False, **fields), 0, SETTINGS) is read  # type: ignore[arg-type]
    assert should_retry(Failure(creates=True, **fields), 0, SETTINGS) is create  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"transport": Transport.AMBIGUOUS}, True),
        ({"status": 500}, True),
        ({"status": 200}, True),  # it succeeded, but the answer could not be read
        ({"status": 429}, False),
        ({"status": 400, "vendor_code": 3010}, False),  # throttled: refused before it was applied
        ({"status": 503, "vendor_code": 28203}, False),
        ({"transport": Transport.NOT_SENT}, False),
        ({"status": 400, "vendor_code": 28100}, False),
        ({"status": 200, "vendor_code": 400}, False),  # PAI refused it in the envelope
    ],
)
def test_which_failed_creates_may_have_taken_effect(fields: dict[str, object], expected: bool) -> None:
    assert Failure(creates=True, **fields).may_have_taken_effect is expected  # type: ignore[arg-type]
    assert Failure(creates=False, **fields).may_have_taken_effect is False  # type: ignore[arg-type]


def test_a_3010_is_throttling_and_waits_for_the_services_hint() -> None:
    failure = Failure(creates=True, status=429, vendor_code=3010, headers={"Retry-After": "2"})
    assert failure.throttled
    assert failure.certainly_not_applied
    assert should_retry(failure, 0, SETTINGS, now=NOW)
    assert wait_seconds(failure, 0, SETTINGS, now=NOW, rng=lambda: 0.9) == 2.0
    too_long = Failure(creates=False, status=429, vendor_code=3010, headers={"Retry-After": "3600"})
    assert not should_retry(too_long, 0, SETTINGS, now=NOW)  # a quota that resets later: fail now


def test_retries_stop_at_the_limit() -> None:
    failure = Failure(creates=False, status=503)
    assert [should_retry(failure, done, SETTINGS) for done in range(7)] == [True] * 5 + [False] * 2


def test_no_retries_when_max_retries_is_zero() -> None:
    assert not should_retry(Failure(creates=False, status=503), 0, RetrySettings(max_retries=0))


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"Retry-After": format_datetime(NOW + timedelta(seconds=7), usegmt=True)}, 7.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=7), usegmt=True)}, 0.0),
        ({"X-Rate-Limit-Reset": "3"}, 3.0),
        ({"X-Rate-Limit-Reset": str(int((NOW + timedelta(seconds=4)).timestamp()))}, 4.0),
        ({"x-acs-retry-after": "1500"}, 1.5),
        ({"Retry-After": "1", "X-Rate-Limit-Reset": "9"}, 1.0),
    ],
)
def test_the_service_hint_is_honoured(headers: dict[str, str], seconds: float) -> None:
    failure = Failure(creates=False, status=429, headers=headers)
    assert server_hint(failure, now=NOW) == pytest.approx(seconds)
    assert wait_seconds(failure, 0, SETTINGS, now=NOW, rng=lambda: 0.9) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["soon", "", "nan", "inf", "-"])
def test_unreadable_hints_fall_back_to_backoff(value: str) -> None:
    failure = Failure(creates=False, status=429, headers={"Retry-After": value, "x-acs-retry-after": value})
    assert server_hint(failure, now=NOW) is None
    assert wait_seconds(failure, 0, SETTINGS, now=NOW, rng=lambda: 0.0) == 0.5


def test_a_hint_longer_than_the_cap_is_not_waited_for() -> None:
    failure = Failure(creates=False, status=429, headers={"Retry-After": "31"})
    assert not should_retry(failure, 0, SETTINGS, now=NOW)
    assert should_retry(
        Failure(creates=False, status=429, headers={"Retry-After": "30"}), 0, SETTINGS, now=NOW
    )


def test_backoff_doubles_from_min_wait_up_to_the_cap() -> None:
    failure = Failure(creates=False, status=502)
    highest = [wait_seconds(failure, done, SETTINGS, rng=lambda: 1.0) for done in range(8)]
    lowest = [wait_seconds(failure, done, SETTINGS, rng=lambda: 0.0) for done in range(8)]
    assert highest == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert lowest == [0.5] * 8


@given(
    retries_done=st.integers(min_value=0, max_value=60),
    jitter=st.floats(min_value=0, max_value=1),
    min_wait=st.floats(min_value=0, max_value=5),
    extra=st.floats(min_value=0, max_value=60),
)
def test_backoff_always_stays_between_min_wait_and_the_cap(
    retries_done: int, jitter: float, min_wait: float, extra: float
) -> None:
    settings = RetrySettings(max_retries=100, min_wait=min_wait, max_wait=min_wait + extra)
    pause = wait_seconds(Failure(creates=False, status=500), retries_done, settings, rng=lambda: jitter)
    assert settings.min_wait <= pause <= settings.max_wait


def test_settings_from_extra() -> None:
    settings = RetrySettings.from_extra({"max_retries": "2", "retry_min_wait": 0.1, "retry_max_wait": "4"})
    assert settings == RetrySettings(max_retries=2, min_wait=0.1, max_wait=4.0)
    assert RetrySettings.from_extra({}) == RetrySettings(max_retries=5, min_wait=0.5, max_wait=30.0)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"max_retries": "many"}, "max_retries"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"retry_min_wait": "inf"}, "retry_min_wait"),
        ({"retry_min_wait": 5, "retry_max_wait": 1}, "retry_max_wait"),
    ],
)
def test_bad_settings_name_the_extra(extra: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        RetrySettings.from_extra(extra)
    assert caught.value.field == field


def test_header_value_is_the_one_case_insensitive_lookup() -> None:
    headers = {"x-acs-request-id": "r-1", "Retry-After": "3"}

    assert header_value(headers, "X-Acs-Request-Id") == "r-1"
    assert header_value(headers, "retry-after") == "3"
    assert header_value(headers, "X-Request-Id") is None
    assert Failure(creates=False, headers=headers).header("RETRY-AFTER") == "3"


def test_the_dialects_read_headers_through_the_retry_policy_lookup() -> None:
    from airflow_provider_engage.hooks import calls, engagelab, pai, retry

    assert engagelab.header_value is retry.header_value
    assert pai.header_value is retry.header_value
    assert calls.header_value is retry.header_value
