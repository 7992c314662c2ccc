"""The one retry definition both transports hand to tenacity (``Retrying`` or ``AsyncRetrying``).

The decisions are :mod:`~airflow_provider_engage.hooks._retry`'s; this only reads tenacity's
state into them, so the sync and the async loop differ in nothing but how they sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from airflow_provider_engage.hooks._answers import FailedAttempt
from airflow_provider_engage.hooks._retry import RetrySettings, should_retry, wait_seconds

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = ["Replay", "describe_retry", "retry_arguments", "vendor_errors"]


def retry_arguments(
    settings: RetrySettings,
    *,
    sleep: Callable[[float], Any],
    on_retry: Callable[[FailedAttempt, int, float], None],
) -> dict[str, Any]:
    """Keyword arguments for tenacity's ``Retrying`` or ``AsyncRetrying`` (``sleep`` a coroutine there).

    ``on_retry(failed, retry_number, pause)`` is called before each pause (for the log).
    """

    def failed_of(state: RetryCallState) -> FailedAttempt | None:
        error = state.outcome.exception() if state.outcome else None
        return error if isinstance(error, FailedAttempt) else None

    def retry(state: RetryCallState) -> bool:
        failed = failed_of(state)
        return failed is not None and should_retry(failed.failure, state.attempt_number - 1, settings)

    def wait(state: RetryCallState) -> float:
        failed = failed_of(state)
        return (
            wait_seconds(failed.failure, state.attempt_number - 1, settings) if failed else settings.min_wait
        )

    def before_sleep(state: RetryCallState) -> None:
        failed = failed_of(state)
        if failed is not None:
            on_retry(failed, state.attempt_number, state.next_action.sleep if state.next_action else 0.0)

    return {"retry": retry, "wait": wait, "sleep": sleep, "before_sleep": before_sleep, "reraise": True}


class Replay:
    """An attempt that failed before tenacity ran, raised again as tenacity's first attempt.

    The transports send a call's first attempt outside tenacity, since nearly every call
    succeeds at once and tenacity's loop costs more CPU than the rest of the hook (the async one
    inspects its callbacks on every attempt). When that attempt fails, tenacity takes over: its
    first attempt is this replay of the failure, not a second send, so it decides, waits and logs
    exactly as if it had run the first attempt itself.
    """

    def __init__(self, failed: FailedAttempt) -> None:
        self._failed: FailedAttempt | None = failed

    def take(self) -> None:
        """Raise the first attempt's failure, once; later calls return (the real attempts follow)."""
        failed, self._failed = self._failed, None
        if failed is not None:
            raise failed


class vendor_errors:  # lower case: used as ``with vendor_errors():``, as before
    """The vendor's exception instead of the last :class:`FailedAttempt`, once retrying stops.

    A class, not ``@contextmanager``: every call enters it, and a generator costs more.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, failed: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if isinstance(failed, FailedAttempt):
            raise failed.error from failed.__cause__


def describe_retry(failed: FailedAttempt) -> str:
    """Why a try failed, for the log line before the pause."""
    failure = failed.failure
    if failure.transport is not None:
        return f"no answer ({failure.transport.value})"
    code = f", code {failure.vendor_code}" if failure.vendor_code is not None else ""
    return f"HTTP {failure.status}{code}"
