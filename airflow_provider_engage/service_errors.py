"""What a failed call to a vendor raises: the vendor's code, the HTTP status, the request id.

Both vendor errors share :class:`EngageServiceError`, so the one transport that sends every
request can retry failures without knowing the vendor: a failed attempt raises the very error
the caller gets, carrying the retry policy's judgement of it (``failure``). Bad input never gets
this far: it raises :class:`InvalidFieldError` (re-exported here) before any request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.providers.common.compat.sdk import AirflowException

from airflow_provider_engage.input_errors import InvalidFieldError

if TYPE_CHECKING:
    from airflow_provider_engage.hooks.retry import Failure

__all__ = [
    "EngageLabApiError",
    "EngageLabNotFoundError",
    "EngageServiceError",
    "InvalidFieldError",
    "PaiEngagementApiError",
    "PaiEngagementNotFoundError",
]


class EngageServiceError(AirflowException):
    """A call the service refused or that never got an answer.

    ``status_code`` is None when no HTTP answer came back (connection refused, dropped, timed out).
    ``may_have_taken_effect`` is True when a create may have been applied although it failed
    (the answer was lost): the caller should look for what it created instead of sending again.
    ``transient`` is True when a later try may succeed (throttled, a server error, no answer);
    False for a refusal no retry can change (bad credentials, a rule of the service).
    """

    vendor: str = "service"
    status_code: int | None  # type: ignore[assignment]  # the vendor's HTTP status, not Airflow's

    def __init__(
        self,
        message: str,
        *,
        operation: str = "request",
        status_code: int | None = None,
        vendor_code: int | str | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
        may_have_taken_effect: bool = False,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.status_code = status_code
        self.vendor_code = vendor_code
        self.vendor_message = vendor_message
        self.request_id = request_id
        self.may_have_taken_effect = may_have_taken_effect
        self.transient = transient
        self.failure: Failure | None = None  # what the transport retries by; not serialised

    def _details(self) -> dict[str, object]:
        return {
            "operation": self.operation,
            "status_code": self.status_code,
            "vendor_code": self.vendor_code,
            "vendor_message": self.vendor_message,
            "request_id": self.request_id,
            "may_have_taken_effect": self.may_have_taken_effect,
            "transient": self.transient,
        }

    def serialize(self) -> tuple[str, tuple[object, ...], dict[str, object]]:
        # Airflow rebuilds exceptions as cls(*args, **kwargs); the details must travel too.
        cls = type(self)
        return f"{cls.__module__}.{cls.__name__}", (str(self),), self._details()

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments do not survive the default pickling (multiprocessing, triggers).
        return (_rebuild, (type(self), str(self), self._details()))


def _rebuild(cls: type[EngageServiceError], message: str, details: dict[str, object]) -> EngageServiceError:
    return cls(message, **details)  # type: ignore[arg-type]


class EngageLabApiError(EngageServiceError):
    """EngageLab AppPush answered with an error (``{"error": {"code", "message"}}``) or not at all."""

    vendor = "EngageLab"


class EngageLabNotFoundError(EngageLabApiError):
    """The schedule or plan does not exist (HTTP 404, codes 28104/28404): already sent or deleted."""


class PaiEngagementApiError(EngageServiceError):
    """PAI User Engagement answered with a non-zero ``ErrorCode`` (even on HTTP 200), or not at all.

    ``error_code`` is an int from the API envelope (``ErrorCode``) or a gateway string such as
    ``"Throttling.User"``.
    """

    vendor = "PAI User Engagement"

    @property
    def error_code(self) -> int | str | None:
        return self.vendor_code


class PaiEngagementNotFoundError(PaiEngagementApiError):
    """The schedule does not exist (HTTP 404, or ErrorCode 404 in a 200 envelope): deleted, or a wrong id."""
