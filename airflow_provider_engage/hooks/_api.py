"""What a call is, independent of the HTTP library that sends it.

Each endpoint is a function returning an :class:`ApiCall` (method, path, query, JSON body,
whether it creates, and how to read the answer). The hooks send calls with requests. Nothing here
depends on the HTTP library, so that an async (aiohttp) twin of the transport could reuse the
same calls and the same vendor reading of answers (``interpret``); no such twin exists yet. No
I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from airflow_provider_engage.connections import extra_value
from airflow_provider_engage.hooks._retry import (
    Failure,
    RetrySettings,
    Transport,
    should_retry,
    wait_seconds,
)
from airflow_provider_engage.input_errors import InvalidFieldError
from airflow_provider_engage.service_errors import EngageServiceError

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

__all__ = [
    "ApiCall",
    "ApiProblem",
    "ConnectionLike",
    "Dialect",
    "FailedAttempt",
    "Timeouts",
    "decode_body",
    "iter_pages",
    "path_id",
    "segment",
    "whole_number",
]

DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 10.0


def _same(payload: Any) -> Any:
    return payload


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """One request to one endpoint, and how to turn its decoded answer into the result."""

    operation: str  # names the call in errors and logs: "create schedule"
    method: str
    path: str  # already encoded (see :func:`segment`)
    parse: Callable[[Any], T] = _same
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-serialisable, or None for no body
    creates: bool = False  # sending it twice could create two things
    action: str = ""  # the vendor's name for the operation (PAI signs it)

    def body_bytes(self) -> bytes:
        """The body exactly as sent (and, for PAI, hashed and signed)."""
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def target(self) -> str:
        """Path and query as they go on the wire (commas kept, as the seeds write them)."""
        if not self.params:
            return self.path
        return f"{self.path}?{urlencode(self.params, quote_via=quote, safe=',')}"


def segment(value: object) -> str:
    """A value as one path segment (``/v4/schedules/{id}``): everything but unreserved encoded."""
    return quote(str(value), safe="")


def path_id(value: object, field: str = "schedule_id") -> str:
    """An id the caller gave, checked and encoded for the path."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidFieldError(field, f"must be a non-empty string, got {value!r}")
    return segment(value)


def whole_number(value: object, field: str, *, low: int) -> int:
    """A page number or size: an int (not a bool) of at least ``low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidFieldError(field, f"must be an integer >= {low}, got {value!r}")
    return value


def iter_pages(
    fetch: Callable[[int], Mapping[str, Any]],
    *,
    items: str,
    page_size: int,
    item_id: str | None = None,
    total: str | None = None,
    size: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of a paged list; ``fetch(n)`` answers page ``n`` (from 1), items under ``items``.

    Ends at an empty page or a short one (fewer than ``page_size``, or than the page size the
    answer states under ``size`` when the service allows fewer), or once the answer's count under
    ``total`` has been seen. A page count the service states is not trusted (EngageLab's own
    example gives 5 pages of 50 for 1000 schedules). Items whose ``item_id`` was already given
    (a list that shifted between pages) are skipped, and a page that brings nothing new ends the
    walk, so a service that ignores the page number cannot loop it forever.
    """
    number, seen, given = 1, 0, set()
    while True:
        answer = fetch(number)
        page = [item for item in answer.get(items) or [] if item]
        fresh = 0
        for item in page:
            key = item.get(item_id) if item_id else None
            if key is not None and key in given:
                continue
            if key is not None:
                given.add(key)
            fresh += 1
            yield item
        seen += len(page)
        full = min(page_size, _count(answer.get(size)) or page_size) if size else page_size
        expected = _count(answer.get(total)) if total else None
        if len(page) < full or not fresh or (expected is not None and seen >= expected):
            return
        number += 1


def _count(value: object) -> int | None:
    """A count an answer states (an int or a string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() else None


def decode_body(raw: bytes) -> Any:
    """JSON when it is JSON; None for an empty body; the text itself otherwise (``success``)."""
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


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

    def error(self, call: ApiCall[Any], problem: ApiProblem, failure: Failure) -> EngageServiceError:
        """The exception the caller sees, for ``problem`` as the retry policy judged it (``failure``)."""
        ...


E = TypeVar("E", bound=EngageServiceError)


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
) -> E:
    """The vendor's exception for a failed call, carrying everything the problem knows."""
    may_have_taken_effect = failure.may_have_taken_effect
    return cls(
        describe_failure(vendor, call, problem, meaning=meaning, may_have_taken_effect=may_have_taken_effect),
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


class ConnectionLike(Protocol):
    """What the hooks read from an Airflow connection."""

    host: str | None
    port: int | None
    login: str | None
    password: str | None

    @property
    def extra_dejson(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Timeouts:
    connect: float = DEFAULT_CONNECT_TIMEOUT
    read: float = DEFAULT_READ_TIMEOUT

    @classmethod
    def from_extra(cls, extra: Mapping[str, Any], conn_type: str) -> Timeouts:
        def seconds(key: str, default: float) -> float:
            return _seconds(extra_value(extra, conn_type, key), key, default)

        return cls(
            connect=seconds("connect_timeout", DEFAULT_CONNECT_TIMEOUT),
            read=seconds("timeout", DEFAULT_READ_TIMEOUT),
        )


def _seconds(value: Any, field_name: str, default: float) -> float:
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise InvalidFieldError(field_name, f"must be a number of seconds, got {value!r}") from None
    if not 0 < seconds < float("inf") or isinstance(value, bool):
        raise InvalidFieldError(field_name, f"must be a number of seconds above 0, got {value!r}")
    return seconds


def retry_settings(extra: Mapping[str, Any], conn_type: str) -> RetrySettings:
    """Retry settings from plain or form-prefixed extra keys."""
    keys = ("max_retries", "retry_min_wait", "retry_max_wait")
    return RetrySettings.from_extra({key: extra_value(extra, conn_type, key) for key in keys})


def host_header(base_url: str) -> str:
    """The ``Host`` a server sees for ``base_url`` (``host:port`` unless the port is the default)."""
    netloc = urlsplit(base_url).netloc
    return netloc.rpartition("@")[2]


# --- one attempt's outcome, and the retry loop's arguments ---------------------------------------


class FailedAttempt(Exception):
    """What the retry loop sees: the policy's :class:`Failure` and the error the caller gets."""

    def __init__(self, failure: Failure, error: EngageServiceError) -> None:
        super().__init__(str(error))
        self.failure = failure
        self.error = error


def read_answer(dialect: Dialect, call: ApiCall[T], status: int, headers: Mapping[str, str], raw: bytes) -> T:
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
        raise _failed(dialect, call, problem, failure) from None


def no_answer(dialect: Dialect, call: ApiCall[Any], transport: Transport, detail: str) -> FailedAttempt:
    """The :class:`FailedAttempt` for a request that got no HTTP answer."""
    problem = ApiProblem(f"no answer from {call.path} ({detail})")
    return _failed(dialect, call, problem, Failure(creates=call.creates, transport=transport))


def _failed(dialect: Dialect, call: ApiCall[Any], problem: ApiProblem, failure: Failure) -> FailedAttempt:
    error = dialect.error(call, problem, failure)
    return FailedAttempt(failure, error)


def retry_arguments(
    settings: RetrySettings,
    *,
    sleep: Callable[[float], Any],
    on_retry: Callable[[FailedAttempt, int, float], None],
) -> dict[str, Any]:
    """Keyword arguments for tenacity's ``Retrying`` (an ``AsyncRetrying`` would differ only in ``sleep``).

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


def describe_retry(failed: FailedAttempt) -> str:
    """Why a try failed, for the log line before the pause."""
    failure = failed.failure
    if failure.transport is not None:
        return f"no answer ({failure.transport.value})"
    code = f", code {failure.vendor_code}" if failure.vendor_code is not None else ""
    return f"HTTP {failure.status}{code}"
