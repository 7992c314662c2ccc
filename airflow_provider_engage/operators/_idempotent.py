"""Create exactly once: the one flow every create operator follows, whatever the vendor.

Look first for what an earlier create made (an earlier try, or an earlier run of the same task
instance: ``airflow tasks test`` twice, a second ``airflow dags test`` of one run, a cleared task
all start again at try 1), create only what is missing, and when a create's answer was lost (the
service may have applied it) look again instead of sending it twice. What cannot be settled
fails saying what happened. The operators say how to look (``find``, one look for all the keys
of a task), what to check once the look is in (``check``: the rules against the service's clock,
which the look's answer has just told) and how to create (``create``); this module owns the order
and the wording.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_engage.service_errors import EngageServiceError

__all__ = ["Outcome", "create_once", "one_by_one"]

T = TypeVar("T")

Find = Callable[[Collection[str]], Mapping[str, T]]
"""What earlier creates made, by key, among the keys asked: one look at the service for them all."""

Create = Callable[[Sequence[str]], Mapping[str, "T | EngageServiceError"]]
"""Create one thing per key; a failure is the key's value, so one refusal does not stop the rest."""


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of one key: made by this try (``created``), found from an earlier create, or an error."""

    value: T | None = None
    created: bool = False
    error: Exception | None = None


def one_by_one(create: Callable[[str], T]) -> Create[T]:
    """A :data:`Create` from a function that creates one thing (and raises the service's error)."""

    def create_each(keys: Sequence[str]) -> dict[str, T | EngageServiceError]:
        results: dict[str, T | EngageServiceError] = {}
        for key in keys:
            try:
                results[key] = create(key)
            except EngageServiceError as err:
                results[key] = err
        return results

    return create_each


def create_once(
    keys: Sequence[str],
    *,
    find: Find[T] | None,
    create: Create[T],
    describe: Callable[[str], str],
    check: Callable[[Sequence[str]], None] | None = None,
    cannot_look: str = "the service cannot be asked what exists",
) -> dict[str, Outcome[T]]:
    """An :class:`Outcome` for every key: found from an earlier create, else created now.

    ``find`` is None where the service has no way to look (PAI's gateway); a create whose answer
    was lost then fails without an automatic retry, with ``cannot_look`` as the reason.
    ``describe(key)`` names the thing in that failure ("schedule 'Sale' with idempotency key
    af-..."). ``check(todo)`` runs after the look and before the first create, with the keys
    still to create; what it raises stops the task with nothing created. A refusal stays the
    service's own error, for the caller to report.
    """
    found = dict(find(keys)) if find is not None else {}
    outcomes: dict[str, Outcome[T]] = {key: Outcome(found[key]) for key in keys if key in found}
    todo = [key for key in keys if key not in found]
    if not todo:
        return outcomes
    if check is not None:
        check(todo)
    results = create(todo)
    lost = {key for key in todo if _lost(results[key])}
    found_later = dict(find(lost)) if find is not None and lost else {}
    for key in todo:
        result = results[key]
        if not isinstance(result, EngageServiceError):
            outcomes[key] = Outcome(result, created=True)
        elif key in found_later:
            outcomes[key] = Outcome(found_later[key])
        elif key in lost:
            unsettled = _unsettled(describe(key), result, looked=find is not None, why=cannot_look)
            outcomes[key] = Outcome(error=unsettled)
        else:
            outcomes[key] = Outcome(error=result)
    return outcomes


def _lost(result: object) -> bool:
    return isinstance(result, EngageServiceError) and result.may_have_taken_effect


def _unsettled(what: str, err: EngageServiceError, *, looked: bool, why: str) -> AirflowException:
    """The failure for a create whose answer was lost and that no look could settle."""
    if looked:
        # The look came after the create, so "not found" means it did not take effect: a retry
        # is safe, and it looks again before creating.
        return AirflowException(
            f"Creating {what} got no answer, and looking for it found nothing: it did not take effect, "
            f"and the next try will look again before creating: {err}"
        )
    return AirflowFailException(
        f"Creating {what} got no answer; it may exist. {why[:1].upper()}{why[1:]}, so the task fails "
        f"instead of risking a second one (check before clearing the task): {err}"
    )
