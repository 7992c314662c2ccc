"""One fuzz campaign: the emulator it sends to, the property each case must keep, and the figures.

The property, for every surface (a hook method, an operator, a sensor):

* a valid input is accepted: the call returns, its requests reached the emulator and none was
  answered with an error (reading back what it created is the test's part);
* an invalid input is refused before anything is sent: the provider's own ``InvalidFieldError``
  (for operators and sensors, the cause of the ``AirflowFailException`` that fails the task)
  naming the field the case broke, and not one request more reached the emulator;
* an input only the service can judge (its clock, what it holds) is sent once and the emulator's
  refusal names that field.

Requests are counted by the emulator itself (``GET /_emulator/state``), before and after each call.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from hypothesis import HealthCheck, Phase, settings

from airflow_provider_engage.emulator import running_emulator
from airflow_provider_engage.emulator.client import EmulatorControl
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import (
    EngageLabNotFoundError,
    EngageServiceError,
    PaiEngagementNotFoundError,
)
from tests.helpers import connection, service_requests
from tests.proof.fuzz_cases import Case

T = TypeVar("T")
NOT_FOUND = (EngageLabNotFoundError, PaiEngagementNotFoundError)
"""How each service says "no such id" (PAI's ROA API in a 200 envelope with ErrorCode 404)."""
PAI_GATEWAY_CONN = "pai_gateway"
CONNECTIONS = {
    "AIRFLOW_CONN_ENGAGELAB_DEFAULT": {},
    "AIRFLOW_CONN_PAI_ENGAGEMENT_DEFAULT": {
        "conn_type": "pai_engagement",
        "login": "demo-ak-id",
        "password": "demo-ak-secret",
        "api_style": "roa",
    },
    f"AIRFLOW_CONN_{PAI_GATEWAY_CONN.upper()}": {
        "conn_type": "pai_engagement",
        "login": None,
        "password": "demo-api-key",
    },
}


def examples(count: int) -> settings:
    """Hypothesis settings for ``count`` examples: the same ones on every run (derandomized), the
    first failure reported as drawn (a case names its rule already; shrinking huge bodies is slow)."""
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


@dataclass
class Tally:
    """What one surface was given and how it answered."""

    tried: int = 0
    valid: int = 0
    valid_accepted: int = 0
    invalid: int = 0
    invalid_refused_unsent: int = 0
    invalid_refused_by_service: int = 0
    invalid_refused_after_reading: int = 0
    requests_for_invalid_unsent: int = 0
    requests_for_valid: int = 0
    rules: Counter[str] = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        numbers = {key: value for key, value in vars(self).items() if key != "rules"}
        return {**numbers, "rules_broken": len([rule for rule in self.rules if rule != "valid"])}


class Fuzzing:
    """The emulator a campaign sends to and the tallies of the surfaces it tried."""

    def __init__(self, control: EmulatorControl) -> None:
        self.control = control
        self.tallies: dict[str, Tally] = {}

    def sent(self) -> Counter[str]:
        """Requests the services saw so far, by ``route status``."""
        return Counter(
            {
                f"{route} {status}": count
                for route, statuses in service_requests(self.control).items()
                for status, count in statuses.items()
            }
        )

    def attempt(
        self,
        surface: str,
        case: Case,
        call: Callable[[], T],
        *,
        task: bool = False,
        missing_ok: bool = False,
    ) -> T | None:
        """Call ``call`` with the case's input and judge the answer; returns what a valid call gave.

        ``task``: an operator or sensor, which fails the task with ``AirflowFailException`` caused
        by the ``InvalidFieldError`` (or raises it as the DAG is parsed) and judges the service's
        rules itself: the clock's before sending anything, what the service holds (a switch of
        zone_type) after reading it and before writing.
        ``missing_ok``: a well-formed id the service does not hold is answered "not found".
        """
        tally = self.tallies.setdefault(surface, Tally())
        tally.tried += 1
        tally.rules[case.rule] += 1
        before = self.sent()
        error: BaseException | None = None
        result: T | None = None
        try:
            result = call()
        except Exception as err:  # judged below, every kind of failure
            error = err
        delta = self.sent() - before
        requests = sum(delta.values())
        expected = case.refused or "valid"
        where = f"{surface}, {case.rule!r}, expected {expected}: {_said(error)}; sent {dict(delta)}"
        if case.valid:
            if missing_ok and isinstance(error, NOT_FOUND):
                error = None
            assert error is None, f"a valid input was refused ({where})"
            assert requests >= 1, where
            assert all(_answered(key, missing_ok) for key in delta), where
            tally.valid += 1
            tally.valid_accepted += 1
            tally.requests_for_valid += requests
            return result
        tally.invalid += 1
        if case.by_service and not task:
            assert isinstance(error, EngageServiceError), f"expected the service's refusal ({where})"
            assert error.status_code == 400, where
            assert requests == 1, where
            assert str(error.vendor_message).startswith(f"{case.refused}:"), where
            tally.invalid_refused_by_service += 1
            return None
        refusal = _refusal(error, task=task)
        assert refusal is not None, f"not refused with InvalidFieldError ({where})"
        assert refusal.field == case.refused, f"refusal names {refusal.field!r} ({where})"
        if case.reads_first:
            # A task judges what the service holds by reading it first: nothing is written.
            assert all(key.startswith("GET ") for key in delta), f"a write was sent ({where})"
            tally.invalid_refused_after_reading += 1
            return None
        tally.requests_for_invalid_unsent += requests  # measured, then required to be 0
        assert requests == 0, f"requests were sent for invalid input ({where})"
        tally.invalid_refused_unsent += 1
        return None

    def record(
        self, record_figures: Callable[[str, dict[str, Any]], None], campaign: str, *surfaces: str
    ) -> None:
        """Check that each surface met valid and invalid inputs both, and keep the campaign's figures."""
        for surface in surfaces:
            tally = self.tallies[surface]
            assert tally.valid_accepted, (surface, tally.figures())
            assert tally.invalid_refused_unsent, (surface, tally.figures())
            assert tally.requests_for_invalid_unsent == 0
        record_figures(campaign, self.figures())

    def figures(self) -> dict[str, Any]:
        surfaces = {name: tally.figures() for name, tally in sorted(self.tallies.items())}
        totals = Counter[str]()
        for numbers in surfaces.values():
            totals.update({key: value for key, value in numbers.items() if key != "rules_broken"})
        return {"surfaces": surfaces, "totals": dict(totals)}


def _refusal(error: BaseException | None, *, task: bool) -> InvalidFieldError | None:
    """The provider's refusal: raised as it is, or (a task) as the cause of the failure that
    fails it at once. A task refuses some arguments as its DAG file is parsed (the operator built)."""
    if task and isinstance(error, AirflowFailException):
        error = error.__cause__
    return error if isinstance(error, InvalidFieldError) else None


def _answered(key: str, missing_ok: bool) -> bool:
    status = key.rsplit(" ", 1)[1]
    return status.startswith("2") or (missing_ok and status == "404")


def _said(error: BaseException | None) -> str:
    if error is None:
        return "no error"
    return f"{type(error).__name__}: {str(error)[:300]}"


@contextmanager
def fuzz_emulator() -> Iterator[Fuzzing]:
    """An emulator on loopback (no rate limits: the campaign counts requests, not throttling),
    and the connections pointed at it, for one test module."""
    with running_emulator(seed=5, engagelab_qps=0, pai_qps=0) as url, pytest.MonkeyPatch.context() as patch:
        for name, settings_ in CONNECTIONS.items():
            patch.setenv(name, connection(url, **settings_))
        yield Fuzzing(EmulatorControl(url))


def as_json(value: Any) -> Any:
    """``value`` as it comes back from a JSON service (tuples as lists)."""
    return json.loads(json.dumps(value))
