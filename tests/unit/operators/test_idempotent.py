"""create_once: look first, create what is missing, look again after a lost answer, else say why."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_engage.operators._idempotent import Outcome, create_once, one_by_one
from airflow_provider_engage.service_errors import EngageLabApiError, EngageServiceError


class FakeService:
    """Holds what was created by key; ``answers`` says how each create of a key fails, if it does."""

    def __init__(self, existing: dict[str, str] | None = None) -> None:
        self.held = dict(existing or {})
        self.looks: list[set[str]] = []
        self.creates: list[str] = []
        self.answers: dict[str, EngageServiceError] = {}
        self.commits_when_lost = True

    def find(self, keys: Collection[str]) -> dict[str, str]:
        self.looks.append(set(keys))
        return {key: self.held[key] for key in keys if key in self.held}

    def create(self, key: str) -> str:
        self.creates.append(key)
        failure = self.answers.get(key)
        if failure is not None and not (failure.may_have_taken_effect and self.commits_when_lost):
            raise failure
        self.held[key] = f"id-{key}"
        if failure is not None:
            raise failure  # it took effect, but the answer was lost
        return self.held[key]


LOST = EngageLabApiError("connection dropped", may_have_taken_effect=True, transient=True)
REFUSED = EngageLabApiError("HTTP 400, code 28100: in the past", status_code=400, vendor_code=28100)


def run(service: FakeService, keys: Sequence[str], *, can_look: bool = True) -> dict[str, Outcome[str]]:
    return create_once(
        keys,
        find=service.find if can_look else None,
        create=one_by_one(service.create),
        describe=lambda key: f"thing {key}",
        cannot_look="nobody can be asked",
    )


def test_what_an_earlier_create_made_is_found_and_nothing_is_sent() -> None:
    service = FakeService({"a": "id-a"})

    outcome = run(service, ["a"])["a"]

    assert (outcome.value, outcome.created, outcome.error) == ("id-a", False, None)
    assert service.creates == []


def test_one_look_serves_every_key_and_only_the_missing_are_created() -> None:
    service = FakeService({"a": "id-a", "c": "id-c"})

    outcomes = run(service, ["a", "b", "c", "d"])

    assert service.looks == [{"a", "b", "c", "d"}]
    assert service.creates == ["b", "d"]
    assert {key: (o.value, o.created) for key, o in outcomes.items()} == {
        "a": ("id-a", False),
        "b": ("id-b", True),
        "c": ("id-c", False),
        "d": ("id-d", True),
    }


def test_a_lost_answer_is_settled_by_looking_again() -> None:
    service = FakeService()
    service.answers["a"] = LOST

    outcome = run(service, ["a"])["a"]

    assert (outcome.value, outcome.created, outcome.error) == ("id-a", False, None)
    assert service.creates == ["a"]  # never sent twice
    assert service.looks == [{"a"}, {"a"}]


def test_a_lost_answer_that_did_not_take_effect_fails_retryably() -> None:
    service = FakeService()
    service.answers["a"] = LOST
    service.commits_when_lost = False

    error = run(service, ["a"])["a"].error

    assert type(error) is AirflowException  # a retry is safe: it looks again before creating
    assert "Creating thing a got no answer, and looking for it found nothing" in str(error)
    assert "connection dropped" in str(error)


def test_a_lost_answer_where_nobody_can_look_fails_without_retry() -> None:
    service = FakeService()
    service.answers["a"] = LOST

    error = run(service, ["a"], can_look=False)["a"].error

    assert isinstance(error, AirflowFailException)
    assert "Creating thing a got no answer; it may exist. Nobody can be asked" in str(error)


def test_a_refusal_stays_the_services_own_error() -> None:
    service = FakeService()
    service.answers["b"] = REFUSED

    outcomes = run(service, ["a", "b"])

    assert outcomes["b"].error is REFUSED
    assert outcomes["a"].created
    assert service.looks == [{"a", "b"}]  # a refusal is not looked for again


def test_other_exceptions_are_not_swallowed() -> None:
    def explode(key: str) -> str:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        create_once(["a"], find=None, create=one_by_one(explode), describe=str)
