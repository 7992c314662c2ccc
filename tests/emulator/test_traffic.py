"""Faults and rate limits: the rules themselves, then what clients see through HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from engagelab_harness import AUTH, START_AT, TIMEOUT, Api, error_of, single

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.emulator.traffic import FaultInjector, FaultRule, FaultRuleError, RateLimiter

PAI_GATEWAY = "/api/PaiPlugin/2022-01-12/CreateSchedule"

# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ({"kind": "explode", "next": 1}, "kind"),
        ({"kind": "drop"}, "exactly one"),
        ({"kind": "drop", "next": 1, "probability": 0.5}, "exactly one"),
        ({"kind": "drop", "probability": 1.5}, "probability"),
        ({"kind": "drop", "next": -1}, "next"),
        ({"kind": "status", "next": 1}, "status"),
        ({"kind": "status", "next": 1, "status": 200}, "status"),
        ({"kind": "latency", "next": 1}, "latency_ms"),
        ({"kind": "drop", "next": 1, "colour": "red"}, "unknown"),
    ],
)
def test_malformed_rules_are_refused(rule: dict[str, Any], complaint: str) -> None:
    with pytest.raises(FaultRuleError, match=complaint):
        FaultRule.parse(rule)


def test_a_next_n_rule_meets_exactly_n_matching_requests() -> None:
    injector = FaultInjector()
    injector.configure(
        [FaultRule.parse({"kind": "drop", "next": 2, "method": "post", "path": "/v4/schedules"})]
    )
    seen = [
        injector.plan(method, path).failure is not None
        for method, path in [
            ("GET", "/v4/schedules"),
            ("POST", "/v4/schedules/abc"),
            ("POST", "/v4/schedulesX"),
            ("POST", "/v4/schedules"),
            ("POST", "/v4/schedules"),
        ]
    ]
    assert seen == [False, True, False, True, False]


def test_probability_draws_repeat_under_a_seed_and_hit_the_rate() -> None:
    def draws(seed: int) -> list[bool]:
        injector = FaultInjector()
        injector.configure([FaultRule.parse({"kind": "drop", "probability": 0.25})], seed=seed)
        return [injector.plan("GET", "/v4/x").failure is not None for _ in range(4000)]

    first = draws(11)
    assert first == draws(11)
    assert first != draws(12)
    assert 0.22 < sum(first) / len(first) < 0.28


def test_latency_adds_up_and_the_first_failure_wins() -> None:
    injector = FaultInjector()
    injector.configure(
        [
            FaultRule.parse({"kind": "latency", "next": 1, "latency_ms": 30}),
            FaultRule.parse({"kind": "status", "next": 1, "status": 500}),
            FaultRule.parse({"kind": "drop", "next": 1}),
        ]
    )
    plan = injector.plan("GET", "/v4/x")
    assert plan.latency_ms == 30
    assert plan.failure is not None
    assert plan.failure.kind == "status"
    assert injector.plan("GET", "/v4/x").failure.kind == "drop"  # type: ignore[union-attr]


def test_the_rate_limiter_refills_per_second_and_says_when() -> None:
    now = [100.0]
    limiter = RateLimiter(5, monotonic=lambda: now[0])
    decisions = [limiter.acquire("key") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[4].remaining == 0
    assert decisions[5].reset_seconds == pytest.approx(0.2)
    assert limiter.acquire("other").allowed  # buckets are per key
    now[0] += 0.2
    assert limiter.acquire("key").allowed
    assert not limiter.acquire("key").allowed


def test_a_zero_rate_never_limits() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.acquire("key").allowed for _ in range(10_000))


# --- injected faults through HTTP ----------------------------------------------------------------


def test_status_faults_answer_the_engagelab_error_and_change_nothing(
    api: Api, emulator: EmulatorControl
) -> None:
    emulator.faults([{"kind": "status", "next": 2, "status": 503, "path": "/v4/schedules", "method": "POST"}])
    failed = [api.post("/v4/schedules", single()) for _ in range(2)]
    assert [error_of(r)[:2] for r in failed] == [(503, 28203)] * 2
    assert emulator.state()["engagelab"]["schedules"] == 0
    assert api.post("/v4/schedules", single()).status_code == 200


def test_a_500_fault_defaults_to_28200_and_a_code_can_be_chosen(api: Api, emulator: EmulatorControl) -> None:
    emulator.faults(
        [
            {"kind": "status", "next": 1, "status": 500},
            {"kind": "status", "next": 1, "status": 502, "code": 9},
        ]
    )
    assert error_of(api.get("/v4/schedules"))[:2] == (500, 28200)
    assert error_of(api.get("/v4/schedules"))[:2] == (502, 9)


def test_pai_paths_fail_in_the_gateway_shape(emulator: EmulatorControl, emulator_url: str) -> None:
    emulator.faults([{"kind": "status", "next": 1, "status": 503}])
    response = requests.post(emulator_url + PAI_GATEWAY, json={}, timeout=TIMEOUT)
    assert response.status_code == 503
    assert set(response.json()) == {"Code", "Message", "RequestId"}
    assert response.json()["Code"] == "ServiceUnavailable"


def test_status_faults_arrive_at_the_configured_rate_and_repeat_under_a_seed(
    api: Api, emulator: EmulatorControl
) -> None:
    def statuses() -> list[int]:
        emulator.faults([{"kind": "status", "probability": 0.2, "status": 503}], seed=5)
        return [api.get("/v4/schedules").status_code for _ in range(300)]

    first = statuses()
    assert first == statuses()
    assert set(first) == {200, 503}
    assert 35 <= first.count(503) <= 85  # 60 expected


def test_latency_delays_the_answer(api: Api, emulator: EmulatorControl) -> None:
    emulator.faults([{"kind": "latency", "next": 1, "latency_ms": 300}])
    started = time.monotonic()
    assert api.get("/v4/schedules").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get("/v4/schedules")
    assert time.monotonic() - started < 0.3


def test_drop_closes_the_connection_without_an_answer_and_commits_nothing(
    api: Api, emulator: EmulatorControl
) -> None:
    emulator.faults([{"kind": "drop", "next": 1, "method": "POST"}])
    # The client sees the close as an end without a response, or (when the close beats its read,
    # as on a loaded machine) as a reset: either way, no answer.
    with pytest.raises(requests.ConnectionError, match=r"without response|Connection reset by peer"):
        api.post("/v4/schedules", single())
    assert emulator.state()["engagelab"]["schedules"] == 0
    assert api.post("/v4/schedules", single()).status_code == 200  # the session recovers


def test_commit_then_drop_takes_effect_but_the_client_sees_a_failure(
    api: Api, emulator: EmulatorControl
) -> None:
    emulator.faults([{"kind": "commit_then_drop", "next": 1, "path": "/v4/schedules"}])
    with pytest.raises(requests.ConnectionError, match="without response"):
        api.post("/v4/schedules", single())
    listed = api.get("/v4/schedules").json()
    assert listed["total_count"] == 1
    state = emulator.state()
    assert state["requests"]["POST /v4/schedules"] == {"dropped": 1}
    assert state["faults"]["injected"] == {"commit_then_drop": 1}


def test_the_control_api_is_never_faulted(emulator: EmulatorControl) -> None:
    emulator.faults([{"kind": "drop", "probability": 1.0}])
    assert emulator.state()["faults"]["rules"][0]["kind"] == "drop"
    assert emulator.clear_faults() == {"rules": []}


# --- rate limits through HTTP --------------------------------------------------------------------


def test_engagelab_over_the_limit_answers_429_with_rate_headers() -> None:
    # Two a second: a refused request's token takes half a second to come back, ample for the
    # burst below to stay refused even on a slow machine.
    with running_emulator(engagelab_qps=2, start_time=START_AT, frozen=True) as url:
        session = requests.Session()
        session.auth = AUTH
        answers = [session.get(url + "/v4/schedules", timeout=TIMEOUT) for _ in range(6)]
        other_app = requests.get(url + "/v4/schedules", auth=("another-app", "x"), timeout=TIMEOUT)
        control = requests.get(url + "/_emulator/state", timeout=TIMEOUT)
        time.sleep(1.0)
        recovered = session.get(url + "/v4/schedules", timeout=TIMEOUT)
    assert [a.status_code for a in answers] == [200] * 2 + [429] * 4
    refused = answers[-1]
    status, code, message = error_of(refused)
    assert (status, code) == (429, 2002)
    assert "2 requests per second" in message
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-Rate-Limit-Limit"] == "2"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    assert int(refused.headers["X-Rate-Limit-Reset"]) >= 1
    assert other_app.status_code == 401  # its own bucket: refused for its credentials, not throttled
    assert control.status_code == 200
    assert recovered.status_code == 200


def test_pai_over_the_limit_answers_throttling_user_with_retry_after_in_ms() -> None:
    with running_emulator(pai_qps=2) as url:
        headers = {"Authorization": "Bearer demo-api-key"}
        answers = [
            requests.post(url + PAI_GATEWAY, json={}, headers=headers, timeout=TIMEOUT) for _ in range(4)
        ]
    assert [a.status_code == 429 for a in answers] == [False] * 2 + [True] * 2
    refused = answers[-1]
    assert refused.json()["Code"] == "Throttling.User"
    assert set(refused.json()) == {"Code", "Message", "RequestId"}
    assert 0 < int(refused.headers["x-acs-retry-after"]) <= 1000
