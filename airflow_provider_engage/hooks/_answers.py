"""Reading an answer, or the lack of one, into a result or the error the caller sees.

A vendor's :class:`Dialect` reads its answers and names its failures; :func:`read_answer` and
:func:`no_answer` turn a failed attempt into :class:`FailedAttempt`, which carries both what the
retry policy needs (:class:`~airflow_provider_engage.hooks._retry.Failure`) and the vendor
exception the caller gets once retrying stops. The messages never carry a header or a secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
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
    "json_object",
    "no_answer",
    "object_reader",
    "plain_text",
    "read_answer",
    "service_error",
    "vendor_code",
    "what_json",
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


def vendor_code(value: Any) -> int | str | None:
    """A vendor's error code as an int or a short string, whatever JSON the answer put there.

    Digits in a string are the number they spell (``"28203"``); a code of another kind (a list, an
    object: no service sends one) is kept as short text, so it can be shown and never breaks a
    look-up.
    """
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    text = value.strip() if isinstance(value, str) else json.dumps(value, default=str)
    if text.isascii() and text.lstrip("-").isdigit():
        return int(text)
    return text[:64]


def what_json(payload: Any) -> str:
    """What an answer holds, for a message: ``an empty answer``, ``text '<html>...'``, ``an array``."""
    if payload is None:
        return "an empty answer (or null)"
    if isinstance(payload, str):
        return f"text {plain_text(payload, 80)!r}"
    kind = "an object" if isinstance(payload, Mapping) else "an array" if isinstance(payload, list) else ""
    return kind or f"{json.dumps(payload)[:40]}"


def json_object(payload: Any, what: str = "the answer") -> dict[str, Any]:
    """``payload`` when it is a JSON object; else ValueError saying what came instead."""
    if not isinstance(payload, Mapping):
        raise ValueError(f"{what} is not a JSON object but {what_json(payload)}")
    return dict(payload)


def object_reader(
    what: str = "the answer", *, listing: str | None = None, id_key: str | None = None
) -> Callable[[Any], dict[str, Any]]:
    """A reader of an answer that must be a JSON object, for sync and async hooks alike.

    With ``listing``, a page whose list of that name holds objects (missing or null: an empty
    page); never read as empty when it is something else, since a create that took an unreadable
    page for "nothing yet" would make a duplicate. With ``id_key``, a create's answer, which must
    name what it created: without the id nobody can find it again.
    """

    def read(payload: Any) -> dict[str, Any]:
        found = json_object(payload, what)
        if listing is not None:
            items = found.get(listing)
            if items is not None and not (
                isinstance(items, list) and all(isinstance(item, Mapping) for item in items)
            ):
                raise ValueError(f"{listing} is not a list of objects but {what_json(items)}")
        if id_key is not None:
            value = found.get(id_key)
            if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
                raise ValueError(f"{what} has no {id_key}")
        return found

    return read


# What a page may quote of the request that carries a credential: a header line naming one
# (``Authorization: ...``, ``x-acs-security-token: ...``), or a scheme's token anywhere.
_CREDENTIAL_LINE = re.compile(
    r"(?im)^([ \t]*[\w-]*(?:authorization|token|signature|secret|key)[\w-]*[ \t]*[:=]).*$"
)
_CREDENTIAL_TOKEN = re.compile(
    r"(?i)\b(basic\s+|bearer\s+|credential=|signature=)(?=[^\s<>\"',;]*[0-9+/=])[^\s<>\"',;]{8,}"
)
WITHHELD = "[withheld]"


def plain_text(payload: Any, limit: int = 200) -> str:
    """A short excerpt of a non-JSON body (a proxy's HTML page, say), with whatever it quotes of
    the request's credentials withheld: some pages echo the request's headers back."""
    if payload is None:
        return ""
    text = _CREDENTIAL_LINE.sub(rf"\1 {WITHHELD}", str(payload)[: limit * 20])
    return _CREDENTIAL_TOKEN.sub(rf"\1{WITHHELD}", text)[:limit]


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
