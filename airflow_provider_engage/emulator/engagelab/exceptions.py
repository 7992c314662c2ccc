"""EngageLab AppPush's coded errors, answered as ``{"error": {"code", "message"}}``.

The backend (:mod:`.models`) raises these; the HTTP layer (:mod:`.responses`) turns any of them
into the service's answer in one place. A class carries what the wire needs and nothing of HTTP:
the vendor code, the message, and the status the code is answered with, read from
:mod:`airflow_provider_engage.engagelab_spec` (the facts the hooks call by). The codes raised in
many places or caught by name have a class; any other is raised as
``EngageLabError(message, code=...)``.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_engage import engagelab_spec
from airflow_provider_engage.input_errors import InvalidFieldError

__all__ = ["AuthenticationFailed", "EngageLabError", "InvalidSchedule", "ScheduleNotFound"]


class EngageLabError(Exception):
    """An answer the service gives as ``{"error": {"code", "message"}}`` with an HTTP status."""

    code = engagelab_spec.INTERNAL_ERROR

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def status(self) -> int:
        """The HTTP status the service answers this code with."""
        return engagelab_spec.http_status_of(self.code)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}

    @classmethod
    def from_invalid(cls, err: InvalidFieldError) -> EngageLabError:
        """A shared validation failure, answered with the code the rule names."""
        return cls(str(err), code=err.vendor_code or InvalidSchedule.code)


class InvalidSchedule(EngageLabError):
    code = engagelab_spec.SCHEDULE_INVALID


class AuthenticationFailed(EngageLabError):
    code = engagelab_spec.AUTH_FAILED


class ScheduleNotFound(EngageLabError):
    code = engagelab_spec.SCHEDULE_NOT_FOUND
