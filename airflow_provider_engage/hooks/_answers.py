"""Reading an answer, or the lack of one, into a result or the error the caller sees.

A vendor's :class:`Dialect` reads its answers and names its failures; :func:`read_answer` and
:func:`no_answer` turn a failed attempt into :class:`FailedAttempt`, which carries both what the
retry policy needs (:class:`~airflow_provider_engage.hooks._retry.Failure`) and the vendor
exception the caller gets once retrying stops. The messages never carry a header or a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from airflow_provider_engage.hooks._calls import ApiCall
from airflow_provider_engage.hooks._retry import Failure, Transport
from airflow_provider_engage.service_errors import EngageServiceError

T = TypeVar("T")
E = TypeVar("E", bound=EngageServiceError)

__all__ = [
    "ApiProblem",
    "Dialect",
    "FailedAttempt",
    "no_answer",
    "plain_text",
    "read_answer",
    "service_error",
]


class ApiProblem(Exception):
    """A failed call described plainly; the transport turns it into the vendor's error."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        vendor_code: int | str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.vendor_code = vendor_code
        self.request_id = request_id


class Dialect(Protocol):
    """The vendor-specific half of a call: reading answers and naming failures."""

    def interpret(self, call: ApiCall[T], status: int, headers: Mapping[str, str], raw: bytes) -> T:
        """The parsed result, or raise :class:`ApiProblem`."""
        ...

    def error(
        self, call: ApiCall[Any], problem: ApiProblem, failure: Failure, *, conn_id: str
    ) -> EngageServiceError:
        """The exception the caller sees, for ``problem`` as the retry policy judged it (``failure``).

        ``conn_id`` names the connection to check when the service refused its credentials.
        """
        ...


def plain_text(payload: Any) -> str:
    """A short excerpt of a non-JSON error body (a proxy's HTML page, say)."""
    return "" if payload is None else str(payload)[:200]


def service_error(
    cls: type[E],
    vendor: str,
    call: ApiCall[Any],
    problem: ApiProblem,
    failure: Failure,
    *,
    meaning: str | None,
    hint: str | None = None,
) -> E:
    """The vendor's exception for a failed call, carrying everything the problem knows.

    ``hint`` is what to do about it, when the vendor's own text does not say (a bad AccessKey).
    """
    may_have_taken_effect = failure.may_have_taken_effect
    message = describe_failure(
        vendor, call, problem, meaning=meaning, may_have_taken_effect=may_have_taken_effect
    )
    return cls(
        f"{message}. {hint}" if hint else message,
        operation=call.operation,
        status_code=problem.status,
        vendor_code=problem.vendor_code,
        vendor_message=problem.message or None,
        request_id=problem.request_id,
        may_have_taken_effect=may_have_taken_effect,
        transient=failure.transient,
    )


def describe_failure(
    vendor: str,
    call: ApiCall[Any],
    problem: ApiProblem,
    *,
    meaning: str | None,
    may_have_taken_effect: bool,
) -> str:
    """One sentence a DAG author can act on; never carries a header or a secret."""
    if problem.status is None:
        text = f"{vendor} {call.operation} failed: {problem.message}"
    else:
        parts = [f"HTTP {problem.status}"]
        if problem.vendor_code is not None:
            parts.append(f"code {problem.vendor_code}" + (f" ({meaning})" if meaning else ""))
        text = f"{vendor} {call.operation} failed: {', '.join(parts)}"
        if problem.message:
            text += f": {problem.message}"
    if problem.request_id:
        text += f" [request id {problem.request_id}]"
    if may_have_taken_effect:
        text += ". The request may have taken effect: look for what it created before sending it again"
    return text


class FailedAttempt(Exception):
    """What the retry loop sees: the policy's :class:`Failure` and the error the caller gets."""

    def __init__(self, failure: Failure, error: EngageServiceError) -> None:
        super().__init__(str(error))
        self.failure = failure
        self.error = error


def read_answer(
    dialect: Dialect, call: ApiCall[T], status: int, headers: Mapping[str, str], raw: bytes, *, conn_id: str
) -> T:
    """The parsed result of an answer, or :class:`FailedAttempt` for the retry loop."""
    try:
        return dialect.interpret(call, status, headers, raw)
    except ApiProblem as problem:
        failure = Failure(
            creates=call.creates,
            status=problem.status,
            vendor_code=problem.vendor_code,
            headers=dict(headers),
        )
        raise FailedAttempt(failure, dialect.error(call, problem, failure, conn_id=conn_id)) from None


def no_answer(
    dialect: Dialect, call: ApiCall[Any], transport: Transport, detail: str, *, conn_id: str
) -> FailedAttempt:
    """The :class:`FailedAttempt` for a request that got no HTTP answer."""
    problem = ApiProblem(f"no answer from {call.path} ({detail})")
    failure = Failure(creates=call.creates, transport=transport)
    return FailedAttempt(failure, dialect.error(call, problem, failure, conn_id=conn_id))
